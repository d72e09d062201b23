"""Alerts: subscribe (confirmed by a link), look for verdict changes and opened windows, send the outbox with retries.

Nothing here runs inside a publish: the background sweep (checker.web.alerts) notices a new live rule version, checks
each confirmed subscription's newest assessment version on its own date, and queues one mail per subscription with
what moved. Mails are stored first and sent afterwards, outside any transaction; a failed send is tried again after
each of DELAYS, then kept as failed.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from checker.alerts.mailer import Mail, Mailer, mask
from checker.alerts.models import AlertMail, AlertSubscription
from checker.columns import read_answers
from checker.company.models import Assessment, StoredResult, history
from checker.db import rowcount
from checker.engine import Checker
from checker.engine.answer import change_kind
from checker.i18n import N_, translate
from checker.models import new_token, utcnow
from checker.rules.pack import RulePack
from checker.rules.windows import window_status

log = logging.getLogger(__name__)
CONFIRM_WITHIN = dt.timedelta(days=1)  # an unconfirmed address is deleted after this
DELAYS: tuple[float, ...] = (60.0, 300.0, 900.0, 3600.0, 4 * 3600.0)  # before the 2nd..6th attempts (~5.5 h in all)
LEASE = dt.timedelta(minutes=2)  # a claimed mail is not tried by another process meanwhile
DUE_BATCH = 100
ADDRESS = re.compile(r"^[^@\s<>\"',;]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?\.[A-Za-z]{2,63}$")
ACTIONABLE = ("eligible", "undetermined")
# Status words of a change line, in the catalogue as "agency.<status>".
STATUS_WORDS = (N_("agency.eligible"), N_("agency.undetermined"), N_("agency.ineligible"))


@dataclass(frozen=True)
class Links:
    """Where the mails point: the public address of the web app (CHECKER_BASE_URL)."""

    base: str

    def confirm(self, token: str) -> str:
        """The page that confirms a subscription."""
        return f"{self.base.rstrip('/')}/alerts/confirm/{token}"

    def unsubscribe(self, token: str) -> str:
        """The one-click unsubscribe address (a POST does it; a GET shows one button)."""
        return f"{self.base.rstrip('/')}/alerts/unsubscribe/{token}"

    def result(self, token: str) -> str:
        """A saved assessment's result page."""
        return f"{self.base.rstrip('/')}/a/{token}"


def valid_address(text: str) -> str | None:
    """The address trimmed and lower-cased in its domain if it looks deliverable, else None."""
    address = (text or "").strip()
    if len(address) > 254 or not ADDRESS.match(address):
        return None
    local, _, domain = address.rpartition("@")
    return f"{local}@{domain.lower()}"


def subscribe(session: Session, assessment: Assessment, address: str, lang: str, links: Links,
              now: dt.datetime | None = None) -> AlertSubscription:
    """Record an unconfirmed address for the assessment and queue its confirmation mail (none for one already
    confirmed). Caller commits."""
    now = now or utcnow()
    found = session.scalars(select(AlertSubscription).where(AlertSubscription.assessment_id == assessment.id,
                                                            AlertSubscription.email == address)).first()
    if found is not None and found.confirmed_at is not None:
        return found
    if found is None:
        found = AlertSubscription(assessment_id=assessment.id, email=address, verdicts={}, windows_seen=[])
        session.add(found)
    found.token, found.lang, found.created_at = new_token(), lang, now
    session.flush()
    name = assessment.name or translate("alerts.unnamed", lang)
    _queue(session, found, "confirm", translate("alerts.confirm_subject", lang),
           translate("alerts.confirm_body", lang, name=name, url=links.confirm(found.token)), now)
    return found


def pending(session: Session, token: str, now: dt.datetime | None = None) -> AlertSubscription | None:
    """The subscription of a link token, unless it is an unconfirmed one older than a day."""
    found = session.scalars(select(AlertSubscription).where(AlertSubscription.token == token)).first()
    if found is None or (found.confirmed_at is None and found.created_at < (now or utcnow()) - CONFIRM_WITHIN):
        return None
    return found


def confirm(session: Session, token: str, pack: RulePack, today: dt.date, now: dt.datetime | None = None
            ) -> AlertSubscription | None:
    """Confirm a subscription by its link: what is true now (verdicts, open windows) is what later mails compare
    with. None for an unknown or expired link. Caller commits."""
    now = now or utcnow()
    found = pending(session, token, now)
    if found is None or found.confirmed_at is not None:
        return found
    found.confirmed_at = now
    latest, stored = _newest(session, found)
    if latest is not None and stored is not None:
        _baseline(found, latest, stored)
        found.windows_seen = sorted(_open_windows(pack, stored.result, today))
    return found


def unsubscribe(session: Session, token: str) -> bool:
    """Delete the subscription of this link and its unsent mails; whether there was one. Caller commits."""
    found = session.scalars(select(AlertSubscription).where(AlertSubscription.token == token)).first()
    if found is None:
        return False
    session.execute(delete(AlertMail).where(AlertMail.subscription_id == found.id))
    session.delete(found)
    return True


def purge_unconfirmed(session: Session, now: dt.datetime | None = None) -> int:
    """Delete the addresses left unconfirmed for more than a day (and their mails); how many. Caller commits."""
    cutoff = (now or utcnow()) - CONFIRM_WITHIN
    old = list(session.scalars(select(AlertSubscription.id).where(AlertSubscription.confirmed_at.is_(None),
                                                                   AlertSubscription.created_at < cutoff)))
    if old:
        session.execute(delete(AlertMail).where(AlertMail.subscription_id.in_(old)))
        session.execute(delete(AlertSubscription).where(AlertSubscription.id.in_(old)))
    return len(old)


def _newest(session: Session, sub: AlertSubscription) -> tuple[Assessment | None, StoredResult | None]:
    """The newest version of the subscribed assessment's history and its latest check (None if it was deleted)."""
    assessment = session.get(Assessment, sub.assessment_id)
    if assessment is None:
        return None, None
    latest = history(session, assessment)[-1]
    return latest, latest.latest


def _baseline(sub: AlertSubscription, latest: Assessment, stored: StoredResult) -> None:
    """Remember the verdicts of this version's check as what later changes are measured from."""
    sub.seen_id, sub.rulepack = latest.id, stored.rulepack
    sub.verdicts = {r["measure"]: r["status"] for r in stored.result.get("results", [])}


def actionable(item: dict[str, Any]) -> bool:
    """Whether the company could act on a measure: 可申报 or 待完善, not already held, its own application."""
    return item.get("status") in ACTIONABLE and not item.get("held") and item.get("applicant") in (None, "company")


def _open_windows(pack: RulePack, result: dict[str, Any], today: dt.date) -> set[str]:
    """"measure:opens" of each window open today of a measure the company could act on."""
    found = set()
    for item in result.get("results", []):
        windows = pack.windows.get(item["measure"], ()) if pack.windows and actionable(item) else ()
        state = window_status(windows, today) if windows else None
        if state is not None and state["status"] == "open":
            found.add(f"{item['measure']}:{state['opens']}")
    return found


def _title(pack: RulePack, measure: str, lang: str) -> str:
    """A measure's title in the mail's language (its id when the pack no longer has it)."""
    try:
        return str(getattr(pack.measure(measure).spec.title, lang))
    except KeyError:
        return measure


def scan_verdicts(session: Session, checker: Checker, links: Links) -> int:
    """Check every confirmed subscription's newest version with the live rules when they changed since it was last
    seen; queue one mail per subscription whose verdicts moved. How many mails were queued. Commits per subscription."""
    queued = 0
    subs = list(session.scalars(select(AlertSubscription).where(AlertSubscription.confirmed_at.is_not(None))))
    for sub in subs:
        latest, stored = _newest(session, sub)
        if latest is None:  # the company deleted its result (or it expired): its address goes with it
            session.execute(delete(AlertMail).where(AlertMail.subscription_id == sub.id))
            session.delete(sub)
        if latest is None or stored is None:
            session.commit()
            continue
        if sub.seen_id != latest.id:  # the company saved a new version: its own edits are not news
            _baseline(sub, latest, stored)
        if sub.rulepack != checker.pack.version:
            queued += _recheck(session, checker, sub, latest, stored, links)
        session.commit()
    return queued


def _recheck(session: Session, checker: Checker, sub: AlertSubscription, latest: Assessment, stored: StoredResult,
             links: Links) -> int:
    """Check one subscription's newest version with the live rules on its own date; queue a mail if a verdict moved."""
    values = read_answers(checker.pack, latest.answers, stored.as_of).values
    now = {r["measure"]: r["status"] for r in checker.check(values, stored.as_of, sub.lang).to_json()["results"]}
    moved = [(m, sub.verdicts.get(m), now.get(m)) for m in sorted(set(now) | set(sub.verdicts))
             if change_kind(sub.verdicts.get(m), now.get(m)) and now.get(m) is not None]
    sub.verdicts, sub.rulepack = now, checker.pack.version
    if not moved:
        return 0
    lang = sub.lang
    lines = "\n".join(translate("alerts.change_line", lang, title=_title(checker.pack, m, lang),
                                before=_status(before, lang), after=_status(after, lang)) for m, before, after in moved)
    name = latest.name or translate("alerts.unnamed", lang)
    _queue(session, sub, "verdicts", translate("alerts.verdicts_subject", lang, name=name, count=len(moved)),
           translate("alerts.verdicts_body", lang, name=name, lines=lines, url=links.result(latest.token)))
    return 1


def _status(status: str | None, lang: str) -> str:
    """A status word in the mail's language ("—" for a measure that was not in the pack)."""
    return translate(f"agency.{status}", lang) if status in ("eligible", "undetermined", "ineligible") else "—"


def scan_windows(session: Session, pack: RulePack, links: Links, today: dt.date) -> int:
    """Queue one mail per confirmed subscription for the windows that opened (of measures its newest version could
    act on) since it last looked; how many mails. Commits."""
    queued = 0
    subs = list(session.scalars(select(AlertSubscription).where(AlertSubscription.confirmed_at.is_not(None))))
    for sub in subs:
        latest, stored = _newest(session, sub)
        if latest is None or stored is None:
            continue
        opened = sorted(_open_windows(pack, stored.result, today) - set(sub.windows_seen))
        if opened:
            sub.windows_seen = sorted(set(sub.windows_seen) | set(opened))
            _queue(session, sub, "window", translate("alerts.window_subject", sub.lang, count=len(opened)),
                   translate("alerts.window_body", sub.lang, lines=_window_lines(pack, opened, today, sub.lang),
                             url=links.result(latest.token)))
            queued += 1
    session.commit()
    return queued


def _window_lines(pack: RulePack, keys: Iterable[str], today: dt.date, lang: str) -> str:
    """One line per opened window: the measure, its dates and the notice's link."""
    lines = []
    for key in keys:
        measure = key.rsplit(":", 1)[0]
        state = window_status(pack.windows.get(measure, ()), today)
        lines.append(translate("alerts.window_line", lang, title=_title(pack, measure, lang), opens=state["opens"],
                               closes=state["closes"], url=state["url"] or ""))
    return "\n".join(lines)


def _queue(session: Session, sub: AlertSubscription, kind: str, subject: str, body: str,
           now: dt.datetime | None = None) -> AlertMail:
    """Store one mail for the sweep to send (due now). Caller commits."""
    mail = AlertMail(subscription_id=sub.id, kind=kind, subject=subject[:300], body=body, status="pending", attempts=0,
                     next_at=now or utcnow(), last_error="")
    session.add(mail)
    session.flush()
    return mail


def _claim(session: Session, mail_id: int, now: dt.datetime) -> bool:
    """Take a due mail for one attempt (a conditional write, so two processes never both send it)."""
    claimed = session.execute(update(AlertMail).where(AlertMail.id == mail_id, AlertMail.status == "pending",
                                                      AlertMail.next_at <= now).values(next_at=now + LEASE))
    session.commit()
    return rowcount(claimed) == 1


def _record(mail: AlertMail, error: str, now: dt.datetime, delays: Sequence[float]) -> None:
    """Count one attempt: sent, tried again after the next delay, or failed once the delays are used up."""
    mail.attempts += 1
    mail.last_error = error[:500]
    if not error:
        mail.status, mail.next_at, mail.sent_at = "sent", None, now
    elif mail.attempts > len(delays):
        mail.status, mail.next_at = "failed", None
    else:
        mail.next_at = now + dt.timedelta(seconds=delays[mail.attempts - 1])


def _outgoing(session: Session, mail: AlertMail, links: Links) -> Mail | None:
    """The mail to send, with its unsubscribe footer and headers; None when its address is gone or unconfirmed."""
    sub = session.get(AlertSubscription, mail.subscription_id)
    if sub is None or (mail.kind != "confirm" and sub.confirmed_at is None):
        return None
    unsubscribe = links.unsubscribe(sub.token)
    footer = translate("alerts.footer", sub.lang, url=unsubscribe)
    return Mail(sub.email, mail.subject, f"{mail.body}\n\n--\n{footer}\n", unsubscribe)


def attempt(sessions: sessionmaker[Session], mailer: Mailer, links: Links, mail_id: int, now: dt.datetime | None = None,
            delays: Sequence[float] = DELAYS) -> str | None:
    """Try one due mail; its new status, or None if it was not due or another process took it."""
    now = now or utcnow()
    with sessions() as session:
        if not _claim(session, mail_id, now):
            return None
        mail = session.get(AlertMail, mail_id)
        outgoing = _outgoing(session, mail, links) if mail is not None else None
        if mail is None or outgoing is None:
            session.execute(delete(AlertMail).where(AlertMail.id == mail_id))
            session.commit()
            return None
        session.commit()  # no transaction stays open while the mail server answers
        error = _send(mailer, outgoing)
        if error:
            log.warning("alert mail %s to %s failed (attempt %s): %s", mail.id, mask(outgoing.to), mail.attempts + 1,
                        error)
        _record(mail, error, now, delays)
        session.commit()
        return mail.status


def _send(mailer: Mailer, mail: Mail) -> str:
    """Send through the mailer; "" on success, else why not."""
    try:
        mailer.send(mail)
    except Exception as exc:  # smtplib and socket errors, and anything else a mail server does: retry later
        return f"{type(exc).__name__}: {exc}"[:500]
    return ""


def deliver_due(sessions: sessionmaker[Session], mailer: Mailer, links: Links, now: dt.datetime | None = None,
                delays: Sequence[float] = DELAYS) -> int:
    """Try every mail that is due (new ones and retries whose delay has passed); how many were tried."""
    now = now or utcnow()
    with sessions() as session:
        due = session.scalars(select(AlertMail.id).where(AlertMail.status == "pending", AlertMail.next_at <= now)
                              .order_by(AlertMail.next_at).limit(DUE_BATCH)).all()
    return sum(attempt(sessions, mailer, links, mail_id, now, delays) is not None for mail_id in due)


def sweep(sessions: sessionmaker[Session], checker: Checker, mailer: Mailer, links: Links,
          today: dt.date | None = None, now: dt.datetime | None = None) -> int:
    """One round of the background work: purge stale addresses, look for changes and opened windows, send what is
    due; how many mails were tried."""
    with sessions() as session:
        purge_unconfirmed(session, now)
        session.commit()
        scan_verdicts(session, checker, links)
        scan_windows(session, checker.pack, links, today or dt.date.today())
    return deliver_due(sessions, mailer, links, now)
