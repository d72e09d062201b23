"""A saved assessment's versions: each check of changed answers is a new version with its own link, the old one kept."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from checker.company import answers
from checker.company.models import Assessment, StoredResult, history
from checker.engine import Checker

COMPACT_KEYS = ("measure", "status", "missing", "held", "currency", "applicant")
BENEFIT_KEYS = ("amount_wan", "type", "tax_saving_wan")


def compact(result: dict[str, Any]) -> dict[str, Any]:
    """The verdicts of a check (what staff history and totals need), not the full explained result."""
    rows = []
    for item in result.get("results", []):
        row = {k: item[k] for k in COMPACT_KEYS if item.get(k) is not None}
        benefit = item.get("benefit") or {}
        row["benefit"] = {k: benefit[k] for k in BENEFIT_KEYS if benefit.get(k) is not None}
        rows.append(row)
    kept: dict[str, Any] = {k: result[k] for k in ("rulepack", "as_of", "totals") if k in result}
    return {**kept, "results": rows}


def jsonable(data: object) -> dict[str, Any]:
    """A result as plain JSON types (dates as ISO text)."""
    return json.loads(json.dumps(data, default=str, ensure_ascii=False))


def store(checker: Checker, assessment: Assessment, raw: dict[str, Any], values: dict[str, Any], as_of: dt.date,
          lang: str = "zh") -> None:
    """Check the answers; keep the answers and only the verdicts of the check (pages recompute the rest)."""
    result = checker.check(values, as_of, lang)
    assessment.answers = raw
    assessment.name = str(raw.get("name", ""))[:200]
    assessment.results.append(StoredResult(rulepack=result.rulepack, as_of=as_of, backend=checker.backend,
                                           result=compact(jsonable(result.to_json()))))


def create(session: Session, checker: Checker, raw: dict[str, Any], values: dict[str, Any], as_of: dt.date,
           lang: str = "zh") -> Assessment:
    """A new saved assessment of checked answers, committed."""
    assessment = Assessment()
    store(checker, assessment, raw, values, as_of, lang)
    session.add(assessment)
    session.commit()
    return assessment


def versions(session: Session, assessment: Assessment) -> list[Assessment]:
    """Every version of this assessment's history, oldest first."""
    return history(session, assessment)


def latest(session: Session, assessment: Assessment) -> Assessment:
    """The newest version of this assessment's history."""
    return versions(session, assessment)[-1]


def new_version(session: Session, checker: Checker, previous: Assessment, raw: dict[str, Any], values: dict[str, Any],
                as_of: dt.date, lang: str = "zh") -> Assessment:
    """A new version with its own link, committed; the previous one stays as it was."""
    assessment = Assessment(parent_id=previous.id, version=latest(session, previous).version + 1)
    store(checker, assessment, raw, values, as_of, lang)
    session.add(assessment)
    session.commit()
    return assessment


def full_result(checker: Checker, assessment: Assessment, stored: StoredResult, lang: str = "zh") -> dict[str, Any]:
    """The full result of a saved check, recomputed from its answers (the stored verdicts if they no longer check)."""
    checked = answers.check(checker.pack, assessment.answers, stored.as_of)
    if not checked.ok:
        return stored.result
    return jsonable(checker.check(checked.values, stored.as_of, lang).to_json())


def delete(session: Session, assessment: Assessment) -> None:
    """Delete an assessment with its checks; its later versions stay, no longer linked to it. The caller commits."""
    session.execute(update(Assessment).where(Assessment.parent_id == assessment.id).values(parent_id=None))
    session.delete(assessment)
