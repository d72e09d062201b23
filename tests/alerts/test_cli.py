"""`checker alerts send`: the alert work from cron when no server runs the sweeper, through SMTP from the environment."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import func, select

from checker.alerts.models import AlertSubscription
from checker.cli import main
from tests.accounts import shut
from tests.alerts.util import save
from tests.staff.conftest import make_app
from tests.web.util import MINI_RULES


def test_the_command_sends_due_mails_over_smtp_from_the_environment(tmp_path, sink, monkeypatch):
    handler, port = sink
    db_url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    monkeypatch.setenv("MAIL_SERVER", "127.0.0.1")
    monkeypatch.setenv("MAIL_PORT", str(port))
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("SECRET_KEY", "x")
    app = make_app(tmp_path, CHECKER_RULES=str(MINI_RULES), CHECKER_ENGINE="reference", DATABASE_URL=db_url)
    client = app.test_client()
    assert client.post(f"/a/{save(client)}/alerts", data={"email": "cron@example.com"}).status_code == 302
    shut(app)
    assert handler.messages == [], "the request itself sends nothing"
    result = CliRunner().invoke(main, ["--rules", str(tmp_path / "pack" / "rules"), "alerts", "send"])
    assert result.exit_code == 0, result.output
    assert "tried 1 alert mails" in result.output
    assert [m["To"] for m in handler.messages] == ["cron@example.com"]
    app = make_app(tmp_path, CHECKER_RULES=str(MINI_RULES), CHECKER_ENGINE="reference", DATABASE_URL=db_url)
    with app.extensions["checker"].sessions() as session:
        assert session.scalar(select(func.count()).select_from(AlertSubscription)) == 1
    shut(app)
