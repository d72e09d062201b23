"""Run a rule pack's embedded examples on the production single-check backend, one measure at a time.

Above the engine (it reads answers through checker.intake and checks them with checker.engine); used by
`checker rules test`, the staff pages and the tests. rules/examples.py only lints the examples.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

from checker.engine import SINGLE_BACKEND, Checker, EngineName
from checker.intake import read_profile
from checker.rules.examples import example_as_of, example_profile
from checker.rules.pack import Measure, RulePack
from checker.rules.schema import Example

Gap = tuple[str, str, str]  # (measure, criterion, side) no example reaches


@dataclass
class ExampleOutcome:
    """The result of running one embedded example."""

    measure: str
    file: str
    index: int
    name: str
    failures: list[str]

    @property
    def measure_id(self) -> str:
        """The measure's id (`measure` is id@from for a dated version)."""
        return measure_id_of(self.measure)

    @property
    def passed(self) -> bool:
        """True when every expectation held."""
        return not self.failures


def measure_id_of(label: str) -> str:
    """The measure id of a label such as specialised-sme@2026-04-01 (a dated version) or a plain id."""
    return label.split("@", 1)[0]


@contextmanager
def measure_checker(pack: RulePack, measure: Measure, engine: EngineName = SINGLE_BACKEND) -> Iterator[Checker]:
    """A checker of one measure alone (its examples run ~10x faster than on the whole pack), closed on exit."""
    checker = Checker(replace(pack, measures=[measure], index={measure.id: measure}), engine)
    try:
        yield checker
    finally:
        checker.close()


def _verdict(checker: Checker, measure: Measure, example: Example) -> Any:
    """The checker's verdict on the measure for the example's profile."""
    as_of: dt.date = example_as_of(measure, example)
    profile = read_profile(checker.pack, example_profile(measure, example), as_of)
    return checker.check(profile, as_of).verdict(measure.id)


def run_example(checker: Checker, measure: Measure, index: int) -> ExampleOutcome:
    """Check an example's profile and compare the verdict with what it expects."""
    example = measure.spec.examples[index]
    failures = _compare(example, _verdict(checker, measure, example))
    return ExampleOutcome(measure.label, measure.file, index, example.name, failures)


def run_measure(pack: RulePack, measure: Measure, engine: EngineName = SINGLE_BACKEND) -> tuple[list[ExampleOutcome], list[Gap]]:
    """Every example of one measure, each checked once: the outcomes and the criterion sides none reaches."""
    outcomes: list[ExampleOutcome] = []
    seen: dict[str, set[str]] = {c.id: set() for c in measure.criteria}
    with measure_checker(pack, measure, engine) as checker:
        for index, example in enumerate(measure.spec.examples):
            result = _verdict(checker, measure, example)
            outcomes.append(ExampleOutcome(measure.label, measure.file, index, example.name, _compare(example, result)))
            for crit in result.criteria:
                seen.get(crit.id, set()).add(crit.status)
    return outcomes, coverage_gaps({measure.label: seen})


def run_pack(pack: RulePack, engine: EngineName = SINGLE_BACKEND,
             measures: list[Measure] | None = None) -> tuple[list[ExampleOutcome], list[Gap]]:
    """Every example of these measures (default: all, every dated version), and the criterion sides no example reaches."""
    outcomes: list[ExampleOutcome] = []
    gaps: list[Gap] = []
    for measure in pack.every_version() if measures is None else measures:
        found, missed = run_measure(pack, measure, engine)
        outcomes += found
        gaps += missed
    return outcomes, gaps


def criterion_sides(checker: Checker) -> dict[str, dict[str, set[str]]]:
    """For each measure (each dated version: id@from) of the checker's pack and each criterion, the statuses its
    examples reach."""
    sides: dict[str, dict[str, set[str]]] = {}
    for measure in checker.pack.every_version():
        seen: dict[str, set[str]] = {c.id: set() for c in measure.criteria}
        for example in measure.spec.examples:
            for crit in _verdict(checker, measure, example).criteria:
                seen.get(crit.id, set()).add(crit.status)
        sides[measure.label] = seen
    return sides


def coverage_gaps(sides: dict[str, dict[str, set[str]]]) -> list[Gap]:
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
    return failures + _compare_held(example, result) + _compare_condition(example, result)


def _compare_held(example: Example, result: Any) -> list[str]:
    expect, until = example.expect, (result.held or {}).get("until")
    if expect.held_until is not None and until != expect.held_until.isoformat():
        return [f"held: expected until {expect.held_until.isoformat()}, got {result.held}"]
    if expect.not_held and result.held is not None:
        return [f"held: expected none, got {result.held}"]
    return []


def _compare_condition(example: Example, result: Any) -> list[str]:
    expect, until = example.expect, (result.condition or {}).get("until")
    if expect.condition_until is not None and until != expect.condition_until.isoformat():
        return [f"condition: expected until {expect.condition_until.isoformat()}, got {result.condition}"]
    if expect.no_condition and result.condition is not None:
        return [f"condition: expected none, got {result.condition}"]
    return []
