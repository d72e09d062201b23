"""Cells as Chinese Excel, WPS and people write them: dates, numbers, option labels, headers, bad cells."""

from __future__ import annotations

import datetime as dt

import pytest

from checker.columns import field_of, read_answers, row_id
from checker.problems import ProblemError
from checker.rules.profile import parse_value

NOV7 = dt.date(2021, 11, 7)


@pytest.mark.parametrize("raw", ["2021/11/7", "2021-11-07", "2021.11.7", "2021年11月7日", "2021年11月7", "20211107",
                                 "２０２１/１１/７", " 2021/11/07 ", "2021/11/7 0:00", "2021-11-07 00:00:00", 44507,
                                 44507.0, "44507", dt.datetime(2021, 11, 7), NOV7])
def test_every_date_form_reads_as_the_same_day(pack, raw):
    assert parse_value(pack.fields["registered_on"], raw) == NOV7


@pytest.mark.parametrize("raw", ["7/11/2021", "11月7日", "1234", 3, "昨天"])
def test_ambiguous_or_unreadable_dates_are_refused_as_not_a_date(pack, raw):
    with pytest.raises(ValueError, match="is not a date"):
        parse_value(pack.fields["registered_on"], raw)


@pytest.mark.parametrize("raw", ["2019/13/40", "2019年2月30日", "2021/2/29", "20210431", "2021-00-10"])
def test_a_date_written_right_but_for_no_such_day_says_no_such_date_not_a_format_error(pack, raw):
    with pytest.raises(ProblemError) as caught:
        parse_value(pack.fields["registered_on"], raw)
    assert caught.value.problem.code == "problem.no_such_date"
    assert caught.value.problem.text("zh") == f"“{raw}”不是存在的日期（月份为 1–12，日不超过当月天数）"


def test_the_last_day_of_february_of_a_leap_year_is_a_date(pack):
    assert parse_value(pack.fields["registered_on"], "2020/2/29") == dt.date(2020, 2, 29)


@pytest.mark.parametrize(("field", "raw", "value"), [
    ("employees", "5,000", 5000), ("employees", "5，000", 5000), ("employees", "１２", 12), ("employees", "30人", 30),
    ("employees", "1.2万", 12000), ("revenue_wan", "500万", 500.0), ("revenue_wan", "500万元", 500.0),
    ("revenue_wan", "1,200.5", 1200.5), ("revenue_wan", "3000000元", 300.0), ("revenue_wan", "2亿", 20000.0),
    ("revenue_wan", "1.2亿", 12000.0), ("revenue_wan", "1.2亿元", 12000.0), ("revenue_wan", "3000万", 3000.0),
    ("revenue_wan", "１.２亿", 12000.0), ("revenue_wan", "亿", None), ("revenue_wan", "很多亿", None),
])
def test_numbers_with_separators_units_and_wan(pack, field, raw, value):
    if value is None:
        with pytest.raises(ValueError, match="is not a number"):
            parse_value(pack.fields[field], raw)
    else:
        assert parse_value(pack.fields[field], raw) == value


@pytest.mark.parametrize(("field", "raw", "code"), [
    ("district", "海淀区", "haidian"), ("district", "海淀", "haidian"), ("district", "Haidian", "haidian"),
    ("district", "haidian", "haidian"), ("province", "北京", "beijing"), ("province", "北京市", "beijing"),
    ("entity_type", "企业", "enterprise"), ("entity_type", "科技企业孵化器", "incubator"),
    ("legal_form", "企业", "enterprise"), ("legal_form", "事业单位", "public_institution"),
    ("tax_assessment", "查账征收", "audit"),
])
def test_options_by_code_or_chinese_or_english_label(pack, field, raw, code):
    assert parse_value(pack.fields[field], raw) == code


def test_a_wrong_option_lists_the_accepted_labels(pack):
    with pytest.raises(ValueError) as caught:
        parse_value(pack.fields["district"], "浦东新区")
    assert str(caught.value).startswith("'浦东新区' is not one of 海淀区 (haidian), 朝阳区 (chaoyang)")


@pytest.mark.parametrize(("raw", "value"), [("是", True), ("否", False), ("true", True), ("FALSE", False), ("1", True),
                                            ("0", False), ("yes", True), ("No", False), (1, True), (0.0, False)])
def test_yes_no_answers(pack, raw, value):
    assert parse_value(pack.fields["hte_certified"], raw) is value


@pytest.mark.parametrize(("header", "fid"), [
    ("registered_on", "registered_on"), ("注册成立日期", "registered_on"), ("Date of registration", "registered_on"),
    ("职工总数（人）", "employees"), ("职工总数(人)", "employees"), ("上一年度销售（营业）收入（万元）", "revenue_wan"),
    ("北京注册区", "district"), ("编号", "id"), ("客户编号", "id"), ("联系人", None), ("备注", None),
])
def test_headers_by_code_or_label_with_or_without_unit(pack, header, fid):
    assert field_of(pack, header) == fid


def test_a_bad_cell_is_unknown_with_a_problem_and_the_rest_is_read(pack):
    raw = {"编号": "甲", "注册成立日期": "2021/11/7", "北京注册区": "浦东", "职工总数（人）": "5,000", "联系人": "王经理",
           "备注": "", "上一年度销售（营业）收入（万元）": "很多"}
    reading = read_answers(pack, raw, dt.date(2026, 6, 1))
    assert reading.values == {"registered_on": NOV7, "employees": 5000, "company_not_yet_registered": False}  # registered
    assert [(p.field, p.message.split(" is not")[0]) for p in reading.problems] == [("北京注册区", "'浦东'"),
                                                                                  ("上一年度销售（营业）收入（万元）", "'很多'")]
    assert "海淀区 (haidian)" in reading.problems[0].message
    assert reading.extra == {"联系人": "王经理"}
    assert row_id(pack, raw, 9) == "甲" and row_id(pack, {"x": 1}, 9) == 9


def test_inconsistent_answers_become_unknown_not_a_rejection(pack):
    reading = read_answers(pack, {"employees": 10, "tech_staff": 50, "revenue_wan": 100}, dt.date(2026, 6, 1))
    assert reading.values == {"revenue_wan": 100.0}
    assert [p.field for p in reading.problems] == ["tech_staff"]


@pytest.mark.parametrize(("raw", "number"), [("3千万", "3000"), ("3千万元", "3000"), ("1.5千万", "1500")])
def test_qian_wan_is_refused_with_the_number_to_write_in_wan(pack, raw, number):
    with pytest.raises(ProblemError) as caught:
        parse_value(pack.fields["revenue_wan"], raw)
    assert caught.value.problem.code == "problem.write_in_wan"
    assert caught.value.problem.text("zh") == f"“{raw}”请写成 {number}（单位：万元）"


CODE = "91110108MA01A2B3CF"


@pytest.mark.parametrize("raw", [9.11101017847025e+17, 911101017847025000, "9.11101017847025E+17", "9.11101E+17"])
def test_a_credit_code_excel_turned_into_a_number_is_told_so_not_a_bad_check_digit(pack, raw):
    with pytest.raises(ProblemError) as caught:
        parse_value(pack.fields["credit_code"], raw)
    assert caught.value.problem.code == "problem.code_as_number"
    assert caught.value.problem.text("zh").startswith("该列须为文本：Excel 把信用代码")
    assert caught.value.problem.text("en").startswith("this column must be text: Excel turned the code")


def test_a_credit_code_as_text_still_has_its_check_digit_checked(pack):
    assert parse_value(pack.fields["credit_code"], CODE) == CODE
    with pytest.raises(ProblemError) as caught:
        parse_value(pack.fields["credit_code"], CODE[:-1] + "D")
    assert caught.value.problem.code == "problem.bad_credit_code"


@pytest.mark.parametrize(("field", "raw", "code"), [
    ("employees", "1e999999", "problem.too_large"), ("employees", "-1e999999", "problem.too_large"),
    ("employees", "1e990000000", "problem.not_finite"), ("revenue_wan", "1e990000000", "problem.not_finite"),
    ("revenue_wan", "1e990000000万", "problem.not_finite"), ("revenue_wan", "3e990000000千万", "problem.not_finite"),
    ("revenue_wan", "1e999999", "problem.not_finite")])
def test_an_absurd_exponent_is_a_bad_cell_quickly_not_a_crash_or_a_stall(pack, field, raw, code):
    """A cell past Decimal's exponent range was a decimal.Overflow out of the reader (the whole batch stopped), and an
    integer field's 1e999999 was turned into a million-digit int first (minutes of CPU) before being refused
    (a regression shows as this test stalling)."""
    with pytest.raises(ProblemError) as refused:
        parse_value(pack.fields[field], raw)
    assert refused.value.problem.code == code
