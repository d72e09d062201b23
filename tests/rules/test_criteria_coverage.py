"""The examples of each measure exercise both the met and the not-met side of every criterion."""

from __future__ import annotations

from checker.intake import read_profile
from checker.rules.examples import example_as_of, example_profile


def test_examples_exercise_both_sides_of_every_criterion(pack, reference):
    gaps = []
    for measure in pack.measures:
        seen: dict[str, set[str]] = {c.id: set() for c in measure.criteria}
        for example in measure.spec.examples:
            as_of = example_as_of(measure, example)
            profile = read_profile(pack, example_profile(measure, example), as_of)
            result = next(r for r in reference.check(profile, as_of).results if r.measure == measure.id)
            for crit in result.criteria:
                seen.setdefault(crit.id, set()).add(crit.status)
        gaps += [f"{measure.file}: criterion {cid} never {side}" for cid, statuses in seen.items()
                 if cid != "in_force" for side in ("met", "not_met") if side not in statuses]
    assert gaps == []
