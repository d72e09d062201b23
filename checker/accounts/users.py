"""Users: hashed passwords and their strength, sign-in, deactivation, and queries limited to the user's own agency."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, false, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn import zxcvbn  # type: ignore[import-untyped]  # the library ships no types

from checker.accounts.models import ROLES, Agency, User
from checker.accounts.sessions import end_all
from checker.i18n import N_, translate

MIN_PASSWORD = 10
MIN_STRENGTH = 3  # zxcvbn's score, 0-4: 3 is "safely unguessable" against an online attack with throttling
STRENGTH_CHARS = 100  # zxcvbn's time grows with length; a longer password is judged on its first characters
PRODUCT_WORDS = ("checker", "policy", "beijing", "zhongguancun", "haidian", "agency", "staff")
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


def weak_password(password: str, email: str = "") -> str | None:
    """Why a password may not be used (a catalogue key), or None: too short, or guessable by zxcvbn (common
    passwords, words, keyboard runs, dates, the e-mail address and product names) with a score under MIN_STRENGTH."""
    if len(password) < MIN_PASSWORD:
        return N_("account.password_short")
    local = email.split("@")[0]
    hints = [email, local, *local.replace(".", " ").replace("-", " ").split(), *PRODUCT_WORDS]
    if zxcvbn(password[:STRENGTH_CHARS], user_inputs=[h for h in hints if h])["score"] < MIN_STRENGTH:
        return N_("account.password_weak")
    return None


def check_password(password: str, email: str = "", lang: str = "zh") -> None:
    """Refuse a password that may not be used, with the reason in the language (AccountError)."""
    why = weak_password(password, email)
    if why is not None:
        raise AccountError(translate(why, lang, length=MIN_PASSWORD))


def create_user(session: Session, email: str, password: str, agency_name: str | None, role: str = "agency") -> User:
    """A new user with a hashed password, in the named agency (created if needed); the caller commits."""
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    check_password(password, email)
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
    user = session.scalars(select(User).where(User.email == normal_email(email))).first()
    if user is None:
        raise AccountError(f"no user with the email {normal_email(email)}")
    user.active = False
    end_all(session, user.id)
    return user


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
