"""The chunk runner every job kind shares: start, a chunk per transaction until the end or a stop, fail, cancel,
finish and prune. A kind gives its table (a `JobMixin` model) and its own start and chunk steps."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from typing import Any, Protocol

from sqlalchemy import delete, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from checker.db import rowcount
from checker.jobs.models import ACTIVE
from checker.models import utcnow

log = logging.getLogger(__name__)
backoff_wait: Callable[[float], None] = time.sleep  # how `fail` waits between attempts (tests replace it)
Step = Callable[[Session], bool]


class Ended(Protocol):
    """A table of things that end (a job, a webhook delivery): `finished_at` is set once they have."""

    id: Any
    finished_at: Any


class JobTable(Ended, Protocol):
    """A job model (one with the JobMixin columns): only its class-level columns are used here."""

    status: Any
    message: Any


def pending(session: Session, model: type[JobTable]) -> list[int]:
    """Jobs of this kind a worker should (re)start: queued, or left running by a stopped server, oldest first."""
    return list(session.scalars(select(model.id).where(model.status.in_(ACTIVE)).order_by(model.id)))


def run(sessions: sessionmaker[Session], start: Step, chunk: Step, stop: Callable[[], bool] = lambda: False) -> bool:
    """Start a job (False from `start`: nothing to do), then run `chunk`, each in a session of its own, until it answers
    False (the job is over: True) or `stop` asks (work is left: False)."""
    with sessions() as session:
        if not start(session):
            return True
    while not stop():
        with sessions() as session:
            if not chunk(session):
                return True
    return False


def start(session: Session, model: type[JobTable], job_id: int, **values: Any) -> bool:
    """Mark a job running with these column values if it is still queued or running, and commit; False if it has
    ended, also since the caller read it (the update is conditional: a cancel in between is never undone)."""
    started = session.execute(update(model).where(model.id == job_id, model.status.in_(ACTIVE))
                              .values(status="running", **values).execution_options(synchronize_session=False))
    session.commit()
    return rowcount(started) == 1


def finish(session: Session, model: type[JobTable], job_id: int, *where: Any) -> bool:
    """Mark a running job done (when `where` holds too); True if this call finished it. Commits."""
    done = session.execute(update(model).where(model.id == job_id, model.status == "running", *where)
                           .values(status="done", finished_at=utcnow()).execution_options(synchronize_session=False))
    session.commit()
    return rowcount(done) == 1


def cancel(session: Session, model: type[JobTable], job_id: int, message: str = "cancelled by user") -> bool:
    """Stop a job that has not finished; True if this call stopped it. A chunk in flight must move the job's counters
    only while it runs (a conditional update), so it stores nothing once cancelled. Caller commits."""
    stopped = session.execute(update(model).where(model.id == job_id, model.status.in_(ACTIVE))
                              .values(status="cancelled", finished_at=utcnow(), message=message[:500])
                              .execution_options(synchronize_session=False))
    return rowcount(stopped) == 1


def fail(sessions: sessionmaker[Session], model: type[JobTable], job_id: int, message: str, attempts: int = 4,
         backoff: float = 0.5) -> bool:
    """Mark a job failed with this message after an unexpected error, retrying while the database refuses writes
    (waiting backoff, 2*backoff, ...); True once recorded (or the job had already ended)."""
    for attempt in range(attempts):
        try:
            with sessions() as session:
                session.execute(update(model).where(model.id == job_id, model.status.in_(ACTIVE))
                                .values(status="failed", finished_at=utcnow(), message=message[:500])
                                .execution_options(synchronize_session=False))
                session.commit()
            return True
        except SQLAlchemyError as exc:
            log.error("%s %s: cannot record its failure (attempt %s of %s): %s", _name(model), job_id, attempt + 1,
                      attempts, exc)
            backoff_wait(backoff * 2**attempt)
    return False


def prune(session: Session, model: type[Ended], kept: dt.timedelta, now: dt.datetime | None = None) -> int:
    """Delete the jobs of this kind (or other things that end) that ended more than `kept` ago; how many went. Caller
    commits."""
    cutoff = (now or utcnow()) - kept
    gone = session.execute(delete(model).where(model.finished_at.is_not(None), model.finished_at < cutoff))
    return rowcount(gone)


def _name(model: type[Any]) -> str:
    """How log lines name a job kind: its table."""
    return str(getattr(model, "__tablename__", model.__name__))
