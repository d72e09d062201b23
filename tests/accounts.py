"""Test helpers for apps with accounts: users, API tokens, and shutting an app down."""

from __future__ import annotations

from flask import Flask

from checker.accounts.models import User
from checker.accounts.tokens import issue_token
from checker.accounts.users import create_user
from checker.web.agency import close_app

PASSWORD = "correct horse battery"


def shut(app: Flask) -> None:
    """Stop the job runner and release the app's services."""
    close_app(app)
    app.extensions["checker"].close()


def add_user(app: Flask, email: str, agency: str | None = "Agency A", role: str = "agency",
             password: str = PASSWORD) -> int:
    """Create a user directly in the database; its id."""
    with app.extensions["checker"].sessions() as session:
        user = create_user(session, email, password, agency, role)
        session.commit()
        return user.id


def sign_in(client, email: str) -> None:
    """Sign a test client in through the agency login (staff share it)."""
    response = client.post("/agency/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.data[:500]


def add_token(app: Flask, user_id: int) -> str:
    """Issue an API token for a user."""
    with app.extensions["checker"].sessions() as session:
        token = issue_token(session, session.get(User, user_id), "test")
        session.commit()
        return token
