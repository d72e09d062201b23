"""Saved assessments expire: those not opened for the retention period are deleted with their checks."""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from checker.company.models import Assessment
from checker.company.versions import delete
from checker.models import utcnow

DEFAULT_RETENTION_DAYS = 180


def retention_days(config: Any = None) -> int:
    """Days an assessment is kept after it was last opened: ASSESSMENT_RETENTION_DAYS in the given config (the app's)
    or the environment, else the default."""
    value = (config or {}).get("ASSESSMENT_RETENTION_DAYS") or os.environ.get("ASSESSMENT_RETENTION_DAYS")
    return int(value) if value else DEFAULT_RETENTION_DAYS


def expired_before(now: dt.datetime, days: int) -> dt.datetime:
    """The cut-off: assessments last opened (or created) before this are purged."""
    return now - dt.timedelta(days=days)


def purge(session: Session, days: int = DEFAULT_RETENTION_DAYS, now: dt.datetime | None = None) -> int:
    """Delete assessments not opened for `days` days (with their checks); the number deleted."""
    last = func.coalesce(Assessment.seen_at, Assessment.created_at)
    old = list(session.scalars(select(Assessment).where(last < expired_before(now or utcnow(), days))))
    for assessment in old:
        delete(session, assessment)
    session.commit()
    return len(old)
