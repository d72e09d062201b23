"""Issue 12 item 6: signing out and deactivation end sessions; idle sessions expire; replayed cookies are refused."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from checker.accounts import sessions
from checker.accounts.models import UserSession
from checker.accounts.users import deactivate_user
from checker.models import utcnow
from checker.web.accounts import session_limits
from tests.agency.conftest import make_app, shut, sign_in


def _cookie(client) -> str:
    """The value of the client's session cookie."""
    return client.get_cookie("session").value


def _replay(app, cookie: str):
    """GET the agency home page from a fresh client presenting an old session cookie."""
    other = app.test_client()
    other.set_cookie("session", cookie)
    return other.get("/agency/")


def _to_login(response) -> bool:
    """Whether the response sends the browser to the sign-in page."""
    return response.status_code == 302 and "/agency/login" in response.headers["Location"]


def test_replaying_the_cookie_after_logout_is_sent_to_login(app, users, alice):
    cookie = _cookie(alice)
    assert _replay(app, cookie).status_code == 200  # a copy of a live session works, as in a second tab
    alice.post("/agency/logout")
    assert _to_login(_replay(app, cookie))
    assert _to_login(alice.get("/agency/"))


def test_logout_ends_only_that_session(app, users, alice):
    second = app.test_client()
    sign_in(second, "a@example.com")
    alice.post("/agency/logout")
    assert second.get("/agency/").status_code == 200


def test_a_deactivated_users_open_session_is_sent_to_login(app, users, alice):
    assert alice.get("/agency/").status_code == 200
    with app.extensions["checker"].sessions() as session:
        deactivate_user(session, "a@example.com")
        session.commit()
        assert session.scalars(select(UserSession).where(UserSession.ended_at.is_(None))).all() == []
    assert _to_login(alice.get("/agency/"))
    refused = app.test_client().post("/agency/login", data={"email": "a@example.com", "password": "correct horse battery"})
    assert refused.status_code == 401


def test_only_a_digest_of_the_session_key_is_stored(app, users, alice):
    with app.extensions["checker"].sessions() as session:
        stored = session.scalars(select(UserSession.digest)).all()
    assert len(stored) == 1 and len(stored[0]) == 64
    assert stored[0] not in _cookie(alice)


@pytest.fixture
def clock(monkeypatch):
    """A settable clock for the session module."""
    now = [utcnow()]
    monkeypatch.setattr("checker.accounts.sessions.utcnow", lambda: now[0])
    return now


def test_a_session_idle_longer_than_the_limit_is_sent_to_login(tmp_path, clock):
    idle_app = make_app(tmp_path, SESSION_IDLE_MINUTES=30)
    try:
        from tests.accounts import add_user

        add_user(idle_app, "a@example.com")
        client = idle_app.test_client()
        sign_in(client, "a@example.com")
        clock[0] += dt.timedelta(minutes=29)
        assert client.get("/agency/").status_code == 200  # use keeps it alive
        clock[0] += dt.timedelta(minutes=29)
        assert client.get("/agency/").status_code == 200
        clock[0] += dt.timedelta(minutes=31)
        assert _to_login(client.get("/agency/"))
    finally:
        shut(idle_app)


def test_the_default_idle_limit_is_eight_hours_and_the_absolute_limit_holds_under_use(app, users, alice, clock):
    with app.app_context():
        assert session_limits() == sessions.Limits(idle=dt.timedelta(hours=8), absolute=dt.timedelta(days=7))
    for _ in range(7 * 24 // 7):
        clock[0] += dt.timedelta(hours=7)
        if alice.get("/agency/").status_code != 200:
            break
    assert _to_login(alice.get("/agency/"))
    assert clock[0] - utcnow() >= dt.timedelta(days=6)  # it lasted until the absolute limit, not the idle one


def test_start_prunes_the_users_dead_sessions(app, users):
    with app.extensions["checker"].sessions() as session:
        from checker.accounts.models import User

        user = session.get(User, users["a"])
        old = sessions.start(session, user)
        sessions.end(session, old)
        session.commit()
        sessions.start(session, user)
        session.commit()
        assert len(session.scalars(select(UserSession)).all()) == 1


def test_cli_users_deactivate_ends_sessions_and_names_an_unknown_email(cli_env):
    from click.testing import CliRunner

    from checker.cli import main

    client = cli_env.test_client()
    assert client.post("/agency/login", data={"email": "t@example.com", "password": "long-enough-pass"}).status_code == 302
    done = CliRunner().invoke(main, ["users", "deactivate", "T@example.com"])
    assert done.exit_code == 0, done.output
    assert _to_login(client.get("/agency/"))
    unknown = CliRunner().invoke(main, ["users", "deactivate", "nobody@example.com"])
    assert unknown.exit_code == 1 and "nobody@example.com" in unknown.output
