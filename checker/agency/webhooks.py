"""Optional signed webhooks per agency: a POST of JSON on job finished and on newly eligible clients.

The body is signed with HMAC-SHA256 under the agency's secret; the receiver recomputes it over the raw body and
compares it with the header X-Checker-Signature ("sha256=<hex>"). Every event is stored as a delivery and tried
at once; a failed one is tried again after each of DELAYS (by the background sweep, never inside a request), then
marked failed. The agency's settings page lists its deliveries: status, attempts and last error.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import socket
import urllib.error
import urllib.request
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from checker.agency.models import Client, Job
from checker.agency.recheck_models import Recheck, RecheckChange, Webhook
from checker.agency.state_models import WebhookDelivery
from checker.db import rowcount
from checker.models import _now

log = logging.getLogger(__name__)
TIMEOUT_S = 5
MAX_CLIENTS = 1000  # newly eligible (client, measure) pairs sent in one event
DELAYS: tuple[float, ...] = (60.0, 300.0, 900.0)  # seconds before the 2nd, 3rd and 4th attempts (about 21 min in all)
LEASE = dt.timedelta(seconds=4 * TIMEOUT_S)  # a claimed delivery is not tried by another process meanwhile
DUE_BATCH = 100
KEEP_LOG = dt.timedelta(days=30)  # finished deliveries are kept this long for the settings page


def sign(secret: str, body: bytes) -> str:
    """The signature header value of a body: sha256=<hex HMAC-SHA256>."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def check_url(url: str, allow_private: bool = False) -> str:
    """The URL if it is http(s) to a public host (private and loopback hosts only when allowed); else ValueError."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("the webhook URL must start with http:// or https:// and name a host")
    if not allow_private:
        try:
            addresses = {str(info[4][0]) for info in socket.getaddrinfo(parts.hostname, parts.port or 443)}
        except OSError:
            raise ValueError(f"cannot resolve {parts.hostname}") from None
        if any(not ipaddress.ip_address(a.split("%")[0]).is_global for a in addresses):
            raise ValueError("the webhook URL must point to a public address")
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


def post(url: str, secret: str, event: str, body: bytes) -> str:
    """POST one signed body; "" if the receiver answered 2xx, else why not."""
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json", "X-Checker-Event": event, "X-Checker-Signature": sign(secret, body)})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:  # noqa: S310 - scheme checked on save
            return "" if 200 <= response.status < 300 else f"HTTP {response.status}"
    except urllib.error.HTTPError as exc:
        return f"HTTP {exc.code}"
    except OSError as exc:
        return f"{type(exc).__name__}: {exc}"[:500]


def enqueue(session: Session, agency_id: int, event: str, payload: dict[str, Any]) -> WebhookDelivery:
    """Store one event for delivery now. Caller commits."""
    body = json.dumps({"event": event, **payload}, ensure_ascii=False, default=str)
    delivery = WebhookDelivery(agency_id=agency_id, event=event, body=body, status="pending", attempts=0,
                               next_at=_now(), last_error="")
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
            delays: Sequence[float] | None = None) -> str | None:
    """Try one due delivery to the agency's current webhook; its new status, or None if not due or taken."""
    now, delays = now or _now(), DELAYS if delays is None else delays
    with sessions() as session:
        if not _claim(session, delivery_id, now):
            return None
        delivery = session.get(WebhookDelivery, delivery_id)
        hook = _hook(session, delivery.agency_id) if delivery is not None else None
        if delivery is None:
            return None
        url, secret = (hook.url, hook.secret) if hook is not None else ("", "")
        session.commit()  # no transaction stays open while the receiver answers
        error = post(url, secret, delivery.event, delivery.body.encode("utf-8")) if hook else "no webhook is set"
        if error:
            log.warning("webhook %s of agency %s failed (attempt %s): %s", delivery.event, delivery.agency_id,
                        delivery.attempts + 1, error)
        _record(delivery, error, now, delays)
        session.commit()
        return delivery.status


def deliver_due(sessions: sessionmaker[Session], now: dt.datetime | None = None,
                delays: Sequence[float] | None = None) -> int:
    """Try every delivery that is due (first tries left behind, retries whose delay has passed); how many were tried.
    Finished deliveries older than KEEP_LOG are pruned first."""
    now = now or _now()
    with sessions() as session:
        session.execute(delete(WebhookDelivery).where(WebhookDelivery.status != "pending",
                                                      WebhookDelivery.finished_at < now - KEEP_LOG))
        session.commit()
        due = session.scalars(select(WebhookDelivery.id).where(
            WebhookDelivery.status == "pending", WebhookDelivery.next_at <= now)
            .order_by(WebhookDelivery.next_at).limit(DUE_BATCH)).all()
    return sum(attempt(sessions, delivery_id, now, delays) is not None for delivery_id in due)


def deliveries(session: Session, agency_id: int, limit: int = 20) -> list[WebhookDelivery]:
    """The agency's newest deliveries (the log on its settings page)."""
    return list(session.scalars(select(WebhookDelivery).where(WebhookDelivery.agency_id == agency_id)
                                .order_by(WebhookDelivery.id.desc()).limit(limit)))


def _send(sessions: sessionmaker[Session], agency_id: int, event: str, payload: dict[str, Any]) -> None:
    """Store the event and make its first attempt now (retries come from the background sweep)."""
    with sessions() as session:
        delivery_id = enqueue(session, agency_id, event, payload).id
        session.commit()
    attempt(sessions, delivery_id)


def _hook(session: Session, agency_id: int) -> Webhook | None:
    """The agency's webhook, if it set one."""
    return session.scalars(select(Webhook).where(Webhook.agency_id == agency_id)).first()


def job_finished(sessions: sessionmaker[Session], job_id: int) -> None:
    """Send job.finished for a job that has ended, if its agency has a webhook."""
    with sessions() as session:
        job = session.get(Job, job_id)
        hook = _hook(session, job.agency_id) if job is not None and job.finished else None
        if hook is None or job is None:
            return
        payload = {"job": {"id": job.id, "status": job.status, "total": job.total, "done": job.done,
                           "errors": job.errors, "rulepack": job.rulepack, "as_of": job.as_of.isoformat()}}
        agency_id = job.agency_id
    _send(sessions, agency_id, "job.finished", payload)


def newly_eligible(sessions: sessionmaker[Session], recheck_id: int) -> None:
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
    _send(sessions, agency_id, "clients.newly_eligible", payload)
