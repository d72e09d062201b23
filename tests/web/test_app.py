"""App-wide behaviour: language, security headers, CSRF, configuration and migrations."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import create_engine, inspect

from checker.db import upgrade
from checker.web import create_app
from tests.web.util import MINI_RULES


def test_chinese_is_the_default(client):
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="zh-CN">' in html and "开始自评" in html


def test_language_switch_is_remembered(client):
    html = client.get("/?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in html and "Self-assessment" in html and "Basic facts" in html
    assert "Self-assessment" in client.get("/measures/").get_data(as_text=True)
    assert "开始自评" in client.get("/measures/?lang=zh").get_data(as_text=True)
    assert "开始自评" in client.get("/").get_data(as_text=True)


def test_every_page_links_to_the_other_language(client):
    for url in ("/", "/measures/", "/measures/hte-recognition"):
        html = client.get(url).get_data(as_text=True)
        assert re.search(r'id="lang-switch" href="[^"]*lang=en', html), url


def test_unknown_language_is_ignored(client):
    assert "开始自评" in client.get("/?lang=xx").get_data(as_text=True)


def test_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_no_inline_script(client):
    html = client.get("/").get_data(as_text=True)
    assert re.findall(r"<script[^>]*>", html) == ['<script src="/static/app.js" defer>']
    assert " onclick=" not in html and " onchange=" not in html


def test_session_cookie_is_httponly_and_lax(client):
    response = client.get("/?lang=en")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_csrf_is_required(csrf_app):
    with csrf_app.test_client() as client:
        data = {"q_entity_type": "enterprise", "as_of": "2026-06-01"}
        assert client.post("/", data=data).status_code == 400
        html = client.get("/").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
        response = client.post("/", data=data | {"csrf_token": token})
        assert response.status_code == 302
        location = response.headers["Location"]
        assert client.post(location + "/delete").status_code == 400
        assert client.get(location).status_code == 200


def test_secret_key_is_kept_in_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    from checker.web.settings import secret_key

    first = secret_key(tmp_path)
    assert len(first) == 64 and secret_key(tmp_path) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_config_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'env.sqlite'}")
    monkeypatch.setenv("SECRET_KEY", "from-env")
    monkeypatch.setenv("CHECKER_RULES", str(MINI_RULES))
    app = create_app({"CHECKER_ENGINE": "reference"})
    try:
        assert app.config["SECRET_KEY"] == "from-env"
        assert app.extensions["checker"].pack.measure("grant-a")
        assert (tmp_path / "env.sqlite").exists()
    finally:
        app.extensions["checker"].close()


def test_migrations_create_the_tables(tmp_path: Path):
    engine = create_engine(f"sqlite:///{tmp_path / 'm.sqlite'}")
    try:
        upgrade(engine)
        upgrade(engine)  # idempotent
        inspector = inspect(engine)
        assert {"assessment", "stored_result", "alembic_version"} <= set(inspector.get_table_names())
        columns = {c["name"] for c in inspector.get_columns("stored_result")}
        assert {"rulepack", "as_of", "result"} <= columns
    finally:
        engine.dispose()


def test_static_script_is_served(client):
    response = client.get("/static/app.js")
    assert response.status_code == 200 and "data-entities" in response.get_data(as_text=True)
    response.close()


def test_migrations_downgrade_to_nothing(tmp_path: Path):
    from alembic import command

    from checker.db import alembic_config

    engine = create_engine(f"sqlite:///{tmp_path / 'd.sqlite'}")
    try:
        upgrade(engine)
        with engine.begin() as connection:
            cfg = alembic_config(str(engine.url))
            cfg.attributes["connection"] = connection
            command.downgrade(cfg, "base")
        assert "assessment" not in inspect(engine).get_table_names()
    finally:
        engine.dispose()
