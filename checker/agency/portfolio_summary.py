"""An agency's portfolio summary, computed once per agency, rule version and set of results, and kept in the database.

The summary reads every client's latest result; the page asks only for the agency's newest result id and result
count (one indexed query) and recomputes when either moved (a job, a recheck, a deleted client) or the rules did.
"""

from __future__ import annotations

import dataclasses
import logging

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from checker.agency.compact import Reader
from checker.agency.dashboard import ANSWERS, empty_board, tap_stored
from checker.agency.models import ClientResult, Job
from checker.agency.portfolio import Portfolio
from checker.agency.recheck_models import Recheck
from checker.agency.state_models import PortfolioSummary
from checker.models import utcnow
from checker.rules.pack import RulePack
from checker.sheets.verdicts import MeasureSummary, Summary, summarise_facts, titles

log = logging.getLogger(__name__)
FORMAT = "s3"  # per-measure counts by export.status_of (eligible only as answer.counts_as_eligible counts it); s3: money
# by type of one tax scenario (the stored totals), so a summary that added the items up is computed anew


def stamp(session: Session, agency_id: int) -> str:
    """What changes whenever the agency's stored results do: its newest result id and how many it has (after the
    summary's format, so a summary kept in an older format is computed anew)."""
    newest, count = session.execute(select(func.max(ClientResult.id), func.count(ClientResult.id))
                                    .where(ClientResult.agency_id == agency_id)).one()
    return f"{FORMAT}:{newest or 0}:{count or 0}"


def _restore(data: dict, names: dict[str, str]) -> Summary:
    """A stored summary with the measure titles of the page's language."""
    data = dict(data)
    measures = [MeasureSummary(**{**m, "title": names.get(m["measure"], m["measure"])}) for m in data.pop("measures")]
    return Summary(measures=measures, **data)


def portfolio_summary(sessions: sessionmaker[Session], agency_id: int, pack: RulePack, lang: str) -> Summary:
    """The agency's summary on this rule pack: the kept one if its results have not changed since, else computed now.

    The computation only reads; the summary is then kept in a transaction of its own, so no write lock (nor, before
    WAL, a read lock) is held across the pass over every client.
    """
    names = titles(pack, lang)
    with sessions() as session:
        current = stamp(session, agency_id)
        kept = session.get(PortfolioSummary, agency_id)
        fresh = kept is not None and kept.rulepack == pack.version and "board" in kept.data  # kept before the board: redo
        if fresh and kept is not None and kept.stamp == current:
            return _restore(kept.data, names)
        if fresh and kept is not None and busy(session, agency_id):
            # a job or recheck is storing results: its worker computes the summary when it ends, the page does not
            return dataclasses.replace(_restore(kept.data, names), updating=True)
        board = empty_board()
        clients = Portfolio(session, agency_id).latest_stored(ANSWERS)
        summary = summarise_facts(tap_stored(clients, board, Reader(pack)), names, pack)
        summary.board = board
        session.rollback()  # end the read before writing
    keep(sessions, agency_id, pack.version, current, summary)
    return summary


def keep(sessions: sessionmaker[Session], agency_id: int, rulepack: str, current: str, summary: Summary) -> None:
    """Store a computed summary in one short transaction (another process storing it at the same moment wins)."""
    # asdict's copy of every measure, the board (20k client rows) as it is: it is only written out
    data = {f.name: getattr(summary, f.name) for f in dataclasses.fields(summary) if f.name != "updating"}
    data["measures"] = [{**dataclasses.asdict(m), "title": ""} for m in summary.measures]  # titles: the page's language
    with sessions() as session:
        kept = session.get(PortfolioSummary, agency_id)
        if kept is None:
            kept = PortfolioSummary(agency_id=agency_id)
            session.add(kept)
        kept.rulepack, kept.stamp, kept.data, kept.computed_at = rulepack, current, data, utcnow()
        try:
            session.commit()
        except IntegrityError:  # another process stored it at the same moment: theirs is as good
            session.rollback()


def busy(session: Session, agency_id: int) -> bool:
    """Whether a job or recheck of the agency is queued or running (its results are still arriving)."""
    job = select(Job.id).where(Job.agency_id == agency_id, Job.status.in_(("queued", "running"))).limit(1)
    recheck = select(Recheck.id).where(Recheck.agency_id == agency_id, Recheck.status.in_(("queued", "running"))).limit(1)
    return session.scalar(job) is not None or session.scalar(recheck) is not None


def warm(sessions: sessionmaker[Session], pack: RulePack, job_id: int | None = None, recheck_id: int | None = None) -> None:
    """Compute the summary of the agency a finished job or recheck belongs to, in the background worker, so the
    next portfolio page finds it ready; never fails the caller."""
    try:
        with sessions() as session:
            owner = session.get(Job, job_id) if job_id is not None else session.get(Recheck, recheck_id)
            agency_id = owner.agency_id if owner is not None else None
        if agency_id is not None:
            portfolio_summary(sessions, agency_id, pack, "zh")
    except Exception:  # a summary is a convenience: the page computes it if this failed
        log.exception("portfolio summary not computed after job %s / recheck %s", job_id, recheck_id)
