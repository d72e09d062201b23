"""The durable-rules engine: its limits, learned and enforced, and its agreement with the reference."""

from __future__ import annotations

import datetime as dt
import json

import durable_rules_engine as engine
import pytest

from checker.engine.durable_adapter import (
    DurableRules,
    EngineLimitError,
    encode_fact,
    live_sessions,
    ruleset_definition,
)
from checker.engine.plan import MeasurePlan, NumAtom, Slot
from checker.engine.scope import Scope
from checker.intake import read_profile

AS_OF = dt.date(2026, 6, 1)
TWO_RULES = json.dumps({"r1": {"all": [{"m": {"kind": "p"}}]}, "r2": {"all": [{"m": {"kind": "p"}}]}})


def fired_rules(handle, state) -> list[str]:
    fired, action = [], engine.start_action_for_state(handle, state)
    message = json.loads(action[1]) if action else None
    while message:
        fired += list(message)
        following = engine.complete_and_start_action(handle, state)
        message = json.loads(following) if following else None
    return fired


def test_an_event_is_consumed_by_the_first_matching_rule_but_a_fact_fires_every_rule():
    handle = engine.create_ruleset("limit-events", TWO_RULES)
    try:
        event = engine.assert_event(handle, json.dumps({"sid": "1", "id": "e", "kind": "p"}))
        assert len(fired_rules(handle, event[1])) == 1
        fact = engine.assert_fact(handle, json.dumps({"sid": "2", "id": "f", "kind": "p"}))
        assert sorted(fired_rules(handle, fact[1])) == ["r1", "r2"]
    finally:
        engine.delete_ruleset(handle)


def test_the_engine_refuses_a_1025th_live_session_per_ruleset():
    handle = engine.create_ruleset("limit-sessions", TWO_RULES)
    try:
        for sid in range(1, 1025):
            engine.assert_fact(handle, json.dumps({"sid": str(sid), "id": "x", "kind": "p"}))
        with pytest.raises(MemoryError):  # the engine's way of saying "no more sessions"
            engine.assert_fact(handle, json.dumps({"sid": "1025", "id": "x", "kind": "p"}))

    finally:
        engine.delete_ruleset(handle)


def test_the_engine_rejects_exponent_floats_so_facts_are_written_in_plain_decimals():
    handle = engine.create_ruleset("limit-floats", TWO_RULES)
    try:
        with pytest.raises(engine.error):
            engine.assert_fact(handle, json.dumps({"sid": "1", "id": "x", "kind": "p", "a": 1e-05}))
        text = encode_fact("2", {"a": 1e-05, "b": 3e20})
        assert "e-" not in text and "e+" not in text
        engine.assert_fact(handle, text)
        engine.delete_state(handle, "2")
    finally:
        engine.delete_ruleset(handle)


def test_more_than_1024_checks_in_one_process_leave_no_session_behind(pack, durable):
    profile = read_profile(pack, json.loads((pack_root(pack) / "examples/haidian-software.json").read_text()), AS_OF)
    first, decided = durable.check(profile, AS_OF).to_json(), durable.decide(Scope(pack, profile, AS_OF, durable.compiled))
    for _ in range(1100):  # what durable-rules decides; the rest of a check is the same walk over these decisions
        assert durable.decide(Scope(pack, profile, AS_OF, durable.compiled)) == decided
    assert durable.check(profile, AS_OF).to_json() == first
    assert live_sessions(durable._rules, range(1, 20_000)) == 0


def pack_root(pack):
    from tests.conftest import ROOT

    return ROOT


def test_a_criterion_too_big_for_one_pattern_is_refused_at_compile_time():
    atoms = tuple(("atom", NumAtom(">=", Slot(f"Z{i}"), float(i))) for i in range(40))
    plan = MeasurePlan("huge", criteria={"c": ("and", atoms)})
    with pytest.raises(EngineLimitError, match="expression slots"):
        ruleset_definition([plan])


def test_measures_are_grouped_so_no_ruleset_exceeds_the_engine_limits(durable):
    for _, group in durable._rules.groups:
        assert sum(len(p.criteria) for p in group) + 1 <= 63
        assert sum(p.width for p in group) <= 240


def test_closing_frees_the_rulesets(pack):
    from checker.engine import Checker

    checker = Checker(pack, "durable")
    handles = checker._rules.handles
    checker.close()
    with pytest.raises(engine.error):
        engine.assert_fact(handles[0], json.dumps({"sid": "1", "id": "x", "kind": "profile"}))


def test_two_packs_can_live_side_by_side(pack):
    first, second = DurableRules([]), DurableRules([])
    assert first.tag != second.tag
    first.close()
    second.close()


def test_the_fast_path_raises_when_it_disagrees_with_durable_rules(pack, monkeypatch):
    from checker.engine import Checker, EngineMismatch
    from checker.engine.scope import Scope

    checker = Checker(pack, "fast", verify_every=1)
    try:
        real_eval = Scope.eval
        monkeypatch.setattr(Scope, "eval", lambda self, node: not real_eval(self, node) if node in {
            c.test for m in pack.measures for c in m.criteria} else real_eval(self, node))
        profile = read_profile(pack, {"entity_type": "enterprise", "employees": 10}, AS_OF)
        with pytest.raises(EngineMismatch):
            checker.check(profile, AS_OF)
    finally:
        checker.close()


def test_derived_booleans_are_decided_by_durable_rules_in_a_first_stage(pack, durable):
    from checker.engine.scope import Scope

    first = durable._rules.stages[0]
    assert [p.measure for _, group in first for p in group] == ["@derived0"]
    assert "hte_valid" in first[0][1][0].criteria
    for certified_on, expected in ((dt.date(2024, 1, 10), True), (dt.date(2023, 1, 10), False)):
        scope = Scope(pack, {"hte_certified": True, "hte_certified_on": certified_on}, AS_OF)
        fact: dict = {}
        first[0][1][0].fill(fact, scope)
        assert durable._rules.decide(0, [fact])["@derived0"]["hte_valid"] is expected
    # and the decision feeds the tech-SME fast track in the next stage
    profile = read_profile(pack, {"entity_type": "enterprise", "hte_certified": True, "hte_certified_on": "2024-01-10"}, AS_OF)
    tech = next(r for r in durable.check(profile, AS_OF).results if r.measure == "tech-sme")
    assert next(c for c in tech.criteria if c.id == "fast-track").status == "met"


def test_dump_by_json_writes_what_the_value_by_value_dump_writes(pack) -> None:
    """The engine's JSON written by json's encoder (numbers made floats) is the text dump_slowly writes, for every
    ruleset of the pack and for numbers that need an exponent, NaN, a tuple or a key that is not text."""
    from checker.engine.durable_adapter import dump, dump_slowly, group_plans, ruleset_definition
    from checker.engine.plan import plan_pack

    definitions = [ruleset_definition(group) for stage in plan_pack(pack) for group in group_plans(stage)]
    values = [*definitions, {"a": [1, 2.5, True, False, None, "中文\"", -0.0, 123456789012.5, 10**15]}, {"x": 1e-7},
              {"big": 1e20}, [float("nan")], {"inf": float("inf")}, {1: 2}, [(1, 2.0)], 10**17]
    for value in values:
        assert dump(value) == dump_slowly(value), value
    assert len(definitions) > 1
