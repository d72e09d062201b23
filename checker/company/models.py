"""Saved assessments: a company's answers and the results of checking them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from checker.models import Base, new_token, utcnow


class Assessment(Base):
    """One company's saved profile, reachable only through its secret token."""

    __tablename__ = "assessment"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True, index=True, default=new_token)
    name: Mapped[str] = mapped_column(String(200), default="")
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("assessment.id", ondelete="SET NULL"), nullable=True,
                                                  index=True)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    seen_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    results: Mapped[list[StoredResult]] = relationship(
        back_populates="assessment", cascade="all, delete-orphan", order_by="StoredResult.id")

    @property
    def latest(self) -> StoredResult | None:
        """The most recent check of this assessment."""
        return self.results[-1] if self.results else None


class StoredResult(Base):
    """One check of an assessment: rule-pack version, backend, the date checked and the verdicts (not the full result)."""

    __tablename__ = "stored_result"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), index=True)
    rulepack: Mapped[str] = mapped_column(String(64))
    as_of: Mapped[dt.date] = mapped_column(Date)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    backend: Mapped[str | None] = mapped_column(String(40), nullable=True)  # what decided it; None before recorded
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    assessment: Mapped[Assessment] = relationship(back_populates="results")


def history(session: Session, assessment: Assessment) -> list[Assessment]:
    """Every version of this assessment's history, oldest first."""
    root = assessment
    seen = {root.id}
    while root.parent_id is not None and root.parent_id not in seen:
        parent = session.get(Assessment, root.parent_id)
        if parent is None:
            break
        seen.add(parent.id)
        root = parent
    chain, frontier = [root], [root.id]
    while frontier:
        children = list(session.scalars(select(Assessment).where(Assessment.parent_id.in_(frontier))))
        chain += children
        frontier = [c.id for c in children]
    return sorted(chain, key=lambda a: (a.version, a.id))
