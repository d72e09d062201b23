"""The declarative base of every table, and the helpers their columns share (time, tokens)."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import ClassVar

from sqlalchemy import Table
from sqlalchemy.orm import DeclarativeBase


def utcnow() -> dt.datetime:
    """The current UTC time, without tzinfo (SQLite stores naive datetimes)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def new_token() -> str:
    """An unguessable link token."""
    return secrets.token_urlsafe(24)


class Base(DeclarativeBase):
    """Declarative base of the web app's tables."""

    __table__: ClassVar[Table]  # each model maps one Table (DeclarativeBase says only FromClause)
