"""Tables of the staff features: published rule-pack versions, drafts and the audit log."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from checker.models import Base, utcnow


class PackVersion(Base):
    """One published rule pack: every rule file's text, its content hash and a sequence number."""

    __tablename__ = "staff_pack_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True, index=True)
    hash: Mapped[str] = mapped_column(String(64), index=True)
    files: Mapped[dict[str, str]] = mapped_column(JSON)
    action: Mapped[str] = mapped_column(String(16), default="publish")  # import | publish | rollback
    author: Mapped[str] = mapped_column(String(254), default="")
    comment: Mapped[str] = mapped_column(Text, default="")
    commit: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)  # the rules repository's commit
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    @property
    def label(self) -> str:
        """The version as shown: sequence and content hash."""
        return f"v{self.seq} ({self.hash})"


class Draft(Base):
    """A staff member's unpublished change: new texts of rule files on top of the live pack."""

    __tablename__ = "staff_draft"

    id: Mapped[int] = mapped_column(primary_key=True)
    author: Mapped[str] = mapped_column(String(254), default="")
    measure: Mapped[str] = mapped_column(String(200), default="")
    changes: Mapped[dict[str, str | None]] = mapped_column(JSON, default=dict)  # path -> new text (None: removed)
    bases: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # path -> live text when the draft began
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | published | discarded
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class AuditEntry(Base):
    """Who changed which measure, when and why."""

    __tablename__ = "staff_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    author: Mapped[str] = mapped_column(String(254), default="")
    action: Mapped[str] = mapped_column(String(16))  # import | publish | rollback | refused | draft_saved
    seq: Mapped[int] = mapped_column(Integer)
    measure: Mapped[str] = mapped_column(String(200), default="")
    comment: Mapped[str] = mapped_column(Text, default="")
