"""Issue 20 items 4 and 5: webhooks resolve once at send time and refuse non-public targets (DNS rebinding, NAT64,
6to4, IPv4-mapped), never follow redirects, store failure categories only, and a slow receiver delays nobody else."""

from __future__ import annotations

import contextlib
import http.server
import socket
import threading
import time

import pytest

from checker.accounts.models import User
from checker.agency import webhooks
from checker.agency.state_models import WebhookDelivery
from checker.agency.webhooks import check_url, deliveries, post, refused_address
from tests.agency.conftest import add_user, make_app, shut, sign_in
from tests.agency.test_portfolio import CLIENTS
from tests.agency.util import job_id_of, jsonl_bytes, upload

REFUSED = ["127.0.0.1", "10.0.0.1", "172.16.3.4", "192.168.1.1", "100.64.0.1", "169.254.169.254", "0.0.0.0",
           "224.0.0.1", "240.0.0.1", "255.255.255.255", "::", "::1", "fe80::1", "fc00::1", "ff02::1",
           "::ffff:127.0.0.1", "::ffff:8.8.8.8", "64:ff9b::7f00:1", "64:ff9b::808:808", "2002:7f00:1::1",
           "2002:808:808::1", "2001:0:4136:e378:8000:63bf:3fff:fdd2"]


@pytest.mark.parametrize("address", REFUSED)
def test_non_public_and_disguised_addresses_are_refused(address):
    assert refused_address(address)


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "2001:4860:4860::8888"])
def test_public_addresses_are_allowed(address):
    assert not refused_address(address)


def test_the_test_allowance_admits_loopback_and_private_only():
    assert not refused_address("127.0.0.1", allow_private=True) and not refused_address("10.1.2.3", allow_private=True)
    for address in ("169.254.169.254", "0.0.0.0", "224.0.0.1", "::ffff:127.0.0.1", "64:ff9b::7f00:1", "2002:7f00:1::1"):
        assert refused_address(address, allow_private=True), address


def _server(handler: type[http.server.BaseHTTPRequestHandler]) -> tuple[http.server.ThreadingHTTPServer, int]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_port


@pytest.fixture
def servers():
    """Start quiet local HTTP servers of given handlers; shut them all at the end."""
    started: list[http.server.ThreadingHTTPServer] = []

    def start(do_post) -> int:
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the stdlib's name
                do_post(self)

            def do_GET(self):  # noqa: N802
                do_post(self)

            def log_message(self, *args):
                pass

        server, port = _server(Handler)
        started.append(server)
        return port

    yield start
    for server in started:
        server.shutdown()
        server.server_close()


def _answer(status: int, seen: list, headers: dict[str, str] | None = None):
    def do(handler):
        seen.append((handler.path, dict(handler.headers)))
        handler.send_response(status)
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", "0")
        handler.end_headers()
    return do


def test_a_redirect_to_the_metadata_address_is_not_followed(servers):
    metadata: list = []
    inner = servers(_answer(200, metadata))
    hook: list = []
    outer = servers(_answer(302, hook, {"Location": f"http://127.0.0.1:{inner}/latest/meta-data/"}))
    assert post(f"http://127.0.0.1:{outer}/hook", "s", "job.finished", b"{}", allow_private=True) == "http 302"
    assert len(hook) == 1 and metadata == []


def test_the_host_is_resolved_once_at_send_time_and_the_checked_address_is_used(servers, monkeypatch):
    seen: list = []
    port = servers(_answer(204, seen))
    answers = iter([["93.184.216.34"], ["127.0.0.1"]])  # public when saved, loopback when sent (DNS rebinding)
    calls: list[str] = []

    def fake(host, port_, *args, **kwargs):
        if host == "127.0.0.1":  # the connection to the checked address: a literal, no lookup
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (host, port_))]
        calls.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port_)) for a in next(answers)]

    monkeypatch.setattr(webhooks.socket, "getaddrinfo", fake)
    url = f"http://hooks.example.test:{port}/hook"
    assert check_url(url) == url
    assert post(url, "s", "job.finished", b"{}") == "refused" and seen == []
    assert calls == ["hooks.example.test", "hooks.example.test"]  # once on saving, once on sending

    calls.clear()
    answers = iter([["127.0.0.1"]])
    assert post(url, "s", "job.finished", b"{}", allow_private=True) == ""
    assert calls == ["hooks.example.test"]  # one resolution per send, and the connection went to that address
    assert seen[0][0] == "/hook" and seen[0][1]["Host"] == f"hooks.example.test:{port}"  # the name is kept


def test_failures_are_stored_as_categories_never_as_socket_errors(tmp_path):
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there: connection refused
    assert post(f"http://127.0.0.1:{port}/x", "s", "e", b"{}", allow_private=True) == "connection"
    assert post(f"http://127.0.0.1:{port}/x", "s", "e", b"{}") == "refused"
    assert post("http://name.invalid/x", "s", "e", b"{}") == "unresolved"
    app = make_app(tmp_path, AGENCY_WEBHOOK_PRIVATE=True)
    try:
        add_user(app, "a@example.com", "A")
        client = app.test_client()
        sign_in(client, "a@example.com")
        assert client.post("/agency/webhook", data={"url": f"http://127.0.0.1:{port}/x"}).status_code == 200
        upload(client, "clients.jsonl", jsonl_bytes(CLIENTS))
        with app.extensions["checker"].sessions() as session:
            (delivery,) = deliveries(session, 1)
            assert delivery.last_error == "connection"
        page = client.get("/agency/webhook").get_data(as_text=True)
        assert "无法连接接收方" in page and "Errno" not in page and "refused" not in page.lower()
    finally:
        shut(app)


@pytest.fixture
def trickle():
    """A receiver that answers one header byte every 0.3 s, for ever (a per-read timeout never trips)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    stop = threading.Event()

    def serve(conn: socket.socket) -> None:
        with conn:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\n")
            while not stop.is_set():
                try:
                    conn.sendall(b"X")
                except OSError:
                    return
                time.sleep(0.3)

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/hook"
    stop.set()
    with contextlib.suppress(OSError):  # wakes the accept thread: a bare close would leave the port listening
        listener.shutdown(socket.SHUT_RDWR)
    listener.close()


def test_a_trickling_receiver_ends_as_a_timeout_within_the_deadline(trickle):
    started = time.monotonic()
    assert post(trickle, "s", "e", b"{}", allow_private=True, deadline=1.5) == "timeout"
    assert time.monotonic() - started < 3


def test_a_slow_receiver_delays_no_other_agency_s_job(tmp_path, trickle):
    app = make_app(tmp_path, AGENCY_WEBHOOK_PRIVATE=True, AGENCY_RUNNER="thread")
    try:
        add_user(app, "a@example.com", "A")
        add_user(app, "b@example.com", "B")
        alice, bob = app.test_client(), app.test_client()
        sign_in(alice, "a@example.com")
        sign_in(bob, "b@example.com")
        assert alice.post("/agency/webhook", data={"url": trickle}).status_code == 200
        started = time.monotonic()
        job_id_of(upload(alice, "a.jsonl", jsonl_bytes(CLIENTS)))
        sessions = app.extensions["checker"].sessions
        while time.monotonic() - started < 5:  # A's job ends and its delivery starts talking to the receiver
            with sessions() as session:
                if session.query(WebhookDelivery).count():
                    break
            time.sleep(0.05)
        theirs = job_id_of(upload(bob, "b.jsonl", jsonl_bytes(CLIENTS)))
        while time.monotonic() - started < 8 and not _done(app, theirs):
            time.sleep(0.1)
        assert _done(app, theirs), "B's job waited for A's receiver"
        b_done = time.monotonic() - started
        while time.monotonic() - started < 14:
            with sessions() as session:
                (delivery,) = deliveries(session, 1)
                if delivery.attempts:
                    break
            time.sleep(0.2)
        took = time.monotonic() - started
        assert (delivery.status, delivery.attempts, delivery.last_error) == ("pending", 1, "timeout")
        assert b_done < 5 and 9 <= took < 13, (b_done, took)
    finally:
        shut(app)


def _done(app, job_id: int) -> bool:
    """Whether the job has ended."""
    from checker.agency.models import Job

    with app.extensions["checker"].sessions() as session:
        job = session.get(Job, job_id)
        return job is not None and job.finished


def test_the_retry_sweep_is_not_held_up_by_a_slow_receiver(tmp_path, trickle, servers):
    seen: list = []
    fast = servers(_answer(204, seen))
    app = make_app(tmp_path, AGENCY_WEBHOOK_PRIVATE=True)
    try:
        sessions = app.extensions["checker"].sessions
        slow_agency, fast_agency = add_user(app, "a@example.com", "A"), add_user(app, "b@example.com", "B")
        for email, url in (("a@example.com", trickle), ("b@example.com", f"http://127.0.0.1:{fast}/hook")):
            client = app.test_client()
            sign_in(client, email)
            assert client.post("/agency/webhook", data={"url": url}).status_code == 200
        with sessions() as session:
            agencies = [session.get(User, slow_agency).agency_id, session.get(User, fast_agency).agency_id]
            for agency in agencies:  # the slow receiver's delivery is due first
                webhooks.enqueue(session, agency, "job.finished", {"job": {"id": agency}})
            session.commit()
        started = time.monotonic()
        assert webhooks.deliver_due(sessions, allow_private=True, dispatch=webhooks.in_thread(sessions, True)) == 2
        while not seen and time.monotonic() - started < 5:
            time.sleep(0.05)
        assert seen and time.monotonic() - started < 3  # delivered while the slow one still waits for its receiver
        with sessions() as session:
            slow = session.query(WebhookDelivery).filter_by(agency_id=agencies[0]).one()
            assert slow.status == "pending" and slow.attempts == 0
    finally:
        shut(app)


def test_with_a_broker_a_delivery_is_a_task_of_its_own_and_workers_have_no_allowance(tmp_path, monkeypatch, servers):
    from types import SimpleNamespace

    from checker.agency import distributed

    assert distributed.DELIVER in distributed.make_celery("memory://").tasks
    seen: list = []
    port = servers(_answer(204, seen))
    app = make_app(tmp_path, AGENCY_WEBHOOK_PRIVATE=True)
    try:
        add_user(app, "a@example.com", "A")
        client = app.test_client()
        sign_in(client, "a@example.com")
        assert client.post("/agency/webhook", data={"url": f"http://127.0.0.1:{port}/hook"}).status_code == 200
        sessions = app.extensions["checker"].sessions
        with sessions() as session:
            delivery_id = webhooks.enqueue(session, 1, "job.finished", {"job": {"id": 1}}).id
            session.commit()
        monkeypatch.setattr(distributed, "worker_state", lambda: SimpleNamespace(sessions=sessions))
        distributed.deliver_webhook(delivery_id)  # what the Celery task runs on a worker
        with sessions() as session:
            delivery = session.get(WebhookDelivery, delivery_id)
            assert (delivery.attempts, delivery.last_error) == (1, "refused") and seen == []
    finally:
        shut(app)


@pytest.fixture
def tls_receiver(tmp_path, monkeypatch):
    """An HTTPS receiver on 127.0.0.1 whose certificate names hooks.example.test, trusted by the webhook sender;
    the name resolves to 127.0.0.1. Yields the port and the requests it got (path, Host header)."""
    import ssl
    import subprocess

    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-keyout", str(key),
                    "-out", str(cert), "-subj", "/CN=hooks.example.test",
                    "-addext", "subjectAltName=DNS:hooks.example.test"], check=True, capture_output=True)
    seen: list = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - the stdlib's name
            seen.append((self.path, self.headers["Host"]))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    real = socket.getaddrinfo

    def fake(host, port, *args, **kwargs):
        return real("127.0.0.1" if host.endswith("example.test") else host, port, *args, **kwargs)

    monkeypatch.setattr(webhooks.socket, "getaddrinfo", fake)
    trusted = ssl.create_default_context

    def trusting(*args, **kwargs):
        context = trusted(*args, **kwargs)
        context.load_verify_locations(cert)
        return context

    monkeypatch.setattr(webhooks.ssl, "create_default_context", trusting)
    yield server.server_port, seen
    server.shutdown()
    server.server_close()


def test_https_keeps_the_name_for_sni_and_the_certificate_check(tls_receiver):
    port, seen = tls_receiver
    assert post(f"https://hooks.example.test:{port}/hook", "s", "e", b"{}", allow_private=True) == ""
    assert seen == [("/hook", f"hooks.example.test:{port}")]
    # the same address under a name the certificate does not carry: refused by the certificate check
    assert post(f"https://other.example.test:{port}/hook", "s", "e", b"{}", allow_private=True) == "tls"
    assert len(seen) == 1


def test_the_receiver_s_body_is_read_only_up_to_the_cap(servers):
    sent: list[int] = []

    def endless(handler):
        handler.send_response(200)
        handler.send_header("Content-Length", str(2**40))
        handler.end_headers()
        try:
            for _ in range(100_000):  # up to ~6 GB: far more than anyone should read
                handler.wfile.write(b"x" * 65536)
                sent.append(1)
        except OSError:
            pass

    port = servers(endless)
    started = time.monotonic()
    assert post(f"http://127.0.0.1:{port}/hook", "s", "e", b"{}", allow_private=True) == ""
    assert time.monotonic() - started < 3
    time.sleep(0.2)
    assert len(sent) < 1000  # the sender closed the connection after its few kilobytes
