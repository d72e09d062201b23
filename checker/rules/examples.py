"""Embedded examples of measures: lint them on load, run them as tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from checker.profile import parse_profile
from checker.rules.messages import THOUSANDS, did_you_mean
from checker.rules.pack import Measure, RulePack
from checker.rules.schema import Example
from checker.rules.yamlsrc import RuleError

if TYPE_CHECKING:
    from checker.engine import Checker

DEFAULT_AS_OF = dt.date(2026, 6, 1)


@dataclass
class ExampleOutcome:
    """The result of running one embedded example."""

    measure: str
    file: str
    index: int
    name: str
    failures: list[str]

    @property
    def passed(self) -> bool:
        """True when every expectation held."""
        return not self.failures


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
    for measure in pack.measures:
        ids = {c.id for c in measure.criteria} | {"in_force"}
        statuses = set()
        for i, example in enumerate(measure.spec.examples):
            statuses.add(example.expect.status)
            _, problems = parse_profile(example_profile(measure, example), pack.fields)
            line = measure.line("examples", i)
            errors += [RuleError(measure.file, line, f"examples[{i}].profile.{p.field}", _explain(p.field, p.message, pack))
                       for p in problems]
            errors += [RuleError(measure.file, line, f"examples[{i}].expect.criteria", f"unknown criterion {cid!r}")
                       for cid in example.expect.criteria if cid not in ids]
        for side in ("eligible", "ineligible"):
            if side not in statuses:
                errors.append(RuleError(measure.file, measure.line("examples"), "examples", f"needs at least one {side} example"))
    return errors


def _explain(name: str, message: str, pack: RulePack) -> str:
    """An example answer's problem in words: a split 5,000 or a misspelt field name."""
    if message != "unknown field":
        return message
    if name.isdigit():
        return THOUSANDS
    return f"unknown field {name!r}{did_you_mean(name, pack.fields)}"


def run_example(checker: Checker, measure: Measure, index: int) -> ExampleOutcome:
    """Check an example's profile and compare the verdict with what it expects."""
    example = measure.spec.examples[index]
    return ExampleOutcome(measure.id, measure.file, index, example.name, _compare(example, _verdict(checker, measure, example)))


def criterion_sides(checker: Checker) -> dict[str, dict[str, set[str]]]:
    """For each measure and criterion, the statuses its examples reach (met, not_met, unknown)."""
    return run_and_cover(checker)[1]


def run_and_cover(checker: Checker) -> tuple[list[ExampleOutcome], dict[str, dict[str, set[str]]]]:
    """Every example's outcome and the criterion sides the examples reach, from one check of each example."""
    outcomes: list[ExampleOutcome] = []
    sides: dict[str, dict[str, set[str]]] = {}
    for measure in checker.pack.measures:
        seen: dict[str, set[str]] = {c.id: set() for c in measure.criteria}
        for index, example in enumerate(measure.spec.examples):
            result = _verdict(checker, measure, example)
            outcomes.append(ExampleOutcome(measure.id, measure.file, index, example.name, _compare(example, result)))
            for crit in result.criteria:
                if crit.id in seen:
                    seen[crit.id].add(crit.status)
        sides[measure.id] = seen
    return outcomes, sides


def _verdict(checker: Checker, measure: Measure, example: Example) -> Any:
    """The measure's verdict on the example's profile, checked on its date."""
    from checker.intake import read_profile

    as_of = example_as_of(measure, example)
    profile = read_profile(checker.pack, example_profile(measure, example), as_of)
    return checker.check(profile, as_of).verdict(measure.id)


def coverage_gaps(sides: dict[str, dict[str, set[str]]]) -> list[tuple[str, str, str]]:
    """(measure, criterion, side) for every criterion side no example reaches."""
    return [(m, cid, side) for m, crits in sides.items() for cid, seen in crits.items()
            for side in ("met", "not_met") if side not in seen]


def _compare(example: Example, result: Any) -> list[str]:
    expect, failures = example.expect, []
    if result.status != expect.status:
        failures.append(f"status: expected {expect.status}, got {result.status}")
    got = {c.id: c.status for c in result.criteria}
    for cid, status in expect.criteria.items():
        if got.get(cid) != status:
            failures.append(f"criterion {cid}: expected {status}, got {got.get(cid)}")
    if expect.missing is not None and sorted(expect.missing) != result.missing:
        failures.append(f"missing: expected {sorted(expect.missing)}, got {result.missing}")
    if expect.amount_wan is not None and (result.amount_wan is None or abs(result.amount_wan - expect.amount_wan) > 1e-6):
        failures.append(f"amount_wan: expected {expect.amount_wan}, got {result.amount_wan}")
    if expect.no_amount and result.amount_wan is not None:
        failures.append(f"amount_wan: expected none, got {result.amount_wan}")
    return failures + _compare_held(example, result)


def _compare_held(example: Example, result: Any) -> list[str]:
    expect, until = example.expect, (result.held or {}).get("until")
    if expect.held_until is not None and until != expect.held_until.isoformat():
        return [f"held: expected until {expect.held_until.isoformat()}, got {result.held}"]
    if expect.not_held and result.held is not None:
        return [f"held: expected none, got {result.held}"]
    return []


def run_all(checker: Checker) -> list[ExampleOutcome]:
    """Run every example of every measure."""
    return [run_example(checker, m, i) for m in checker.pack.measures for i in range(len(m.spec.examples))]
