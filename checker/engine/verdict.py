"""Turn decided criteria into an explained verdict: status, values, thresholds, missing answers."""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Sequence, TypedDict, cast

from checker.engine import answer
from checker.engine import values as v
from checker.engine.scope import Scope
from checker.rules.expr import BoolOp, Compare, Name, Node, Not
from checker.rules.pack import Criterion, LogicTree, Measure, RulePack
from checker.rules.windows import NO_WINDOW, WindowStatus, window_status

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
    window: WindowStatus = field(default_factory=NO_WINDOW.copy)
    held: dict[str, str] | None = None
    currency: str = "unconfirmed"
    applicant: str = "company"
    benefit_type: str | None = None
    tax_saving_wan: float | None = None
    condition: dict[str, str] | None = None
    version: dict[str, str | None] | None = None  # the dated version of the measure that decided: {from, to}

    def to_json(self) -> dict[str, Any]:
        """The result object of profile.md (version 1 keys, plus version 2; `version` only for a dated measure)."""
        out = {
            "measure": self.measure, "status": self.status,
            "criteria": [_criterion_json(c) for c in self.criteria], "missing": self.missing,
            "benefit": {"amount_wan": self.amount_wan, "text": self.benefit_text,
                        "type": self.benefit_type, "tax_saving_wan": self.tax_saving_wan},
            "values": self.values, "held": self.held, "currency": self.currency, "applicant": self.applicant,
            "window": self.window, "condition": self.condition,
        }
        if self.version is not None:
            out["version"] = dict(self.version)
        return out

    def money_item(self) -> dict[str, Any]:
        """What answer.totals reads of the result (the keys of to_json it needs, without the criteria)."""
        return {"measure": self.measure, "status": self.status, "currency": self.currency, "applicant": self.applicant,
                "held": self.held, "condition": self.condition,
                "benefit": {"amount_wan": self.amount_wan, "type": self.benefit_type, "tax_saving_wan": self.tax_saving_wan}}


def _criterion_json(c: CriterionResult) -> dict[str, Any]:
    """A criterion as JSON: as dataclasses.asdict, without its deep walk over plain values."""
    plain = (str, int, float, bool, type(None))
    value = c.value if isinstance(c.value, plain) else copy.deepcopy(c.value)
    threshold = c.threshold if isinstance(c.threshold, plain) else copy.deepcopy(c.threshold)
    return {"id": c.id, "status": c.status, "value": value, "threshold": threshold, "missing": list(c.missing)}


@dataclass
class CheckResult:
    """All verdicts for one profile on one date."""

    rulepack: str
    as_of: dt.date
    results: list[MeasureResult]
    conflicts: list[Conflict] = field(default_factory=list)
    notices: list[answer.Notice] = field(default_factory=list)
    totals: dict[str, float] = field(default_factory=dict)
    intentions: list[MeasureResult] = field(default_factory=list)  # verdicts of notices, for examples only
    tax_scenario: dict[str, Any] | None = None  # answer.TaxPicture.to_json: the scenario the totals use

    def to_json(self) -> dict[str, Any]:
        """The JSON object `checker check` prints."""
        return {"rulepack": self.rulepack, "as_of": self.as_of.isoformat(),
                "results": [r.to_json() for r in self.results], "conflicts": self.conflicts,
                "notices": self.notices, "totals": self.totals, "tax_scenario": self.tax_scenario}

    def verdict(self, measure_id: str) -> MeasureResult:
        """The verdict on one measure, intentions included (StopIteration if none)."""
        return next(r for r in [*self.results, *self.intentions] if r.measure == measure_id)


class Conflict(TypedDict):
    """Two measures that may both apply but exclude each other."""

    measures: list[str]
    type: str
    note: str


def conflicts(pack: RulePack, results: list[MeasureResult], lang: str = "zh") -> list[Conflict]:
    """Pairs of measures that may both apply but exclude each other (no double support)."""
    live = {r.measure for r in results if r.status != "ineligible"}
    found: dict[tuple[str, ...], Conflict] = {}
    for measure in pack.measures:
        for rel in measure.spec.relations:
            pair = tuple(sorted((measure.id, rel.measure)))
            if rel.type == "excludes" and measure.id in live and rel.measure in live and pair not in found:
                found[pair] = {"measures": list(pair), "type": "excludes", "note": getattr(rel.note, lang)}
    return list(found.values())


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
    as_of = v.from_ordinal(cast(v.Num, scope.get("as_of")).lo)
    criteria = [_criterion(c, decided[c.id], scope) for c in measure.criteria]
    status = {True: "eligible", False: "ineligible", None: "undetermined"}[combine(measure.logic, decided)]
    if measure.spec.period is not None:
        in_force = measure.in_force(as_of)
        criteria.insert(0, CriterionResult("in_force", STATUS[in_force], as_of.isoformat(), _period(measure)))
        status = status if in_force else "ineligible"
    missing = sorted({f for c in criteria if c.status == "unknown" for f in c.missing}) if status == "undetermined" else []
    amount = _amount(measure, scope) if status != "ineligible" else None
    values = {n: display(scope.get(n)) for n in measure.derived_reads}
    return MeasureResult(measure.id, status, criteria, missing, amount,
                         pack.benefit_text(measure, lang, as_of), values, application_window(pack, measure, as_of),
                         held=held_dates(measure, scope), currency=answer.currency(measure, as_of),
                         applicant=measure.spec.applicant, benefit_type=measure.spec.benefit.type,
                         condition=condition_of(measure, scope, status, lang), version=measure.version_json())


def application_window(pack: RulePack, measure: Measure, as_of: dt.date) -> WindowStatus:
    """The measure's application window (申报时间) as of the check date: open, upcoming, closed or none."""
    return window_status(pack.windows.get(measure.id, ()), as_of)


def held_dates(measure: Measure, scope: Scope) -> dict[str, str] | None:
    """{since, until} when the profile surely shows the measure's recognition is held, else None."""
    if measure.held is None or scope.eval(measure.held[0]) is not True:
        return None
    since, until = (scope.eval(node) for node in measure.held[1:])
    if not (isinstance(since, v.Num) and since.exact and isinstance(until, v.Num) and until.exact):
        return None
    return {"since": v.from_ordinal(since.lo).isoformat(), "until": v.from_ordinal(until.lo).isoformat()}


def condition_of(measure: Measure, scope: Scope, status: str, lang: str = "zh") -> dict[str, str] | None:
    """{until, text} when an eligible result surely holds only on the measure's condition, else None."""
    if measure.condition is None or status != "eligible" or scope.eval(measure.condition[0]) is not True:
        return None
    until = scope.eval(measure.condition[1])
    if not (isinstance(until, v.Num) and until.exact):
        return None
    assert measure.spec.condition is not None
    return answer.condition(v.from_ordinal(until.lo), measure.spec.condition.text, lang)


def add_tax_savings(scope: Scope, results: list[MeasureResult], others: Sequence[MeasureResult] = ()
                    ) -> answer.TaxPicture:
    """Fill tax_saving_wan of every deduction (of `others` too) at the rate of the best established tax scenario of
    `results` (in place); that scenario, the rate measures it leaves out of the totals and the better 'if …' ones."""
    hte = scope.get(answer.HTE_RATE_YEAR) if answer.HTE_RATE_YEAR in scope.pack.derived else False
    taxable = scope.profile.get("taxable_income_wan")
    picture = answer.tax_picture(scope.pack, [r.money_item() for r in results], hte if isinstance(hte, bool) else None,
                                 taxable)
    for item in [*results, *others]:
        if item.benefit_type == "deduction":
            item.tax_saving_wan = answer.tax_saving(item.amount_wan, taxable, picture.chosen.rate)
    return picture


def _period(measure: Measure) -> str:
    period = measure.spec.period
    start = period.start.isoformat() if period and period.start else ""
    end = period.end.isoformat() if period and period.end else ""
    return f"{start}..{end}"


def _criterion(crit: Criterion, status: v.Tri, scope: Scope) -> CriterionResult:
    value = threshold = None
    test = crit.test
    if crit.show is not None:
        value = display(scope.eval(crit.show))
    elif crit.display != "none" and isinstance(test, Compare):  # a display other than "none" is a comparison's
        value = display(scope.eval(test.left))
    if crit.display in ("number", "date") and isinstance(test, Compare):
        threshold = display(scope.eval(test.right))
    if crit.display == "date":
        value, threshold = _as_date(value), _as_date(threshold)
    missing = relevant_unanswered(crit.test, scope) if status is None else []
    return CriterionResult(crit.id, STATUS[status], value, threshold, missing)


def relevant_unanswered(node: Node, scope: Scope) -> list[str]:
    """Unanswered fields that could still decide an open test: decided and/or branches need none."""
    found: set[str] = set()
    todo = [node]
    while todo:
        item = todo.pop()
        if isinstance(item, BoolOp):
            todo.extend(o for o in item.operands if scope.eval(o) is None)
        elif isinstance(item, Not):
            todo.append(item.operand)
        elif isinstance(item, Name) and item.name in scope.pack.derived and scope.pack.derived[item.name].spec.type == "bool":
            todo.append(scope.pack.derived[item.name].expr)
        else:
            found.update(f for f in scope.pack.field_closure(item) if scope.profile.get(f) is None)
    return sorted(found)


def _as_date(value: Any) -> Any:
    return v.from_ordinal(value).isoformat() if isinstance(value, float) else value


def display(value: v.Value) -> Any:
    """A JSON-friendly form of a runtime value: the number when exact, else None."""
    if isinstance(value, v.Num):
        return round(value.lo, 6) if value.exact else None
    return value


def _amount(measure: Measure, scope: Scope) -> float | None:
    if measure.amount is None:
        return None
    value = scope.eval(measure.amount)
    return round(value.lo, 4) if isinstance(value, v.Num) and value.exact else None
