"""Answer version 2 (profile.md): held, currency, tax saving of deductions, totals and notices.

Shared by the per-profile engines and the vectorised batch path, so both say the same.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Iterable, TypedDict

from checker.rules.pack import Measure, RulePack
from checker.rules.schema import Text

STANDARD_RATE = 0.25
HTE_RATE = 0.15  # 企业所得税法 第二十八条第二款
SMALL_LOW_PROFIT_RATE = 0.05  # 公告2023年第12号: 25% of taxable income taxed at 20%
HTE_RATE_YEAR = "hte_rate_year"  # derived: the check date's tax year may be taxed at 15% (公告2017年第24号 第一条)
SMALL_LOW_PROFIT = "small-low-profit"
CHANGE_KINDS = ("newly_eligible", "no_longer_eligible", "newly_undetermined", "newly_ineligible")
# The totals key each money type adds to: a deduction by the tax it saves; a benefit without a type (every benefit of
# a version-1 rule file) is paid money when it states an amount. The one definition of pages, exports and summaries.
TOTAL_KEYS: dict[str | None, str] = {"cash": "cash_wan", None: "cash_wan", "tax_saving": "tax_saving_wan",
                                     "deduction": "tax_saving_wan", "financing": "financing_wan"}


def currency(measure: Measure, as_of: dt.date) -> str:
    """in_force when an end date covers as_of or a dated official document confirms it; else unconfirmed."""
    period = measure.spec.period
    if period is None or not measure.in_force(as_of):
        return "unconfirmed"
    if period.end is not None:
        return "in_force"
    confirmed = period.confirmed_on is not None and period.confirmed_on <= as_of
    return "in_force" if confirmed else "unconfirmed"


def in_force_word(status: str, currency: str | None) -> str:
    """The text key of the in_force criterion: "in force" when confirmed (or surely not met), else "unconfirmed"."""
    return "in_force" if status == "not_met" or currency == "in_force" else "in_force_unconfirmed"


def tax_rate(hte_rate_year: bool | None, small_low_profit: str | None) -> float:
    """The lowest income-tax rate that may apply to the check date's tax year (so a saving is never overstated).

    15% from the tax year of the certificate's issue to the year it expires (provisional in that year, 24号 第一条)."""
    rates = [STANDARD_RATE]
    if hte_rate_year is not False:
        rates.append(HTE_RATE)
    if small_low_profit not in (None, "ineligible"):
        rates.append(SMALL_LOW_PROFIT_RATE)
    return min(rates)


def tax_saving(amount_wan: float | None, taxable_income_wan: float | None, rate: float) -> float | None:
    """Tax an extra deduction saves at rate, never more than the tax due on taxable income."""
    if amount_wan is None or taxable_income_wan is None:
        return None
    due = rate * max(taxable_income_wan, 0.0)
    return round(min(rate * max(amount_wan, 0.0), due), 4)


def condition(until: dt.date, text: Text, lang: str = "zh") -> dict[str, str]:
    """A result's condition: the date by which it must be met and what it is."""
    return {"until": until.isoformat(), "text": getattr(text, lang)}


def stored_condition(found: dict[str, str] | None) -> dict[str, str] | None:
    """A condition as compact and stored results keep it: its date only (the text is the measure's, in any language)."""
    return {"until": found["until"]} if found else None


def counts_as_eligible(item: dict[str, Any]) -> bool:
    """Whether a result is in the 可申报 count and the totals: eligible, not held, in force, for the company, unconditional.

    The one definition read by every page, export, API answer and summary (full answer v2, compact and stored items
    alike: a stored item leaves out applicant when it is the company; a version-1 item without currency counts as in
    force). 需向主管部门核实 (currency unconfirmed), a measure the staff or an institution applies for, one already held
    and one on a condition still to be met (the 15% rate in its expiry year) are shown, never counted."""
    return (item.get("status") == "eligible" and not item.get("held") and item.get("currency") != "unconfirmed"
            and (item.get("applicant") or "company") == "company" and not item.get("condition"))


def money(item: dict[str, Any]) -> float:
    """What a result is worth in its money type: a deduction by the tax it saves."""
    benefit = item["benefit"]
    value = benefit.get("tax_saving_wan") if benefit.get("type") == "deduction" else benefit.get("amount_wan")
    return float(value or 0.0)


def money_key(money_type: str | None) -> str | None:
    """The totals key a money type adds to (a deduction to tax_saving_wan, no type to cash_wan), None for a type that
    is not money."""
    return TOTAL_KEYS.get(money_type)


def stored_money(item: dict[str, Any], money_type: str | None) -> float:
    """What an eligible stored item (stored_item keys) is worth in its money type (money(), a deduction by its tax
    saving); 0 when it is not eligible, already held or has no money type."""
    if item.get("status") != "eligible" or item.get("held") or money_key(money_type) is None:
        return 0.0
    return money({"benefit": {"type": money_type, "amount_wan": item.get("amount_wan"),
                              "tax_saving_wan": item.get("tax_saving_wan")}})


def totals(pack: RulePack, items: Iterable[dict[str, Any]], left_out: Iterable[str] = ()) -> dict[str, float]:
    """Money by type over counted results; of two that exclude each other only the larger counts; `left_out` (the
    rate measures of other tax scenarios) never count."""
    skip = set(left_out)
    live = {i["measure"]: i for i in items
            if counts_as_eligible(i) and i["benefit"].get("type") in TOTAL_KEYS and i["measure"] not in skip}
    for measure_id in sorted(live):
        for rel in pack.measure(measure_id).spec.relations:
            other = live.get(rel.measure)
            if rel.type == "excludes" and other is not None and measure_id in live:
                smaller = min((live[measure_id], other), key=lambda i: (money(i), i["measure"]))
                live.pop(smaller["measure"])
    out = {"cash_wan": 0.0, "tax_saving_wan": 0.0, "financing_wan": 0.0}
    for item in live.values():
        out[TOTAL_KEYS[item["benefit"]["type"]]] += money(item)
    return {k: round(v, 4) for k, v in out.items()}


SCENARIOS = ("small_low_profit", "hte_rate", "standard")  # the order ties are settled in


@dataclass
class Scenario:
    """One consistent income-tax assumption: the rate deductions save at and the rate measures it counts."""

    key: str
    rate: float
    measures: tuple[str, ...]
    established: bool  # the answers show it applies (its rate measure counts)
    possible: bool  # it may still apply (its rate measure is not ineligible)
    tax_saving_wan: float = 0.0


@dataclass
class TaxPicture:
    """The scenario the totals use, the rate measures they leave out, and the better ones that may still apply."""

    chosen: Scenario
    left_out: tuple[str, ...]
    alternatives: list[Scenario] = field(default_factory=list)

    def totals(self, sums: dict[str, float]) -> dict[str, float]:
        """Totals with the tax saving of the chosen scenario (income tax capped at the whole tax)."""
        return {**sums, "tax_saving_wan": self.chosen.tax_saving_wan}

    def to_json(self) -> dict[str, Any]:
        """The result's `tax_scenario`: the chosen scenario and each better 'if …' one with its tax saving."""
        alternatives = [{"scenario": s.key, "rate": s.rate, "measures": list(s.measures),
                         "tax_saving_wan": s.tax_saving_wan} for s in self.alternatives]
        return {"scenario": self.chosen.key, "rate": self.chosen.rate, "measures": list(self.chosen.measures),
                "tax_saving_wan": self.chosen.tax_saving_wan, "alternatives": alternatives}


def rate_measures(pack: RulePack) -> tuple[str, ...]:
    """The reduced-rate measures other than small-low-profit: tax savings that exclude it (the 15% rate)."""
    ids = {m.id for m in pack.measures}
    if SMALL_LOW_PROFIT not in ids:
        return ()
    found = {m.id for m in pack.measures if m.spec.benefit.type == "tax_saving"
             and any(r.type == "excludes" and r.measure == SMALL_LOW_PROFIT for r in m.spec.relations)}
    found |= {r.measure for r in pack.measure(SMALL_LOW_PROFIT).spec.relations if r.type == "excludes"
              and r.measure in ids and pack.measure(r.measure).spec.benefit.type == "tax_saving"}
    return tuple(sorted(found))


def _scenario(key: str, own: tuple[str, ...], by_id: dict[str, dict[str, Any]], rate: float,
              fallback: bool | None) -> Scenario:
    """A scenario from the results of its rate measures (`fallback` decides it when the pack has none)."""
    present = [by_id[m] for m in own if m in by_id]
    if not present:
        return Scenario(key, rate, (), fallback is True, fallback is not False)
    return Scenario(key, rate, tuple(i["measure"] for i in present), any(counts_as_eligible(i) for i in present),
                    any(i["status"] != "ineligible" for i in present))


def _priced(items: list[dict[str, Any]], rate: float, taxable: float | None, assume: tuple[str, ...] = ()
            ) -> list[dict[str, Any]]:
    """The items with every deduction priced at `rate`, and the `assume`d rate measures counted as if eligible."""
    out = []
    for item in items:
        benefit = item["benefit"]
        if benefit.get("type") == "deduction" and taxable is not None:  # else its saving stays as it was priced
            item = {**item, "benefit": {**benefit, "tax_saving_wan": tax_saving(benefit.get("amount_wan"), taxable, rate)}}
        if item["measure"] in assume and not counts_as_eligible(item) and item["status"] != "ineligible":
            item = {**item, "status": "eligible", "currency": "in_force", "condition": None, "held": None}
        out.append(item)
    return out


def _scenario_saving(pack: RulePack, items: list[dict[str, Any]], left_out: tuple[str, ...], rate_ids: tuple[str, ...],
                     taxable: float | None) -> float:
    """The tax a scenario saves: other taxes as counted, income tax (its rate measure plus deductions) never more
    than the whole income tax at 25%."""
    income = [i for i in items if i["benefit"].get("type") == "deduction" or i["measure"] in rate_ids]
    other = [i for i in items if i not in income]
    whole = totals(pack, items, left_out)["tax_saving_wan"]
    rest = totals(pack, other, left_out)["tax_saving_wan"]
    if taxable is None:
        return whole
    return round(rest + min(whole - rest, STANDARD_RATE * max(taxable, 0.0)), 4)


def tax_picture(pack: RulePack, items: list[dict[str, Any]], hte_rate_year: bool | None,
                taxable: float | None) -> TaxPicture:
    """Price every tax measure under one scenario at a time (small low-profit at 5%, the 15% rate, else 25%); the
    totals take the best established one, never a mix; better scenarios that may still apply are 'if …'."""
    by_id = {i["measure"]: i for i in items}
    hte_ids, small = rate_measures(pack), ((SMALL_LOW_PROFIT,) if SMALL_LOW_PROFIT in by_id else ())
    hte_rate = HTE_RATE if hte_rate_year is not False else STANDARD_RATE
    scenarios = [_scenario("small_low_profit", small, by_id, SMALL_LOW_PROFIT_RATE, False),
                 _scenario("hte_rate", hte_ids, by_id, hte_rate, hte_rate_year),
                 Scenario("standard", STANDARD_RATE, (), True, True)]
    every = small + hte_ids
    for s in scenarios:
        s.tax_saving_wan = _scenario_saving(pack, _priced(items, s.rate, taxable, s.measures),
                                            tuple(m for m in every if m not in s.measures), every, taxable)
    chosen = max((s for s in scenarios if s.established), key=lambda s: (s.tax_saving_wan, -SCENARIOS.index(s.key)))
    better = [s for s in scenarios if s.possible and not s.established and s.tax_saving_wan > chosen.tax_saving_wan]
    return TaxPicture(chosen, tuple(m for m in every if m not in chosen.measures), better)


def stored_money_item(pack: RulePack, item: dict[str, Any]) -> dict[str, Any]:
    """What totals and tax_picture read of a stored item (stored_item keys): the benefit type is its measure's."""
    return {"measure": item["measure"], "status": item.get("status"), "currency": item.get("currency"),
            "applicant": item.get("applicant") or "company", "held": item.get("held"), "condition": item.get("condition"),
            "benefit": {"amount_wan": item.get("amount_wan"), "type": pack.measure(item["measure"]).spec.benefit.type,
                        "tax_saving_wan": item.get("tax_saving_wan")}}


def stored_totals(pack: RulePack, items: Iterable[dict[str, Any]]) -> dict[str, float]:
    """The totals of stored items kept without them (rows stored before results carried totals): one tax scenario
    (tax_picture, each deduction at the saving it was stored with), the rate measures of the others left out."""
    ids = {m.id for m in pack.measures}  # a measure the pack no longer has counts nowhere
    money_items = [stored_money_item(pack, i) for i in items if i.get("measure") in ids]
    picture = tax_picture(pack, money_items, None, None)
    return picture.totals(totals(pack, money_items, picture.left_out))


class Notice(TypedDict):
    """A policy intention shown beside the results."""

    measure: str
    title: str
    clause: str | None
    quote: str | None
    source: list[dict[str, Any]]


def notice(measure: Measure, lang: str = "zh") -> Notice:
    """A policy intention shown apart: its title, clause and quote (its sources' set text fields as model_dump
    (exclude_none) gives them, read directly: a dump would build the model's serializer in every fresh process)."""
    first = measure.spec.source[0]
    return {"measure": measure.id, "title": getattr(measure.spec.title, lang),
            "clause": first.clause or first.article, "quote": first.quote,
            "source": [{name: value for name, value in s if value is not None} for s in measure.spec.source]}


def compact_item(item: dict[str, Any]) -> dict[str, Any]:
    """One result of the compact batch JSONL: status, missing, money, failed criteria, held, currency (and its
    condition's date, only when it has one)."""
    failed = item["failed"] if "failed" in item else [c["id"] for c in item["criteria"] if c["status"] == "not_met"]
    benefit = item["benefit"]
    out = {"measure": item["measure"], "status": item["status"], "missing": list(item["missing"]),
           "benefit": {"amount_wan": benefit["amount_wan"], "type": benefit.get("type"),
                       "tax_saving_wan": benefit.get("tax_saving_wan")},
           "failed": list(failed), "held": item.get("held"), "currency": item["currency"]}
    if item.get("condition"):
        out["condition"] = stored_condition(item["condition"])
    return out


def compact(result: dict[str, Any]) -> dict[str, Any]:
    """The compact batch JSONL object of a full check result, extra columns echoed (`--full`: the whole object)."""
    keep: dict[str, Any] = {k: result[k] for k in ("id", "rulepack", "as_of") if k in result}
    compacted: dict[str, Any] = {**keep, "results": [compact_item(i) for i in result["results"]], "totals": result["totals"]}
    return {**compacted, "extra": result["extra"]} if result.get("extra") else compacted


def stored_item(measure: str, status: str, amount: float | None, failed: list[str], missing: list[str],
                held: dict[str, str] | None, currency: str, applicant: str, saving: float | None,
                condition: dict[str, str] | None = None) -> dict[str, Any]:
    """One measure of an agency's stored result: version-1 keys plus what a 可申报 count and totals need."""
    item: dict[str, Any] = {"measure": measure, "status": status, "amount_wan": amount, "currency": currency}
    optional: dict[str, Any] = {"failed": failed, "missing": missing, "held": held, "tax_saving_wan": saving,
                "applicant": applicant if applicant != "company" else None, "condition": stored_condition(condition)}
    item.update({k: v for k, v in optional.items() if v})
    return item


def change_kind(before: str | None, after: str | None) -> str | None:
    """How a measure's status moved between two checks, one of CHANGE_KINDS (None if it did not).

    Gaining eligibility wins, then losing it; any other move is named by where it ended (a measure absent on
    one side counts as a status of its own, so a removed measure is 'newly_ineligible' unless it was eligible)."""
    if before == after:
        return None
    if after == "eligible":
        return "newly_eligible"
    if before == "eligible":
        return "no_longer_eligible"
    return "newly_undetermined" if after == "undetermined" else "newly_ineligible"


def broad_kind(kind: str | None) -> str | None:
    """A change kind as the staff impact preview counts it: newly_eligible, no_longer_eligible or other."""
    return kind if kind in (None, "newly_eligible", "no_longer_eligible") else "other"
