"""The creation forms accept numbers typed with thousands separators and say what to write, in the page's language."""

from __future__ import annotations

import re

from sqlalchemy import select

from checker.staff.models import Draft
from tests.staff.test_create import MEASURE, PARAMETER


def _errors(response) -> list[str]:
    """The field errors a form page shows."""
    return re.findall(r'field-error">(.*?)</strong>', response.get_data(as_text=True))


def _draft_text(mini_app, response, path: str) -> str:
    """The text of one file of the draft a creation form started."""
    assert response.status_code == 302, _errors(response)
    draft_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    with mini_app.extensions["checker"].sessions() as session:
        draft = session.scalars(select(Draft).where(Draft.id == draft_id)).one()
        return draft.changes[path] or ""


def test_a_threshold_typed_as_5_000_becomes_5000(mini_app, mini):
    data = {**MEASURE, "criteria-0-field": "rd_expense_wan", "criteria-0-value": "5,000",
            "criteria-0-quote": "研发费用达到5000万元的企业给予支持", "quote": "研发费用达到5000万元的企业给予支持"}
    text = _draft_text(mini_app, mini.post("/staff/new/measure", data=data), "measures/demo/demo-new.yaml")
    assert "rd_expense_wan >= 5000" in text and "5,000" not in text


def test_a_parameter_value_typed_as_5_000_becomes_5000(mini_app, mini):
    text = _draft_text(mini_app, mini.post("/staff/new/parameter", data={**PARAMETER, "value_1": "5,000"}),
                       "parameters/staff.yaml")
    assert "value: 5000" in text


def test_a_value_that_is_no_number_says_write_5000_in_the_pages_language(mini):
    data = {**PARAMETER, "value_1": "五千"}
    assert _errors(mini.post("/staff/new/parameter", data=data)) == ["请写一个数字，例如 5000 或 0.5（可以写千分位逗号 5,000）"]
    english = mini.post("/staff/new/parameter?lang=en", data=data)
    assert _errors(english) == ["write a number, e.g. 5000 or 0.5 (thousands separators such as 5,000 are fine)"]
    assert "无效的输入" not in english.get_data(as_text=True)


def test_a_bad_threshold_and_id_say_what_to_write(mini):
    page = mini.post("/staff/new/measure", data={**MEASURE, "id": "Demo New"})
    assert "只能用小写字母 a-z、数字 0-9 和连字符 -，并以字母开头，例如 demo-grant" in _errors(page)
    row = mini.post("/staff/new/measure", data={**MEASURE, "criteria-0-field": "rd_expense_wan",
                                                "criteria-0-value": "五千"}).get_data(as_text=True)
    assert "第1行" in row and "无效的输入" not in row  # the row, and what to write instead of WTForms' words


def test_a_window_closing_before_it_opens_is_said_in_the_pages_language(mini):
    data = {"opens": "2026-05-01", "closes": "2026-04-01"}
    chinese = _errors(mini.post("/staff/measures/grant-a/window", data=data))
    assert chinese == ["截止日期早于开始日期：截止日期须在开始日期当天或之后"]
    english = _errors(mini.post("/staff/measures/grant-a/window?lang=en", data=data))
    assert english == ["the closing date is before the opening date: it must be on or after the opening date"]
