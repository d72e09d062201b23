"""Optional signed webhooks per agency: a POST of JSON on job finished and on newly eligible clients.

The body is signed with HMAC-SHA256 under the agency's secret; the receiver recomputes it over the raw body and
compares it with the header X-Checker-Signature ("sha256=<hex>"). Delivery is best effort: one attempt, logged.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import socket
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from checker.agency.models import Client, Job
from checker.agency.recheck_models import Recheck, RecheckChange, Webhook

log = logging.getLogger(__name__)
TIMEOUT_S = 5
MAX_CLIENTS = 1000  # newly eligible (client, measure) pairs sent in one event


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


def deliver(hook: Webhook, event: str, payload: dict[str, Any]) -> bool:
    """POST one signed event; True if the receiver answered 2xx."""
    body = json.dumps({"event": event, **payload}, ensure_ascii=False, default=str).encode("utf-8")
    request = urllib.request.Request(hook.url, data=body, method="POST", headers={
        "Content-Type": "application/json", "X-Checker-Event": event, "X-Checker-Signature": sign(hook.secret, body)})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:  # noqa: S310 - scheme checked on save
            return 200 <= response.status < 300
    except OSError as exc:
        log.warning("webhook %s of agency %s failed: %s", event, hook.agency_id, exc)
        return False


def _hook(session: Session, agency_id: int) -> Webhook | None:
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
        session.expunge(hook)
    deliver(hook, "job.finished", payload)


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
        session.expunge(hook)
    deliver(hook, "clients.newly_eligible", payload)
