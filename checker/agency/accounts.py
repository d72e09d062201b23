"""Agency accounts: hashed passwords, API tokens, and queries limited to the user's own agency."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from sqlalchemy import Select, false, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from checker.agency.models import ROLES, Agency, ApiToken, User

MIN_PASSWORD = 10
HASH_METHOD = "scrypt"  # werkzeug's default; tests lower the cost
# Verifying against this keeps the time of a failed sign-in the same whether or not the email exists.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


class AccountError(ValueError):
    """A user cannot be created as asked."""


def normal_email(email: str) -> str:
    """The email as stored: trimmed and lower-case."""
    return email.strip().lower()


def get_agency(session: Session, name: str) -> Agency:
    """The agency of this name, created if new."""
    agency = session.scalars(select(Agency).where(Agency.name == name)).first()
    if agency is None:
        agency = Agency(name=name)
        session.add(agency)
        session.flush()
    return agency


def create_user(session: Session, email: str, password: str, agency_name: str | None, role: str = "agency") -> User:
    """A new user with a hashed password, in the named agency (created if needed); the caller commits."""
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password must have at least {MIN_PASSWORD} characters")
    if role == "agency" and not agency_name:
        raise AccountError("an agency user needs an agency")
    email = normal_email(email)
    if "@" not in email or session.scalars(select(User).where(User.email == email)).first():
        raise AccountError("the email is invalid or already registered")
    agency = get_agency(session, agency_name) if agency_name else None
    user = User(email=email, password_hash=generate_password_hash(password, HASH_METHOD), role=role, agency=agency, active=True)
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with this email and password, else None."""
    user = session.scalars(select(User).where(User.email == normal_email(email))).first()
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    return user if check_password_hash(user.password_hash, password) and user.active else None


def deactivate_user(session: Session, email: str) -> User:
    """Mark the user inactive and end all their sessions (API tokens stop with the account); the caller commits."""
    from checker.agency.sessions import end_all

    user = session.scalars(select(User).where(User.email == normal_email(email))).first()
    if user is None:
        raise AccountError(f"no user with the email {normal_email(email)}")
    user.active = False
    end_all(session, user.id)
    return user


def _digest(token: str) -> str:
    """The stored form of an API token (tokens are long random strings, so a plain hash suffices)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(session: Session, user: User, label: str = "") -> str:
    """A new API token for the user; only its digest is stored, the caller shows it once and commits."""
    token = "pc_" + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, digest=_digest(token), label=label[:100]))
    session.flush()
    return token


def token_user(session: Session, token: str) -> User | None:
    """The active user owning this API token, else None."""
    if not token:
        return None
    found = session.scalars(select(ApiToken).where(ApiToken.digest == _digest(token))).first()
    return found.user if found is not None and found.user.active else None


def owned(query: Select[Any], user: User) -> Select[Any]:
    """The query limited to rows of the user's agency (its first entity must have agency_id)."""
    entity = query.column_descriptions[0]["entity"]
    if user.agency_id is None:
        return query.where(false())
    return query.where(entity.agency_id == user.agency_id)


def seed_admin(session: Session, env: dict[str, str]) -> User | None:
    """Create the user named by AGENCY_ADMIN_EMAIL/PASSWORD/AGENCY (role AGENCY_ADMIN_ROLE) if missing."""
    email, password = env.get("AGENCY_ADMIN_EMAIL", ""), env.get("AGENCY_ADMIN_PASSWORD", "")
    if not email or not password:
        return None
    existing = session.scalars(select(User).where(User.email == normal_email(email))).first()
    if existing is not None:
        return existing
    role = env.get("AGENCY_ADMIN_ROLE", "agency")
    user = create_user(session, email, password, env.get("AGENCY_ADMIN_AGENCY", "default"), role)
    session.commit()
    return user
