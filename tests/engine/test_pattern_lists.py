"""Per-row lists spelled once per distinct pattern over a column: the failed criteria of a measure (vector._failed:
the criteria coded F in that row, in the measure's order, "in_force" first when the period is over) and the open
fields (vector._missing_lists: sorted, space-separated), each the definition row by row whichever path spells it."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from checker.engine import vector

CODES = np.array([vector.F, vector.U, vector.T], dtype=np.int8)


def measure(k: int, period: bool) -> Any:
    """A stand-in measure of k criteria (only what _failed reads: the criteria's ids and whether it has a period)."""
    crits = [SimpleNamespace(id=f"c{i}") for i in range(k)]
    return SimpleNamespace(criteria=crits, spec=SimpleNamespace(period="2026" if period else None))


def naive(m: Any, codes: dict[str, np.ndarray], in_force: bool, n: int) -> list[list[str]]:
    """The definition, one row and one criterion at a time."""
    first = ["in_force"] if m.spec.period is not None and not in_force else []
    return [first + [c.id for c in m.criteria if codes[c.id][row] == vector.F] for row in range(n)]


@given(st.integers(0, 70), st.integers(0, 40), st.booleans(), st.booleans(), st.integers(0, 2**32 - 1))
def test_the_failed_lists_are_the_definitions_row_by_row(k, n, period, in_force, seed):
    rng = np.random.default_rng(seed)
    m = measure(k, period)
    codes = {c.id: rng.choice(CODES, n) for c in m.criteria}
    assert vector._failed(m, codes, in_force, n) == naive(m, codes, in_force, n)


def test_every_bit_position_of_a_pattern_is_read():
    m = measure(62, False)
    n = 64
    codes = {c.id: np.full(n, vector.T, dtype=np.int8) for c in m.criteria}
    for row in range(62):
        codes[f"c{row}"][row] = vector.F  # row i fails criterion i alone: the highest bit included
    found = vector._failed(m, codes, True, n)
    assert found[:62] == [[f"c{i}"] for i in range(62)]
    assert found[62] == found[63] == []


@given(st.integers(0, 70), st.integers(0, 40), st.integers(0, 2**32 - 1))
def test_the_open_field_lists_are_the_definitions_row_by_row(k, n, seed):
    rng = np.random.default_rng(seed)
    missing = {f"f{i:02d}": rng.random(n) < 0.3 for i in rng.permutation(k).tolist()}
    expected = [" ".join(name for name in sorted(missing) if missing[name][row]) for row in range(n)]
    assert vector._missing_lists(missing, n) == expected
