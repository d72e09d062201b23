"""The columns every background job shares: status, progress counters, message and times."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from checker.models import utcnow

ACTIVE = ("queued", "running")  # a worker should (re)start these
FINISHED = ("done", "cancelled", "failed")  # no more progress
STATES = ACTIVE + FINISHED


class JobMixin:
    """A job's shared columns (its table, ids and kind-specific columns are the kind's own)."""

    status: Mapped[str] = mapped_column(String(16), default="queued")
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)

    @property
    def finished(self) -> bool:
        """Whether the job will make no more progress."""
        return self.status in FINISHED

    def progress(self) -> dict[str, Any]:
        """The small status pages and the API poll (a kind adds its own fields)."""
        return {"id": getattr(self, "id", None), "status": self.status, "done": self.done, "total": self.total,
                "finished": self.finished, "message": self.message}


class LeaseMixin:
    """A chunk task sent to the workers: queued, or leased by a worker until `expires_at` (renewed by its heartbeat).
    Each take or re-queue bumps `generation`, so a stale holder or a second sweeper changes nothing. The kind adds
    `job_id` (a foreign key to its job table) and a unique constraint on (job_id, first_row, last_row)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    first_row: Mapped[int] = mapped_column(Integer)
    last_row: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(8), default="queued")  # queued | leased
    worker: Mapped[str | None] = mapped_column(String(200), nullable=True)
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True, index=True)
    generation: Mapped[int] = mapped_column(Integer, default=0)
    requeued: Mapped[int] = mapped_column(Integer, default=0)  # times a sweep sent it again after its lease expired
