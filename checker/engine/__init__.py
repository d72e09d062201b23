"""Evaluate a profile against every measure of a rule pack.

Two engines share one result shape: `durable` (the product engine, durable-rules decides
every criterion) and `reference` (a plain tree-walking evaluator kept to cross-check it).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from checker.engine.plan import MeasurePlan, plan_measure
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
        self.plans: dict[str, MeasurePlan] = {m.id: plan_measure(pack, m) for m in pack.measures}
        self._rules = None
        if engine == "durable":
            from checker.engine.durable_adapter import DurableRules

            self._rules = DurableRules(list(self.plans.values()))

    def check(self, profile: dict[str, Any], as_of: dt.date, lang: str = "zh") -> CheckResult:
        """Verdicts on every measure for one parsed profile."""
        scope = Scope(self.pack, profile, as_of)
        results = [explain(self.pack, m, scope, self.decide(m.id, scope), lang) for m in self.pack.measures]
        return CheckResult(self.pack.version, as_of, results)

    def decide(self, measure_id: str, scope: Scope) -> dict[str, Any]:
        """Each criterion of a measure: True met, False not met, None unknown."""
        measure = self.pack.measure(measure_id)
        if self._rules is None:
            return {c.id: evaluate(c.test, scope) for c in measure.criteria}
        fired = self._rules.decide(measure_id, self.plans[measure_id].fact(scope))
        return {c.id: fired.get(c.id) for c in measure.criteria}

    def close(self) -> None:
        """Release the engine's rulesets."""
        if self._rules is not None:
            self._rules.close()
            self._rules = None
