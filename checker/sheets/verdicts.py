"""Results of many clients as an agency hands them over: matrix, detail, problems and summary, in the page's language.

Statuses read 可申报/待完善/不符合/已获得; each client gets its count of eligible measures and its estimated money
by type (cash / tax saving / financing); an amount that is not known shows as "—", never as 0.
Result dicts are read defensively (.get), so both the compact stored form and answer version 2 work.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

from checker.engine.answer import TOTAL_KEYS, counts_as_eligible, stored_totals
from checker.i18n import N_, translate
from checker.rules.pack import RulePack
from checker.sheets.writer import Sheet
from checker.sheets.xlsx import SplitRow

STATUSES = ("eligible", "undetermined", "ineligible")
SHOWN_STATUSES = (*STATUSES, "verify", "others", "held")  # status_of: 'eligible' only when counts_as_eligible
UNKNOWN = "—"
MONEY = ("cash", "tax_saving", "financing")
TYPE_COLUMN = {kind: key.removesuffix("_wan") for kind, key in TOTAL_KEYS.items()}  # answer's: a deduction by its saving
# The words of the sheets, in the message catalogue as "export.<key>".
WORDS = (
    N_("export.eligible"), N_("export.undetermined"), N_("export.ineligible"), N_("export.held"),
    N_("export.verify"), N_("export.row"), N_("export.client"), N_("export.name"), N_("export.count"),
    N_("export.cash"), N_("export.tax_saving"), N_("export.financing"), N_("export.rulepack"),
    N_("export.as_of"), N_("export.measure"), N_("export.status"), N_("export.amount"), N_("export.type"),
    N_("export.failed"), N_("export.missing"), N_("export.column"), N_("export.reason"),
    N_("export.type_cash"), N_("export.type_tax_saving"), N_("export.type_financing"), N_("export.matrix"),
    N_("export.detail"), N_("export.problems"), N_("export.others"),
)
_WORD_KEYS = {k.removeprefix("export."): k for k in WORDS}
GROUP = attrgetter("group")
ALIKE_LIMIT = 10_000  # distinct item groupings a tally or matrix keeps before it counts them or starts afresh


def word(key: str, lang: str) -> str:
    """An output word of the sheets in the language (zh or en)."""
    return translate(_WORD_KEYS[key], lang)


@dataclass
class ClientVerdicts:
    """One client's stored result, as the exports read it."""

    key: str
    name: str
    result: dict[str, Any]
    row: int | None = None
    client_id: int | None = None
    backend: str | None = None


@dataclass
class MeasureSummary:
    """How many clients fall in each status for one measure, and the eligible amounts."""

    measure: str
    title: str
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SHOWN_STATUSES, 0))
    amount_wan: float = 0.0
    unknown: int = 0  # eligible clients whose amount is not known
    counted: int = 0  # 可申报 (counts_as_eligible): eligible, in force, not held, unconditional
    held: int = 0  # 已获得


@dataclass
class Summary:
    """Totals over a set of client results, money by type; a type's total is None when no amount is known."""

    clients: int
    measures: list[MeasureSummary]
    amount_wan: float | None
    money: dict[str, float | None] = field(default_factory=dict)
    unknown: int = 0
    updating: bool = False  # the kept summary of a portfolio a job or recheck is still changing
    board: dict[str, Any] | None = None  # the portfolio dashboard's slices and client rows (agency.dashboard)


def titles(pack: RulePack, lang: str) -> dict[str, str]:
    """Each measure's title in the language."""
    return {m.id: getattr(m.spec.title, lang, None) or m.spec.title.zh for m in pack.measures}


def column_label(pack: RulePack, column: str, lang: str) -> str:
    """A problem's column as the user knows it: the field's label in the language, else the header as written."""
    decl = pack.fields.get(column)
    return (getattr(decl.label, lang, None) or decl.label.zh) if decl else column


def status_of(item: dict[str, Any]) -> str:
    """A result item's status: 'held' when the client already holds it, 'verify' when eligible but unconfirmed or
    on a condition still to be met, 'others' when eligible but the staff or an institution applies; 'eligible' only
    when counts_as_eligible."""
    if item.get("held"):
        return "held"
    if item.get("status") == "eligible" and (item.get("currency") == "unconfirmed" or item.get("condition")):
        return "verify"
    if item.get("status") == "eligible" and (item.get("applicant") or "company") != "company":
        return "others"
    return item.get("status", "")


@dataclass(eq=False, slots=True)
class ItemFacts:
    """What the summary, dashboard and matrix read of one result item, worked out once per distinct stored item
    (hashed by identity); `group` is what the summary counts of it, shared by every item counted alike."""

    measure: str
    status: str  # status_of: the summary's status and the matrix's word
    held: bool
    counted: bool  # counts_as_eligible (status_of 'eligible' alike)
    undetermined: bool  # the item's own status is undetermined
    kind: str  # money_type
    value: float | None  # amount_of in its money type
    rounded: float  # the dashboard's round(value or 0.0, 4)
    group: tuple[str, str, bool, bool]  # (measure, status, held, value is None): group_of


def group_of(measure: str, status: str, held: bool, value: float | None) -> tuple[str, str, bool, bool]:
    """An item's group: what the summary counts of it (its measure, status, held, whether its amount is unknown)."""
    return measure, status, held, value is None


class FactsTable:
    """ItemFacts of result items on one pack, each distinct stored item worked out once (by its stored text)."""

    LIMIT = 100_000  # distinct items remembered before the table starts afresh

    def __init__(self, pack: RulePack | None) -> None:
        self.pack = pack
        self.kinds = measure_kinds(pack)
        self.known: dict[str, ItemFacts] = {}

    def of_item(self, item: dict[str, Any]) -> ItemFacts:
        """The facts of one result item dict."""
        measure = item["measure"]
        kind = (self.kinds.get(measure) if "benefit" not in item else None) or money_type(self.pack, item)
        value = amount_of(item, kind)
        status, held = status_of(item), bool(item.get("held"))
        return ItemFacts(measure, status, held, counts_as_eligible(item), item.get("status") == "undetermined", kind,
                         value, round(value or 0.0, 4), group_of(measure, status, held, value))

    def of_items(self, items: Iterable[dict[str, Any]]) -> list[ItemFacts]:
        """The facts of result item dicts, in their order."""
        return [self.of_item(item) for item in items]

    def remember(self, text: str, facts: ItemFacts) -> ItemFacts:
        """Keep an item's facts under its stored text."""
        if len(self.known) >= self.LIMIT:
            self.known.clear()
        self.known[text] = facts
        return facts


@dataclass
class ClientFacts:
    """One client's stored result as facts: what ClientVerdicts gives the summary, dashboard and matrix, without the
    item dicts."""

    key: str
    name: str
    facts: list[ItemFacts]
    totals: dict[str, float] | None  # the engine's totals: stored, else worked out from the items
    rulepack: Any = None
    as_of: Any = None
    extra: dict[str, Any] = field(default_factory=dict)
    row: int | None = None
    client_id: int | None = None

    def __post_init__(self) -> None:
        self.counted = [f for f in self.facts if f.counted]  # its 可申报 items, in order
        self.groups = tuple(map(GROUP, self.facts))  # what the summary counts and the matrix shows of its items
        self._money: tuple[int, dict[str, float | None], dict[str, bool]] | None = None

    def money(self) -> tuple[int, dict[str, float | None], dict[str, bool]]:
        """money() of this result: eligible count, money by type, whether a type has an unknown amount (worked out
        once; read-only)."""
        if self._money is None:
            sums, unknown = dict.fromkeys(MONEY), dict.fromkeys(MONEY, False)
            for f in self.counted:
                if f.value is None:
                    unknown[f.kind] = True
                else:
                    sums[f.kind] = round((sums[f.kind] or 0) + f.value, 4)
            self._money = len(self.counted), from_totals(sums, self.totals), unknown
        return self._money


def client_facts(table: FactsTable, item: ClientVerdicts) -> ClientFacts:
    """The facts of a ClientVerdicts (its result dict's items)."""
    result = item.result or {}
    return ClientFacts(item.key, item.name, table.of_items(result.get("results", [])),
                       result.get("totals") or kept_totals(table.pack, result), result.get("rulepack"),
                       result.get("as_of"), result.get("extra") or {}, item.row, item.client_id)


def money_type(pack: RulePack | None, item: dict[str, Any]) -> str:
    """Which money column a result item counts in: its benefit type (answer v2), else the measure's, else cash."""
    return TYPE_COLUMN.get(_benefit_type(pack, item), "cash")


def amount_of(item: dict[str, Any], kind: str) -> float | None:
    """A result item's estimated money in 万元: the tax saving for tax measures, else the amount; None if unknown."""
    benefit = item.get("benefit") or {}
    if kind == "tax_saving":
        saving = item.get("tax_saving_wan", benefit.get("tax_saving_wan"))
        if saving is not None:
            return saving
    return item.get("amount_wan", benefit.get("amount_wan"))


def money_text(pack: RulePack | None, item: dict[str, Any], lang: str) -> str:
    """A result item's money with its type and unit ("减税 0.03 万元"); a deduction also names the deduction it is
    worked out from, labelled as such; empty when the amount is not known."""
    kind = money_type(pack, item)
    value = amount_of(item, kind)
    if value is None:
        return ""
    text = translate(N_("export.money_of"), lang, type=word(f"type_{kind}", lang), amount=f"{value:,.2f}")
    deducted = item.get("amount_wan", (item.get("benefit") or {}).get("amount_wan"))
    if _benefit_type(pack, item) == "deduction" and deducted is not None:
        text += translate(N_("export.deduction_of"), lang, amount=f"{deducted:,.2f}")
    return text


def _benefit_type(pack: RulePack | None, item: dict[str, Any]) -> str | None:
    """The benefit type an item states (answer v2), else its measure's."""
    kind = (item.get("benefit") or {}).get("type")
    if kind is None and pack is not None and item.get("measure") in pack.index:
        kind = getattr(pack.index[item["measure"]].spec.benefit, "type", None)
    return kind


def money(pack: RulePack | None, result: dict[str, Any],
          kinds: dict[str, str] | None = None) -> tuple[int, dict[str, float | None], dict[str, bool]]:
    """Of one result: eligible count, known money by type (None if that type has eligible items but no amount), and
    whether any eligible item of a type has an unknown amount. The sums are the engine's totals (answer v2: one tax
    scenario; of two measures that exclude each other only the larger counts): those the result carries, else
    answer.stored_totals of its items (a row stored before results carried totals), never the items added up.
    `kinds` (measure_kinds) spares the pack lookup for items without a benefit of their own."""
    count, sums, unknown = 0, dict.fromkeys(MONEY), dict.fromkeys(MONEY, False)
    for item in result.get("results", []):
        if not counts_as_eligible(item):
            continue
        count += 1
        known = kinds.get(item.get("measure")) if kinds is not None and "benefit" not in item else None
        kind = known or money_type(pack, item)
        value = amount_of(item, kind)
        if value is None:
            unknown[kind] = True
        else:
            sums[kind] = round((sums[kind] or 0) + value, 4)
    return count, from_totals(sums, result.get("totals") or kept_totals(pack, result)), unknown


def kept_totals(pack: RulePack | None, result: dict[str, Any]) -> dict[str, float] | None:
    """The totals of a stored result without them, worked out from its items on the pack of its check date."""
    if pack is None or "results" not in result:
        return None
    return stored_totals(pack.dated(result.get("as_of")), result["results"])


def measure_kinds(pack: RulePack | None) -> dict[str, str]:
    """Each measure's money column (money_type of an item without a benefit of its own)."""
    return {m.id: money_type(pack, {"measure": m.id}) for m in pack.measures} if pack is not None else {}


def from_totals(sums: dict[str, float | None], totals: dict[str, float] | None) -> dict[str, float | None]:
    """The engine's totals for every money type that has a known amount (others stay None), else the sums."""
    if not totals:
        return sums
    return {kind: (None if value is None else totals.get(TOTAL_KEYS[kind], value)) for kind, value in sums.items()}


def shown(value: float | None, unknown: bool) -> Any:
    """A money cell: the known sum, "—" when eligible items have no known amount, empty when there is nothing."""
    if value is not None:
        return value
    return UNKNOWN if unknown else None


class Tally:
    """A Summary built one client at a time: by summarise_facts, or beside another pass over the same clients (a job
    workbook's matrix, so its 汇总 sheet costs no second read of every result)."""

    def __init__(self, names: dict[str, str], pack: RulePack | None = None) -> None:
        self.per = {mid: MeasureSummary(mid, title) for mid, title in names.items()}
        self.pack, self.clients, self.unknown = pack, 0, 0
        self.totals: dict[str, float | None] = dict.fromkeys(MONEY)
        self.seen: Counter[tuple[str, str, bool, bool]] = Counter()  # how many items of each group
        self.alike: dict[tuple[tuple[str, str, bool, bool], ...], int] = {}  # add_facts: clients by their groups
        self.amounts: dict[str, float] = {}  # add_facts: each measure's known 可申报 money, added in client order

    def _add_money(self, sums: dict[str, float | None], gaps: dict[str, bool]) -> None:
        """Add one client's money by type to the totals."""
        self.unknown += any(gaps.values())
        for kind in MONEY:
            if (amount := sums[kind]) is not None:
                self.totals[kind] = round((self.totals[kind] or 0) + amount, 4)

    def add_facts(self, client: ClientFacts) -> None:
        """Count one client's result facts (as add does its dicts; the per-measure counts added up in summary())."""
        self.clients += 1
        alike = self.alike
        alike[client.groups] = alike.get(client.groups, 0) + 1
        if len(alike) >= ALIKE_LIMIT:
            self._count_alike()
        amounts = self.amounts
        for f in client.counted:
            amounts[f.measure] = round(amounts.get(f.measure, 0.0) + (f.value or 0), 4)
        _, sums, gaps = client.money()
        self._add_money(sums, gaps)

    def tap_facts(self, clients: Iterable[ClientFacts]) -> Iterator[ClientFacts]:
        """The clients' facts passed on, each counted on the way."""
        for client in clients:
            self.add_facts(client)
            yield client

    def _count_alike(self) -> None:
        """Count the items of the clients add_facts kept by their groups (most clients' items are grouped alike)."""
        seen = self.seen
        for groups, n in self.alike.items():
            for group in groups:
                seen[group] += n
        self.alike = {}

    def _fold(self) -> None:
        """Add the facts counted by add_facts to the per-measure summaries (once, when the summary is asked for)."""
        self._count_alike()
        per = self.per
        for (measure, status, held, unknown), n in self.seen.items():
            entry = per.get(measure) or per.setdefault(measure, MeasureSummary(measure, measure))
            entry.counts[status] = entry.counts.get(status, 0) + n
            entry.held += n * held
            if status == "eligible":
                entry.counted += n
                entry.unknown += n * unknown
        for measure, amount in self.amounts.items():
            per[measure].amount_wan = amount
        self.seen = Counter()

    def summary(self) -> Summary:
        """The summary of the clients counted so far."""
        self._fold()
        known = [v for v in self.totals.values() if v is not None]
        return Summary(self.clients, list(self.per.values()), round(sum(known), 4) if known else None, dict(self.totals),
                       self.unknown)


def summarise(items: Iterable[ClientVerdicts], names: dict[str, str], pack: RulePack | None = None) -> Summary:
    """Per measure: clients by status_of (eligible counted as counts_as_eligible, to verify, held ...) and the known
    eligible amounts; totals by money type."""
    table = FactsTable(pack)
    return summarise_facts((client_facts(table, item) for item in items), names, pack)


def summarise_facts(clients: Iterable[ClientFacts], names: dict[str, str], pack: RulePack | None = None) -> Summary:
    """summarise() of clients' facts."""
    tally = Tally(names, pack)
    for client in clients:
        tally.add_facts(client)
    return tally.summary()


def matrix_head(names: dict[str, str], lang: str, extras: list[str]) -> tuple[list[str], list[str]]:
    """The matrix sheet's header and column kinds."""
    header = [word(k, lang) for k in ("row", "client", "name", "count", *MONEY)] + list(names.values())
    header += extras + [word("rulepack", lang), word("as_of", lang)]
    return header, ["count", "text", "text", "count", "money", "money", "money"] + ["status"] * len(names)


def matrix(items: Iterable[ClientVerdicts], names: dict[str, str], lang: str = "zh", pack: RulePack | None = None,
           extras: list[str] | None = None) -> Sheet:
    """One row per client: row, client, name, eligible count, money by type, each measure's status, extra columns."""
    table = FactsTable(pack)
    return facts_matrix((client_facts(table, item) for item in items), names, lang, extras)


def facts_matrix(clients: Iterable[ClientFacts], names: dict[str, str], lang: str = "zh",
                 extras: list[str] | None = None) -> Sheet:
    """matrix() of clients' facts: one row per client, each measure's status by its facts' matrix word."""
    extras = extras or []
    header, kinds = matrix_head(names, lang, extras)
    words = {key: word(key, lang) for key in _WORD_KEYS}
    start = 4 + len(MONEY)  # the statuses: a run of cells the XLSX writer prepares once per distinct run
    end = start + len(names)

    runs: dict[tuple[tuple[str, str, bool, bool], ...], list[str]] = {}  # the status cells of clients grouped alike

    def run(client: ClientFacts) -> list[str]:
        found = runs.get(client.groups)
        if found is None:
            if len(runs) >= ALIKE_LIMIT:
                runs.clear()
            by_id = {f.measure: words[f.status] for f in client.facts}
            found = runs[client.groups] = [by_id.get(mid, "") for mid in names]
        return found

    def rows() -> Iterator[list[Any]]:
        for client in clients:
            count, sums, gaps = client.money()
            line = [client.row, client.key, client.name, count] + [shown(sums[k], gaps[k]) for k in MONEY]
            line += run(client)
            extra = client.extra
            yield SplitRow(line + [extra.get(name) for name in extras] + [client.rulepack, client.as_of], start, end)

    return Sheet(word("matrix", lang), header, rows(), kinds)


def worth_detail(r: dict[str, Any]) -> bool:
    """Eligible and undetermined measures, and near misses (ineligible on exactly one criterion, in force)."""
    failed = r.get("failed", [])
    return r["status"] != "ineligible" or (len(failed) == 1 and failed[0] != "in_force")


def _criteria(pack: RulePack | None, measure: str, ids: list[str], lang: str) -> str:
    """Failed criteria by their text in the language, else their ids."""
    found = pack.index.get(measure) if pack is not None else None
    texts = {c.id: getattr(c.text, lang, None) or c.text.zh for c in found.criteria} if found else {}
    return "；".join(texts.get(i, i) for i in ids)


def detail(items: Iterable[ClientVerdicts], names: dict[str, str], lang: str = "zh", pack: RulePack | None = None) -> Sheet:
    """One row per client and measure worth a look: status, amount ("—" if unknown), criteria failed, open questions."""
    header = [word(k, lang) for k in ("row", "client", "name", "measure", "status", "amount", "type", "failed", "missing")]
    kinds = ["count", "text", "text", "long", "status", "money", "text", "long", "long"]

    def rows() -> Iterator[list[Any]]:
        for item in items:
            for r in item.result.get("results", []):
                if not worth_detail(r):
                    continue
                kind = money_type(pack, r)
                value = amount_of(r, kind)
                questions = "；".join(column_label(pack, f, lang) if pack else f for f in r.get("missing", []))
                yield [item.row, item.key, item.name, names.get(r["measure"], r["measure"]), word(status_of(r), lang),
                       value if value is not None else UNKNOWN, word(f"type_{kind}", lang),
                       _criteria(pack.dated(item.result.get("as_of")) if pack else None, r["measure"], r.get("failed", []),
                                 lang), questions]

    return Sheet(word("detail", lang), header, rows(), kinds)


def problems_table(problems: Iterable[Any], lang: str = "zh", pack: RulePack | None = None) -> Sheet:
    """The row problems: row (as Excel shows it), client, name, column (the field's label), problem in the language.

    Each problem is (row, column, Problem, client, name), as results.job_problems yields them."""
    header = [word(k, lang) for k in ("row", "client", "name", "column", "reason")]
    rows = ([row, client, name, column_label(pack, col, lang) if pack else col, problem.text(lang)]
            for row, col, problem, client, name in problems)
    return Sheet(word("problems", lang), header, rows, ["count", "text", "text", "text", "long"])
