"""Each answer of a form or interview step is parsed once, also when some are rejected and the rest re-checked."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest

from checker.company import answers
from checker.rules import profile
from checker.rules.pack import RulePack
from checker.web import interview

AS_OF = dt.date(2025, 6, 30)


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How often each field's answer is parsed."""
    seen: Counter[str] = Counter()
    real = profile.parse_value

    def counting(decl: Any, raw: Any) -> Any:
        seen[decl.id] += 1
        return real(decl, raw)

    monkeypatch.setattr(profile, "parse_value", counting)
    return seen


def test_the_form_parses_each_answer_once(pack: RulePack, parsed: Counter[str]) -> None:
    checked = answers.check(pack, {"employees": "10", "tech_staff": "11", "revenue_wan": "abc"}, AS_OF)
    assert set(checked.errors) == {"tech_staff", "revenue_wan"}
    assert parsed == Counter({"employees": 1, "tech_staff": 1, "revenue_wan": 1})


def test_the_interview_rechecks_without_bad_answers_and_parses_each_once(pack: RulePack, parsed: Counter[str]) -> None:
    values = interview.values_of(pack, {"employees": "10", "revenue_wan": "abc", "rd_expense_wan": "50"}, AS_OF)
    assert values == {"employees": 10, "rd_expense_wan": 50.0}
    assert parsed == Counter({"employees": 1, "revenue_wan": 1, "rd_expense_wan": 1})
