"""Optional signed webhooks per agency: a POST of JSON on job finished and on newly eligible clients.

The body is signed with HMAC-SHA256 under the agency's secret; the receiver recomputes it over the raw body and
compares it with the header X-Checker-Signature ("sha256=<hex>"). Every event is stored as a delivery and tried
at once, apart from jobs (its own thread, or a Celery task on a worker); a failed one is tried again after each of
DELAYS (by the background sweep, never inside a request), then marked failed. The agency's settings page lists its
deliveries: status, attempts and the category of the last error (never the raw socket error: that would make the
webhook a port scanner).

Sending is guarded against server-side request forgery: the host is resolved once, at send time; every address it
resolves to must be public (no private, loopback, link-local, multicast, reserved, unspecified, NAT64, 6to4 or
IPv4-mapped address); the connection goes to the checked address (the Host header, TLS SNI and certificate check
keep the name); redirects are never followed; the whole attempt has a DEADLINE_S deadline and reads at most
MAX_RESPONSE bytes. Tests reach a receiver on 127.0.0.1 through AGENCY_WEBHOOK_PRIVATE (a test-only app setting,
off by default, not read from the environment), which admits loopback and private addresses, never the others.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import secrets
import socket
import ssl
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from checker.agency.models import Client, Job
from checker.agency.recheck_models import Recheck, RecheckChange, Webhook
from checker.agency.state_models import WebhookDelivery
from checker.db import rowcount
from checker.i18n import N_
from checker.jobs import run
from checker.models import utcnow

log = logging.getLogger(__name__)
Dispatch = Callable[[int], None]  # makes the first attempt of a stored delivery, by id
DEADLINE_S = 10.0  # the whole attempt: connect, send, and the receiver's status line and headers
MAX_RESPONSE = 4096  # bytes of the receiver's body read at most (the status is all that counts)
MAX_THREADS = 32  # deliveries sent at once by one process; more wait for the sweep
MAX_CLIENTS = 1000  # newly eligible (client, measure) pairs sent in one event
DELAYS: tuple[float, ...] = (60.0, 300.0, 900.0)  # seconds before the 2nd, 3rd and 4th attempts (about 21 min in all)
LEASE = dt.timedelta(seconds=3 * DEADLINE_S)  # a claimed delivery is not tried by another process meanwhile
DUE_BATCH = 100
KEEP_LOG = dt.timedelta(days=30)  # finished deliveries are kept this long for the settings page


def sign(secret: str, body: bytes) -> str:
    """The signature header value of a body: sha256=<hex HMAC-SHA256>."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class Refused(ValueError):
    """The webhook target is not allowed: a scheme other than http(s), no host, or a non-public address; `key` is
    the catalogue text of the reason (params fill it)."""

    def __init__(self, message: str, key: str, **params: str) -> None:
        super().__init__(message)
        self.key, self.params = key, params


NAT64 = ipaddress.ip_network("64:ff9b::/96")
NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")
SIX_TO_FOUR = ipaddress.ip_network("2002::/16")


def refused_address(text: str, allow_private: bool = False) -> bool:
    """Whether a webhook may not connect to this address (loopback and private ones only when allowed)."""
    address = ipaddress.ip_address(text.split("%")[0])
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None or address in NAT64 or address in NAT64_LOCAL or address in SIX_TO_FOUR:
            return True  # an IPv4 address in disguise: refused whatever the IPv4 address is
        if address.sixtofour is not None or address.teredo is not None:
            return True
    if address.is_multicast or address.is_unspecified or address.is_link_local:
        return True
    if allow_private and (address.is_loopback or address.is_private):
        return False
    return address.is_reserved or not address.is_global


def _target(url: str) -> tuple[str, str, int]:
    """The scheme, host and port of a webhook URL; Refused if it is not http(s) with a host."""
    parts = urlsplit(url.strip())
    try:
        port = parts.port
    except ValueError:
        raise Refused("the webhook URL has an invalid port", N_("agency.hook_url_port")) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Refused("the webhook URL must start with http:// or https:// and name a host", N_("agency.hook_url_scheme"))
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80)


def resolve(host: str, port: int, allow_private: bool = False) -> str:
    """The one address to connect to: every address of the host must be allowed; OSError if it does not resolve."""
    addresses = [str(info[4][0]) for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]
    if not addresses or any(refused_address(a, allow_private) for a in addresses):
        raise Refused("the webhook URL must point to a public address", N_("agency.hook_url_private"))
    return addresses[0]


def check_url(url: str, allow_private: bool = False) -> str:
    """The URL if it is http(s) to a public host (private and loopback hosts only when allowed); else Refused.
    A first check when the URL is saved; every send resolves and checks again."""
    _scheme, host, port = _target(url)
    try:
        resolve(host, port, allow_private)
    except Refused:
        raise
    except OSError:
        raise Refused(f"cannot resolve {host}", N_("agency.hook_url_unresolved"), host=host) from None
    return url.strip()


def set_webhook(session: Session, agency_id: int, url: str) -> Webhook:
    """Save the agency's webhook URL with a new secret (shown to the user once). Caller commits."""
    found = session.scalars(select(Webhook).where(Webhook.agency_id == agency_id)).first()
    if found is None:
        found = Webhook(agency_id=agency_id, url=url, secret="")
        session.add(found)
    found.url, found.secret = url, secrets.token_hex(32)
    session.flush()
    return found


def _connection(scheme: str, host: str, port: int, address: str, timeout: float) -> http.client.HTTPConnection:
    """A connection that names the host (Host header, TLS SNI and certificate check) but connects to the address."""
    conn: http.client.HTTPConnection
    if scheme == "https":
        conn = http.client.HTTPSConnection(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        conn = http.client.HTTPConnection(host, port, timeout=timeout)

    def connect(_where: tuple[str, int], timeout: float, source: Any = None) -> socket.socket:
        return socket.create_connection((address, port), timeout, source)

    conn._create_connection = connect  # type: ignore[attr-defined]  # http.client's own hook
    return conn


def _abort(conn: http.client.HTTPConnection, fired: threading.Event) -> None:
    """Cut a connection whose deadline passed (a receiver trickling bytes never trips a per-read timeout)."""
    fired.set()
    sock = conn.sock
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def post(url: str, secret: str, event: str, body: bytes, allow_private: bool = False,
         deadline: float = DEADLINE_S) -> str:
    """POST one signed body; "" if the receiver answered 2xx, else the category of the failure (refused, unresolved,
    timeout, tls, connection, or "http <status>"): never the socket's own error text."""
    started = time.monotonic()
    try:
        scheme, host, port = _target(url)
        address = resolve(host, port, allow_private)
    except Refused:
        return "refused"
    except OSError:
        return "unresolved"
    left = deadline - (time.monotonic() - started)
    if left <= 0:
        return "timeout"
    conn = _connection(scheme, host, port, address, left)
    fired = threading.Event()
    timer = threading.Timer(left, _abort, (conn, fired))
    timer.start()
    try:
        path = urlsplit(url.strip())._replace(scheme="", netloc="", fragment="").geturl() or "/"
        conn.request("POST", path, body=body, headers={
            "Content-Type": "application/json", "X-Checker-Event": event, "X-Checker-Signature": sign(secret, body)})
        response = conn.getresponse()
        response.read(MAX_RESPONSE)
        if fired.is_set():  # cut half-way: whatever was parsed is not the receiver's answer
            return "timeout"
        return "" if 200 <= response.status < 300 else f"http {response.status}"
    except TimeoutError:
        return "timeout"
    except ssl.SSLError:
        return "timeout" if fired.is_set() else "tls"
    except (OSError, http.client.HTTPException):
        return "timeout" if fired.is_set() else "connection"
    finally:
        timer.cancel()
        conn.close()


def enqueue(session: Session, agency_id: int, event: str, payload: dict[str, Any]) -> WebhookDelivery:
    """Store one event for delivery now. Caller commits."""
    body = json.dumps({"event": event, **payload}, ensure_ascii=False, default=str)
    delivery = WebhookDelivery(agency_id=agency_id, event=event, body=body, status="pending", attempts=0,
                               next_at=utcnow(), last_error="")
    session.add(delivery)
    session.flush()
    return delivery


def _claim(session: Session, delivery_id: int, now: dt.datetime) -> bool:
    """Take a due delivery for one attempt (a conditional write, so two processes never both send it)."""
    claimed = session.execute(update(WebhookDelivery).where(
        WebhookDelivery.id == delivery_id, WebhookDelivery.status == "pending", WebhookDelivery.next_at <= now)
        .values(next_at=now + LEASE))
    session.commit()
    return rowcount(claimed) == 1


def _record(delivery: WebhookDelivery, error: str, now: dt.datetime, delays: Sequence[float]) -> None:
    """Count one attempt: delivered, tried again after the next delay, or failed once the delays are used up."""
    delivery.attempts += 1
    delivery.last_error = error
    if not error:
        delivery.status, delivery.next_at, delivery.finished_at = "delivered", None, now
    elif delivery.attempts > len(delays):
        delivery.status, delivery.next_at, delivery.finished_at = "failed", None, now
    else:
        delivery.next_at = now + dt.timedelta(seconds=delays[delivery.attempts - 1])


def attempt(sessions: sessionmaker[Session], delivery_id: int, now: dt.datetime | None = None,
            delays: Sequence[float] | None = None, allow_private: bool = False) -> str | None:
    """Try one due delivery to the agency's current webhook; its new status, or None if not due or taken."""
    now, delays = now or utcnow(), DELAYS if delays is None else delays
    with sessions() as session:
        if not _claim(session, delivery_id, now):
            return None
        delivery = session.get(WebhookDelivery, delivery_id)
        hook = _hook(session, delivery.agency_id) if delivery is not None else None
        if delivery is None:
            return None
        url, secret = (hook.url, hook.secret) if hook is not None else ("", "")
        session.commit()  # no transaction stays open while the receiver answers
        body = delivery.body.encode("utf-8")
        error = post(url, secret, delivery.event, body, allow_private) if hook else "no_webhook"
        if error:
            log.warning("webhook %s of agency %s failed (attempt %s): %s", delivery.event, delivery.agency_id,
                        delivery.attempts + 1, error)
        _record(delivery, error, now, delays)
        session.commit()
        return delivery.status


def deliver_due(sessions: sessionmaker[Session], now: dt.datetime | None = None,
                delays: Sequence[float] | None = None, allow_private: bool = False,
                dispatch: Dispatch | None = None) -> int:
    """Try every delivery that is due (first tries left behind, retries whose delay has passed); how many were tried,
    or handed to `dispatch` (the background sweep: one thread each, so one slow receiver holds up no other).
    Finished deliveries older than KEEP_LOG are pruned first."""
    now = now or utcnow()
    with sessions() as session:
        run.prune(session, WebhookDelivery, KEEP_LOG, now)  # finished_at is set once delivered or failed
        session.commit()
        due = session.scalars(select(WebhookDelivery.id).where(
            WebhookDelivery.status == "pending", WebhookDelivery.next_at <= now)
            .order_by(WebhookDelivery.next_at).limit(DUE_BATCH)).all()
    if dispatch is not None:
        for delivery_id in due:
            dispatch(delivery_id)
        return len(due)
    return sum(attempt(sessions, delivery_id, now, delays, allow_private) is not None for delivery_id in due)


def deliveries(session: Session, agency_id: int, limit: int = 20) -> list[WebhookDelivery]:
    """The agency's newest deliveries (the log on its settings page)."""
    return list(session.scalars(select(WebhookDelivery).where(WebhookDelivery.agency_id == agency_id)
                                .order_by(WebhookDelivery.id.desc()).limit(limit)))


_SLOTS = threading.BoundedSemaphore(MAX_THREADS)


def in_thread(sessions: sessionmaker[Session], allow_private: bool = False) -> Dispatch:
    """Make each attempt on a thread of its own, so that a slow receiver delays no job and no other delivery;
    past MAX_THREADS at once in this process, the delivery stays pending for the next sweep."""
    def dispatch(delivery_id: int) -> None:
        if not _SLOTS.acquire(blocking=False):
            return

        def run() -> None:
            try:
                attempt(sessions, delivery_id, allow_private=allow_private)
            except Exception:  # the sweep tries again
                log.exception("webhook delivery %s failed", delivery_id)
            finally:
                _SLOTS.release()

        threading.Thread(target=run, name=f"webhook-{delivery_id}", daemon=True).start()

    return dispatch


def inline(sessions: sessionmaker[Session], allow_private: bool = False) -> Dispatch:
    """Make each first attempt at once in the caller's thread (the inline runner of tests)."""
    def dispatch(delivery_id: int) -> None:
        attempt(sessions, delivery_id, allow_private=allow_private)

    return dispatch


def _send(sessions: sessionmaker[Session], agency_id: int, event: str, payload: dict[str, Any],
          dispatch: Dispatch | None) -> None:
    """Store the event and hand its first attempt to the dispatcher (retries come from the background sweep)."""
    with sessions() as session:
        delivery_id = enqueue(session, agency_id, event, payload).id
        session.commit()
    (dispatch or in_thread(sessions))(delivery_id)


def _hook(session: Session, agency_id: int) -> Webhook | None:
    """The agency's webhook, if it set one."""
    return session.scalars(select(Webhook).where(Webhook.agency_id == agency_id)).first()


def job_finished(sessions: sessionmaker[Session], job_id: int, dispatch: Dispatch | None = None) -> None:
    """Send job.finished for a job that has ended, if its agency has a webhook."""
    with sessions() as session:
        job = session.get(Job, job_id)
        hook = _hook(session, job.agency_id) if job is not None and job.finished else None
        if hook is None or job is None:
            return
        payload = {"job": {"id": job.id, "status": job.status, "total": job.total, "done": job.done,
                           "errors": job.errors, "rulepack": job.rulepack, "as_of": job.as_of.isoformat()}}
        agency_id = job.agency_id
    _send(sessions, agency_id, "job.finished", payload, dispatch)


def newly_eligible(sessions: sessionmaker[Session], recheck_id: int, dispatch: Dispatch | None = None) -> None:
    """Send clients.newly_eligible after a finished recheck that made clients eligible, if the agency has a webhook."""
    with sessions() as session:
        recheck = session.get(Recheck, recheck_id)
        hook = _hook(session, recheck.agency_id) if recheck is not None and recheck.status == "done" else None
        if hook is None or recheck is None or not recheck.newly_eligible:
            return
        rows = session.execute(select(Client.key, Client.name, RecheckChange.measure).join(
            Client, Client.id == RecheckChange.client_id).where(
            RecheckChange.recheck_id == recheck_id, RecheckChange.kind == "newly_eligible")
            .order_by(RecheckChange.id).limit(MAX_CLIENTS))
        clients = [{"client": key, "name": name, "measure": measure} for key, name, measure in rows]
        payload = {"recheck": {"id": recheck.id, "rulepack": recheck.rulepack, "newly_eligible": recheck.newly_eligible},
                   "clients": clients}
        agency_id = recheck.agency_id
    _send(sessions, agency_id, "clients.newly_eligible", payload, dispatch)
