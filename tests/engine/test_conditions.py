"""Conditions outside the verdicts (asked_when, consistency checks) on the compiled path agree with the oracle."""

from __future__ import annotations

import datetime as dt
import gc
from dataclasses import replace

from hypothesis import HealthCheck, given, settings

from checker.engine import conditions
from checker.engine.reference import evaluate
from checker.engine.scope import Scope
from checker.rules.expr import parse
from tests.engine.test_agreement import PACK, PROFILES

AS_OF = dt.date(2026, 6, 1)
ASKED = sorted({d.asked_when for d in PACK.fields.values() if d.asked_when})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(PROFILES)
def test_conditions_agree_with_the_reference_walker(profile):
    for text in ASKED:
        assert conditions.holds(PACK, text, profile, AS_OF) == evaluate(parse(text), Scope(PACK, profile, AS_OF)), text
    for check in PACK.checks:
        assert conditions.holds(PACK, check.test, profile, AS_OF) == evaluate(check.test, Scope(PACK, profile, AS_OF))


def test_a_condition_text_is_parsed_once():
    assert ASKED and conditions.parsed(ASKED[0]) is conditions.parsed(ASKED[0])


def test_the_closures_of_a_dropped_pack_are_freed():
    pack = replace(PACK)
    conditions.holds(pack, "employees >= 10", {"employees": 12}, AS_OF)
    assert id(pack) in conditions._COMPILED
    key = id(pack)
    del pack
    gc.collect()
    assert key not in conditions._COMPILED


def test_reading_and_evaluating_keep_no_dropped_pack_alive():
    """The memos of cell reading and of dated parameter values hold packs weakly: a replaced pack is freed."""
    import weakref

    from checker.columns import read_answers
    from checker.engine.scope import Scope

    pack = replace(PACK)
    read_answers(pack, {"employees": "12", "district": "海淀区"}, AS_OF)
    Scope(pack, {}, AS_OF)
    gone = weakref.ref(pack)
    del pack
    gc.collect()
    assert gone() is None
