"""What the chart tests share: a chart's numbers as ECharts holds them, its table's numbers as a reader sees them,
and whether its canvas has anything drawn on it."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page

CHART = """sel => {
  const box = document.querySelector(sel);
  const chart = box && window.echarts && window.echarts.getInstanceByDom(box);
  if (!chart) { return null; }
  const option = chart.getOption();
  const axis = [...option.xAxis, ...option.yAxis].find(a => a.type === 'category');
  return {labels: axis.data, series: option.series.map(s => ({name: s.name, data: s.data}))};
}"""
INK = """sel => {
  const canvas = document.querySelector(sel + ' canvas');
  if (!canvas || !canvas.width || !canvas.height) { return 0; }
  const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let ink = 0;
  for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] > 0) { ink++; } }
  return ink;
}"""
TABLE = """id => {
  const table = document.getElementById(id);
  const head = [...table.tHead.rows[table.tHead.rows.length - 1].cells];
  const columns = head.map((th, i) => th.hasAttribute('data-series') ? i : -1).filter(i => i >= 0);
  const rows = [...table.tBodies[0].rows];
  return {labels: rows.map(r => r.cells[0].innerText.trim()),
          series: columns.map(c => ({name: head[c].innerText.trim(), text: rows.map(r => r.cells[c].innerText.trim())}))};
}"""


def number(text: str) -> float:
    """The number a table cell shows ("1,234.50", "20万元" -> 20)."""
    found = re.search(r"-?[\d,]+(?:\.\d+)?", text)
    assert found, f"no number in the cell {text!r}"
    return float(found.group(0).replace(",", ""))


def chart_of(page: Page, box: str) -> dict[str, Any]:
    """The categories and series the chart in the box draws (None if no chart was drawn there)."""
    return page.evaluate(CHART, box)


def table_of(page: Page, table_id: str) -> dict[str, Any]:
    """The table's row labels and, per charted column, its name and the numbers its cells show."""
    found = page.evaluate(TABLE, table_id)
    return {"labels": found["labels"],
            "series": [{"name": s["name"], "data": [number(t) for t in s["text"]]} for s in found["series"]]}


def assert_chart_matches_table(page: Page, box: str, table_id: str, scale: float = 1.0) -> dict[str, Any]:
    """The chart in the box is drawn (ink on its canvas) with the table's numbers (the shown ones, to 0.01; the
    chart's values times `scale` when the table shows another unit); returns the table."""
    chart, table = chart_of(page, box), table_of(page, table_id)
    assert chart is not None, f"no chart drawn in {box}"
    assert page.evaluate(INK, box) > 500, f"the canvas of {box} is empty"
    labels = [str(label) for label in chart["labels"]]
    assert len(labels) == len(table["labels"]) > 0
    assert all(a.startswith(b[:6]) or b.startswith(a[:6]) for a, b in zip(labels, table["labels"])), (labels, table)
    assert [s["name"] for s in chart["series"]] == [s["name"] for s in table["series"]]
    for drawn, shown in zip(chart["series"], table["series"]):
        assert [round(float(v) * scale, 2) for v in drawn["data"]] == [round(v, 2) for v in shown["data"]], (drawn, shown)
    return table
