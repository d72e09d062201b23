"""Batch jobs: rows stored on upload, each row's result committed with its done mark, resumable."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from checker.agency.models import Client, ClientResult, Job, JobRow, User
from checker.agency.reading import read_answers, with_extras
from checker.batch import Row
from checker.engine import Checker, CheckResult, EngineMismatch
from checker.engine.vector import compact_results
from checker.models import _now

log = logging.getLogger(__name__)
CHUNK = 100


def jsonable(data: Any) -> Any:
    """Data as plain JSON types (dates as ISO text)."""
    return json.loads(json.dumps(data, default=str, ensure_ascii=False))


def compact(result: CheckResult) -> dict[str, Any]:
    """The stored form of a check: per measure its status, amount, failed criteria and open questions.

    The full CLI JSON is ~70 KB per client on the project pack (criteria values, benefit texts);
    this keeps what the matrix, the detail sheet and the recheck diff need, ~7 KB.
    """
    items = []
    for m in result.results:
        item: dict[str, Any] = {"measure": m.measure, "status": m.status, "amount_wan": m.amount_wan}
        failed = [c.id for c in m.criteria if c.status == "not_met"]
        if failed:
            item["failed"] = failed
        if m.missing:
            item["missing"] = list(m.missing)
        items.append(item)
    return {"rulepack": result.rulepack, "as_of": result.as_of.isoformat(), "results": items}


def create_job(session: Session, user: User, filename: str, rows: Iterable[Row], as_of: dt.date,
               lang: str = "zh", rulepack: str = "") -> Job:
    """A queued job holding every uploaded row; rows unreadable as a whole are marked bad at once. Caller commits."""
    job = Job(agency_id=user.agency_id, user_id=user.id, filename=filename[:255], as_of=as_of, lang=lang,
              rulepack=rulepack, status="queued", total=0, done=0, errors=0, message="")
    session.add(job)
    session.flush()
    batch: list[dict[str, Any]] = []
    for row in rows:
        job.total += 1
        state, problems = ("error", [{"field": "row", "message": row.error}]) if row.error else ("pending", [])
        job.errors += state == "error"
        job.done += state == "error"
        batch.append({"job_id": job.id, "number": row.number, "raw": row.raw, "state": state, "problems": problems})
        if len(batch) >= 1000:
            session.execute(JobRow.__table__.insert(), batch)
            batch = []
    if batch:
        session.execute(JobRow.__table__.insert(), batch)
    return job


def cancel_job(session: Session, job: Job) -> bool:
    """Stop a job that has not finished; its unchecked rows stay pending. Caller commits."""
    if job.finished:
        return False
    job.status, job.finished_at, job.message = "cancelled", _now(), "cancelled by user"
    return True


def resumable(session: Session) -> list[int]:
    """Jobs a worker should (re)start: queued, or left running by a stopped server."""
    return list(session.scalars(select(Job.id).where(Job.status.in_(("queued", "running"))).order_by(Job.id)))


def client_key(row: JobRow) -> str:
    """How a row names its client: id, else credit code, else name, else its job and row number."""
    for name in ("id", "credit_code", "name"):
        value = row.raw.get(name)
        if value not in (None, ""):
            return str(value).strip()[:200]
    return f"job{row.job_id}-row{row.number}"


def _clients(session: Session, agency_id: int, rows: list[JobRow]) -> dict[str, Client]:
    """The agency's existing clients named by these rows."""
    keys = {client_key(r) for r in rows}
    found = session.scalars(select(Client).where(Client.agency_id == agency_id, Client.key.in_(keys)))
    return {c.key: c for c in found}


Verdict = tuple[dict[str, Any] | None, list[dict[str, str]]]


def _verdicts(checker: Checker, job: Job, rows: list[JobRow]) -> dict[int, Verdict]:
    """Each pending row's stored result, or None and its problems (the rows themselves are left untouched).

    The chunk is checked column-wise by the vectorised evaluator; its first good row is also checked by
    the job's engine (durable-rules) and any disagreement fails the job rather than storing a wrong verdict.
    """
    verdicts: dict[int, Verdict] = {}
    readings = {row.id: read_answers(checker.pack, row.raw, job.as_of) for row in rows}
    good = [(row, readings[row.id].values) for row in rows]
    results = compact_results(checker.pack, [values for _, values in good], job.as_of)
    if good and compact(checker.check(good[0][1], job.as_of, job.lang)) != results[0]:
        raise EngineMismatch(f"vectorised check and {checker.engine} disagree on row {good[0][0].number}")
    verdicts.update({row.id: with_extras(result, readings[row.id]) for (row, _), result in zip(good, results)})
    return verdicts


def _claim(session: Session, rows: list[JobRow]) -> list[JobRow]:
    """The rows still pending, now marked claimed in this transaction; rows another worker finished meanwhile drop out.

    The conditional UPDATE takes the write lock (SQLite) or the row locks (PostgreSQL), so two workers
    resuming the same job never both store a row; a rollback returns the claimed rows to pending.
    """
    ids = [r.id for r in rows]
    statement = (update(JobRow).where(JobRow.id.in_(ids), JobRow.state == "pending").values(state="claimed")
                 .execution_options(synchronize_session=False))
    session.execute(statement)
    claimed = set(session.scalars(select(JobRow.id).where(JobRow.id.in_(ids), JobRow.state == "claimed")))
    return [r for r in rows if r.id in claimed]


def _insert_missing(session: Session, agency_id: int, keys: list[str]) -> None:
    """Add clients for these keys, skipping any another job added meanwhile (no UNIQUE violation)."""
    now = _now()
    values = [{"agency_id": agency_id, "key": k, "name": k, "answers": {}, "created_at": now, "updated_at": now} for k in keys]
    dialect = session.get_bind().dialect.name
    if dialect in ("sqlite", "postgresql"):
        module = sqlite if dialect == "sqlite" else postgresql
        statement = module.insert(Client.__table__).on_conflict_do_nothing(index_elements=["agency_id", "key"])
        session.execute(statement, values)
    else:
        session.execute(insert(Client.__table__), values)


def _store(session: Session, job: Job, checked: list[tuple[JobRow, dict[str, Any]]]) -> None:
    """Save the clients and results of the good rows and mark them done (a few statements per chunk)."""
    rows = [row for row, _ in checked]
    clients = _clients(session, job.agency_id, rows)
    missing = sorted({client_key(r) for r in rows} - set(clients))
    if missing:
        _insert_missing(session, job.agency_id, missing)
        clients = _clients(session, job.agency_id, rows)
    for row in rows:
        key = client_key(row)
        clients[key].name, clients[key].answers = str(row.raw.get("name") or key)[:200], row.raw
    session.flush()
    results = []
    for row, result in checked:
        row.state, row.client_id = "done", clients[client_key(row)].id
        results.append({"agency_id": job.agency_id, "client_id": row.client_id, "job_id": job.id, "row_number": row.number,
                        "rulepack": result["rulepack"], "as_of": job.as_of, "result": result, "created_at": _now()})
    if results:
        session.execute(insert(ClientResult), results)


def _start(session: Session, job_id: int, rulepack: str) -> bool:
    """Mark a queued or interrupted job running; False if there is nothing to do."""
    job = session.get(Job, job_id)
    if job is None or job.finished:
        return False
    job.status, job.rulepack = "running", rulepack
    session.commit()
    return True


def _chunk(session: Session, checker: Checker, job_id: int, size: int) -> bool:
    """Check the next pending rows of a running job in one transaction; False when the job is over."""
    job = session.get(Job, job_id)
    if job is None or job.status != "running":
        return False
    rows = list(session.scalars(select(JobRow).where(JobRow.job_id == job_id, JobRow.state == "pending")
                                .order_by(JobRow.number).limit(size)))
    if not rows:
        job.status, job.finished_at = "done", _now()
        session.commit()
        return False
    verdicts = _verdicts(checker, job, rows)
    rows = _claim(session, rows)
    for row in rows:
        row.problems = verdicts[row.id][1]  # bad cells of a checked row, or why a row could not be checked
        if verdicts[row.id][0] is None:
            row.state = "error"
    checked = [(row, verdicts[row.id][0]) for row in rows if verdicts[row.id][0] is not None]
    _store(session, job, checked)
    bad = len(rows) - len(checked)
    session.execute(update(Job).where(Job.id == job_id).values(done=Job.done + len(rows), errors=Job.errors + bad))
    session.commit()
    return True


def process_job(sessions: sessionmaker[Session], checker: Checker, job_id: int, size: int = CHUNK,
                stop: Callable[[], bool] = lambda: False) -> None:
    """Run a job to the end, a chunk per transaction, stopping early if cancelled or asked to stop."""
    with sessions() as session:
        if not _start(session, job_id, checker.pack.version):
            return
    while not stop():
        with sessions() as session:
            if not _chunk(session, checker, job_id, size):
                return


def fail_job(sessions: sessionmaker[Session], job_id: int, message: str) -> None:
    """Mark a job failed after an unexpected error."""
    with sessions() as session:
        job = session.get(Job, job_id)
        if job is not None and not job.finished:
            job.status, job.finished_at, job.message = "failed", _now(), message[:500]
            session.commit()


def recount(session: Session, job_id: int) -> dict[str, int]:
    """Rows of a job by state, counted from the rows themselves."""
    counts = session.execute(select(JobRow.state, func.count()).where(JobRow.job_id == job_id).group_by(JobRow.state))
    return {state: n for state, n in counts}
