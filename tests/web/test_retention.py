"""Saved assessments expire after the retention period shown on the page; the public POST is rate-limited."""

from __future__ import annotations

import datetime as dt

from click.testing import CliRunner
from sqlalchemy import select

from checker.cli import main
from checker.company.models import Assessment, StoredResult
from checker.company.purge import purge
from checker.web.services import services
from tests.web.conftest import _make
from tests.web.util import MINI_RULES, as_form, example_profile, token_of


def _age(app, token: str, days: int) -> None:
    """Pretend the assessment was created and last opened `days` ago."""
    with app.app_context(), services().sessions() as session:
        found = session.scalars(select(Assessment).where(Assessment.token == token)).one()
        found.created_at = found.seen_at = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(days=days)
        session.commit()


def test_retention_is_shown_on_the_page(client):
    page = client.get(client.post("/", data=as_form(example_profile())).headers["Location"]).get_data(as_text=True)
    assert "自最后一次打开起保留 180 天，之后自动删除" in page


def test_purge_deletes_only_assessments_not_opened_within_the_period(app, client):
    old = token_of(client.post("/", data=as_form(example_profile())).headers["Location"])
    fresh = token_of(client.post("/", data=as_form(example_profile())).headers["Location"])
    _age(app, old, 200)
    _age(app, fresh, 100)
    with app.app_context(), services().sessions() as session:
        assert purge(session, days=180) == 1
        left = set(session.scalars(select(Assessment.token)))
        assert left == {fresh} and len(session.scalars(select(StoredResult)).all()) == 1
    assert client.get(f"/a/{old}").status_code == 404


def test_opening_a_link_keeps_it(app, client):
    token = token_of(client.post("/", data=as_form(example_profile())).headers["Location"])
    _age(app, token, 200)
    client.get(f"/a/{token}")  # opened today
    with app.app_context(), services().sessions() as session:
        assert purge(session, days=180) == 0


def test_purge_command(tmp_path, monkeypatch):
    db_url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    app = _make(tmp_path, CHECKER_RULES=str(MINI_RULES), DATABASE_URL=db_url)
    token = token_of(app.test_client().post("/", data={"q_entity_type": "enterprise", "as_of": "2026-06-01"})
                     .headers["Location"])
    _age(app, token, 40)
    app.extensions["checker"].close()
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("SECRET_KEY", "x")
    result = CliRunner().invoke(main, ["--rules", str(MINI_RULES), "assessments", "purge", "--days", "30"])
    assert result.exit_code == 0, result.output
    assert "purged 1 assessments not opened for 30 days" in result.output


def test_the_public_post_is_rate_limited(tmp_path):
    app = _make(tmp_path, CHECKER_RULES=str(MINI_RULES), ASSESS_RATE_LIMIT="3 per minute")
    client = app.test_client()
    codes = [client.post("/", data={"q_entity_type": "enterprise", "as_of": "2026-06-01"}).status_code
             for _ in range(5)]
    assert codes == [302, 302, 302, 429, 429]
    assert client.get("/").status_code == 200  # reading stays open
    with app.app_context(), services().sessions() as session:
        assert len(session.scalars(select(Assessment)).all()) == 3
    app.extensions["checker"].close()
