"""Reading a file's rows a column at a time (columns.read_table) gives what read_answers gives row by row: the same
typed answers, ids, extra columns and problems, for the spellings Chinese Excel and WPS files hold."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import numpy as np
import pytest

from checker.columns import nearest_labels, read_answers, read_table, table_header
from checker.engine.columnar import table_profile, typed_column
from checker.rules.pack import RulePack

AS_OF = dt.date(2026, 6, 1)
SPELLINGS: dict[str, list[str]] = {  # what people type, beside blanks, unknowns and bad cells
    "employees": ["120", "1,200", "１２０", "3万", "many", "-5", "1e99", "80"],
    "tech_staff": ["30", "5", "2000", "abc", "40"],
    "revenue_wan": ["5000", "5,000", "1.2亿", "3000万元", "5000元", "3千万", "12000000", "800"],
    "registered_on": ["2021/11/7", "2021年11月7日", "20211107", "44500", "2019/13/40", "someday", "2018-03-01"],
    "district": ["海淀区", "海淀", "haidian", "朝阳", "Mars"],
    "credit_code": ["91110108MA01ABCD1X", "91110108551385082Q", "not a code"],
    "legal_form": ["enterprise", "企业", "事业单位", "social_organisation", "x"],
}
BLANKS = ["", "  ", "不知道", "unknown", "N/A"]


def header_of(pack: RulePack) -> list[str]:
    """An upload's header: the id, some fields by Chinese label, some by code, and two extra columns."""
    fields = [f for f in SPELLINGS if f in pack.fields]
    labelled = [pack.fields[f].label.zh if i % 2 else f for i, f in enumerate(fields)]
    return ["客户编号", *labelled, "联系人", "备注"]


def rows_of(pack: RulePack, header: list[str], n: int, seed: int, credit: bool) -> list[list[str]]:
    """n rows of cells, about a fifth blank or unknown, some bad, some rows short."""
    rng = random.Random(seed)
    fields = [f for f in SPELLINGS if f in pack.fields]
    rows = []
    for i in range(n):
        cells = [rng.choice([f"c-{i}", "", f"c-{i % 7}"])]
        for f in fields:
            if f == "credit_code" and not credit:
                cells.append("")
            else:
                cells.append(rng.choice(BLANKS) if rng.random() < 0.2 else rng.choice(SPELLINGS[f]))
        cells += [rng.choice(["张三", "", "=1+1"]), rng.choice(["", "备注"])]
        rows.append(cells[: len(cells) - rng.choice([0, 0, 0, 1, 2])])
    return rows


def typed(pack: RulePack, values: dict[str, Any]) -> dict[str, Any]:
    """Answers as the columnar engine holds them (so 5000 and 5000.0 and Decimal('5000') compare equal)."""
    out = {}
    for fid, value in values.items():
        column = typed_column(pack.fields[fid].type, [value])
        out[fid] = column[0].item() if isinstance(column[0], np.generic) else column[0]
    return out


@pytest.mark.parametrize("credit", [False, True])
def test_read_table_equals_read_answers_row_by_row(pack: RulePack, credit: bool) -> None:
    header = header_of(pack)
    assert table_header(pack, header)
    rows = rows_of(pack, header, 400, 5 if credit else 6, credit)
    found = read_table(pack, header, rows, AS_OF)
    problems = 0
    for row, cells in enumerate(rows):
        raw = {name: cell for name, cell in zip(header, cells) if name and cell and not cell.isspace()}
        expected = read_answers(pack, raw, AS_OF)
        assert found.problems[row] == expected.problems, (row, cells)
        assert typed(pack, table_profile(pack, found.table, row)) == typed(pack, expected.values), (row, cells)
        assert {k: col[row] for k, col in found.extra.items() if col[row] is not None} == expected.extra
        ident = next((c for c in cells[:1] if c and c.strip() and c.strip().lower() not in ("unknown",)), None)
        assert found.ids[row] == ident
        problems += bool(expected.problems)
    assert 50 < problems < 400  # bad cells, implausible numbers and inconsistent answers do occur


def test_a_column_of_amounts_reads_as_read_answers_reads_each_row(pack: RulePack) -> None:
    """Number columns whose cells mostly differ take the all-at-once reading (plain numbers of every cell, the rest
    per distinct cell); their bad, blank, implausible and fancy cells still read as read_answers reads them."""
    header = ["客户编号", "employees", pack.fields["revenue_wan"].label.zh, "tech_staff", "联系人"]
    rng = random.Random(8)
    odd = [*SPELLINGS["revenue_wan"], *BLANKS, "20000000", "-1"]
    rows = [[f"c-{i}", str(rng.randrange(1, 5000)) if rng.random() < 0.9 else rng.choice(SPELLINGS["employees"]),
             f"{rng.uniform(0, 9e4):.2f}" if rng.random() < 0.85 else rng.choice(odd),
             rng.choice(["", "30"]), "张三"] for i in range(300)]
    found = read_table(pack, header, rows, AS_OF)
    warned = 0
    for row, cells in enumerate(rows):
        raw = {name: cell for name, cell in zip(header, cells) if cell and not cell.isspace()}
        expected = read_answers(pack, raw, AS_OF)
        assert found.problems[row] == expected.problems, (row, cells)
        assert typed(pack, table_profile(pack, found.table, row)) == typed(pack, expected.values), (row, cells)
        warned += any(p.problem.code == "problem.implausible" for p in expected.problems)
    assert warned and sum(map(bool, found.problems)) > 20  # implausible amounts and bad cells both occur


def test_no_rows_read_as_empty_columns_of_each_fields_type(pack: RulePack) -> None:
    header = ["客户编号", "employees", "district", "registered_on", "hte_certified"]
    found = read_table(pack, header, [], AS_OF)
    for fid in header[1:]:
        assert len(found.table[fid]) == 0
        assert found.table[fid].dtype == typed_column(pack.fields[fid].type, []).dtype, fid


def test_a_header_naming_a_field_twice_is_read_row_by_row(pack: RulePack) -> None:
    assert not table_header(pack, ["employees", "职工人数" if pack.fields["employees"].label.zh == "职工人数" else
                                   pack.fields["employees"].label.zh])
    assert not table_header(pack, ["备注", "备注"])


def test_a_plain_number_reads_as_parse_value_reads_it_or_is_left_to_it(pack: RulePack) -> None:
    from checker.rules.profile import parse_value, plain_number

    rng = random.Random(4)
    texts = ["0", "-0", "+7", "007", "12.0", "12.", "1e3", " 12", "5,000", "1" * 14, "9" * 400, "-3.25", "0.1", "80"]
    texts += [f"{rng.choice(['', '-', '+'])}{rng.randrange(10 ** rng.randrange(1, 14))}" +
              rng.choice(["", f".{rng.randrange(1000)}"]) for _ in range(2000)]
    fields = [d for d in pack.fields.values() if d.type in ("int", "decimal")]
    taken = 0
    for text in texts:
        for decl in fields:
            fast = plain_number(decl, text)
            if fast is None:
                continue
            taken += 1
            value = parse_value(decl, text)
            assert (fast, type(fast)) == (value, type(value)), (decl.id, text)
    assert taken > len(texts)  # most plain numbers take the short way
    assert plain_number(pack.fields["employees"], "-5") is None  # below the minimum: parse_value says so


def test_plain_numbers_read_a_column_as_plain_number_reads_each_cell(pack: RulePack) -> None:
    """The column-at-once reading of plain numbers takes exactly the cells plain_number takes, with the same values
    (the sign of zero included), and leaves every other spelling (Chinese Excel's too) to parse_value."""
    import math

    from checker.rules.profile import plain_number, plain_numbers

    rng = random.Random(9)
    texts = ["0", "-0", "+7", "007", "12.0", "12.", "1e3", " 12", "12 ", "5,000", "5，000", "１２０", "٣", "1" * 14,
             "9" * 400, "-3.25", "0.1", "2.675", "", "+", "-", ".", ".5", "5..", "1.2.3", "+-5", "--5", "5-", "1\0",
             "\0" + "1", "1_000", "inf", "nan", "0x10", "1" * 24, "1" * 25, "0" * 23 + "7", "-" + "0" * 23,
             "1000000000000", "1000000000001", "-1000000000000.0", "1e99", *BLANKS,
             *(cell for cells in SPELLINGS.values() for cell in cells)]
    texts += [f"{rng.choice(['', '-', '+', '0'])}{rng.randrange(10 ** rng.randrange(1, 16))}"
              + rng.choice(["", f".{rng.randrange(10 ** rng.randrange(1, 8))}", "."]) for _ in range(3000)]
    fields = [d for d in pack.fields.values() if d.type in ("int", "decimal")]
    taken = 0
    short = [text for text in texts if len(text) <= 5]  # read at the width of the longest cell
    for decl, cells in [(decl, cells) for decl in fields + [pack.fields["registered_on"], pack.fields["district"]]
                        for cells in (texts, short)]:
        read, values = plain_numbers(decl, cells)
        for text, fast, value in zip(cells, read.tolist(), values.tolist()):
            one = plain_number(decl, text)
            assert fast == (one is not None), (decl.id, text)
            if one is None:
                assert math.isnan(value), (decl.id, text)
                continue
            taken += 1
            assert value == one and math.copysign(1, value) == math.copysign(1, one), (decl.id, text, value, one)
    assert taken > len(texts) * len(fields) // 3  # many of them are plain numbers in range


def test_the_closest_labels_of_an_unread_header_are_in_its_language_and_none_for_a_users_own_column(pack: RulePack) -> None:
    assert nearest_labels(pack, "成立日期") == [pack.fields["registered_on"].label.zh]
    assert nearest_labels(pack, "Employees") == [pack.fields["employees"].label.en]
    assert pack.fields["rd_expense_wan"].label.zh in nearest_labels(pack, "研发费用（万元）")  # its unit note ignored
    assert nearest_labels(pack, "联系人") == nearest_labels(pack, "Contact") == []
    assert len(nearest_labels(pack, "营业收入（万元）")) <= 2
