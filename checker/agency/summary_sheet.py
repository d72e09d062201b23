"""The workbook's first sheet "汇总": a pivot-style table (measures × 可申报 / 待完善 / 已获得 / 万元, with totals),
money by type, and native Excel charts of both, written by XlsxWriter.

The data sheets stay with the streaming writer (checker/sheets/xlsx.py, ten times faster a cell, see
bench/README-xlsx-charts.md): XlsxWriter writes this one small sheet in constant-memory mode (inline strings, no
cell formats, so it needs neither the shared-string table nor its styles), and its sheet, drawing and chart parts
are copied into the streamed package as sheet 1.
"""

from __future__ import annotations

import re
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import xlsxwriter

from checker.i18n import translate
from checker.sheets.verdicts import Summary

NAME = "汇总"
CHART_MEASURES = 15  # measures in the stacked chart (the table lists every measure with a client)
KINDS = ("cash", "tax_saving", "financing")
PARTS = re.compile(r"^xl/(worksheets/sheet1\.xml|worksheets/_rels/sheet1\.xml\.rels|drawings/.+|charts/.+)$")
OVERRIDE = re.compile(r'<Override PartName="/xl/(?:drawings|charts)/[^"]+" ContentType="[^"]+"/>')


def _rows(summary: Summary, lang: str) -> list[list[Any]]:
    """The pivot table: header, one row per measure with any client 可申报, 待完善 or 已获得 (most 可申报 first), totals."""
    measures = sorted((m for m in summary.measures if m.counted or m.counts.get("undetermined") or m.held),
                      key=lambda m: (-m.counted, -m.counts.get("undetermined", 0), m.measure))
    head = [translate(f"agency.{k}", lang) for k in ("measure", "eligible", "undetermined", "held", "money_wan")]
    body: list[list[Any]] = [[m.title, m.counted, m.counts.get("undetermined", 0), m.held, round(m.amount_wan, 2)]
                             for m in measures]
    total = [translate("agency.total", lang), *(sum(r[i] for r in body) for i in (1, 2, 3)),
             round(sum(r[4] for r in body), 2)]
    return [head, *body, total]


def write_summary(summary: Summary, lang: str, folder: str) -> Path:
    """The one-sheet workbook of the summary with its charts, as a file in the folder."""
    path = Path(folder) / "summary.xlsx"
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet(NAME)
    rows = _rows(summary, lang)
    for r, row in enumerate(rows):
        sheet.write_row(r, 0, row)
    money_at = len(rows) + 1
    sheet.write_row(money_at, 0, [translate("agency.money_type", lang), translate("agency.money_wan", lang)])
    for i, kind in enumerate(KINDS, 1):
        sheet.write_row(money_at + i, 0, [translate(f"agency.money_{kind}", lang), round(summary.money.get(kind) or 0, 2)])
    sheet.set_column(0, 0, 36)
    sheet.set_column(1, 4, 12)
    shown = min(len(rows) - 2, CHART_MEASURES)
    if shown > 0:
        stacked = book.add_chart({"type": "bar", "subtype": "stacked"})
        for col, pattern in ((1, None), (2, "wide_upward_diagonal"), (3, "percent_50")):
            series: dict[str, Any] = {"name": [NAME, 0, col], "categories": [NAME, 1, 0, shown, 0],
                                      "values": [NAME, 1, col, shown, col]}
            if pattern:  # survives greyscale printing
                series["pattern"] = {"pattern": pattern, "fg_color": "#404040", "bg_color": "#FFFFFF"}
            stacked.add_series(series)
        stacked.set_title({"name": translate("agency.chart_by_measure", lang)})
        stacked.set_y_axis({"reverse": True})
        sheet.insert_chart(0, 6, stacked, {"x_scale": 1.6, "y_scale": 1.4})
    money = book.add_chart({"type": "column"})
    money.add_series({"name": [NAME, money_at, 1], "categories": [NAME, money_at + 1, 0, money_at + 3, 0],
                      "values": [NAME, money_at + 1, 1, money_at + 3, 1], "points": [
                          {"fill": {"color": "#1B3A5C"}},
                          {"pattern": {"pattern": "wide_upward_diagonal", "fg_color": "#404040", "bg_color": "#FFFFFF"}},
                          {"pattern": {"pattern": "percent_50", "fg_color": "#404040", "bg_color": "#FFFFFF"}}]})
    money.set_title({"name": translate("agency.chart_money", lang)})
    money.set_legend({"none": True})
    sheet.insert_chart(22, 6, money)
    book.close()
    return path


def summary_parts(summary: Summary, lang: str) -> tuple[dict[str, bytes], list[str]]:
    """The summary sheet's package parts (sheet 1, its drawing and charts) and their content-type overrides."""
    with tempfile.TemporaryDirectory() as folder, zipfile.ZipFile(write_summary(summary, lang, folder)) as package:
        parts = {name: package.read(name) for name in package.namelist() if PARTS.match(name)}
        overrides = OVERRIDE.findall(package.read("[Content_Types].xml").decode("utf-8"))
    return parts, overrides
