"""Tables of state every server process shares: webhook deliveries, portfolio summaries (sign-ins: checker.accounts)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from checker.db import DeflatedJSON
from checker.models import Base, utcnow

DELIVERY_STATES = ("pending", "delivered", "failed")


class WebhookDelivery(Base):
    """One webhook event of an agency: its body, and how its delivery went (attempts, last error, next try)."""

    __tablename__ = "agency_webhook_delivery"
    __table_args__ = (Index("ix_agency_webhook_delivery_due", "status", "next_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id", ondelete="CASCADE"), index=True)
    event: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    last_error: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class PortfolioSummary(Base):
    """An agency's portfolio summary (counts per status, money by type), kept until its results or rules change."""

    __tablename__ = "agency_portfolio_summary"

    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id", ondelete="CASCADE"), primary_key=True)
    rulepack: Mapped[str] = mapped_column(String(64))
    stamp: Mapped[str] = mapped_column(String(64))  # the agency's newest result id and result count when computed
    data: Mapped[dict[str, Any]] = mapped_column(DeflatedJSON)  # ~5x smaller on disk, the dict in Python
    computed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
