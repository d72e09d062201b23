"""Run an impact preview in the background: stored profiles in chunks by id (memory flat), progress, a kept report.

A job compares two rule versions (the live one and a draft's texts on top of it, or a rollback's target) on one
date. Each chunk of profiles is read under both packs, checked column-wise by the vectorised evaluator (the first
readable profile of each chunk also by the checker's engine), folded into the job's counts and committed with its
progress, so a stopped server resumes where it was. A finished job is reused for the same content, live version
and date.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from checker.accounts.models import Agency
from checker.agency.jobs import compact
from checker.agency.models import Client
from checker.company.models import Assessment
from checker.engine import Checker, EngineMismatch, EngineName, batch_backend
from checker.engine.answer import broad_kind, change_kind
from checker.engine.columnar import compact_results
from checker.intake import read_profile
from checker.jobs import run
from checker.jobs.runners import Stop, Work
from checker.rules.loader import RulePackError
from checker.rules.pack import RulePack
from checker.rules.profile import ProfileError
from checker.staff import drafts, impact_money, store
from checker.staff.impact_models import KEPT_ROWS, ImpactJob
from checker.staff.models import PackVersion

CHUNK = 500


def narrow(pack: RulePack, changed: list[str]) -> RulePack:
    """The pack cut to the changed measures when only measure files changed (others cannot change verdicts)."""
    if any(name.endswith(".yaml") and not name.endswith("index.yaml") for name in changed):  # fields or derived values
        return pack
    keep = [m for m in pack.measures if m.id in changed]
    return replace(pack, measures=keep, index={m.id: m for m in keep})


def assessment_label(assessment: Assessment) -> str:
    """How the preview names a saved assessment."""
    return f"assessment #{assessment.id} {assessment.name or ''}".strip()


def client_label(client: Client, agency: str) -> str:
    """How the preview names an agency's client."""
    return f"{agency} / {client.name or client.key}"


def readable(pack: RulePack, answers: Any, as_of: dt.date) -> dict[str, Any] | None:
    """The typed answers of a stored profile under this pack, None if they do not read (or are not answers at all)."""
    if not isinstance(answers, dict):
        return None
    try:
        return read_profile(pack, answers, as_of)
    except (ProfileError, TypeError, ValueError, AttributeError):  # a malformed stored profile is unreadable
        return None


class ImpactUnavailable(Exception):
    """The packs a job compares cannot be rebuilt (a version gone, the draft no longer loads)."""


def job_key(live_seq: int, as_of: dt.date, draft_files: dict[str, str | None] | None = None, target_hash: str = "") -> str:
    """What makes two previews the same: the draft's texts (or the rollback target), the live version and the date."""
    what = {"draft": draft_files, "target": target_hash, "live": live_seq, "as_of": as_of.isoformat()}
    return hashlib.sha256(json.dumps(what, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def start_impact(session: Session, live_seq: int, as_of: dt.date, draft_id: int | None = None,
                 draft_files: dict[str, str | None] | None = None, target: PackVersion | None = None) -> ImpactJob:
    """The job of this preview: the one already done or under way for the same key, else a new queued one over the
    profiles stored now (those saved later are not in it). Caller commits and submits it."""
    key = job_key(live_seq, as_of, draft_files, target.hash if target is not None else "")
    found = session.scalars(select(ImpactJob).where(ImpactJob.key == key, ImpactJob.status != "failed")
                            .order_by(ImpactJob.id.desc()).limit(1)).first()
    if found is not None:
        return found
    last_assessment = session.scalar(select(func.max(Assessment.id))) or 0
    last_client = session.scalar(select(func.max(Client.id))) or 0
    total = (session.scalar(select(func.count()).select_from(Assessment).where(Assessment.id <= last_assessment)) or 0) + (
        session.scalar(select(func.count()).select_from(Client).where(Client.id <= last_client)) or 0)
    prune(session)
    job = ImpactJob(key=key, status="queued", draft_id=draft_id, draft_files=draft_files,
                    target_seq=target.seq if target is not None else None, live_seq=live_seq, as_of=as_of,
                    before_version="", after_version="", backend="", total=total, done=0,
                    last_assessment=last_assessment, last_client=last_client, after_assessment=0, after_client=0,
                    unreadable=0, changed=0, companies_total=0, counts={}, rows=[], money=impact_money.empty(),
                    text_hash=drafts.text_hash(draft_files) if draft_files is not None else "",
                    message="")
    session.add(job)
    session.flush()
    return job


KEPT = dt.timedelta(days=30)  # a finished preview is kept this long (each holds up to 500 changed verdicts)


def prune(session: Session, now: dt.datetime | None = None) -> int:
    """Delete impact jobs that ended more than KEPT ago; how many went."""
    return run.prune(session, ImpactJob, KEPT, now)


def pending_impacts(session: Session) -> list[int]:
    """Impact jobs a worker should (re)start."""
    return run.pending(session, ImpactJob)


@dataclass
class Pair:
    """The two packs a job compares, cut to what can change, and a per-profile checker of each for the sample."""

    before: Checker
    after: Checker
    same_fields: bool = False  # only measure files differ: a profile reads the same under both packs

    def close(self) -> None:
        """Release both checkers."""
        self.before.close()
        self.after.close()


def _files(session: Session, seq: int) -> store.Files:
    """A published version's files."""
    version = store.by_seq(session, seq)
    if version is None:
        raise ImpactUnavailable(f"version v{seq} is not recorded")
    return dict(version.files)


def packs(session: Session, job: ImpactJob, seeds: Path, known: Callable[[int], RulePack | None] = lambda seq: None
          ) -> tuple[RulePack, RulePack, list[str]]:
    """The live and the compared pack of a job, and what changed between them (`known` may hold a loaded version)."""
    live = _files(session, job.live_seq)
    other = drafts.compose(live, job.draft_files or {}) if job.target_seq is None else _files(session, job.target_seq)
    try:
        before = known(job.live_seq) or store.load_files(live, seeds)
        after = (known(job.target_seq) if job.target_seq is not None else None) or store.load_files(other, seeds)
        return before, after, store.changed(live, other)
    except RulePackError as exc:
        raise ImpactUnavailable("the rules do not load: " + "; ".join(str(e) for e in exc.errors)[:400]) from exc


def _profiles(session: Session, job: ImpactJob, size: int) -> tuple[str, list[tuple[str, Any]], int]:
    """The next chunk: which table it came from, (company, raw answers) pairs, and the last id."""
    found = list(session.scalars(select(Assessment)
                                 .where(Assessment.id > job.after_assessment, Assessment.id <= job.last_assessment)
                                 .order_by(Assessment.id).limit(size)))
    if found:
        return "assessment", [(assessment_label(a), a.answers) for a in found], found[-1].id
    clients = (select(Client, Agency.name).join(Agency, Agency.id == Client.agency_id)
               .where(Client.id > job.after_client, Client.id <= job.last_client).order_by(Client.id).limit(size))
    rows = session.execute(clients).all()
    return "client", [(client_label(c, agency), c.answers) for c, agency in rows], rows[-1][0].id if rows else 0


def compare(pair: Pair, profiles: list[tuple[str, Any]], as_of: dt.date) -> tuple[int, list[dict[str, Any]]]:
    """How many profiles do not read under either pack, and every changed verdict of the others (vectorised;
    the first readable profile also checked by each pack's checker, EngineMismatch if they disagree)."""
    unreadable, changes, _ = compare_all(pair, profiles, as_of)
    return unreadable, changes


def compare_all(pair: Pair, profiles: list[tuple[str, Any]], as_of: dt.date
                ) -> tuple[int, list[dict[str, Any]], dict[str, Any]]:
    """compare(), and the money summary of the readable profiles (impact_money)."""
    read = []
    for company, answers in profiles:
        old = readable(pair.before.pack, answers, as_of)
        read.append((company, old, old if pair.same_fields else readable(pair.after.pack, answers, as_of)))
    ok = [(company, old, new) for company, old, new in read if old is not None and new is not None]
    summary = impact_money.empty()
    if not ok:
        return len(profiles), [], summary
    results = []
    for checker, values in ((pair.before, [o for _, o, _ in ok]), (pair.after, [n for _, _, n in ok])):
        found = compact_results(checker.pack, values, as_of)
        if compact(checker.check(values[0], as_of)) != found[0]:
            raise EngineMismatch(f"vectorised check and {checker.engine} disagree on {ok[0][0]}")
        results.append(found)
    types = impact_money.money_types(pair.before.pack), impact_money.money_types(pair.after.pack)
    changes = []
    for (company, _, _), old, new in zip(ok, *results):
        impact_money.profile_money(summary, company, old["results"], new["results"], *types)
        before = {r["measure"]: r["status"] for r in old["results"]}
        after = {r["measure"]: r["status"] for r in new["results"]}
        for measure in sorted(before.keys() | after.keys()):
            kind = broad_kind(change_kind(before.get(measure), after.get(measure)))
            if kind:
                changes.append({"company": company, "measure": measure, "before": before.get(measure),
                                "after": after.get(measure), "kind": kind})
    return len(profiles) - len(ok), changes, summary


def _fold(job: ImpactJob, profiles: int, unreadable: int, changes: list[dict[str, Any]],
          money: dict[str, Any] | None = None) -> None:
    """Add one chunk's outcome to the job."""
    job.money = impact_money.merge(job.money, money or impact_money.empty())
    counts = {m: dict(kinds) for m, kinds in (job.counts or {}).items()}
    for change in changes:
        kinds = counts.setdefault(change["measure"], {})
        kinds[change["kind"]] = kinds.get(change["kind"], 0) + 1
    job.counts = counts
    job.rows = [*(job.rows or []), *changes[:max(0, KEPT_ROWS - len(job.rows or []))]]
    job.done += profiles
    job.unreadable += unreadable
    job.changed += len(changes)
    job.companies_total += len({c["company"] for c in changes})  # each profile is in one chunk only


def _chunk(session: Session, pair: Pair, job_id: int, size: int) -> bool:
    """Compare the next chunk of profiles in one transaction; False when the job is over."""
    job = session.get(ImpactJob, job_id)
    if job is None or job.status != "running":
        return False
    table, profiles, last = _profiles(session, job, size)
    if not profiles:
        run.finish(session, ImpactJob, job_id)
        return False
    unreadable, changes, money = compare_all(pair, profiles, job.as_of)
    _fold(job, len(profiles), unreadable, changes, money)
    if table == "assessment":
        job.after_assessment = last
    else:
        job.after_client = last
    session.commit()
    return True


def pair_of(before: RulePack, after: RulePack, changed: list[str], engine: EngineName) -> Pair:
    """Checkers of both packs cut to the changed measures (whole packs when shared files changed)."""
    cut_before, cut_after = narrow(before, changed), narrow(after, changed)
    return Pair(Checker(cut_before, engine), Checker(cut_after, engine),
                same_fields=cut_before is not before and cut_after is not after)


def _start(session: Session, job_id: int, before: RulePack, after: RulePack, engine: EngineName) -> bool:
    """Mark a job running on these packs; False if it has ended (also since it was read: the update is conditional)."""
    job = session.get(ImpactJob, job_id)
    if job is None or job.finished:
        return False
    return run.start(session, ImpactJob, job_id, before_version=before.version, after_version=after.version,
                     backend=batch_backend(engine))  # vectorised, each chunk's sample re-checked


def run_impact(sessions: sessionmaker[Session], job_id: int, seeds: Path, engine: EngineName = "durable", size: int = CHUNK,
               stop: Callable[[], bool] = lambda: False, known: Callable[[int], RulePack | None] = lambda seq: None
               ) -> bool:
    """Run an impact job to the end, a chunk of profiles per transaction, stopping early if asked to (False: work
    left; `known` gives an already loaded pack of a version, else the version's files are loaded)."""
    with sessions() as session:
        job = session.get(ImpactJob, job_id)
        if job is None or job.finished:
            return True
        before, after, changed = packs(session, job, seeds, known)
    pair = pair_of(before, after, changed, engine)
    try:
        return run.run(sessions, lambda session: _start(session, job_id, before, after, engine),
                       lambda session: _chunk(session, pair, job_id, size), stop)
    finally:
        pair.close()


def fail_impact(sessions: sessionmaker[Session], job_id: int, message: str) -> bool:
    """Mark a job failed after an unexpected error (a later visit starts a new one); True once recorded."""
    return run.fail(sessions, ImpactJob, job_id, message)


def impact_work(sessions: sessionmaker[Session], seeds: Path, engine: EngineName, size: int,
                known: Callable[[int], RulePack | None]) -> Work:
    """An impact job's work for the app's runner: compare until it ends or its turn is over (False); a job whose packs
    cannot be rebuilt fails with the reason (the page shows it, a later visit starts afresh), any other error too."""

    def work(job_id: int, stop: Stop) -> bool:
        try:
            return run_impact(sessions, job_id, seeds, engine, size, stop, known)
        except ImpactUnavailable as exc:  # expected: not an error of the worker
            fail_impact(sessions, job_id, str(exc))
            return True
        except Exception as exc:
            fail_impact(sessions, job_id, f"{type(exc).__name__}: {exc}")
            raise

    return work
