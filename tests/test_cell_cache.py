"""The per-value cell memo of checker.columns gives exactly what parsing every cell afresh gives."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from checker import columns, config
from checker.columns import cell_value, field_of, read_answers
from checker.problems import problem_of
from checker.rules.loader import load_pack
from checker.rules.profile import UNKNOWN_WORDS, parse_value

AS_OF = dt.date(2026, 6, 1)
PACK = load_pack(config.rules_dir())  # not a fixture: Hypothesis would print the whole pack on a failure
FIELDS = ["employees", "revenue_wan", "registered_on", "district", "entity_type", "dishonest_listed", "credit_code", "name"]
CELLS = st.one_of(
    st.sampled_from(["", "2021/11/7", "2021年11月7日", "44507", "5,000", "1.2万", "500万元", "海淀区", "海淀", "企业",
                     "是", "否", "true", "1", "0", "many", "-5", "1e99", "unknown", "91110108MA01A2B3CX", "１２"]),
    st.integers(-10, 100_000), st.floats(allow_nan=False, allow_infinity=False, width=32), st.booleans(),
    st.dates(dt.date(1990, 1, 1), dt.date(2030, 1, 1)), st.text(max_size=8),
)


def _fresh(pack, fid, raw):
    if raw is None or (isinstance(raw, str) and raw.strip().lower() in UNKNOWN_WORDS):
        return True, None
    try:
        return True, parse_value(pack.fields[fid], raw)
    except ValueError as exc:
        return False, problem_of(exc)


@settings(max_examples=300, deadline=None)
@given(fid=st.sampled_from(FIELDS), raw=CELLS)
def test_a_remembered_cell_reads_as_parsing_it_afresh(fid, raw):
    pack = PACK
    first, second = cell_value(pack, fid, raw), cell_value(pack, fid, raw)
    fresh = _fresh(pack, fid, raw)
    assert first == second == fresh
    assert type(first[1]) is type(fresh[1])  # 1, 1.0 and True are remembered apart


@settings(max_examples=100, deadline=None)
@given(rows=st.lists(st.fixed_dictionaries({}, optional={f: CELLS for f in FIELDS}), min_size=1, max_size=6))
def test_rows_read_the_same_with_the_memo_full_or_cleared(rows):
    pack = PACK
    warm = [read_answers(pack, row, AS_OF) for row in rows]
    columns._memos(pack)[1].clear()
    assert [read_answers(pack, row, AS_OF) for row in rows] == warm


def test_the_memo_starts_afresh_past_its_limit(pack, monkeypatch):
    monkeypatch.setattr(columns, "CACHE_LIMIT", 3)
    for n in range(10):
        cell_value(pack, "employees", str(n))
        field_of(pack, f"备注{n}")
    headers, cells = columns._memos(pack)
    assert len(cells) <= 3 and len(headers) <= 3
    assert cell_value(pack, "employees", "5,000") == (True, 5000)


def test_zero_and_minus_zero_are_remembered_apart():
    zero, minus = cell_value(PACK, "registered_on", 0.0), cell_value(PACK, "registered_on", -0.0)
    assert (zero[0], str(zero[1])) == (False, "0.0 is not a date YYYY-MM-DD")
    assert (minus[0], str(minus[1])) == (False, "-0.0 is not a date YYYY-MM-DD")
