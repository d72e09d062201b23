"""Embedded examples of measures: their profiles and dates, linted on load (checker.ruletest runs them)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from checker.problems import Problem
from checker.rules.messages import THOUSANDS, unknown
from checker.rules.pack import Measure, RulePack
from checker.rules.profile import FieldProblem, parse_profile
from checker.rules.schema import Example
from checker.rules.yamlsrc import RuleError

DEFAULT_AS_OF = dt.date(2026, 6, 1)
MISSING_SIDE = {"eligible": Problem("lint.example_no_eligible"), "ineligible": Problem("lint.example_no_ineligible")}


def example_profile(measure: Measure, example: Example) -> dict[str, Any]:
    """The raw profile of an example: the measure's base with the example's changes."""
    merged = dict(measure.spec.example_base)
    merged.update(example.profile)
    return {k: v for k, v in merged.items() if v is not None}


def example_as_of(measure: Measure, example: Example) -> dt.date:
    """The check date of an example."""
    return example.as_of or measure.spec.example_as_of or DEFAULT_AS_OF


def lint_examples(pack: RulePack) -> list[RuleError]:
    """Errors in examples: unknown or badly typed answers, unknown criteria, one-sided examples."""
    errors = []
    for measure in pack.every_version():
        ids = {c.id for c in measure.criteria} | {"in_force"}
        statuses = set()
        for i, example in enumerate(measure.spec.examples):
            statuses.add(example.expect.status)
            _, problems = parse_profile(example_profile(measure, example), pack.fields)
            line = measure.line("examples", i)
            errors += [RuleError(measure.file, line, measure.key("examples", i, "profile", p.field), _explain(p, pack))
                       for p in problems]
            errors += [RuleError(measure.file, line, measure.key("examples", i, "expect", "criteria"),
                                 Problem("lint.example_unknown_criterion", {"name": cid}))
                       for cid in example.expect.criteria if cid not in ids]
            seen = {(x.line, x.key) for x in errors}  # examples sharing example_as_of: one error
            errors += [e for e in _outside_version(measure, i, example) if (e.line, e.key) not in seen]
        for side in ("eligible", "ineligible"):
            if side not in statuses:
                errors.append(RuleError(measure.file, measure.line("examples"), measure.key("examples"), MISSING_SIDE[side]))
    return errors


def _outside_version(measure: Measure, index: int, example: Example) -> list[RuleError]:
    """An example of a dated version whose check date falls outside that version's dates."""
    as_of = example_as_of(measure, example)
    if measure.covers(as_of):
        return []
    loc = ("examples", index, "as_of") if example.as_of else ("example_as_of",)
    start, end = measure.version or (None, None)
    dates = {"as_of": as_of.isoformat(), "start": start.isoformat() if start else "…", "end": end.isoformat() if end else "…"}
    return [RuleError(measure.file, measure.line(*loc), measure.key(*loc), Problem("lint.example_outside_version", dates))]


def _explain(problem: FieldProblem, pack: RulePack) -> Problem:
    """An example answer's problem in words: a split 5,000 or a misspelt field name."""
    name = problem.field
    if problem.problem.code != "problem.unknown_field":
        return problem.problem
    if name.isdigit():
        return THOUSANDS
    return unknown("lint.unknown_field", name, pack.fields)
