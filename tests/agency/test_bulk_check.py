"""A job chunk checked in bulk (agency.bulk) stores what the row-by-row reading stores, byte for byte."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path
from types import SimpleNamespace

import pytest

from checker.agency import bulk, stored
from checker.agency.jobs import _row_verdicts, _verdicts
from checker.engine import EngineMismatch
from checker.engine.columnar import answer_column, evaluate

AS_OF = dt.date(2026, 6, 1)
EXAMPLE = "examples/haidian-software.json"
BOOLS = ("是", "否", "true", "false", "1", "0", "", "不详")
BAD = {"employees": ("many", "-5", "1e99"), "credit_code": ("91110108MA01A2B3CX",), "registered_on": ("2019-13-40",),
       "revenue_wan": ("lots",), "hte_certified_on": ("2031-01-01",)}


def text_rows(pack, n: int, seed: int = 11) -> list[SimpleNamespace]:
    """n job rows as a CSV upload stores them (every cell text, one header): varied figures, blanks, bad cells, an
    extra column, now and then a figure far too large (a unit slip) or no credit code."""
    with open(EXAMPLE, encoding="utf-8") as handle:
        base = json.load(handle)
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        factor = rng.uniform(0.01, 40)
        raw: dict[str, str] = {"id": f"c{i}"}
        for name, value in base.items():
            decl = pack.fields[name]
            if isinstance(value, bool):
                cell = rng.choice(BOOLS)
            elif decl.type in ("int", "decimal"):
                cell = str(round(value * factor) if decl.type == "int" else round(value * factor, 2))
            else:
                cell = str(value)
            if rng.random() < 0.08:
                cell = rng.choice(BAD.get(name, ("",)))
            raw[name] = "" if name == "credit_code" and rng.random() < 0.2 else cell
            if raw[name] == "" and rng.random() < 0.7:
                del raw[name]  # the CSV reader leaves most blank cells out of the row
        raw["备注"] = rng.choice(("", "老客户", "=1+1", "跟进"))
        rows.append(SimpleNamespace(id=i + 1, job_id=1, number=i + 2, raw=raw))
    return rows


def test_a_text_chunk_stores_what_the_row_by_row_reading_stores(pack, durable):
    rows = text_rows(pack, 400)
    job = SimpleNamespace(as_of=AS_OF, lang="zh")
    found = bulk.check_chunk(pack, rows, AS_OF)
    assert found is not None
    verdicts, _ = found
    expected = _row_verdicts(durable, job, rows)
    assert len(verdicts) == len(rows)
    for row, (result, problems) in zip(rows, verdicts):
        want, want_problems = expected[row.id]
        assert result == stored.encode(want), row.raw
        assert problems == want_problems, row.raw
        assert stored.decode(result) == want
    assert any(problems for _, problems in verdicts) and any("extra" in result for result, _ in verdicts)
    assert _verdicts(durable, job, rows) == dict(zip([r.id for r in rows], verdicts))  # the job takes the bulk path


def typed_rows(pack, n: int) -> list[SimpleNamespace]:
    """text_rows as an XLSX upload stores them: a number field's cell that reads as a number is an int or a float
    (as openpyxl gives a number cell), among them the odd ones: 1e99, -0.0, 1e-07, inf, 3.5 in an int field."""
    rows = text_rows(pack, n)
    odd = (1e99, -0.0, 1e-07, float("inf"), 3.5, 10**15, 12.0, -3)
    for i, row in enumerate(rows):
        for name, cell in row.raw.items():
            if name in pack.fields and pack.fields[name].type in ("int", "decimal"):
                try:
                    row.raw[name] = int(cell) if cell.lstrip("-").isdigit() else float(cell)
                except ValueError:
                    continue
                if i % 7 == 0:
                    row.raw[name] = odd[(i // 7) % len(odd)]
    return rows


def test_a_chunk_of_number_cells_stores_what_the_row_by_row_reading_stores(pack, durable):
    rows = typed_rows(pack, 400)
    assert sum(type(v) is float for r in rows for v in r.raw.values()) > 100
    job = SimpleNamespace(as_of=AS_OF, lang="zh")
    found = bulk.check_chunk(pack, rows, AS_OF)
    assert found is not None
    expected = _row_verdicts(durable, job, rows)
    for row, (result, problems) in zip(rows, found[0]):
        want, want_problems = expected[row.id]
        assert result == stored.encode(want), row.raw
        assert problems == want_problems, row.raw
    assert {p["code"] for _, problems in found[0] for p in problems} >= {"problem.too_large", "problem.not_whole"}


def test_a_chunk_with_a_cell_that_is_not_text_is_read_row_by_row(pack):
    rows = text_rows(pack, 5)
    rows[3].raw["employees"] = True  # 1, 1.0 and True must stay apart, as read_answers keeps them
    assert bulk.check_chunk(pack, rows, AS_OF) is None
    for name, number in (("备注", 120), ("id", 7), ("name", 3)):  # kept as given, or read as text by parse_value
        rows = text_rows(pack, 5)
        rows[3].raw[name] = number
        assert bulk.check_chunk(pack, rows, AS_OF) is None
    rows = text_rows(pack, 5)
    rows[2].raw = {"备注": "x", **rows[2].raw}  # a column before the id here, after every field elsewhere
    assert bulk.check_chunk(pack, rows, AS_OF) is None


def test_rows_with_gaps_share_the_header_of_the_file(pack):
    rows = text_rows(pack, 300)
    header = bulk.header_of(rows)
    assert header == ["id", *json.loads(Path(EXAMPLE).read_text(encoding="utf-8")), "备注"]
    assert len({tuple(row.raw) for row in rows}) > 50  # the rows do leave cells out


def test_a_disagreement_with_the_engine_still_stops_the_chunk(pack, durable, monkeypatch):
    rows = text_rows(pack, 20)
    job = SimpleNamespace(as_of=AS_OF, lang="zh")
    real = bulk.bodies
    monkeypatch.setattr(bulk, "bodies", lambda found: ["[]", *real(found)[1:]])
    with pytest.raises(EngineMismatch, match="row 2"):
        _verdicts(durable, job, rows)


def item_texts(column) -> list[str]:
    """The definition measure_texts follows: per row, stored.item_text of vector._stored's item."""
    m, other = column.matrix, column.measure.spec.applicant
    out = []
    for status, amount, failed, missing, held, save, cond in zip(m["status"], m["amount_wan"], m["failed"], m["missing"],
                                                                 m["held"], column.saving, m["condition"]):
        item = {"measure": column.measure.id, "status": status, "amount_wan": amount, "currency": column.currency}
        optional = {"failed": failed, "missing": missing.split(" ") if missing else None, "held": held,
                    "tax_saving_wan": save, "applicant": other if other != "company" else None, "condition": cond}
        item.update((k, v) for k, v in optional.items() if v)
        out.append(stored.item_text(item))
    return out


def test_each_item_text_is_its_item_dict_spelled_odd_money_included(pack):
    rows = text_rows(pack, 300, seed=5)
    reading = bulk.read_chunk(pack, rows, AS_OF)
    found = evaluate(pack, reading.table, AS_OF, failed=True)
    odd = [-0.0, 0.0, float("inf"), float("-inf"), 1e16, 1.5e-7, 123456789.1234, float("nan")]
    for c in found.columns:
        c.amount = c.amount.copy()
        c.saving = c.saving.copy()
        c.amount[: len(odd)] = odd
        c.saving[len(odd): 2 * len(odd)] = odd
        assert bulk.measure_texts(c) == item_texts(answer_column(c)), c.measure.id
    texts = [t for c in found.columns for t in bulk.measure_texts(c)]
    assert any('"i"' in t for t in texts) and any(',[],[' in t for t in texts)  # failed and open fields both spelled
    assert any("Infinity" in t for t in texts) and any("-0.0" in t for t in texts)
    assert any(c.held_rows.any() or c.condition_rows.any() for c in found.columns)


def test_a_blank_none_cell_is_an_empty_text_and_a_text_subclass_is_text(pack):
    rows = text_rows(pack, 6)
    rows[1].raw["employees"] = None  # a JSONL null
    rows[2].raw["name"] = type("Cell", (str,), {})("北京某某公司")
    header, table = bulk.text_table(rows)
    assert table[1][header.index("employees")] == "" and table[2][header.index("name")] == "北京某某公司"
    assert [row[: len(header)] for row in table] == [[str(r.raw.get(h) or "") for h in header] for r in rows]
    rows[4].raw["employees"] = 12
    assert bulk.text_table(rows) is None
