"""Answer version 2 on the results page: who a measure is for, money types, held and unconfirmed results."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

import yaml

from checker.rules import credit_code
from checker.rules.pack import Measure
from checker.rules.schema import Source

MONEY_KEYS = ("cash", "tax_saving", "financing", "deduction", "other")
DOC_NUMBER = re.compile(r"[（(]?([^（()）《》]{1,12}〔\d{4}〕\d+号)[）)]?")
SEEDS_DIR = Path(__file__).resolve().parents[2] / "seeds" / "coverage"


@dataclass
class SourceView:
    """One source as the page names it: full title, 文号, clause, quote and official link."""

    title: str
    number: str
    clause: str
    quote: str
    url: str


@lru_cache(maxsize=4)
def seed_titles(folder: Path = SEEDS_DIR) -> dict[str, str]:
    """The full title of each seed document, from seeds/coverage/*.yaml."""
    titles: dict[str, str] = {}
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if data.get("seed") is not None and data.get("title"):
            titles[str(data["seed"])] = str(data["title"])
    return titles


def source_view(source: Source, titles: dict[str, str] | None = None) -> SourceView:
    """A source with its document's title and 文号 (the seed's title for seed clauses)."""
    titles = seed_titles() if titles is None else titles
    seed_title = titles.get(str(source.seed), f"seed {source.seed}") if source.seed is not None else ""
    title = source.document or seed_title
    match = DOC_NUMBER.search(title)
    number = match.group(1) if match and title.strip("《》（）() ") != match.group(1) else ""
    clause = source.article or source.clause or ""
    return SourceView(title, number, clause, source.quote or "", source.url or "")


def applicant(item: dict[str, Any], measure: Measure) -> str:
    """Who applies: the result's `applicant`, else the measure's."""
    return str(item.get("applicant") or getattr(measure.spec, "applicant", "company") or "company")


def money_type(item: dict[str, Any], measure: Measure) -> str | None:
    """The benefit's money type: the result's `benefit.type`, else the measure's, else None."""
    benefit = item.get("benefit") or {}
    return benefit.get("type") or getattr(measure.spec.benefit, "type", None)


def concerns(measure: Measure, answers: dict[str, Any]) -> bool:
    """Whether a measure is for this kind of applicant: what it does plus what it is (unknown entity type: every
    measure is)."""
    kinds = credit_code.applicant_kinds(answers)
    return kinds is None or bool(kinds & set(measure.spec.entities))


def placement(item: dict[str, Any], who: str) -> str:
    """The page section of a result: eligible, verify (unconfirmed or on a condition), held, undetermined, ineligible
    or staff."""
    if who == "staff":
        return "staff"
    if item.get("held"):
        return "held"
    status = item.get("status", "undetermined")
    if status == "eligible" and (item.get("currency") == "unconfirmed" or item.get("condition")):
        return "verify"
    return status


def totals(result: dict[str, Any], counted: Iterable[tuple[str | None, dict[str, Any]]]) -> dict[str, float]:
    """Sums per money type: the answer's `totals` when given (plus amounts of no stated kind), else summed here."""
    given = result.get("totals")
    sums: dict[str, float] = {}
    if isinstance(given, dict):
        sums = {key[:-4]: float(value) for key, value in given.items()
                if key.endswith("_wan") and isinstance(value, (int, float))}
        counted = [(None, benefit) for kind, benefit in counted if kind is None]  # amounts of no stated kind
    for kind, benefit in counted:
        amount = benefit.get("amount_wan")
        if kind == "deduction" and benefit.get("tax_saving_wan") is not None:
            sums["tax_saving"] = sums.get("tax_saving", 0.0) + float(benefit["tax_saving_wan"])
            continue
        if isinstance(amount, (int, float)):
            key = kind if kind in MONEY_KEYS else "other"
            sums[key] = sums.get(key, 0.0) + float(amount)
    return {k: round(sums[k], 4) for k in MONEY_KEYS if sums.get(k)} | {
        k: round(v, 4) for k, v in sums.items() if k not in MONEY_KEYS and v}


def notice_view(notice: dict[str, Any], lang: str) -> tuple[str, str, str]:
    """A policy intention as (title, clause, quote), whatever shape of title it carries."""
    title = notice.get("title") or notice.get("text") or notice.get("measure") or ""
    if isinstance(title, dict):
        title = title.get(lang) or title.get("zh") or ""
    source = raw if isinstance(raw := notice.get("source"), dict) else {}
    clause = notice.get("clause") or source.get("clause") or ""
    quote = notice.get("quote") or source.get("quote") or ""
    return str(title), str(clause), str(quote)
