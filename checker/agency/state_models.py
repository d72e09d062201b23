"""Tables of state every server process shares: failed sign-ins, webhook deliveries, portfolio summaries."""

from __future__ import annotations

from sqlalchemy import Float, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from checker.models import Base


class LoginFailure(Base):
    """One failed sign-in, counted once for its account and once for its client address (kind says which)."""

    __tablename__ = "login_failure"
    __table_args__ = (Index("ix_login_failure_key", "kind", "key", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # account | address
    key: Mapped[str] = mapped_column(String(254))
    at: Mapped[float] = mapped_column(Float, index=True)  # seconds since the epoch
