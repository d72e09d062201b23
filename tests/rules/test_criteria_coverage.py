"""The examples of each measure exercise both the met and the not-met side of every criterion."""

from __future__ import annotations

from checker.rules.examples import coverage_gaps, criterion_sides


def test_examples_exercise_both_sides_of_every_criterion(reference):
    assert coverage_gaps(criterion_sides(reference)) == []
