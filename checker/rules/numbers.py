"""Lint: every number in a measure's tests and amount must be quoted from a source or marked an assumption.

A number is accepted when a cited quote (seed or document, or the period's confirmation) or a
marked assumption of the measure states it: `2亿元` states 20000 (万元) and 2, `40%` states 0.40
and 40, `一年` states 1 (and 365 days). The difference of two stated rates is accepted too
(a 10-point saving between the 25% and 15% rates). 0 and 1 are structural ("none", "at least one").
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from checker.problems import Problem
from checker.rules import expr as ex
from checker.rules.schema import MeasureFile, Text
from checker.rules.yamlsrc import Document, Loc, RuleError

STRUCTURAL = (0.0, 1.0)
CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_NUMBER = re.compile(r"(\d+(?:,\d{3})*(?:\.\d+)?)\s*(%|％|亿|万)?")
_CN_NUMBER = re.compile(r"([一二两三四五六七八九十])(?=[年个家项人倍分名类条])")
_EPS = 1e-9


def stated_numbers(text: str) -> set[float]:
    """The numbers a text states, in every unit a rule may write them in."""
    found: set[float] = set()
    for digits, unit in _NUMBER.findall(text):
        value = float(digits.replace(",", ""))
        found.add(value)
        if unit in ("%", "％"):
            found.add(value / 100)
        elif unit == "亿":
            found.add(value * 10000)
    found.update(float(CN_DIGITS[ch]) for ch in _CN_NUMBER.findall(text))
    return found


def literals(node: ex.Node) -> Iterator[float]:
    """Every numeric constant of an expression (a negated constant counts as its size)."""
    if isinstance(node, ex.Const) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        yield abs(float(node.value))
    if isinstance(node, ex.InSet):
        yield from (abs(float(v)) for v in node.values if isinstance(v, (int, float)) and not isinstance(v, bool))
    for child in ex.children(node):
        yield from literals(child)


def _texts(spec: MeasureFile) -> list[str]:
    quotes = [s.quote for s in spec.source if s.quote]
    if spec.period and spec.period.confirmed_by and spec.period.confirmed_by.quote:
        quotes.append(spec.period.confirmed_by.quote)
    return quotes + [t.zh + " " + t.en for t in spec.assumptions]


def _accepted(value: float, stated: set[float]) -> bool:
    if any(abs(value - s) < _EPS for s in (*stated, *STRUCTURAL)):
        return True
    if value >= 365 and value % 365 == 0 and any(abs(value / 365 - s) < _EPS for s in stated):
        return True
    rates = [s for s in stated if s < 1]
    return value < 1 and any(abs(value - abs(a - b)) < _EPS for a in rates for b in rates if a != b)


def _check(doc: Document, loc: Loc, source: str, stated: set[float]) -> list[RuleError]:
    try:
        node = ex.parse(source)
    except ex.ExprError:
        return []  # the expression checker reports syntax errors
    bad = sorted({v for v in literals(node) if not _accepted(v, stated)})
    return [doc.error(loc, Problem("lint.unquoted_number", {"number": v})) for v in bad]


def _marked(assumption: Text | None) -> set[float]:
    return stated_numbers(assumption.zh + " " + assumption.en) if assumption else set()


def unquoted_numbers(doc: Document, spec: MeasureFile) -> list[RuleError]:
    """An error for each number in a criterion test or the benefit amount that no quote or assumption states."""
    stated: set[float] = set()
    for text in _texts(spec):
        stated |= stated_numbers(text)
    errors: list[RuleError] = []
    for i, crit in enumerate(spec.criteria):
        errors += _check(doc, ("criteria", i, "test"), crit.test, stated | _marked(crit.assumption))
    if spec.benefit.amount:
        errors += _check(doc, ("benefit", "amount"), spec.benefit.amount, stated | _marked(spec.benefit.assumption))
    return errors
