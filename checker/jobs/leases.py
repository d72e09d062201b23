"""Chunk leases for Celery workers, for any job kind with a lease table (`LeaseMixin`): a worker holds a chunk for
LEASE seconds, renewed by a heartbeat while it checks;
a sweep (run by every worker process) sends a chunk again once its lease has expired, exactly once.

The broker's own redelivery waits for its visibility timeout (600 s by default); a lease is what lets a killed
worker's chunk be taken up within a minute. Re-queueing is a conditional update on the lease's generation, so two
sweepers cannot both send it, and a stale holder's renewals change nothing. Storing a chunk stays idempotent on its
own (rows are claimed while pending), so a late original worker stores nothing twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from checker.db import rowcount
from checker.jobs.models import FINISHED
from checker.models import utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Tables:
    """A job kind's lease table (LeaseMixin plus `job_id`) and its job table (JobMixin)."""

    lease: Any
    job: Any


@dataclass(frozen=True)
class Timings:
    """How long a lease lasts, how often its holder renews it and how often the sweep looks (seconds)."""

    lease: float = 60.0
    heartbeat: float = 15.0
    sweep: float = 15.0

    @classmethod
    def from_env(cls) -> Timings:
        """CHECKER_LEASE_SECONDS, CHECKER_LEASE_HEARTBEAT and CHECKER_LEASE_SWEEP, else the defaults (an expired lease
        is re-queued at most lease + sweep = 75 s after its worker died, within a minute of expiring)."""
        base = cls()
        return cls(float(os.environ.get("CHECKER_LEASE_SECONDS", base.lease)),
                   float(os.environ.get("CHECKER_LEASE_HEARTBEAT", base.heartbeat)),
                   float(os.environ.get("CHECKER_LEASE_SWEEP", base.sweep)))


def queue(session: Session, tables: Tables, job_id: int, ranges: list[tuple[int, int]]) -> None:
    """Record the chunks about to be sent as queued (a range already recorded, e.g. on a resubmit, is queued again)."""
    model = tables.lease
    for first, last in ranges:
        found = session.scalars(select(model).where(model.job_id == job_id, model.first_row == first,
                                                    model.last_row == last)).first()
        if found is None:
            session.add(model(job_id=job_id, first_row=first, last_row=last, state="queued", generation=0, requeued=0))
        else:
            found.state, found.worker, found.expires_at, found.generation = "queued", None, None, found.generation + 1
    try:
        session.commit()
    except IntegrityError:  # another process queued the same range meanwhile: it is recorded
        session.rollback()


def take(sessions: sessionmaker[Session], tables: Tables, job_id: int, first: int, last: int, worker: str,
         timings: Timings) -> Lease | None:
    """Lease the chunk to this worker for timings.lease seconds; None when no lease was recorded for it."""
    model = tables.lease
    with sessions() as session:
        found = session.scalars(select(model).where(model.job_id == job_id, model.first_row == first,
                                                    model.last_row == last)).first()
        if found is None:
            return None
        generation = found.generation + 1
        found.state, found.worker, found.generation = "leased", worker[:200], generation
        found.expires_at = utcnow() + dt.timedelta(seconds=timings.lease)
        session.commit()
        return Lease(sessions, tables, found.id, generation, timings)


class Lease:
    """A chunk this worker holds: renewed every heartbeat by a thread until released."""

    def __init__(self, sessions: sessionmaker[Session], tables: Tables, lease_id: int, generation: int,
                 timings: Timings) -> None:
        self.sessions = sessions
        self.tables = tables
        self.id = lease_id
        self.generation = generation
        self.timings = timings
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._beat, name=f"lease-{lease_id}", daemon=True)

    def __enter__(self) -> Lease:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.release()

    def renew(self) -> bool:
        """Push the expiry on; False when the lease is no longer this holder's (re-queued or released)."""
        with self.sessions() as session:
            model = self.tables.lease
            moved = session.execute(update(model).where(model.id == self.id, model.generation == self.generation)
                                    .values(expires_at=utcnow() + dt.timedelta(seconds=self.timings.lease))
                                    .execution_options(synchronize_session=False))
            session.commit()
        return rowcount(moved) == 1

    def _beat(self) -> None:
        while not self.stopping.wait(self.timings.heartbeat):
            try:
                if not self.renew():
                    log.warning("chunk lease %s was taken back from this worker", self.id)
                    return
            except SQLAlchemyError as exc:  # a missed beat is retried at the next one
                log.error("cannot renew chunk lease %s: %s", self.id, exc)

    def release(self) -> None:
        """Stop renewing and drop the lease: the chunk is stored (or its job ended)."""
        self.stopping.set()
        if self.thread.is_alive():
            self.thread.join(self.timings.heartbeat + 5)
        with self.sessions() as session:
            model = self.tables.lease
            session.execute(delete(model).where(model.id == self.id, model.generation == self.generation))
            session.commit()


def requeue_expired(sessions: sessionmaker[Session], tables: Tables, send: Callable[[int, int, int], None]
                    ) -> list[tuple[int, int, int]]:
    """Send again every chunk whose lease expired (each by one sweeper only); drop leases of finished jobs."""
    model, job = tables.lease, tables.job
    with sessions() as session:
        expired = list(session.execute(select(model.id, model.generation, model.job_id, model.first_row,
                                              model.last_row, job.status)
                                       .join(job, job.id == model.job_id)
                                       .where(model.state == "leased", model.expires_at < utcnow())))
        sent = []
        for lease_id, generation, job_id, first, last, status in expired:
            mine = (model.id == lease_id, model.generation == generation)
            if status in FINISHED:
                session.execute(delete(model).where(*mine))
                session.commit()
                continue
            moved = session.execute(update(model).where(*mine)
                                    .values(state="queued", worker=None, expires_at=None, generation=generation + 1,
                                            requeued=model.requeued + 1)
                                    .execution_options(synchronize_session=False))
            session.commit()
            if rowcount(moved) == 1:
                log.warning("job %s: the lease on rows %s-%s expired (its worker stopped); sending the chunk again",
                            job_id, first, last)
                send(job_id, first, last)
                sent.append((job_id, first, last))
    return sent


class Sweeper:
    """A daemon thread that re-queues expired chunk leases every timings.sweep seconds until stopped."""

    def __init__(self, sessions: sessionmaker[Session], tables: Tables, send: Callable[[int, int, int], None],
                 timings: Timings) -> None:
        self.sessions = sessions
        self.tables = tables
        self.send = send
        self.timings = timings
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="chunk-lease-sweep", daemon=True)

    def start(self) -> Sweeper:
        """Start sweeping."""
        self.thread.start()
        return self

    def _run(self) -> None:
        while not self.stopping.wait(self.timings.sweep):
            try:
                requeue_expired(self.sessions, self.tables, self.send)
            except Exception:  # the sweep must survive a database or broker hiccup
                log.exception("chunk lease sweep failed")

    def stop(self) -> None:
        """Stop sweeping."""
        self.stopping.set()
        self.thread.join(self.timings.sweep + 5)
