"""Saved assessments: compact verdicts to store, versions of one link's history, and purging old ones."""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from checker.models import Assessment, history

COMPACT_KEYS = ("measure", "status", "missing", "held", "currency", "applicant")
BENEFIT_KEYS = ("amount_wan", "type", "tax_saving_wan")
DEFAULT_RETENTION_DAYS = 180


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


def versions(session: Session, assessment: Assessment) -> list[Assessment]:
    """Every version of this assessment's history, oldest first."""
    return history(session, assessment)


def retention_days(config: Any) -> int:
    """Days an assessment is kept after it was last opened: ASSESSMENT_RETENTION_DAYS in the app config or the
    environment, else the default."""
    value = config.get("ASSESSMENT_RETENTION_DAYS") or os.environ.get("ASSESSMENT_RETENTION_DAYS")
    return int(value) if value else DEFAULT_RETENTION_DAYS


def expired_before(now: dt.datetime, days: int) -> dt.datetime:
    """The cut-off: assessments last opened (or created) before this are purged."""
    return now - dt.timedelta(days=days)


def purge(session: Session, days: int = DEFAULT_RETENTION_DAYS, now: dt.datetime | None = None) -> int:
    """Delete assessments not opened for `days` days (with their checks); the number deleted."""
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    last = func.coalesce(Assessment.seen_at, Assessment.created_at)
    old = list(session.scalars(select(Assessment.id).where(last < expired_before(now, days))))
    if not old:
        return 0
    session.execute(update(Assessment).where(Assessment.parent_id.in_(old)).values(parent_id=None))
    for assessment in session.scalars(select(Assessment).where(Assessment.id.in_(old))):
        session.delete(assessment)
    session.commit()
    return len(old)
