"""Evaluate a profile against every measure of a rule pack.

Two engines share one result shape: `durable` (the product engine, durable-rules decides
every criterion) and `reference` (a plain tree-walking evaluator kept to cross-check it).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from checker.engine.plan import MeasurePlan, plan_pack
from checker.engine.reference import Scope, evaluate
from checker.engine.verdict import CheckResult, CriterionResult, MeasureResult, explain
from checker.rules.pack import RulePack

__all__ = ["Checker", "CheckResult", "CriterionResult", "MeasureResult"]
EngineName = Literal["durable", "reference"]


class Checker:
    """Checks profiles against a rule pack with the chosen engine."""

    def __init__(self, pack: RulePack, engine: EngineName = "durable") -> None:
        self.pack = pack
        self.engine = engine
        self.plans: list[MeasurePlan] = plan_pack(pack)
        self._rules = None
        if engine == "durable":
            from checker.engine.durable_adapter import DurableRules

            self._rules = DurableRules(self.plans)

    def check(self, profile: dict[str, Any], as_of: dt.date, lang: str = "zh") -> CheckResult:
        """Verdicts on every measure for one parsed profile."""
        scope = Scope(self.pack, profile, as_of)
        decided = self.decide(scope)
        results = [explain(self.pack, m, scope, decided[m.id], lang) for m in self.pack.measures]
        return CheckResult(self.pack.version, as_of, results)

    def decide(self, scope: Scope) -> dict[str, dict[str, Any]]:
        """Each criterion of each measure: True met, False not met, None unknown."""
        if self._rules is None:
            return {m.id: {c.id: evaluate(c.test, scope) for c in m.criteria} for m in self.pack.measures}
        facts = []
        for _, group in self._rules.groups:
            fact: dict[str, Any] = {}
            for plan in group:
                plan.fill(fact, scope)
            facts.append(fact)
        fired = self._rules.decide(facts)
        return {m.id: {c.id: fired[m.id].get(c.id) for c in m.criteria} for m in self.pack.measures}

    def close(self) -> None:
        """Release the engine's rulesets."""
        if self._rules is not None:
            self._rules.close()
            self._rules = None
