"""The money side of an impact preview: amounts that change per money type, before/after totals, who gains or loses.

Worth of a result is answer.stored_money (eligible and not held; a deduction by the tax it saves), summed by the
totals key of its money type (cash_wan, tax_saving_wan, financing_wan). Sums are per measure, so two measures that
exclude each other both count here (the company page keeps only the larger).
"""

from __future__ import annotations

from typing import Any

from checker.engine.answer import money_key, stored_money
from checker.rules.pack import RulePack

TOP = 20  # companies kept in the gain/loss list, by the size of their change
EPSILON = 1e-6
TYPES = ("cash_wan", "tax_saving_wan", "financing_wan")


def money_types(pack: RulePack) -> dict[str, str]:
    """Each measure with money: its benefit's money type (cash, tax_saving, deduction, financing)."""
    return {m.id: m.spec.benefit.type for m in pack.measures if money_key(m.spec.benefit.type) is not None
            and m.spec.benefit.type is not None}


def empty() -> dict[str, Any]:
    """The money summary of no profile at all."""
    return {"types": {}, "measures": {}, "companies": {"gained": 0, "lost": 0, "top": []}}


def _worths(items: list[dict[str, Any]], types: dict[str, str]) -> dict[str, tuple[str, float]]:
    """Measure -> (totals key, worth) of one profile's stored items."""
    out = {}
    for item in items:
        kind = types.get(item["measure"])
        if kind is not None:
            out[item["measure"]] = (str(money_key(kind)), stored_money(item, kind))
    return out


def _add(row: dict[str, Any], before: float, after: float) -> None:
    """Add one result's before and after worth to a row (totals, changed, gained, lost)."""
    row["before"] = round(row.get("before", 0.0) + before, 4)
    row["after"] = round(row.get("after", 0.0) + after, 4)
    moved = after - before
    for key, hit in (("changed", abs(moved) > EPSILON), ("gained", moved > EPSILON), ("lost", moved < -EPSILON)):
        row[key] = row.get(key, 0) + int(hit)


def profile_money(summary: dict[str, Any], company: str, before: list[dict[str, Any]], after: list[dict[str, Any]],
                  types_before: dict[str, str], types_after: dict[str, str]) -> None:
    """Fold one profile's stored items under both packs into the summary (changed in place)."""
    old, new = _worths(before, types_before), _worths(after, types_after)
    per_type: dict[str, list[float]] = {}
    for measure in sorted(old.keys() | new.keys()):
        key = (new.get(measure) or old[measure])[0]
        was, now = old.get(measure, (key, 0.0))[1], new.get(measure, (key, 0.0))[1]
        row = summary["measures"].setdefault(measure, {"type": key})
        _add(row, was, now)
        _add(summary["types"].setdefault(key, {}), was, now)  # each result whose amount moved counts once
        pair = per_type.setdefault(key, [0.0, 0.0])
        pair[0] += was
        pair[1] += now
    delta = sum(now - was for was, now in per_type.values())
    if abs(delta) > EPSILON:
        _company(summary["companies"], company, delta, per_type)


def _company(companies: dict[str, Any], company: str, delta: float, per_type: dict[str, list[float]]) -> None:
    """Count a company whose money moved and keep it in the top list if its change is among the largest."""
    companies["gained" if delta > 0 else "lost"] += 1
    entry = {"company": company, "delta": round(delta, 4),
             "types": {k: [round(was, 4), round(now, 4)] for k, (was, now) in sorted(per_type.items())
                       if abs(now - was) > EPSILON}}
    companies["top"] = top([*companies["top"], entry])


def top(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The TOP entries with the largest change (ties by company name)."""
    return sorted(entries, key=lambda e: (-abs(e["delta"]), e["company"]))[:TOP]


def merge(total: dict[str, Any] | None, part: dict[str, Any]) -> dict[str, Any]:
    """Two summaries over different profiles as one."""
    out = empty() if not total else {"types": {k: dict(v) for k, v in total["types"].items()},
                                     "measures": {k: dict(v) for k, v in total["measures"].items()},
                                     "companies": dict(total["companies"])}
    for group in ("types", "measures"):
        for name, row in part[group].items():
            into = out[group].setdefault(name, {k: v for k, v in row.items() if k == "type"})
            for key in ("before", "after"):
                into[key] = round(into.get(key, 0.0) + row.get(key, 0.0), 4)
            for key in ("changed", "gained", "lost"):
                into[key] = into.get(key, 0) + row.get(key, 0)
    companies = out["companies"]
    companies["gained"] += part["companies"]["gained"]
    companies["lost"] += part["companies"]["lost"]
    companies["top"] = top([*companies["top"], *part["companies"]["top"]])
    return out


def ordered_types(summary: dict[str, Any] | None) -> list[tuple[str, dict[str, Any]]]:
    """The per-type rows in the fixed order cash, tax saving, financing (types with no money on either side left out)."""
    found = (summary or {}).get("types", {})
    return [(key, found[key]) for key in TYPES if key in found and (found[key].get("changed") or found[key].get("before")
                                                                     or found[key].get("after"))]


def changed_measures(summary: dict[str, Any] | None) -> list[tuple[str, dict[str, Any]]]:
    """The measures whose money moved on some profile, by measure id."""
    found = (summary or {}).get("measures", {})
    return [(m, row) for m, row in sorted(found.items()) if row.get("changed")]
