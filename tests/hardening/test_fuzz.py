"""Hostile input: every reader and parser answers with a clear error, never a crash."""

from __future__ import annotations

import datetime as dt
import json
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.batch import BatchFormatError, BatchReport, check_rows, read_rows
from checker.rules.expr import ExprError, parse
from checker.rules.profile import parse_profile
from checker.rules.typecheck import check
from checker.rules.yamlsrc import RuleError, load_text

AS_OF = dt.date(2026, 6, 1)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=400, deadline=None)
@given(raw=st.dictionaries(st.sampled_from(["employees", "revenue_wan", "registered_on", "core_ip", "entity_type",
                                            "credit_code", "industry_code", "nonsense", "id"]), JSON_VALUES))
def test_profile_parser_turns_any_json_into_values_or_named_problems(pack, raw):
    values, problems = parse_profile(raw, pack.fields)
    assert set(values) <= set(pack.fields)
    for problem in problems:
        assert problem.field in raw and problem.message
    assert not (set(values) & {p.field for p in problems})


@pytest.mark.parametrize("number", [float("nan"), float("inf"), -float("inf"), 1e300, "NaN", "Infinity", "1e400"])
def test_nan_infinity_and_huge_numbers_are_rejected_by_field(pack, number):
    _, problems = parse_profile({"revenue_wan": number}, pack.fields)
    assert [p.field for p in problems] == ["revenue_wan"]


@settings(max_examples=500, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(list("abc_ 01.%()[],'<>=!+-*/andornotin")), max_size=60))
def test_expression_parser_accepts_or_rejects_with_an_expr_error(pack, text):
    try:
        check(parse(text), pack.types)
    except ExprError as error:
        assert error.message


def test_deeply_nested_expression_is_refused_not_a_recursion_crash():
    with pytest.raises(ExprError, match="nested deeper"):
        parse("(" * 500 + "1" + ")" * 500)
    with pytest.raises(ExprError, match="longer than"):
        parse("1 + " * 1000 + "1")


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=300))
def test_csv_reader_never_crashes_on_random_bytes(tmp_path_factory, durable, data):
    path = tmp_path_factory.mktemp("csv") / "in.csv"
    path.write_bytes(data)
    report = BatchReport()
    try:
        list(check_rows(durable, read_rows(path), AS_OF, report))
    except BatchFormatError as error:
        assert str(error)


def test_deeply_nested_jsonl_line_is_a_row_error(tmp_path, durable):
    path = tmp_path / "in.jsonl"
    path.write_text('{"a": ' + "[" * 100_000 + "]" * 100_000 + "}\n" + json.dumps({"employees": 3}) + "\n")
    report = BatchReport()
    rows = list(check_rows(durable, read_rows(path), AS_OF, report))
    assert len(rows) == 1 and report.problems[0].row == 1


def test_a_file_that_is_not_xlsx_is_a_format_error(tmp_path):
    path = tmp_path / "in.xlsx"
    path.write_bytes(b"PK\x03\x04 this is not a workbook")
    with pytest.raises(BatchFormatError, match="cannot (be )?open"):
        list(read_rows(path))


def test_an_xlsx_zip_bomb_is_refused_before_it_is_inflated(tmp_path):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (300 * 1024 * 1024))
    with pytest.raises(BatchFormatError, match="uncompressed"):
        list(read_rows(path))


@pytest.mark.parametrize("text", [
    "a: !!python/object/apply:os.system ['true']\n",
    "a: !!python/name:os.system\n",
    "a: &x [*x]\n",
    "- " * 10 + "x\n",
])
def test_yaml_that_tries_to_construct_objects_is_rejected_or_plain(text):
    loaded = load_text(text, "hostile.yaml")
    if isinstance(loaded, RuleError):
        assert loaded.message
    else:
        assert json.dumps(loaded.data)


def test_csv_with_a_bom_and_excel_gbk_both_read(tmp_path):
    for encoding in ("utf-8-sig", "gbk"):
        path = tmp_path / f"{encoding}.csv"
        path.write_bytes("name,employees\n北京科技,5\n".encode(encoding))
        rows = list(read_rows(path))
        assert rows[0].raw == {"name": "北京科技", "employees": "5"}
