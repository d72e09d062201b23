"""Signed webhooks: job finished and newly eligible clients reach a local receiver with a valid HMAC-SHA256; a failed
delivery is retried with backoff by the background sweep and logged on the agency's settings page."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import http.server
import json
import threading
import time

import pytest

from checker.agency.webhooks import DELAYS, check_url, deliver_due, deliveries, sign
from checker.models import utcnow
from tests.agency.conftest import add_user, make_app, shut, sign_in
from tests.agency.test_portfolio import CLIENTS, changed_pack
from tests.agency.util import job_id_of, jsonl_bytes, upload


@pytest.fixture
def receiver():
    """A local HTTP server recording every POST (headers and raw body)."""
    received: list[tuple[dict, bytes]] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - the stdlib's name
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((dict(self.headers), body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", received
    server.shutdown()
    server.server_close()


def _valid(secret: str, headers: dict, body: bytes) -> bool:
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(headers["X-Checker-Signature"], expected)


def test_job_finished_and_newly_eligible_reach_the_receiver_signed(tmp_path, receiver):
    url, received = receiver
    first = make_app(tmp_path, AGENCY_WEBHOOK_PRIVATE=True)
    add_user(first, "a@example.com", "A")
    client = first.test_client()
    sign_in(client, "a@example.com")
    page = client.post("/agency/webhook", data={"url": url}).get_data(as_text=True)
    secret = page.split('id="webhook-secret">')[1].split("<")[0]
    assert len(secret) == 64 and f'id="webhook-url">{url}<' in page
    assert 'id="webhook-secret"' not in client.get("/agency/webhook").get_data(as_text=True)  # shown once
    job = job_id_of(upload(client, "clients.jsonl", jsonl_bytes(CLIENTS)))
    headers, body = received[-1]
    event = json.loads(body)
    assert headers["X-Checker-Event"] == "job.finished" and _valid(secret, headers, body)
    assert event["job"] | {"id": job, "status": "done", "total": 4, "done": 4, "errors": 0} == event["job"]
    assert not _valid("wrong secret", headers, body)
    shut(first)

    second = make_app(tmp_path, CHECKER_RULES=str(changed_pack(tmp_path)), AGENCY_WEBHOOK_PRIVATE=True)
    try:
        client = second.test_client()
        sign_in(client, "a@example.com")
        client.get("/agency/")  # the rules changed: the portfolio is re-checked, newly eligible clients are sent
        headers, body = received[-1]
        event = json.loads(body)
        assert headers["X-Checker-Event"] == "clients.newly_eligible" and _valid(secret, headers, body)
        assert event["clients"] == [{"client": "cert40", "name": "cert40", "measure": "relief-b"}]
        assert event["recheck"]["newly_eligible"] == 1 and len(received) == 2
    finally:
        shut(second)


def test_webhook_urls_are_checked(app, alice):
    assert sign("s", b"{}") == "sha256=" + hmac.new(b"s", b"{}", hashlib.sha256).hexdigest()
    with pytest.raises(ValueError, match="http"):
        check_url("ftp://example.com/x")
    with pytest.raises(ValueError, match="public"):
        check_url("http://127.0.0.1:8080/hook")
    response = alice.post("/agency/webhook", data={"url": "http://10.0.0.1/hook"})
    assert response.status_code == 400 and 'id="webhook-error"' in response.get_data(as_text=True)
    assert "Webhook 地址须指向公网地址" in response.get_data(as_text=True)  # the catalogue's text, in the page's language
    english = alice.post("/agency/webhook?lang=en", data={"url": "ftp://example.com/x"}).get_data(as_text=True)
    assert "must start with http:// or https://" in english


@pytest.fixture
def flaky(monkeypatch):
    """The sender's transport answering "http 500" to the first two POSTs, then success; it records every body.
    These tests are about scheduling (backoff, the sweep), so they stub the one send call; the real HTTP path
    (signature, redirects, deadlines, addresses) is tested against local servers in the tests above and in
    test_webhook_security.py."""
    received: list[bytes] = []
    url = "http://127.0.0.1:8/hook"

    def post(target: str, secret: str, event: str, body: bytes, allow_private: bool = False, **_kw) -> str:
        assert target == url and allow_private and secret and event == "job.finished"
        received.append(body)
        return "http 500" if len(received) <= 2 else ""

    monkeypatch.setattr("checker.agency.webhooks.post", post)
    return url, received


def _due(sessions, when: dt.datetime) -> int:
    """The background sweep at a time, allowed to reach the local receiver (the test-only allowance)."""
    return deliver_due(sessions, when, allow_private=True)


def _hooked(app, url: str):
    """Agency A signed in, with its webhook pointing at the URL."""
    add_user(app, "a@example.com", "A")
    client = app.test_client()
    sign_in(client, "a@example.com")
    assert client.post("/agency/webhook", data={"url": url}).status_code == 200
    return client


def test_a_failed_delivery_is_retried_with_backoff_and_logged_on_the_settings_page(tmp_path, flaky):
    url, received = flaky
    app = make_app(tmp_path, AGENCY_WEBHOOK_PRIVATE=True)
    try:
        client = _hooked(app, url)
        upload(client, "clients.jsonl", jsonl_bytes(CLIENTS))
        sessions = app.extensions["checker"].sessions
        assert len(received) == 1  # the first attempt, made when the job ended
        page = client.get("/agency/webhook").get_data(as_text=True)
        assert 'class="delivery-pending"' in page and "HTTP 500" in page  # the category, never socket text
        start = utcnow()
        assert _due(sessions, start + dt.timedelta(seconds=DELAYS[0] - 1)) == 0  # not due yet: nothing sent
        assert _due(sessions, start + dt.timedelta(seconds=DELAYS[0] + 1)) == 1 and len(received) == 2
        assert _due(sessions, start + dt.timedelta(seconds=DELAYS[0] + 2)) == 0  # the next delay is longer
        later = start + dt.timedelta(seconds=DELAYS[0] + DELAYS[1] + 5)
        assert _due(sessions, later) == 1 and len(received) == 3
        assert received[0] == received[1] == received[2]  # the same signed event each time
        with sessions() as session:
            (delivery,) = deliveries(session, 1)
            assert (delivery.status, delivery.attempts, delivery.last_error) == ("delivered", 3, "")
        page = client.get("/agency/webhook?lang=en").get_data(as_text=True)
        row = page.split('class="delivery-delivered">')[1].split("</tr>")[0]
        assert "job.finished" in row and "Delivered" in row and "<td>3</td>" in row
        assert _due(sessions, later + dt.timedelta(days=1)) == 0  # delivered: never sent again
        _due(sessions, later + dt.timedelta(days=31))
        with sessions() as session:
            assert deliveries(session, 1) == []  # finished deliveries leave the log after 30 days
    finally:
        shut(app)


def test_a_delivery_that_keeps_failing_ends_failed_after_its_attempts(tmp_path, monkeypatch):
    app = make_app(tmp_path, AGENCY_WEBHOOK_PRIVATE=True)
    try:
        client = _hooked(app, "http://127.0.0.1:9/closed")  # nothing listens on the discard port
        upload(client, "clients.jsonl", jsonl_bytes(CLIENTS))
        sessions, when = app.extensions["checker"].sessions, utcnow()
        for _ in DELAYS:
            when += dt.timedelta(seconds=max(DELAYS) + 1)
            assert _due(sessions, when) == 1
        with sessions() as session:
            (delivery,) = deliveries(session, 1)
            assert (delivery.status, delivery.attempts) == ("failed", len(DELAYS) + 1) and delivery.last_error
        assert _due(sessions, when + dt.timedelta(days=1)) == 0
        assert 'class="delivery-failed"' in client.get("/agency/webhook").get_data(as_text=True)
    finally:
        shut(app)


def test_retries_are_made_by_the_background_sweep_not_by_a_request(tmp_path, flaky, monkeypatch):
    url, received = flaky
    monkeypatch.setattr("checker.agency.webhooks.DELAYS", (0.2, 0.2, 0.2))
    app = make_app(tmp_path, AGENCY_WEBHOOK_PRIVATE=True, AGENCY_RUNNER="thread", AGENCY_BACKGROUND=True,
                   AGENCY_RECHECK_SWEEP_S=0.2)
    try:
        client = _hooked(app, url)
        upload(client, "clients.jsonl", jsonl_bytes(CLIENTS))
        for _ in range(100):  # no request is made while waiting
            if len(received) >= 3:
                break
            time.sleep(0.1)
        with app.extensions["checker"].sessions() as session:
            (delivery,) = deliveries(session, 1)
            assert (len(received), delivery.status, delivery.attempts) == (3, "delivered", 3)
    finally:
        shut(app)
