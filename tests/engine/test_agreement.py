"""Property: durable-rules and the reference evaluator agree on every generated profile."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker import config
from checker.rules.loader import load_pack
from checker.rules.pack import RulePack
from checker.rules.schema import FieldDecl
from tests.budget import examples

PACK: RulePack = load_pack(config.rules_dir())
# Thresholds in the pack, so generated numbers often land exactly on a boundary.
EDGES = [0, 1, 2, 3, 4, 9, 10, 49, 50, 60, 70, 71, 99.9, 100, 300, 500, 1000, 1499, 1500, 1600, 2000, 4000, 5000, 5000.01,
         6000, 20000, 20000.01]


def answer(decl: FieldDecl) -> st.SearchStrategy:
    """Answers a company could give to one field, including 'not answered'."""
    if decl.type == "bool":
        value = st.booleans()
    elif decl.type == "enum":
        value = st.sampled_from([c.value for c in decl.values or ()])
    elif decl.type == "date":
        value = st.dates(dt.date(2015, 1, 1), dt.date(2027, 12, 31))
    elif decl.type == "text":
        value = st.sampled_from(["I6513", "C1610", "C1711", "F52", "H6110", "K7010", "L7211", "R9011", "M7320"])
    else:
        low = decl.min if decl.min is not None else -1000
        high = decl.max if decl.max is not None else 50000
        numbers = st.one_of(st.sampled_from([e for e in EDGES if low <= e <= high]),
                            st.integers(int(low), int(high)))
        value = numbers if decl.type == "int" else st.one_of(numbers, st.floats(low, high, allow_nan=False))
    return st.one_of(st.none(), value)


FIELDS = {name: decl for name, decl in PACK.fields.items() if name not in ("name", "credit_code")}
PROFILES = st.fixed_dictionaries({name: answer(decl) for name, decl in FIELDS.items()})
# Days on both sides of a measure's version change (specialised-sme: the 2026 standard from 2026-04-01) come up often.
CHANGES = [d for versions in PACK.versions.values() for v in versions[1:] if v.version and v.version[0]
           for d in (v.version[0] - dt.timedelta(days=1), v.version[0])]
DATES = st.one_of(st.sampled_from(CHANGES), st.dates(dt.date(2022, 6, 1), dt.date(2028, 6, 1)))


# Each example is three full checks of a ~60-answer profile against every measure (~50 ms): 300 fixed ones on CI.
@settings(max_examples=examples(1000, 300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=PROFILES, as_of=DATES)
def test_durable_rules_agree_with_the_reference_evaluator(durable, reference, fast, raw, as_of):
    profile = {k: v for k, v in raw.items() if v is not None}
    expected = reference.check(profile, as_of).to_json()
    assert durable.check(profile, as_of).to_json() == expected
    assert fast.check(profile, as_of).to_json() == expected


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(raws=st.lists(PROFILES, min_size=1, max_size=6), as_of=DATES)
def test_the_vectorised_matrix_agrees_with_the_reference_evaluator(reference, raws, as_of):
    from checker.batch import flat_row
    from checker.engine.vector import matrix_rows

    profiles = [{k: v for k, v in raw.items() if v is not None} for raw in raws]
    rows = matrix_rows(PACK, profiles, list(range(len(profiles))), as_of)
    expected = [flat_row({"id": i, **reference.check(p, as_of).to_json()}) for i, p in enumerate(profiles)]
    assert rows == expected


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(raws=st.lists(PROFILES, min_size=1, max_size=4), as_of=DATES)
def test_the_vectorised_compact_answer_agrees_on_held_currency_money_and_totals(reference, raws, as_of):
    from checker.engine.answer import compact
    from checker.engine.vector import compact_answers

    profiles = [{k: v for k, v in raw.items() if v is not None} for raw in raws]
    ids = list(range(len(profiles)))
    expected = [compact({"id": i, **reference.check(p, as_of).to_json()}) for i, p in zip(ids, profiles)]
    assert compact_answers(PACK, profiles, ids, as_of) == expected
