"""Re-check an agency's portfolio in the background: clients in chunks (memory flat), progress, a kept change report.

A recheck belongs to one agency and one rule version. Each chunk of clients is checked column-wise by the
vectorised evaluator (the first client of a chunk also by the checker's engine), stored as new results with the
measures whose status moved, and committed with the recheck's progress, so a stopped server resumes where it was.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from checker.agency.jobs import compact
from checker.agency.models import Client, ClientResult
from checker.agency.recheck_models import Recheck, RecheckChange
from checker.columns import read_answers
from checker.engine import Checker, EngineMismatch
from checker.engine.answer import change_kind
from checker.engine.columnar import compact_results
from checker.jobs import run
from checker.jobs.models import ACTIVE
from checker.models import utcnow
from checker.rules.pack import RulePack

CHUNK = 500


def open_recheck(session: Session, agency_id: int) -> Recheck | None:
    """The agency's recheck that has not finished, if any."""
    query = select(Recheck).where(Recheck.agency_id == agency_id, Recheck.status.in_(ACTIVE))
    return session.scalars(query.order_by(Recheck.id)).first()


def start_recheck(session: Session, agency_id: int, rulepack: str, reason: str = "manual") -> Recheck:
    """A queued recheck of the agency's portfolio (or the one already under way). Caller commits."""
    found = open_recheck(session, agency_id)
    if found is not None:
        return found
    total = session.scalar(select(func.count()).select_from(Client).where(Client.agency_id == agency_id)) or 0
    recheck = Recheck(agency_id=agency_id, rulepack=rulepack, status="queued", reason=reason, total=total, done=0,
                      changed=0, newly_eligible=0, no_longer_eligible=0, after_client=0, message="")
    session.add(recheck)
    session.flush()
    return recheck


def pending_rechecks(session: Session) -> list[int]:
    """Rechecks a worker should (re)start."""
    return run.pending(session, Recheck)


def _latest(session: Session, client_ids: list[int]) -> dict[int, ClientResult]:
    """The newest stored result of each of these clients."""
    newest = select(func.max(ClientResult.id)).where(ClientResult.client_id.in_(client_ids)).group_by(ClientResult.client_id)
    return {r.client_id: r for r in session.scalars(select(ClientResult).where(ClientResult.id.in_(newest)))}


def _check(checker: Checker, clients: list[Client], latest: dict[int, ClientResult],
           on: dt.date | None = None) -> list[tuple[Client, dt.date, dict]]:
    """Each client's new compact result, on `on` when given, else on the date of its last check (today if never)."""
    groups: dict[dt.date, list[tuple[Client, dict[str, Any]]]] = {}
    for client in clients:
        when = on or (latest[client.id].as_of if client.id in latest else dt.date.today())
        groups.setdefault(when, []).append((client, read_answers(checker.pack, client.answers, when).values))
    checked = []
    for when, members in groups.items():
        results = compact_results(checker.pack, [values for _, values in members], when)
        if compact(checker.check(members[0][1], when)) != results[0]:
            raise EngineMismatch(f"vectorised check and {checker.engine} disagree on client {members[0][0].key}")
        checked += [(client, when, result) for (client, _), result in zip(members, results)]
    return checked


def _changes(recheck: Recheck, client: Client, before: ClientResult | None, after: dict) -> list[dict[str, Any]]:
    """The moved statuses of one client as change rows (none for a client never checked before)."""
    if before is None:
        return []
    old = {r["measure"]: r["status"] for r in before.result.get("results", [])}
    rows = []
    for item in after["results"]:
        kind = change_kind(old.get(item["measure"]), item["status"])
        if kind:
            rows.append({"recheck_id": recheck.id, "client_id": client.id, "measure": item["measure"],
                         "before": old.get(item["measure"]), "after": item["status"], "kind": kind})
    return rows


def _chunk(session: Session, checker: Checker, recheck_id: int, size: int) -> bool:
    """Check the next chunk of clients in one transaction; False when the recheck is over."""
    recheck = session.get(Recheck, recheck_id)
    if recheck is None or recheck.status != "running":
        return False
    clients = list(session.scalars(select(Client).where(Client.agency_id == recheck.agency_id,
                                                         Client.id > recheck.after_client).order_by(Client.id).limit(size)))
    if not clients:
        run.finish(session, Recheck, recheck_id)
        return False
    latest = _latest(session, [c.id for c in clients])
    results, changes = [], []
    on = recheck.created_at.date() if recheck.reason == "version" else None  # a dated standard took effect: check today
    for client, when, result in _check(checker, clients, latest, on):
        results.append({"agency_id": recheck.agency_id, "client_id": client.id, "job_id": None, "row_number": None,
                        "rulepack": result["rulepack"], "as_of": when, "result": result,
                        "backend": checker.batch_backend, "created_at": utcnow()})
        changes += _changes(recheck, client, latest.get(client.id), result)
    session.execute(insert(ClientResult), results)  # results encoded as bound, before this first write takes the lock
    if changes:
        session.execute(insert(RecheckChange), changes)
    kinds = [c["kind"] for c in changes]
    session.execute(update(Recheck).where(Recheck.id == recheck_id).values(
        done=Recheck.done + len(clients), after_client=clients[-1].id, changed=Recheck.changed + len(changes),
        newly_eligible=Recheck.newly_eligible + kinds.count("newly_eligible"),
        no_longer_eligible=Recheck.no_longer_eligible + kinds.count("no_longer_eligible")))
    session.commit()
    return True


def _start(session: Session, recheck_id: int, rulepack: str) -> bool:
    """Mark a recheck running on this rule pack; False if it has ended."""
    recheck = session.get(Recheck, recheck_id)
    if recheck is None or recheck.finished:
        return False
    recheck.status, recheck.rulepack = "running", rulepack
    session.commit()
    return True


def run_recheck(sessions: sessionmaker[Session], checker: Checker, recheck_id: int, size: int = CHUNK,
                stop: Callable[[], bool] = lambda: False) -> bool:
    """Run a recheck to the end, a chunk of clients per transaction, stopping early if asked to (False: work left)."""
    return run.run(sessions, lambda session: _start(session, recheck_id, checker.pack.version),
                   lambda session: _chunk(session, checker, recheck_id, size), stop)


def fail_recheck(sessions: sessionmaker[Session], recheck_id: int, message: str) -> bool:
    """Mark a recheck failed after an unexpected error; True once recorded."""
    return run.fail(sessions, Recheck, recheck_id, message)


def needs_recheck(session: Session, agency_id: int, rulepack: str) -> bool:
    """Whether the agency has clients whose newest result is on another rule version and no recheck on this one."""
    done = select(Recheck.id).where(Recheck.agency_id == agency_id, Recheck.rulepack == rulepack)
    if session.scalars(done.limit(1)).first() is not None:
        return False
    newest = select(ClientResult.rulepack).where(ClientResult.agency_id == agency_id).order_by(ClientResult.id.desc())
    last = session.scalars(newest.limit(1)).first()
    return last is not None and last != rulepack


def version_sweep(session: Session, pack: RulePack, today: dt.date) -> list[int]:
    """Queue a recheck (reason 'version', checked on its own day) for every agency with a client last checked
    before a dated measure version that has taken effect since. Caller commits and submits the returned ids."""
    newest = (select(ClientResult.agency_id, func.max(ClientResult.as_of).label("as_of"))
              .group_by(ClientResult.agency_id, ClientResult.client_id).subquery())
    oldest = select(newest.c.agency_id, func.min(newest.c.as_of)).group_by(newest.c.agency_id)
    return [start_recheck(session, agency, pack.version, "version").id for agency, as_of in session.execute(oldest)
            if as_of is not None and pack.version_changes(as_of, today)]


def sweep(session: Session, rulepack: str) -> list[int]:
    """Queue a recheck (reason 'publish') for every agency whose clients were checked on another rule version.
    Caller commits and submits the returned ids."""
    agencies = session.scalars(select(Client.agency_id).distinct()).all()
    return [start_recheck(session, agency, rulepack, "publish").id for agency in agencies
            if needs_recheck(session, agency, rulepack)]
