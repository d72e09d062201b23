"""Tables of the agency features: clients, batch jobs and results (users, sessions, tokens: checker.accounts.models)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from checker.agency.stored import StoredResult
from checker.agency.stored_answers import StoredAnswers
from checker.jobs.models import STATES as JOB_STATES  # noqa: F401 (older imports keep working)
from checker.jobs.models import JobMixin, LeaseMixin
from checker.models import Base, utcnow

ROW_STATES = ("pending", "claimed", "done", "error")  # claimed only inside a worker's transaction


class Client(Base):
    """A client company of an agency, with its latest answers (the agency's portfolio)."""

    __tablename__ = "agency_client"
    __table_args__ = (UniqueConstraint("agency_id", "key", name="uq_agency_client_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id", ondelete="CASCADE"))  # uq_agency_client_key leads
    key: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200), default="")
    answers: Mapped[dict[str, Any]] = mapped_column(StoredAnswers, default=dict)  # compact on disk, the dict in Python
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class Job(JobMixin, Base):
    """A batch upload: its rows are stored on upload and checked in the background (a checker.jobs kind)."""

    __tablename__ = "agency_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"), nullable=True)
    filename: Mapped[str] = mapped_column(String(255), default="")
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)  # indexed here only
    as_of: Mapped[dt.date] = mapped_column(Date)
    lang: Mapped[str] = mapped_column(String(8), default="zh")
    errors: Mapped[int] = mapped_column(Integer, default=0)
    rulepack: Mapped[str] = mapped_column(String(64), default="")
    backend: Mapped[str | None] = mapped_column(String(40), nullable=True)  # what decided its rows, once any are stored
    unread: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)  # the upload's columns no field claims


class JobRow(Base):
    """One uploaded row of a job: its raw answers, then its problems or its client's result."""

    __tablename__ = "agency_job_row"
    __table_args__ = (UniqueConstraint("job_id", "number", name="uq_agency_job_row_number"),
                      Index("ix_agency_job_row_pending", "job_id", "state", "number"))  # a chunk's next pending rows

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("agency_job.id", ondelete="CASCADE"))  # both indexes above lead with it
    number: Mapped[int] = mapped_column(Integer)
    raw: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    problems: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    client_id: Mapped[int | None] = mapped_column(ForeignKey("agency_client.id", ondelete="SET NULL"), nullable=True)


class ClientResult(Base):
    """One check of a client: rule-pack version, backend, as_of and the JSON result (job-row result or a recheck)."""

    __tablename__ = "agency_result"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id", ondelete="CASCADE"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("agency_client.id", ondelete="CASCADE"), index=True)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("agency_job.id", ondelete="CASCADE"), index=True, nullable=True)
    row_number: Mapped[int | None] = mapped_column(Integer, nullable=True)
    rulepack: Mapped[str] = mapped_column(String(64))
    as_of: Mapped[dt.date] = mapped_column(Date)
    result: Mapped[dict[str, Any]] = mapped_column(StoredResult)  # compact on disk, the plain dict in Python
    backend: Mapped[str | None] = mapped_column(String(40), nullable=True)  # what decided it; None before recorded
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    client: Mapped[Client] = relationship()


class JobChunk(Base):
    """One stored chunk of a job: its rows, the rule pack, the backend and the worker that checked them."""

    __tablename__ = "agency_job_chunk"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("agency_job.id", ondelete="CASCADE"), index=True)
    first_row: Mapped[int] = mapped_column(Integer)
    last_row: Mapped[int] = mapped_column(Integer)
    rows: Mapped[int] = mapped_column(Integer)
    worker: Mapped[str] = mapped_column(String(200))
    rulepack: Mapped[str] = mapped_column(String(64))
    backend: Mapped[str | None] = mapped_column(String(40), nullable=True)
    checked_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class ChunkLease(LeaseMixin, Base):
    """A chunk task of an agency job sent to the Celery workers (checker.jobs.leases)."""

    __tablename__ = "agency_chunk_lease"
    __table_args__ = (UniqueConstraint("job_id", "first_row", "last_row", name="uq_agency_chunk_lease_range"),)

    job_id: Mapped[int] = mapped_column(ForeignKey("agency_job.id", ondelete="CASCADE"), index=True)
