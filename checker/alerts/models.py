"""Alert tables: subscriptions (an address per saved assessment) and the outbox of mails to send or retry."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from checker.models import Base, new_token, utcnow


class AlertSubscription(Base):
    """An e-mail address that asked to hear about one saved assessment's history; unconfirmed until its link is used."""

    __tablename__ = "alert_subscription"
    __table_args__ = (UniqueConstraint("assessment_id", "email", name="uq_alert_subscription_address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    token: Mapped[str] = mapped_column(String(64), unique=True, index=True, default=new_token)
    lang: Mapped[str] = mapped_column(String(8), default="zh")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True, index=True)
    seen_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # the assessment version the verdicts are of
    rulepack: Mapped[str | None] = mapped_column(String(64), nullable=True)  # the rule version they were seen on
    verdicts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # measure -> status last told (or seen)
    windows_seen: Mapped[list[str]] = mapped_column(JSON, default=list)  # "measure:opens" already announced


class AlertMail(Base):
    """One mail to send: tried by the background sweep, retried after a failed SMTP send, never lost silently."""

    __tablename__ = "alert_mail"

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("alert_subscription.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # confirm | verdicts | window
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    last_error: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
