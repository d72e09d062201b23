"""Turn decided criteria into an explained verdict: status, values, thresholds, missing answers."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

from checker.engine import values as v
from checker.engine.reference import Scope, evaluate
from checker.rules.expr import Call, Compare, Name, Node, names
from checker.rules.pack import LogicTree, Measure, RulePack

STATUS = {True: "met", False: "not_met", None: "unknown"}


@dataclass
class CriterionResult:
    """One criterion of one measure for one profile."""

    id: str
    status: str
    value: Any = None
    threshold: Any = None
    missing: list[str] = field(default_factory=list)


@dataclass
class MeasureResult:
    """The verdict on one measure, with its reasons."""

    measure: str
    status: str
    criteria: list[CriterionResult]
    missing: list[str]
    amount_wan: float | None
    benefit_text: str = ""
    values: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The result object of profile.md."""
        return {
            "measure": self.measure, "status": self.status,
            "criteria": [asdict(c) for c in self.criteria], "missing": self.missing,
            "benefit": {"amount_wan": self.amount_wan, "text": self.benefit_text},
            "values": self.values,
        }


@dataclass
class CheckResult:
    """All verdicts for one profile on one date."""

    rulepack: str
    as_of: dt.date
    results: list[MeasureResult]

    def to_json(self) -> dict[str, Any]:
        """The JSON object `checker check` prints."""
        return {"rulepack": self.rulepack, "as_of": self.as_of.isoformat(),
                "results": [r.to_json() for r in self.results]}


def combine(tree: LogicTree, decided: dict[str, v.Tri]) -> v.Tri:
    """Kleene evaluation of an all/any/not tree over decided criteria."""
    if tree[0] == "ref":
        return decided[tree[1]]
    if tree[0] == "not":
        return v.tri_not(combine(tree[1], decided))
    items = [combine(child, decided) for child in tree[1]]
    return v.tri_and(items) if tree[0] == "all" else v.tri_or(items)


def explain(pack: RulePack, measure: Measure, scope: Scope, decided: dict[str, v.Tri], lang: str = "zh") -> MeasureResult:
    """Build the full result of a measure from the engine's decision of each criterion."""
    as_of = v.from_ordinal(scope.get("as_of").lo)  # type: ignore[union-attr]
    criteria = [_criterion(pack, c.id, c.test, c.show, decided[c.id], scope) for c in measure.criteria]
    status = {True: "eligible", False: "ineligible", None: "undetermined"}[combine(measure.logic, decided)]
    if measure.spec.period is not None:
        in_force = measure.in_force(as_of)
        criteria.insert(0, CriterionResult("in_force", STATUS[in_force], as_of.isoformat(), _period(measure)))
        status = status if in_force else "ineligible"
    missing = sorted({f for c in criteria if c.status == "unknown" for f in c.missing}) if status == "undetermined" else []
    amount = _amount(measure, scope) if status != "ineligible" else None
    values = {n: display(scope.get(n)) for n in sorted(measure.reads) if n in pack.derived}
    return MeasureResult(measure.id, status, criteria, missing, amount,
                         getattr(measure.spec.benefit.text, lang), values)


def _period(measure: Measure) -> str:
    period = measure.spec.period
    start = period.start.isoformat() if period and period.start else ""
    end = period.end.isoformat() if period and period.end else ""
    return f"{start}..{end}"


def _criterion(pack: RulePack, cid: str, test: Node, show: Node | None, status: v.Tri, scope: Scope) -> CriterionResult:
    value = threshold = None
    if show is not None:
        value = display(evaluate(show, scope))
    elif isinstance(test, Compare):
        value, threshold = display(evaluate(test.left, scope)), display(evaluate(test.right, scope))
        if _is_date(pack, test.left):
            value, threshold = _as_date(value), _as_date(threshold)
        elif not isinstance(threshold, float):
            threshold = None  # a text or yes/no test has a value, not a threshold
    if isinstance(test, Compare) and show is not None:
        threshold = display(evaluate(test.right, scope))
    missing = unanswered(pack, test, scope) if status is None else []
    return CriterionResult(cid, STATUS[status], value, threshold, missing)


def _is_date(pack: RulePack, node: Node) -> bool:
    if isinstance(node, Name):
        decl = pack.fields.get(node.name)
        return node.name == "as_of" or (decl is not None and decl.type == "date")
    return isinstance(node, Call) and node.func in ("add_years", "add_days", "date")


def _as_date(value: Any) -> Any:
    return v.from_ordinal(value).isoformat() if isinstance(value, float) else value


def display(value: v.Value) -> Any:
    """A JSON-friendly form of a runtime value: the number when exact, else None."""
    if isinstance(value, v.Num):
        return round(value.lo, 6) if value.exact else None
    return value


def unanswered(pack: RulePack, node: Node, scope: Scope) -> list[str]:
    """The unanswered profile fields an expression reads, through derived values."""
    found: set[str] = set()
    todo = list(names(node))
    while todo:
        name = todo.pop()
        if name in pack.derived:
            todo.extend(names(pack.derived[name].expr))
        elif name in pack.fields and scope.profile.get(name) is None:
            found.add(name)
    return sorted(found)


def _amount(measure: Measure, scope: Scope) -> float | None:
    if measure.amount is None:
        return None
    value = evaluate(measure.amount, scope)
    return round(value.lo, 4) if isinstance(value, v.Num) and value.exact else None
