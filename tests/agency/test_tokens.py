"""Issue 12 item 7: API tokens are named, expire, can be listed and revoked (web and CLI); only hashes are stored."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from checker.accounts.models import ApiToken, User
from checker.accounts.tokens import issue_token
from checker.accounts.users import AccountError
from checker.cli import main
from checker.models import utcnow


def _api(app, token: str):
    """GET the measures endpoint with a bearer token."""
    return app.test_client().get("/api/v1/measures", headers={"Authorization": f"Bearer {token}"})


def _create(client, name: str, days: str = "90") -> str:
    """Create a token on the tokens page; the token shown once."""
    page = client.post("/agency/tokens", data={"label": name, "days": days}).get_data(as_text=True)
    return re.search(r'<code id="new-token">([^<]+)</code>', page).group(1)


def test_a_token_made_on_the_page_is_named_dated_listed_and_stored_hashed(app, users, alice):
    token = _create(alice, "nightly export", "30")
    assert _api(app, token).status_code == 200
    page = alice.get("/agency/tokens").get_data(as_text=True)
    expires = (utcnow() + dt.timedelta(days=30)).strftime("%Y-%m-%d")
    assert "nightly export" in page and expires in page and token not in page
    with app.extensions["checker"].sessions() as session:
        stored = session.scalars(select(ApiToken)).one()
    assert stored.digest != token and token not in stored.digest and stored.last_used_at is not None


def test_a_revoked_token_gets_401_json_at_once(app, users, alice):
    token = _create(alice, "ci")
    with app.extensions["checker"].sessions() as session:
        token_id = session.scalars(select(ApiToken.id)).one()
    assert alice.post(f"/agency/tokens/{token_id}/revoke").status_code == 302
    refused = _api(app, token)
    assert refused.status_code == 401 and refused.is_json
    assert refused.json["error"] == "unauthorized" and "revoked" in refused.json["message"]
    page = alice.get("/agency/tokens").get_data(as_text=True)
    assert f'id="revoke-{token_id}"' not in page and "token-revoked" in page


def test_an_agency_cannot_revoke_another_agencys_token(app, users, alice, bob):
    token = _create(alice, "mine")
    with app.extensions["checker"].sessions() as session:
        token_id = session.scalars(select(ApiToken.id)).one()
    assert bob.post(f"/agency/tokens/{token_id}/revoke").status_code == 404
    assert _api(app, token).status_code == 200


def test_an_expired_token_gets_401_json(app, users, monkeypatch):
    with app.extensions["checker"].sessions() as session:
        token = issue_token(session, session.get(User, users["a"]), "short", days=1)
        session.commit()
    assert _api(app, token).status_code == 200
    later = utcnow() + dt.timedelta(days=1, minutes=1)
    monkeypatch.setattr("checker.accounts.tokens.utcnow", lambda: later)
    refused = _api(app, token)
    assert refused.status_code == 401 and "expired" in refused.json["message"]


def test_a_token_needs_a_name_and_a_life_of_at_most_a_year(app, users, alice):
    assert alice.post("/agency/tokens", data={"label": "", "days": "90"}).status_code == 400
    assert alice.post("/agency/tokens", data={"label": "x", "days": "9999"}).status_code == 400
    with app.extensions["checker"].sessions() as session, pytest.raises(AccountError, match="days"):
        issue_token(session, session.get(User, users["a"]), "forever", days=10_000)


def test_cli_tokens_create_list_revoke(cli_env):
    made = CliRunner().invoke(main, ["tokens", "create", "t@example.com", "--name", "erp sync", "--days", "7"])
    assert made.exit_code == 0, made.output
    token = made.stdout.strip()
    assert token.startswith("pc_") and _api(cli_env, token).status_code == 200
    listed = CliRunner().invoke(main, ["tokens", "list", "--email", "t@example.com"]).stdout.splitlines()
    assert listed[0].split("\t") == ["id", "email", "name", "created", "expires", "last_used", "state"]
    row = listed[1].split("\t")
    assert row[1:3] == ["t@example.com", "erp sync"] and row[-1] == "active" and token not in listed[1]
    assert row[4].startswith((utcnow() + dt.timedelta(days=7)).strftime("%Y-%m-%d"))
    revoked = CliRunner().invoke(main, ["tokens", "revoke", row[0]])
    assert revoked.exit_code == 0, revoked.output
    assert _api(cli_env, token).status_code == 401
    assert CliRunner().invoke(main, ["tokens", "list"]).stdout.splitlines()[1].endswith("\trevoked")


def test_cli_tokens_refuse_unknown_ids_and_emails_and_too_long_lives(cli_env):
    unknown = CliRunner().invoke(main, ["tokens", "revoke", "999"])
    assert unknown.exit_code == 1 and "#999" in unknown.output
    nobody = CliRunner().invoke(main, ["tokens", "create", "x@example.com", "--name", "n"])
    assert nobody.exit_code == 1 and "x@example.com" in nobody.output
    forever = CliRunner().invoke(main, ["tokens", "create", "t@example.com", "--name", "n", "--days", "5000"])
    assert forever.exit_code == 2 and "--days" in forever.output
