"""Observability: a JSON access line per request, X-Request-ID on every response, /health with the database and pack."""

from __future__ import annotations

import json
import logging
import re

import pytest
from sqlalchemy import create_engine

from checker.web import observe


class Lines(logging.Handler):
    """Keeps the formatted access lines."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(observe.JsonLines())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def lines():
    """The access log lines written during the test."""
    handler = Lines()
    observe.log.addHandler(handler)
    yield handler.lines
    observe.log.removeHandler(handler)


def test_one_json_line_per_request_with_id_method_path_status_duration(app, lines):
    client = app.test_client()
    ok = client.get("/measures/")
    missing = client.get("/no/such/page")
    posted = client.post("/api/v1/check", json={})
    records = [json.loads(line) for line in lines]
    assert [(r["method"], r["path"], r["status"]) for r in records] == [
        ("GET", "/measures/", 200), ("GET", "/no/such/page", 404), ("POST", "/api/v1/check", 401)]
    for record, response in zip(records, (ok, missing, posted)):
        assert record["request_id"] == response.headers["X-Request-ID"]
        assert isinstance(record["duration_ms"], float) and 0 <= record["duration_ms"] < 10_000
        assert record["logger"] == "checker.access" and record["ts"].endswith("+00:00")
    assert all("\n" not in line for line in lines)


def test_request_ids_are_unique_and_a_well_formed_incoming_one_is_kept(app, lines):
    client = app.test_client()
    ids = {client.get("/measures/").headers["X-Request-ID"] for _ in range(5)}
    assert len(ids) == 5 and all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids)
    assert client.get("/measures/", headers={"X-Request-ID": "edge-1234-abcd"}).headers["X-Request-ID"] == "edge-1234-abcd"
    assert json.loads(lines[-1])["request_id"] == "edge-1234-abcd"


@pytest.mark.parametrize("bad", ["short", "x" * 129, "has space in it", "inject\"quote<script>", "ünïcödé-id-123"])
def test_a_malformed_incoming_request_id_is_replaced(app, lines, bad):
    response = app.test_client().get("/measures/", headers={"X-Request-ID": bad})
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])
    assert bad not in lines[-1]


def test_health_reports_the_database_and_the_rule_pack(app):
    response = app.test_client().get("/health")
    assert response.status_code == 200 and response.is_json
    pack = app.extensions["checker"].pack
    assert response.json == {"status": "ok", "database": "ok", "rulepack": pack.version, "measures": len(pack.measures),
                             "rules_refused": None}
    assert response.headers["X-Request-ID"]


def test_health_is_503_when_the_database_is_down(app, tmp_path):
    services = app.extensions["checker"]
    working = services.engine
    services.engine = create_engine(f"sqlite:///{tmp_path / 'no' / 'such' / 'dir' / 'db.sqlite'}")
    try:
        response = app.test_client().get("/health")
    finally:
        services.engine.dispose()
        services.engine = working
    assert response.status_code == 503
    assert response.json["status"] == "unavailable" and response.json["database"].startswith("error: ")
    assert response.json["rulepack"] == services.pack.version
    assert app.test_client().get("/health").status_code == 200


def test_wiring_twice_changes_nothing(app):
    from checker.web import hardening, limits

    before = (len(app.after_request_funcs[None]), len(app.before_request_funcs[None]), len(list(app.url_map.iter_rules())))
    observe.init_app(app)
    limits.init_app(app)
    hardening.init_app(app)
    after = (len(app.after_request_funcs[None]), len(app.before_request_funcs[None]), len(list(app.url_map.iter_rules())))
    assert before == after
