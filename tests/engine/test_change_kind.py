"""One classifier of status changes serves the agency rechecks and the staff impact preview, each with its words."""

from __future__ import annotations

import itertools

from checker.agency.portfolio import KINDS
from checker.engine.answer import CHANGE_KINDS, broad_kind, change_kind
from tests.staff.impact_oracle import Change

STATUSES = ("eligible", "ineligible", "undetermined", None)


def test_change_kinds():
    assert change_kind("ineligible", "eligible") == "newly_eligible"
    assert change_kind(None, "eligible") == "newly_eligible"
    assert change_kind("eligible", "undetermined") == "no_longer_eligible"
    assert change_kind("eligible", None) == "no_longer_eligible"
    assert change_kind("ineligible", "undetermined") == "newly_undetermined"
    assert change_kind("undetermined", "ineligible") == "newly_ineligible"
    assert change_kind("undetermined", None) == "newly_ineligible"
    assert change_kind("eligible", "eligible") is None and change_kind(None, None) is None
    assert KINDS == CHANGE_KINDS


def test_the_staff_preview_counts_the_same_moves_broadly():
    for before, after in itertools.product(STATUSES, STATUSES):
        if before == after:
            continue
        fine = change_kind(before, after)
        assert Change("c", "m", before, after).kind == broad_kind(fine)
        assert broad_kind(fine) == (fine if fine in ("newly_eligible", "no_longer_eligible") else "other")
