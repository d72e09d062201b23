"""Chunk leases of agency jobs: the shared lease machinery (checker.jobs.leases) on the agency_chunk_lease table."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from checker.agency.models import ChunkLease, Job
from checker.jobs import leases
from checker.jobs.leases import Lease, Sweeper, Timings

__all__ = ["TABLES", "Lease", "Sweeper", "Timings", "queue", "requeue_expired", "sweeper", "take"]
TABLES = leases.Tables(lease=ChunkLease, job=Job)
Send = Callable[[int, int, int], None]


def queue(session: Session, job_id: int, ranges: list[tuple[int, int]]) -> None:
    """Record an agency job's chunks about to be sent as queued."""
    leases.queue(session, TABLES, job_id, ranges)


def take(sessions: sessionmaker[Session], job_id: int, first: int, last: int, worker: str, timings: Timings
         ) -> Lease | None:
    """Lease an agency job's chunk to this worker; None when no lease was recorded for it."""
    return leases.take(sessions, TABLES, job_id, first, last, worker, timings)


def requeue_expired(sessions: sessionmaker[Session], send: Send) -> list[tuple[int, int, int]]:
    """Send again every agency chunk whose lease expired."""
    return leases.requeue_expired(sessions, TABLES, send)


def sweeper(sessions: sessionmaker[Session], send: Send, timings: Timings) -> Sweeper:
    """A started sweep of the agency chunk leases."""
    return Sweeper(sessions, TABLES, send, timings).start()
