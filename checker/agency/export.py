"""Results of many clients as an agency hands them over: matrix, detail, problems and summary, in the page's language.

Statuses read 可申报/待完善/不符合/已获得; each client gets its count of eligible measures and its estimated money
by type (cash / tax saving / financing); an amount that is not known shows as "—", never as 0.
Result dicts are read defensively (.get), so both the compact stored form and answer version 2 work.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from checker.agency.sheets import Sheet
from checker.rules.pack import RulePack

STATUSES = ("eligible", "undetermined", "ineligible")
UNKNOWN = "—"
MONEY = ("cash", "tax_saving", "financing")
TYPE_COLUMN = {"cash": "cash", None: "cash", "tax_saving": "tax_saving", "deduction": "tax_saving", "financing": "financing"}
WORDS: dict[str, tuple[str, str]] = {
    "eligible": ("可申报", "Eligible"), "undetermined": ("待完善", "Needs answers"),
    "ineligible": ("不符合", "Not eligible"), "held": ("已获得", "Already held"),
    "verify": ("可申报（向主管部门核实）", "Eligible (check with the authority)"),
    "row": ("行号", "Row"), "client": ("客户编号", "Client"), "name": ("名称", "Name"),
    "count": ("可申报项数", "Eligible measures"), "cash": ("资金支持（万元）", "Cash (10k CNY)"),
    "tax_saving": ("税收减免（万元）", "Tax saving (10k CNY)"), "financing": ("融资支持（万元）", "Financing (10k CNY)"),
    "rulepack": ("规则包版本", "Rule pack"), "as_of": ("评估日期", "Checked as of"),
    "measure": ("政策", "Measure"), "status": ("状态", "Status"), "amount": ("估算金额（万元）", "Amount (10k CNY)"),
    "type": ("支持类型", "Kind of money"), "failed": ("未满足条件", "Criteria not met"),
    "missing": ("尚需回答", "Open questions"), "column": ("列", "Column"), "reason": ("问题", "Problem"),
    "type_cash": ("资金", "cash"), "type_tax_saving": ("减税", "tax saving"), "type_financing": ("融资", "financing"),
    "matrix": ("客户×政策", "matrix"), "detail": ("明细", "detail"), "problems": ("问题清单", "problems"),
}


def word(key: str, lang: str) -> str:
    """An output word in the language (Chinese unless 'en')."""
    zh, en = WORDS[key]
    return en if lang == "en" else zh


@dataclass
class ClientVerdicts:
    """One client's stored result, as the exports read it."""

    key: str
    name: str
    result: dict[str, Any]
    row: int | None = None
    client_id: int | None = None


@dataclass
class MeasureSummary:
    """How many clients fall in each status for one measure, and the eligible amounts."""

    measure: str
    title: str
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATUSES, 0))
    amount_wan: float = 0.0
    unknown: int = 0  # eligible clients whose amount is not known


@dataclass
class Summary:
    """Totals over a set of client results, money by type; a type's total is None when no amount is known."""

    clients: int
    measures: list[MeasureSummary]
    amount_wan: float | None
    money: dict[str, float | None] = field(default_factory=dict)
    unknown: int = 0


def titles(pack: RulePack, lang: str) -> dict[str, str]:
    """Each measure's title in the language."""
    return {m.id: getattr(m.spec.title, lang, None) or m.spec.title.zh for m in pack.measures}


def column_label(pack: RulePack, column: str, lang: str) -> str:
    """A problem's column as the user knows it: the field's label in the language, else the header as written."""
    decl = pack.fields.get(column)
    return (getattr(decl.label, lang, None) or decl.label.zh) if decl else column


def status_of(item: dict[str, Any]) -> str:
    """A result item's status: 'held' when the client already holds it, 'verify' when eligible but unconfirmed."""
    if item.get("held"):
        return "held"
    if item.get("status") == "eligible" and item.get("currency") == "unconfirmed":
        return "verify"
    return item.get("status", "")


def counts_as_eligible(item: dict[str, Any]) -> bool:
    """Whether an item is in the client's 可申报 count and totals: eligible, not held, in force, for the company."""
    return (item.get("status") == "eligible" and not item.get("held") and item.get("currency") != "unconfirmed"
            and item.get("applicant", "company") == "company")


def money_type(pack: RulePack | None, item: dict[str, Any]) -> str:
    """Which money column a result item counts in: its benefit type (answer v2), else the measure's, else cash."""
    kind = (item.get("benefit") or {}).get("type")
    if kind is None and pack is not None and item.get("measure") in pack.index:
        kind = getattr(pack.index[item["measure"]].spec.benefit, "type", None)
    return TYPE_COLUMN.get(kind, "cash")


def amount_of(item: dict[str, Any], kind: str) -> float | None:
    """A result item's estimated money in 万元: the tax saving for tax measures, else the amount; None if unknown."""
    benefit = item.get("benefit") or {}
    if kind == "tax_saving":
        saving = item.get("tax_saving_wan", benefit.get("tax_saving_wan"))
        if saving is not None:
            return saving
    return item.get("amount_wan", benefit.get("amount_wan"))


def money(pack: RulePack | None, result: dict[str, Any]) -> tuple[int, dict[str, float | None], dict[str, bool]]:
    """Of one result: eligible count, known money by type (None if that type has eligible items but no amount), and
    whether any eligible item of a type has an unknown amount."""
    count, sums, unknown = 0, dict.fromkeys(MONEY), dict.fromkeys(MONEY, False)
    for item in result.get("results", []):
        if not counts_as_eligible(item):
            continue
        count += 1
        kind = money_type(pack, item)
        value = amount_of(item, kind)
        if value is None:
            unknown[kind] = True
        else:
            sums[kind] = round((sums[kind] or 0) + value, 4)
    return count, sums, unknown


def shown(value: float | None, unknown: bool) -> Any:
    """A money cell: the known sum, "—" when eligible items have no known amount, empty when there is nothing."""
    if value is not None:
        return value
    return UNKNOWN if unknown else None


def summarise(items: Iterable[ClientVerdicts], names: dict[str, str], pack: RulePack | None = None) -> Summary:
    """Per measure: clients eligible, undetermined, ineligible and the known eligible amounts; totals by money type."""
    per = {mid: MeasureSummary(mid, title) for mid, title in names.items()}
    clients, totals, unknown = 0, dict.fromkeys(MONEY), 0
    for item in items:
        clients += 1
        for r in item.result.get("results", []):
            entry = per.setdefault(r["measure"], MeasureSummary(r["measure"], r["measure"]))
            entry.counts[r["status"]] = entry.counts.get(r["status"], 0) + 1
            if counts_as_eligible(r):
                value = amount_of(r, money_type(pack, r))
                entry.unknown += value is None
                entry.amount_wan = round(entry.amount_wan + (value or 0), 4)
        _, sums, gaps = money(pack, item.result)
        unknown += any(gaps.values())
        for kind in MONEY:
            if sums[kind] is not None:
                totals[kind] = round((totals[kind] or 0) + sums[kind], 4)
    known = [v for v in totals.values() if v is not None]
    return Summary(clients, list(per.values()), round(sum(known), 4) if known else None, totals, unknown)


def matrix_head(names: dict[str, str], lang: str, extras: list[str]) -> tuple[list[str], list[str]]:
    """The matrix sheet's header and column kinds."""
    header = [word(k, lang) for k in ("row", "client", "name", "count", *MONEY)] + list(names.values())
    header += extras + [word("rulepack", lang), word("as_of", lang)]
    return header, ["count", "text", "text", "count", "money", "money", "money"] + ["status"] * len(names)


def matrix(items: Iterable[ClientVerdicts], names: dict[str, str], lang: str = "zh", pack: RulePack | None = None,
           extras: list[str] | None = None) -> Sheet:
    """One row per client: row, client, name, eligible count, money by type, each measure's status, extra columns."""
    extras = extras or []
    header, kinds = matrix_head(names, lang, extras)

    words = {key: word(key, lang) for key in WORDS}

    def rows() -> Iterator[list[Any]]:
        for item in items:
            by_id = {r["measure"]: r for r in item.result.get("results", [])}
            count, sums, gaps = money(pack, item.result)
            line = [item.row, item.key, item.name, count] + [shown(sums[k], gaps[k]) for k in MONEY]
            line += [words[status_of(by_id[mid])] if mid in by_id else "" for mid in names]
            extra = item.result.get("extra") or {}
            yield line + [extra.get(name) for name in extras] + [item.result.get("rulepack"), item.result.get("as_of")]

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
                       _criteria(pack, r["measure"], r.get("failed", []), lang), questions]

    return Sheet(word("detail", lang), header, rows(), kinds)


def problems_table(problems: Iterable[tuple[int, str, str]], lang: str = "zh", pack: RulePack | None = None) -> Sheet:
    """The row problems: row, column (the field's label), problem in the language."""
    from checker.messages import problem_text

    header = [word("row", lang), word("column", lang), word("reason", lang)]
    rows = ([row, column_label(pack, col, lang) if pack else col, problem_text(msg, lang)] for row, col, msg in problems)
    return Sheet(word("problems", lang), header, rows, ["count", "text", "long"])
