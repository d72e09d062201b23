"""The examples of each measure exercise both the met and the not-met side of every criterion."""

from __future__ import annotations

from checker.ruletest import run_pack


def test_examples_exercise_both_sides_of_every_criterion(pack):
    assert run_pack(pack)[1] == []

