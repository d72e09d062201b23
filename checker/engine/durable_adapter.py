"""The only module that talks to durable-rules (its C engine, `durable_rules_engine`).

Measures are compiled into a few rulesets: for every criterion a `met` rule and a `not_met`
rule, each a single pattern over the profile fact, plus a catch-all rule so that every fact
matches something. Boolean derived values (a valid 高企 certificate) are decided the same way
in earlier stages, and their results are written into the facts of the later stages. A check
asserts one fact per ruleset in a fresh session, collects the rules that fired, and deletes
the session, so no state outlives a check.

Learned limits of durable-rules 2.0.28, enforced here:
- facts, not events: an event is consumed by the first rule that matches it;
- at most 1024 live sessions per ruleset: sessions are deleted after each check;
- a string compared with a number compares as text, and absent fields compare oddly:
  numbers are normalised and every field a comparison reads is tested for existence;
- floats in exponent form are rejected: numbers are written in plain decimal notation;
- more than 64 rules matching under one node fails at assert time, a fact holds at most
  251 fields and a pattern at most 32 expression slots: measures are grouped into rulesets
  that stay under these limits, and each pattern is checked when the ruleset is built;
- the stock Host starts timer threads that crash with concurrent session churn: no Host
  is used, and calls are serialised by a lock (the C engine holds the GIL anyway).
"""

from __future__ import annotations

import itertools
import json
import threading
from decimal import Decimal
from typing import Any

import durable_rules_engine as _engine

from checker.engine import values as v
from checker.engine.plan import MeasurePlan, NumAtom, Operand, Slot, TextAtom, Tree

MAX_SLOTS = 32
MAX_DEPTH = 15
MAX_RULES_MATCHING = 63
MAX_FACT_FIELDS = 240
DISCRIMINATOR = {"kind": "profile"}
_LOCK = threading.Lock()
_NAMES = itertools.count()


class EngineLimitError(ValueError):
    """A measure exceeds what durable-rules can evaluate correctly."""


Cond = dict[str, Any]


def _all(conds: list[Cond]) -> Cond:
    return conds[0] if len(conds) == 1 else {"$and": conds}


def _any(conds: list[Cond]) -> Cond:
    return conds[0] if len(conds) == 1 else {"$or": conds}


def _exists(key: str) -> Cond:
    return {"$ex": {key: 1}}


def _side(operand: Operand, bound: str) -> tuple[Any, list[Cond]]:
    """The term for an operand's lower or upper bound, and the existence tests it needs."""
    if isinstance(operand, Slot):
        key = f"{operand.key}_{bound}"
        return {"$m": key}, [_exists(key)]
    return operand, []


def _cmp(op: str, left: Operand, lbound: str, right: Operand, rbound: str) -> Cond:
    lterm, lneeds = _side(left, lbound)
    rterm, rneeds = _side(right, rbound)
    if isinstance(left, Slot):
        return _all(lneeds + rneeds + [{op: {f"{left.key}_{lbound}": rterm}}])
    flipped = {"$gte": "$lte", "$gt": "$lt", "$lte": "$gte", "$lt": "$gt"}[op]
    assert isinstance(right, Slot), "the planner gives a comparison of two numbers a slot on one side"
    return _all(rneeds + [{flipped: {f"{right.key}_{rbound}": lterm}}])


def _defined(*operands: Operand) -> list[Cond]:
    return [{f"{o.key}_u": 0} for o in operands if isinstance(o, Slot)]


def _undefined(*operands: Operand) -> list[Cond]:
    return [{f"{o.key}_u": 2} for o in operands if isinstance(o, Slot)]


_RELATIONS = {"ge": "$gte", "le": "$lte", "gt": "$gt", "lt": "$lt"}  # values.RELATIONS as durable-rules operators


def _num(atom: NumAtom, want: bool) -> Cond:
    """Pattern that holds when the comparison is surely true (want) or surely false (values.COMPARISONS)."""
    a, b = atom.left, atom.right
    join, relations = v.COMPARISONS[atom.op][0 if want else 1]
    parts = [_relation(name, a, b) for name in relations]
    sure = _all(parts) if join == "all" else _any(parts)
    if want:
        return _all(_defined(a, b) + [sure])
    return _any([sure] + _undefined(a, b))


def _relation(name: str, a: Operand, b: Operand) -> Cond:
    """One of values.RELATIONS as a pattern: a's bound against b's."""
    left, _, right = v.RELATIONS[name]
    return _cmp(_RELATIONS[name], a, left, b, right)


def _text(atom: TextAtom, want: bool) -> Cond:
    equal = _any([{atom.field: value} for value in atom.values])
    differ = _all([_exists(atom.field)] + [{"$neq": {atom.field: value}} for value in atom.values])
    return equal if want != atom.negated else differ


def condition(tree: Tree, want: bool) -> Cond:
    """Pattern under which a boolean tree is surely true (want=True) or surely false."""
    if tree[0] == "not":
        return condition(tree[1], not want)
    if tree[0] == "and" or tree[0] == "or":
        parts = [condition(child, want) for child in tree[1]]
        return _all(parts) if (tree[0] == "and") == want else _any(parts)
    atom = tree[1]
    if isinstance(atom, NumAtom):
        return _num(atom, want)
    if isinstance(atom, TextAtom):
        return _text(atom, want)
    return {atom.key: want}


def _size(cond: Any, depth: int = 0) -> tuple[int, int]:
    """(expression slots, nesting depth) of a pattern."""
    if isinstance(cond, dict) and len(cond) == 1:
        (key, value), = cond.items()
        if key in ("$and", "$or"):
            sizes = [_size(c, depth + 1) for c in value]
            return sum(s for s, _ in sizes), max(d for _, d in sizes)
    return 1, depth


def measure_rules(plan: MeasurePlan) -> dict[str, Any]:
    """The met / not_met rules of one measure's criteria, checked against the engine's limits."""
    rules: dict[str, Any] = {}
    for cid, tree in plan.criteria.items():
        for want, suffix in ((True, "met"), (False, "not_met")):
            pattern = _all([DISCRIMINATOR, condition(tree, want)])
            slots, depth = _size(pattern)
            if slots > MAX_SLOTS or depth > MAX_DEPTH:
                raise EngineLimitError(
                    f"{plan.measure}: criterion {cid!r} needs {slots} expression slots at depth {depth}; "
                    f"durable-rules allows {MAX_SLOTS} at depth {MAX_DEPTH}: split it into smaller criteria")
            rules[f"{plan.measure}|{cid}|{suffix}"] = {"all": [{"m": pattern}]}
    return rules


def ruleset_definition(plans: list[MeasurePlan]) -> dict[str, Any]:
    """One ruleset for a group of measures, with the catch-all rule every fact needs."""
    rules: dict[str, Any] = {"catch_all": {"all": [{"m": DISCRIMINATOR}]}}
    for plan in plans:
        rules.update(measure_rules(plan))
    return rules


def group_plans(plans: list[MeasurePlan]) -> list[list[MeasurePlan]]:
    """Split measures into rulesets that stay under the engine's per-fact limits."""
    groups: list[list[MeasurePlan]] = [[]]
    criteria = width = 0
    for plan in plans:
        if len(plan.criteria) + 1 > MAX_RULES_MATCHING or plan.width > MAX_FACT_FIELDS:
            raise EngineLimitError(f"{plan.measure}: too many criteria or operands for one durable-rules fact")
        if groups[-1] and (criteria + len(plan.criteria) + 1 > MAX_RULES_MATCHING or width + plan.width > MAX_FACT_FIELDS):
            groups.append([])
            criteria = width = 0
        groups[-1].append(plan)
        criteria += len(plan.criteria)
        width += plan.width
    return [g for g in groups if g]


def _encode(value: Any) -> str:
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        text = repr(float(value))
        if "e" in text:
            text = format(Decimal(text), "f")
        return text if "." in text else text + ".0"
    return json.dumps(value, ensure_ascii=False)


def dump(value: Any) -> str:
    """JSON for the engine, numbers in plain decimal notation: json's C encoder over the value with every number made a
    float (repr 5.0, as _encode writes it), unless a number needs more than repr (an exponent, NaN) or a key is not
    text: then cell by cell (dump_slowly)."""
    try:
        plain = _floats(value)
    except _Slowly:
        return dump_slowly(value)
    return json.dumps(plain, ensure_ascii=False, separators=(",", ":"))


class _Slowly(Exception):
    """A value _floats cannot hand to json as it is."""


def _floats(value: Any) -> Any:
    """The value with numbers as floats whose repr is what _encode writes (a number needing an exponent raises)."""
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise _Slowly
        return {k: _floats(x) for k, x in value.items()}
    if isinstance(value, list):
        return [_floats(x) for x in value]
    if value is None or value is True or value is False or isinstance(value, str):
        return value
    if not isinstance(value, (int, float)):
        raise _Slowly  # a tuple or another object: _encode's json.dumps writes it with its own separators
    number = float(value)
    text = repr(number)
    if "e" in text or "n" in text:  # 1e+16, inf, nan
        raise _Slowly
    return number


def dump_slowly(value: Any) -> str:
    """dump, a value at a time in Python."""
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(k, ensure_ascii=False)}:{dump_slowly(x)}" for k, x in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(dump_slowly(x) for x in value) + "]"
    return _encode(value)


def encode_fact(sid: str, fact: dict[str, Any]) -> str:
    """Serialise a flat fact for the engine: no exponent floats, NaN or infinities."""
    parts = [f'"sid":"{sid}"', '"id":"p"', '"kind":"profile"']
    parts += [f"{json.dumps(k)}:{_encode(val)}" for k, val in fact.items()]
    return "{" + ",".join(parts) + "}"


class DurableRules:
    """The compiled rule pack inside the engine: stages of rulesets, run in order."""

    def __init__(self, stages: list[list[MeasurePlan]]) -> None:
        self.tag = f"pack{next(_NAMES)}"
        self.stages: list[list[tuple[int, list[MeasurePlan]]]] = []
        self._sids = itertools.count(1)
        with _LOCK:
            try:
                for s, plans in enumerate(stages):
                    self.stages.append([])
                    for i, group in enumerate(group_plans(plans)):
                        handle = _engine.create_ruleset(f"{self.tag}:{s}:{i}", dump(ruleset_definition(group)))
                        self.stages[-1].append((handle, group))
            except BaseException:
                self._delete()
                raise

    @property
    def handles(self) -> list[int]:
        """The engine handles of every ruleset."""
        return [handle for stage in self.stages for handle, _ in stage]

    @property
    def groups(self) -> list[tuple[int, list[MeasurePlan]]]:
        """Every (handle, plans) ruleset, all stages."""
        return [group for stage in self.stages for group in stage]

    def decide(self, stage: int, facts: list[dict[str, Any]]) -> dict[str, dict[str, v.Tri]]:
        """For each plan of a stage, its criteria surely met (True) or surely not (False); open ones absent."""
        groups = self.stages[stage]
        decided: dict[str, dict[str, v.Tri]] = {plan.measure: {} for _, group in groups for plan in group}
        with _LOCK:
            for (handle, _), fact in zip(groups, facts):
                sid = str(next(self._sids))
                for name in _run_session(handle, sid, encode_fact(sid, fact)):
                    measure, _, rest = name.partition("|")
                    if rest:
                        cid, _, suffix = rest.partition("|")
                        decided[measure][cid] = suffix == "met"
        return decided

    def close(self) -> None:
        """Free the engine's rulesets (they are never freed otherwise)."""
        with _LOCK:
            self._delete()

    def _delete(self) -> None:
        for handle in self.handles:
            _engine.delete_ruleset(handle)
        self.stages = []


def _rule_name(message: str) -> str:
    """The rule name of an action message '{"<name>": {...}}' without parsing the fact in it."""
    return message[2:message.index('"', 2)]


def _run_session(handle: int, sid: str, fact_json: str) -> list[str]:
    fired: list[str] = []
    try:
        result = _engine.assert_fact(handle, fact_json)
        state = result[1]
        action = _engine.start_action_for_state(handle, state)
        message = action[1] if action else None
        while message:
            fired.append(_rule_name(message))
            message = _engine.complete_and_start_action(handle, state)
    finally:
        _engine.delete_state(handle, sid)
    return fired


def live_sessions(rules: DurableRules, sids: range) -> int:
    """How many of these session ids still hold state in any ruleset (for tests)."""
    count = 0
    with _LOCK:
        for handle in rules.handles:
            for sid in sids:
                try:
                    state = json.loads(_engine.get_state(handle, str(sid)))
                except _engine.error:
                    continue
                count += bool(state)
    return count
