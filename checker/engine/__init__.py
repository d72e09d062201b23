"""Evaluate a profile against every measure of a rule pack.

Three engines share one result shape:
- `durable`: the product engine; durable-rules decides every criterion.
- `reference`: a plain tree-walking evaluator kept to cross-check it (property tests).
- `fast`: compiled closures decide, for large batches; every `verify_every`-th profile is
  also decided by durable-rules and any disagreement raises EngineMismatch.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal

from checker.engine.answer import notice, totals
from checker.engine.compiled import Compiled
from checker.engine.plan import MeasurePlan, plan_pack
from checker.engine.scope import Scope
from checker.engine.verdict import CheckResult, CriterionResult, MeasureResult, add_tax_savings, conflicts, explain
from checker.rules.pack import RulePack

if TYPE_CHECKING:
    from checker.engine.durable_adapter import DurableRules

__all__ = ["BATCH_BACKEND", "SINGLE_BACKEND", "Checker", "CheckResult", "CriterionResult", "EngineMismatch",
           "MeasureResult", "batch_backend"]
EngineName = Literal["durable", "reference", "fast"]
ENGINES = ("durable", "reference", "fast")
SINGLE_BACKEND: Final = "durable"  # what decides a single check in production, recorded on every stored result
BATCH_BACKEND: Final = "vector+durable-sample"  # batches: numpy decides, durable-rules re-checks a sample


def batch_backend(engine: str) -> str:
    """The backend recorded on a batch's results: the vectorised evaluator, sampled by this single-check engine."""
    return BATCH_BACKEND if engine == SINGLE_BACKEND else f"vector+{engine}-sample"


class EngineMismatch(RuntimeError):
    """The fast path and durable-rules disagreed on a profile: a bug, never silently ignored."""


class Checker:
    """Checks profiles against a rule pack with the chosen engine."""

    def __init__(self, pack: RulePack, engine: EngineName = "durable", verify_every: int = 50,
                 lazy: bool = False) -> None:
        """A checker of the pack; lazy: the engine's rulesets built at the first decision (or prepare), not now."""
        if engine not in ENGINES:
            raise ValueError(f"unknown engine {engine!r}: use one of {', '.join(ENGINES)}")
        self.pack = pack
        self.engine = engine
        self.verify_every = verify_every
        self.checked = 0
        self.closed = False
        self.compiled = Compiled() if engine != "reference" else None
        self._segments: dict[int, _Segment] = {}
        self._compiling = threading.Lock()  # web threads share a checker: compile each segment once
        self.stages: list[list[MeasurePlan]] = self._segment(pack, compile_rules=not lazy).stages

    @property
    def _rules(self) -> DurableRules | None:
        """The rulesets of the pack's own segment (None: not built yet, closed, or the reference engine)."""
        return self._segments[id(self.pack)].rules

    def prepare(self, as_of: dt.date) -> None:
        """Build the engine's rulesets for the pack in force on as_of now (else the first check of that date does)."""
        self._segment(self.pack.at(as_of))

    def _segment(self, pack: RulePack, compile_rules: bool = True) -> _Segment:
        """The plans and durable-rules rulesets of the pack as it stood on some dates (compiled once per segment)."""
        found = self._segments.get(id(pack))
        if found is not None and (found.rules is not None or not compile_rules or self.engine == "reference"
                                  or self.closed):
            return found
        with self._compiling:
            found = self._segments.get(id(pack))
            if found is None:
                found = self._segments[id(pack)] = _Segment(pack, plan_pack(pack), None)
            if compile_rules and found.rules is None and self.engine != "reference" and not self.closed:
                from checker.engine.durable_adapter import DurableRules

                found.rules = DurableRules(found.stages)
            return found

    @property
    def backend(self) -> str:
        """The backend recorded on a single check's stored result (the engine's name: durable in production)."""
        return self.engine

    @property
    def batch_backend(self) -> str:
        """The backend recorded on results this checker's batches store (vectorised, its engine re-checking a sample)."""
        return batch_backend(self.engine)

    def check(self, profile: dict[str, Any], as_of: dt.date, lang: str = "zh") -> CheckResult:
        """Verdicts on every measure for one parsed profile, each measure in its version in force on as_of."""
        pack = self.pack.at(as_of)
        scope = Scope(pack, profile, as_of, self.compiled)
        decided = self.decide(scope)
        every = [explain(pack, m, scope, decided[m.id], lang) for m in pack.measures]
        intention = {m.id for m in pack.measures if m.intention}
        results = [r for r in every if r.measure not in intention]
        picture = add_tax_savings(scope, results, [r for r in every if r.measure in intention])
        notices = [notice(m, lang) for m in pack.measures if m.intention and m.in_force(as_of)]  # expired: none
        return CheckResult(pack.version, as_of, results, conflicts(pack, results, lang), notices,
                           picture.totals(totals(pack, (r.money_item() for r in results), picture.left_out)),
                           [r for r in every if r.measure in intention], picture.to_json())

    def decide(self, scope: Scope) -> dict[str, dict[str, Any]]:
        """Each criterion of each measure of the scope's pack: True met, False not met, None unknown."""
        self.checked += 1
        if self.engine == "durable":
            return self._durable(scope)
        decided = {m.id: {c.id: scope.eval(c.test) for c in m.criteria} for m in scope.pack.measures}
        sample = self.engine == "fast" and self.checked % self.verify_every == 1 % self.verify_every
        if sample and self._durable(Scope(scope.pack, scope.profile, scope.as_of, self.compiled)) != decided:
            raise EngineMismatch(f"fast path and durable-rules disagree on profile {scope.profile!r}")
        return decided

    def _durable(self, scope: Scope) -> dict[str, dict[str, Any]]:
        """Run the stages of the scope's segment: derived booleans first (written into the scope), then every measure."""
        rules = self._segment(scope.pack).rules
        if rules is None:
            raise RuntimeError("the checker is closed")
        last = len(rules.stages) - 1
        for index, stage in enumerate(rules.stages):
            facts = []
            for _, group in stage:
                fact: dict[str, Any] = {}
                for plan in group:
                    plan.fill(fact, scope)
                facts.append(fact)
            fired = rules.decide(index, facts)
            if index < last:
                for plan in (p for _, group in stage for p in group):
                    scope.cache.update({name: fired[plan.measure].get(name) for name in plan.criteria})
        return {m.id: {c.id: fired[m.id].get(c.id) for c in m.criteria} for m in scope.pack.measures}

    def close(self) -> None:
        """Release the engine's rulesets, of every date segment."""
        for segment in self._segments.values():
            if segment.rules is not None:
                segment.rules.close()
        self.closed = True
        self._segments = {id(self.pack): _Segment(self.pack, self.stages, None)}


@dataclass
class _Segment:
    """A rule pack as it stood over some dates, planned and compiled for durable-rules."""

    pack: RulePack
    stages: list[list[MeasurePlan]]
    rules: DurableRules | None
