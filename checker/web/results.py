"""Turn a check result (the JSON of CheckResult.to_json) into what the results page shows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from checker.engine.answer import in_force_word
from checker.i18n import N_
from checker.rules.expr import BinOp, Compare, Name, Node
from checker.rules.pack import Measure, RulePack
from checker.rules.schema import Text
from checker.web import answer, company_text, pledge
from checker.web.i18n import current_lang, pick, t

GROUPS = ("eligible", "verify", "held", "planned", "undetermined", "ineligible", "staff")


@dataclass
class CriterionView:
    """One criterion line: text, status and figures."""

    id: str
    text: str
    status: str
    value: str | None
    threshold: str | None
    clause: str | None = None
    assumption: str | None = None


@dataclass
class RelationView:
    """A relation of the measure to another, with the other's status in this result."""

    type: str
    measure: str
    title: str
    note: str
    status: str | None
    conflict: bool

# The in_force criterion's words, by engine.answer.in_force_word.
IN_FORCE_WORDS = {"in_force": N_("in_force"), "in_force_unconfirmed": N_("in_force_unconfirmed")}


@dataclass
class MeasureView:
    """Everything the results page shows for one measure."""

    id: str
    title: str
    status: str
    benefit: str
    amount: float | None
    criteria: list[CriterionView]
    missing: list[tuple[str, str]]
    spec: Any
    relations: list[RelationView] = field(default_factory=list)
    money_type: str | None = None
    tax_saving: float | None = None
    held: dict[str, Any] | None = None
    currency: str = "in_force"
    applicant: str = "company"
    window: dict[str, Any] | None = None
    sources: list[answer.SourceView] = field(default_factory=list)
    condition: dict[str, str] | None = None  # {until, text}: eligible only if this is met by `until`
    version: dict[str, Any] | None = None  # the dated version of the measure that decided: {from, to}
    estimate: Any = None  # pledge.Estimate of a "when you borrow" item (a planned loan, no interest paid yet)

    @property
    def failed(self) -> list[CriterionView]:
        """The criteria this measure fails."""
        return [c for c in self.criteria if c.status == "not_met"]

    @property
    def period(self) -> tuple[str, str] | None:
        """The measure's period of force as (from, to) text, None when it has neither end."""
        period = self.spec.period
        if period is None or (period.start is None and period.end is None):
            return None
        return (period.start.isoformat() if period.start else "", period.end.isoformat() if period.end else "")


@dataclass
class ResultView:
    """The whole result: measures grouped by status and the total of eligible amounts."""

    rulepack: str
    as_of: str
    groups: dict[str, list[MeasureView]]
    totals: dict[str, float]
    chains: list[list[tuple[str, str, str, str]]] = field(default_factory=list)  # (id, title, word, badge class)
    notices: list[dict[str, Any]] = field(default_factory=list)
    hidden: int = 0
    estimates: list[tuple[MeasureView, Any]] = field(default_factory=list)
    tax_scenario: dict[str, Any] | None = None  # the result's tax_scenario: the one the tax total uses, and 'if …' ones

    def notice_views(self, lang: str) -> list[tuple[str, str, str]]:
        """The policy intentions as (title, clause, quote)."""
        return [answer.notice_view(n, lang) for n in self.notices if isinstance(n, dict)]

    @property
    def rank(self) -> dict[str, int]:
        """How many undecided measures each open question holds up, by field id."""
        return {fid: n for fid, _label, n in self.top_questions}

    def settling(self, measure: MeasureView, limit: int = 2) -> list[tuple[str, str]]:
        """The one or two open answers of a measure that would settle the most measures."""
        rank = self.rank
        return sorted(measure.missing, key=lambda fl: -rank.get(fl[0], 0))[:limit]

    @property
    def top_questions(self) -> list[tuple[str, str, int]]:
        """Open questions by how many undecided measures they hold up, most first."""
        counts: dict[tuple[str, str], int] = {}
        for measure in self.groups["undetermined"]:
            for key in measure.missing:
                counts[key] = counts.get(key, 0) + 1
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0][0]))
        return [(fid, label, n) for (fid, label), n in ranked]

    @property
    def window_months(self) -> list[tuple[str, int, int]]:
        """What opens when: per month (YYYY-MM), how many 可申报 or to-verify measures' windows open and close in it."""
        months: dict[str, list[int]] = {}
        for measure in [*self.groups["eligible"], *self.groups.get("verify", [])]:
            window = measure.window or {}
            for column, day in ((0, window.get("opens")), (1, window.get("closes"))):
                if day and str(day) >= self.as_of[:7]:
                    months.setdefault(str(day)[:7], [0, 0])[column] += 1
        return [(month, opening, closing) for month, (opening, closing) in sorted(months.items())]

    @property
    def conflicts(self) -> list[tuple[MeasureView, RelationView]]:
        """Pairs of eligible measures that exclude each other, each pair once (however many of the two declare it)."""
        seen: set[frozenset[str]] = set()
        found = []
        for m in self.groups["eligible"]:
            for r in m.relations:
                if r.conflict and frozenset((m.id, r.measure)) not in seen:
                    seen.add(frozenset((m.id, r.measure)))
                    found.append((m, r))
        return found


def build(pack: RulePack, result: dict[str, Any], answers: dict[str, Any] | None = None,
          estimates: dict[str, Any] | None = None) -> ResultView:
    """The view of a stored or fresh result against the current pack as it stood on the result's date (each measure
    in its version then); measures for other applicants left out."""
    pack = pack.dated(result.get("as_of"))
    known = {m.id for m in pack.measures}
    items = [r for r in result.get("results", []) if r.get("measure") in known]
    shown = [r for r in items if answer.concerns(pack.measure(r["measure"]), answers or {})]
    statuses = {r["measure"]: r["status"] for r in shown}
    groups: dict[str, list[MeasureView]] = {g: [] for g in GROUPS}
    counted = []
    for item in shown:
        view = _measure(pack, pack.measure(item["measure"]), item, statuses, _as_of(result))
        place = answer.placement(item, view.applicant)
        if place != "staff" and pledge.planned(item, (estimates or {}).get(view.id)):
            place, view.estimate = "planned", (estimates or {})[view.id]
        groups[place].append(view)
        if place == "eligible":
            counted.append((view.money_type, item.get("benefit") or {}))
    for place in ("eligible", "verify", "held"):
        groups[place].sort(key=lambda m: -(m.amount or 0))
    views = {m.id: m for ms in groups.values() for m in ms}
    chains = [[(mid, pick(pack.measure(mid).spec.title), *badge(views[mid])) for mid in path]
              for path in unlock_chains(pack, statuses)]
    guesses = [(m, m.estimate) for m in groups["planned"]]
    return ResultView(result.get("rulepack", ""), result.get("as_of", ""), groups, answer.totals(result, counted),
                      chains, list(result.get("notices") or []), len(items) - len(shown), guesses,
                      result.get("tax_scenario") if isinstance(result.get("tax_scenario"), dict) else None)


def unlock_edges(pack: RulePack, present: set[str]) -> dict[str, list[str]]:
    """Which measure leads to which: 'A unlocks B' and 'B requires A' both give A → B."""
    edges: dict[str, list[str]] = {}
    for measure in pack.measures:
        for rel in measure.spec.relations:
            if rel.type == "unlocks":
                pair = (measure.id, rel.measure)
            elif rel.type == "requires":
                pair = (rel.measure, measure.id)
            else:
                continue
            if set(pair) <= present and pair[1] not in edges.setdefault(pair[0], []):
                edges[pair[0]].append(pair[1])
    return edges


def badge(view: MeasureView) -> tuple[str, str]:
    """The status word (a catalogue key) and badge class a card shows: held, when you borrow, conditional, to verify,
    else its status; paths use the same."""
    if view.held:
        return "held", "held"
    if view.estimate is not None:
        return "planned", "planned"
    if view.condition:
        return "conditional", "verify"
    if view.currency == "unconfirmed":
        return "verify", "verify"
    return view.status, view.status


def unlock_chains(pack: RulePack, statuses: dict[str, str], limit: int = 6) -> list[list[str]]:
    """Longest paths of the unlock graph from measures nothing leads to, skipping all-ineligible ones."""
    edges = unlock_edges(pack, set(statuses))
    targets = {b for bs in edges.values() for b in bs}
    chains: list[list[str]] = []

    def walk(path: list[str]) -> None:
        """Extend a path along every edge, recording it where it ends."""
        nexts = [n for n in edges.get(path[-1], []) if n not in path]
        if not nexts or len(path) >= limit:
            chains.append(path)
        for nxt in nexts if len(path) < limit else []:
            walk(path + [nxt])

    for start in (m for m in edges if m not in targets):
        walk([start])
    return [c for c in chains if len(c) > 1 and any(statuses[m] != "ineligible" for m in c)]


def _as_of(result: dict[str, Any]) -> dt.date:
    """The check date of a result (today when it does not say)."""
    try:
        return dt.date.fromisoformat(str(result.get("as_of")))
    except ValueError:
        return dt.date.today()


def _measure(pack: RulePack, measure: Measure, item: dict[str, Any], statuses: dict[str, str],
             as_of: dt.date) -> MeasureView:
    """The view of one measure's result (its benefit text filled with the parameters of the check date)."""
    crits = {c.id: c for c in measure.criteria}
    currency = item.get("currency") or ("in_force" if measure.period_confirmed else "unconfirmed")
    criteria = [_criterion(pack, crits.get(c["id"]), c, currency) for c in item.get("criteria", [])]
    missing = [(f, pick(pack.fields[f].label) if f in pack.fields else f) for f in item.get("missing", [])]
    relations = [_relation(pack, item["status"], r, statuses) for r in measure.spec.relations]
    benefit = item.get("benefit") or {}
    return MeasureView(measure.id, pick(measure.spec.title), item["status"], pack.benefit_text(measure, current_lang(), as_of),
                       benefit.get("amount_wan"), criteria, missing, measure.spec, relations,
                       answer.money_type(item, measure), benefit.get("tax_saving_wan"), item.get("held") or None,
                       currency, answer.applicant(item, measure), item.get("window"),
                       [answer.source_view(s) for s in measure.spec.source], _condition(item, measure),
                       item.get("version"))


def _condition(item: dict[str, Any], measure: Measure) -> dict[str, str] | None:
    """A result's condition as the card shows it: the date from the result, the text from the measure."""
    found = item.get("condition")
    spec = getattr(measure.spec, "condition", None)
    if not found or not found.get("until"):
        return None
    return {"until": str(found["until"]), "text": pick(spec.text) if spec is not None else ""}


def _relation(pack: RulePack, status: str, rel: Any, statuses: dict[str, str]) -> RelationView:
    """One relation, flagged as a conflict when both measures are eligible and exclude each other."""
    other = statuses.get(rel.measure)
    try:
        title = pick(pack.measure(rel.measure).spec.title)
    except KeyError:
        title = rel.measure
    conflict = rel.type == "excludes" and status == "eligible" and other == "eligible"
    return RelationView(rel.type, rel.measure, title, pick(rel.note), other, conflict)


def _criterion(pack: RulePack, crit: Any, data: dict[str, Any], currency: str = "unconfirmed") -> CriterionView:
    """One criterion line, with value and threshold formatted for people (in force only when the period is confirmed)."""
    if crit is None:
        text = t(IN_FORCE_WORDS[in_force_word(data["status"], currency)]) if data["id"] == "in_force" else data["id"]
        threshold = _plain(data.get("threshold"))
        if data["id"] == "in_force":
            threshold = _period_text(threshold)
        return CriterionView(data["id"], text, data["status"], _plain(data.get("value")), threshold)
    node = crit.show if crit.show is not None else crit.test
    left = node.left if isinstance(node, Compare) else node
    value, threshold = _format(pack, left, data.get("value")), _format(pack, left, data.get("threshold"))
    return CriterionView(crit.id, pick(crit.text), data["status"], value, threshold, crit.clause,
                         pick(crit.assumption) if crit.assumption else None)


def _period_text(period: str | None) -> str | None:
    """A period 'start..end' as 'start – end', None when it has neither end."""
    if not period or not period.strip("."):
        return None
    return period.replace("..", " – ")


def is_ratio(pack: RulePack, node: Node) -> bool:
    """Whether an expression is a share: a derived value computed as a division."""
    if isinstance(node, BinOp):
        return node.op == "/"
    return isinstance(node, Name) and node.name in pack.derived and is_ratio(pack, pack.derived[node.name].expr)


def _format(pack: RulePack, node: Node, value: Any) -> str | None:
    """A value as people read it: percentages for shares, labels for choices, units for fields."""
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and is_ratio(pack, node):
        return f"{value * 100:.4g}%"
    decl = pack.fields.get(node.name) if isinstance(node, Name) else None
    if decl is not None and decl.type == "enum":
        labels = {c.value: pick(c.label) for c in decl.values or ()}
        return labels.get(str(value), str(value))
    unit = _unit(pack, node)
    return f"{_plain(value)} {unit}".strip()


def _unit(pack: RulePack, node: Node) -> str:
    """The unit of a field or derived value, if declared."""
    if isinstance(node, Name):
        decl = pack.fields.get(node.name)
        derived = pack.derived.get(node.name)
        unit: Text | None = decl.unit if decl else (derived.spec.unit if derived else None)
        return company_text.unit(pick(unit))
    return ""


def _plain(value: Any) -> str | None:
    """A number without trailing zeros, booleans in words, other values as text."""
    if value is None:
        return None
    if isinstance(value, bool):
        return t("yes") if value else t("no")
    if isinstance(value, float):
        return f"{value:,.6g}" if abs(value) < 1e15 else str(value)
    return str(value)
