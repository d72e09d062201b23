"""Signed webhooks: job finished and newly eligible clients reach a local receiver with a valid HMAC-SHA256."""

from __future__ import annotations

import hashlib
import hmac
import http.server
import json
import threading

import pytest

from checker.agency.webhooks import check_url, sign
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
