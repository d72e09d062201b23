"""Every example embedded in a rule file is a test, on both engines, and the examples reach both sides of every
criterion. This is the one place the suite runs them all: one check of each example per engine (scripts/test.sh
runs `checker rules lint`, which parses every example's answers, but not `checker rules test`)."""

from __future__ import annotations

import pytest

from checker.rules.examples import ExampleOutcome, coverage_gaps, run_all, run_and_cover


@pytest.fixture(scope="module")
def on_reference(reference):
    """Every example's outcome and the criterion sides reached, on the reference evaluator (one pass)."""
    return run_and_cover(reference)


def failures(outcomes: list[ExampleOutcome]) -> list[str]:
    """Each failing example: file, index, name and what differed."""
    return [f"{o.file} examples[{o.index}] {o.name}: {'; '.join(o.failures)}" for o in outcomes if o.failures]


def test_every_embedded_example_passes_on_durable_rules(durable):
    outcomes = run_all(durable)
    assert len(outcomes) == sum(len(m.spec.examples) for m in durable.pack.measures)
    assert failures(outcomes) == []


def test_every_embedded_example_passes_on_the_reference_evaluator(on_reference, pack):
    outcomes = on_reference[0]
    assert len(outcomes) == sum(len(m.spec.examples) for m in pack.measures)
    assert failures(outcomes) == []


def test_examples_exercise_both_sides_of_every_criterion(on_reference, pack):
    sides = on_reference[1]
    assert set(sides) == {m.id for m in pack.measures}
    assert coverage_gaps(sides) == []


def test_every_measure_has_examples_on_both_sides(pack):
    for measure in pack.measures:
        statuses = {e.expect.status for e in measure.spec.examples}
        assert {"eligible", "ineligible"} <= statuses, measure.id
