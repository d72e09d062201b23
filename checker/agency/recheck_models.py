"""Tables of portfolio rechecks: one background run per agency and rule version, and its kept change report."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from checker.jobs.models import JobMixin
from checker.models import Base, utcnow


class Recheck(JobMixin, Base):
    """One background re-check of an agency's portfolio on one rule version, with its progress (a checker.jobs kind)."""

    __tablename__ = "agency_recheck"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id", ondelete="CASCADE"), index=True)
    rulepack: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(16), default="manual")  # manual | publish | version (a dated standard took effect)
    changed: Mapped[int] = mapped_column(Integer, default=0)
    newly_eligible: Mapped[int] = mapped_column(Integer, default=0)
    no_longer_eligible: Mapped[int] = mapped_column(Integer, default=0)
    after_client: Mapped[int] = mapped_column(Integer, default=0)  # clients up to this id are done: resumable


class RecheckChange(Base):
    """One client's verdict on one measure that moved in a recheck."""

    __tablename__ = "agency_recheck_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    recheck_id: Mapped[int] = mapped_column(ForeignKey("agency_recheck.id", ondelete="CASCADE"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("agency_client.id", ondelete="CASCADE"))
    measure: Mapped[str] = mapped_column(String(200))
    before: Mapped[str | None] = mapped_column(String(16), nullable=True)
    after: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(24), index=True)


class Webhook(Base):
    """An agency's optional webhook: where to POST events, and the secret their HMAC-SHA256 signature uses."""

    __tablename__ = "agency_webhook"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id", ondelete="CASCADE"), unique=True)
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
