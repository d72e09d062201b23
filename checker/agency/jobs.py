"""Batch jobs: rows stored on upload, each row's result committed with its done mark, resumable."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from sqlalchemy import Select, String, bindparam, cast, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased, sessionmaker

from checker.accounts.models import User
from checker.agency import bulk
from checker.agency.bulk import Verdict
from checker.agency.models import Client, ClientResult, Job, JobChunk, JobRow
from checker.agency.reading import read_answers, with_extras
from checker.agency.stored import encode
from checker.agency.stored_answers import encode_answers
from checker.batch import Row
from checker.config import SETTINGS
from checker.db import JsonText, json_text, rowcount, write_many
from checker.engine import Checker, CheckResult, EngineMismatch
from checker.engine.answer import stored_item
from checker.engine.columnar import compact_results
from checker.jobs import run
from checker.models import utcnow

log = logging.getLogger(__name__)
NO_PROBLEMS = JsonText("[]")  # most rows' problems: spelled once
CHUNK: int = SETTINGS["AGENCY_CHUNK"]  # rows per transaction: the columnar check, the durable sample re-check and
# the per-chunk statements amortise over it (config.py: 2,000 by default, 5,000 took the served app past 500 MB)


def jsonable(data: Any) -> Any:
    """Data as plain JSON types (dates as ISO text)."""
    return json.loads(json.dumps(data, default=str, ensure_ascii=False))


def compact(result: CheckResult) -> dict[str, Any]:
    """The stored form of a check: per measure its status, amount, failed criteria and open questions.

    The full CLI JSON is ~70 KB per client on the project pack (criteria values, benefit texts);
    this keeps what the matrix, the detail sheet and the recheck diff need, ~7 KB, and the totals (one tax scenario,
    answer.tax_picture, which summing the items would mix).
    """
    items = [stored_item(m.measure, m.status, m.amount_wan, [c.id for c in m.criteria if c.status == "not_met"],
                         list(m.missing), m.held, m.currency, m.applicant, m.tax_saving_wan, m.condition)
             for m in result.results]
    return {"rulepack": result.rulepack, "as_of": result.as_of.isoformat(), "results": items,
            "totals": dict(result.totals)}


def create_job(session: Session, user: User, filename: str, rows: Iterable[Row], as_of: dt.date,
               lang: str = "zh", rulepack: str = "") -> Job:
    """A queued job holding every uploaded row; rows unreadable as a whole are marked bad at once. Caller commits."""
    job = Job(agency_id=user.agency_id, user_id=user.id, filename=filename[:255], as_of=as_of, lang=lang,
              rulepack=rulepack, status="queued", total=0, done=0, errors=0, message="")
    session.add(job)
    session.flush()
    batch: list[dict[str, Any]] = []
    total = bad = 0
    for row in rows:
        batch.append(row_values(job.id, row))
        total, bad = total + 1, bad + (row.error is not None)
        if len(batch) >= 1000:
            write_many(session, insert(JobRow.__table__), batch)
            batch = []
    write_many(session, insert(JobRow.__table__), batch)
    job.total, job.errors, job.done = total, bad, bad
    return job


def row_values(job_id: int, row: Row) -> dict[str, Any]:
    """A job row as stored, its JSON serialised here (before any write transaction): pending, or an error at once
    when the row is unreadable as a whole."""
    state, problems = (("error", JsonText(json_text([{"field": "row", **row.error.to_json()}]))) if row.error
                       else ("pending", NO_PROBLEMS))
    return {"job_id": job_id, "number": row.number, "raw": JsonText(json_text(row.raw)), "state": state,
            "problems": problems}


def cancel_job(session: Session, job: Job) -> bool:
    """Stop a job that has not finished; its unchecked rows stay pending and `done` stays the true count. Caller commits.

    A chunk still in flight commits nothing once the job is cancelled (see `_chunk`).
    """
    stopped = run.cancel(session, Job, job.id)
    session.expire(job)
    return stopped


def resumable(session: Session) -> list[int]:
    """Jobs a worker should (re)start: queued, or left running by a stopped server."""
    return run.pending(session, Job)


def client_key(row: Any) -> str:
    """How a row names its client: id, else credit code, else name, else its job and row number."""
    for name in ("id", "credit_code", "name"):
        value = row.raw.get(name)
        if value not in (None, ""):
            return str(value).strip()[:200]
    return f"job{row.job_id}-row{row.number}"


def _clients(session: Session, agency_id: int, keys: set[str]) -> dict[str, int]:
    """The ids of the agency's existing clients of these keys, by key."""
    found = session.execute(select(Client.key, Client.id).where(Client.agency_id == agency_id, Client.key.in_(keys)))
    return {key: ident for key, ident in found}


def _client_ids(session: Session, agency_id: int, keys: set[str]) -> dict[str, int]:
    """The ids of the clients these keys name, the missing ones added: a query and an INSERT .. RETURNING, without
    reading the new clients back (a second query of the chunk's keys, ~1 s per 100k rows of a new portfolio)."""
    clients = _clients(session, agency_id, keys)
    missing = sorted(keys - set(clients))
    if missing:
        clients.update(_insert_missing(session, agency_id, missing))
        if len(clients) < len(keys):  # added by another job meanwhile (its INSERT skipped them), or no RETURNING
            clients.update(_clients(session, agency_id, keys - set(clients)))
    return clients


def _verdicts(checker: Checker, job: Job, rows: list[Any]) -> dict[int, Verdict]:
    """Each pending row's stored result, or None and its problems (the rows themselves are left untouched).

    The chunk is read and checked column-wise (agency.bulk; row by row when its cells are not all text); its first
    row is also checked by the job's engine (durable-rules) and any disagreement fails the job rather than storing
    a wrong verdict.
    """
    if not rows:  # nothing to check (the vectorised path needs at least one profile)
        return {}
    found = bulk.check_chunk(checker.pack, rows, job.as_of)
    if found is None:
        return _row_verdicts(checker, job, rows)
    verdicts, profile = found
    expected = encode(compact(checker.check(profile, job.as_of, job.lang)))
    first = verdicts[0][0] or {}
    if expected != {k: v for k, v in first.items() if k != "extra"}:
        raise EngineMismatch(f"vectorised check and {checker.engine} disagree on row {rows[0].number}")
    return {row.id: verdict for row, verdict in zip(rows, verdicts)}


def _row_verdicts(checker: Checker, job: Job, rows: list[Any]) -> dict[int, Verdict]:
    """_verdicts of a chunk read row by row (read_answers), its items as dicts, the first row re-checked."""
    readings = {row.id: read_answers(checker.pack, row.raw, job.as_of) for row in rows}
    good = [(row, readings[row.id].values) for row in rows]
    results = compact_results(checker.pack, [values for _, values in good], job.as_of)
    if compact(checker.check(good[0][1], job.as_of, job.lang)) != results[0]:
        raise EngineMismatch(f"vectorised check and {checker.engine} disagree on row {good[0][0].number}")
    return {row.id: with_extras(result, readings[row.id]) for (row, _), result in zip(good, results)}


def _claim(session: Session, rows: list[Any]) -> list[Any]:
    """The rows still pending, now marked claimed in this transaction; rows another worker finished meanwhile drop out.

    The conditional UPDATE takes the write lock (SQLite) or the row locks (PostgreSQL), so two workers
    resuming the same job never both store a row; a rollback returns the claimed rows to pending.
    """
    ids = [r.id for r in rows]
    statement = (update(JobRow.__table__).where(JobRow.id.in_(ids), JobRow.state == "pending").values(state="claimed"))
    if session.get_bind().dialect.update_returning:  # SQLite and PostgreSQL: the claimed ids come back at once
        claimed = set(session.scalars(statement.returning(JobRow.id)))
    else:
        session.execute(statement)
        claimed = set(session.scalars(select(JobRow.id).where(JobRow.id.in_(ids), JobRow.state == "claimed")))
    return [r for r in rows if r.id in claimed]


def _insert_missing(session: Session, agency_id: int, keys: list[str]) -> dict[str, int]:
    """Add clients for these keys, skipping any another job added meanwhile (no UNIQUE violation); the ids of those
    it added, by key (none on a database without INSERT .. ON CONFLICT .. RETURNING: the caller reads them)."""
    now = utcnow()
    none = JsonText("{}")  # their answers follow in _store's UPDATE
    values = [{"agency_id": agency_id, "key": k, "name": k, "answers": none, "created_at": now, "updated_at": now} for k in keys]
    dialect = session.get_bind().dialect.name
    if dialect not in ("sqlite", "postgresql"):
        session.execute(insert(Client.__table__), values)
        return {}
    module = sqlite if dialect == "sqlite" else postgresql
    statement = (module.insert(Client.__table__).on_conflict_do_nothing(index_elements=["agency_id", "key"])
                 .returning(Client.__table__.c.key, Client.__table__.c.id))
    return {key: ident for key, ident in session.execute(statement, values)}


class Written(NamedTuple):
    """A checked row's JSON columns serialised before the write transaction (deflating and JSON are most of a chunk's
    writing, and SQLite has one write lock for everybody): its problems, and of a good row its result and answers."""

    problems: JsonText
    rulepack: str | None = None
    result: JsonText | None = None
    answers: JsonText | None = None


def written(rows: list[Any], verdicts: dict[int, Verdict]) -> dict[int, Written]:
    """Each row's Written, by row id."""
    out: dict[int, Written] = {}
    for row in rows:
        result, found = verdicts[row.id]
        problems = JsonText(json_text(found)) if found else NO_PROBLEMS
        out[row.id] = Written(problems) if result is None else \
            Written(problems, result["rulepack"], JsonText(json_text(encode(result))),
                    JsonText(json_text(encode_answers(row.raw))))
    return out


def _store(session: Session, job: Job, checked: list[tuple[Any, Written]], backend: str) -> dict[int, int]:
    """Save the clients and results of the good rows (a few statements per chunk); their client ids by row id."""
    if not checked:
        return {}
    keys = [client_key(row) for row, _ in checked]
    clients = _client_ids(session, job.agency_id, set(keys))
    now = utcnow()
    ids = {row.id: clients[key] for (row, _), key in zip(checked, keys)}
    latest = {clients[key]: (row, kept, key) for (row, kept), key in zip(checked, keys)}  # a client named twice keeps
    # its last row, as before
    write_many(session, update(Client.__table__).where(Client.__table__.c.id == bindparam("cid")),
               [{"cid": cid, "name": str(row.raw.get("name") or key)[:200], "answers": kept.answers,
                 "updated_at": now} for cid, (row, kept, key) in latest.items()])
    write_many(session, insert(ClientResult.__table__),
               [{"agency_id": job.agency_id, "client_id": ids[row.id], "job_id": job.id, "row_number": row.number,
                 "rulepack": kept.rulepack, "as_of": job.as_of, "result": kept.result, "backend": backend,
                 "created_at": now} for row, kept in checked])
    return ids


def _start(session: Session, job_id: int, rulepack: str) -> bool:
    """Mark a queued or interrupted job running on this rule pack; False if there is nothing to do.

    A job that already stored results under another pack (interrupted, then the rules were published)
    is re-run from its first row on this pack, and its message says so: one job, one rule version.
    The start is an UPDATE conditional on the status read here: a job cancelled between being claimed and started
    stays cancelled (and a re-run begun here is rolled back with it).
    """
    job = session.get(Job, job_id)
    if job is None or job.finished:
        return False
    seen = job.status
    if job.rulepack and job.rulepack != rulepack and _has_work(session, job_id):
        _rerun(session, job, rulepack)
    session.flush()
    started = session.execute(update(Job).where(Job.id == job_id, Job.status == seen)
                              .values(status="running", rulepack=rulepack).execution_options(synchronize_session=False))
    if rowcount(started) != 1:  # cancelled (or otherwise moved on) since it was read: leave it as it is
        session.rollback()
        return False
    session.commit()
    return True


def _has_work(session: Session, job_id: int) -> bool:
    """Whether any row of the job was already checked (stored or found invalid by a worker)."""
    return (session.scalar(select(func.count()).select_from(ClientResult).where(ClientResult.job_id == job_id)) or 0) > 0 or \
        bool(_checked_errors(session, job_id))


def _checked_errors(session: Session, job_id: int) -> list[int]:
    """Rows a worker found invalid (not the rows unreadable on upload, which no rule pack changes)."""
    rows = session.execute(select(JobRow.id, JobRow.problems).where(JobRow.job_id == job_id, JobRow.state == "error"))
    return [ident for ident, problems in rows if not (problems and problems[0].get("field") == "row")]


def _rerun(session: Session, job: Job, rulepack: str) -> None:
    """Forget what the job stored under its old pack and make every checked row pending again."""
    old = job.rulepack
    session.execute(delete(ClientResult).where(ClientResult.job_id == job.id))
    session.execute(delete(JobChunk).where(JobChunk.job_id == job.id))
    errors = _checked_errors(session, job.id)
    reset = update(JobRow).values(state="pending", problems=[], client_id=None).execution_options(synchronize_session=False)
    session.execute(reset.where(JobRow.job_id == job.id, JobRow.state.in_(("done", "claimed"))))
    if errors:
        session.execute(reset.where(JobRow.id.in_(errors)))
    counts = recount(session, job.id)
    job.done, job.errors = counts.get("done", 0) + counts.get("error", 0), counts.get("error", 0)
    job.backend = None
    job.message = f"re-run from the first row on rule pack {rulepack[:12]}: {old[:12]} is no longer the live version"[:500]
    log.warning("job %s: %s", job.id, job.message)


def _chunk(session: Session, checker: Checker, job_id: int, size: int, worker: str = "embedded",
           numbers: tuple[int, int] | None = None) -> bool:
    """Check the next pending rows of a running job (or those numbered first..last) in one transaction.

    The job's counters move only while it is still running on this checker's pack, in the same
    transaction as the rows and the chunk's record (which names the worker): a chunk in flight when
    the job is cancelled stores nothing, and a chunk whose rows are already done stores nothing again.
    False when there is nothing (more) to do.
    """
    job = session.get(Job, job_id)
    if job is None or job.status != "running" or job.rulepack != checker.pack.version:
        return False
    rows = list(session.execute(pending_rows(job_id, size, numbers)))
    if not rows:
        session.rollback()
        finish_if_done(session, job_id)
        return False
    verdicts = _verdicts(checker, job, rows)
    texts = written(rows, verdicts)
    rows = _claim(session, rows)
    if not rows:  # another worker took these rows meanwhile: go on with the next ones
        session.rollback()
        return True
    bad = sum(verdicts[row.id][0] is None for row in rows)
    moved = session.execute(update(Job).where(Job.id == job_id, Job.status == "running", Job.rulepack == checker.pack.version)
                            .values(done=Job.done + len(rows), errors=Job.errors + bad, backend=checker.batch_backend)
                            .execution_options(synchronize_session=False))
    if rowcount(moved) != 1:  # cancelled (or re-run on another pack) meanwhile: this chunk stores nothing
        session.rollback()
        return False
    clients = _store(session, job, [(row, texts[row.id]) for row in rows if texts[row.id].result is not None],
                     checker.batch_backend)
    marks = [{"rid": row.id, "state": "error" if texts[row.id].result is None else "done", "client_id": clients.get(row.id),
              "problems": texts[row.id].problems}  # bad cells of a checked row, or why a row could not be checked
             for row in rows]
    write_many(session, update(JobRow.__table__).where(JobRow.__table__.c.id == bindparam("rid")), marks)
    session.add(JobChunk(job_id=job_id, first_row=rows[0].number, last_row=rows[-1].number, rows=len(rows),
                         worker=worker[:200], rulepack=checker.pack.version, backend=checker.batch_backend,
                         checked_at=utcnow()))
    session.commit()
    return True


def pending_rows(job_id: int, size: int, numbers: tuple[int, int] | None = None) -> Select[Any]:
    """The next `size` pending rows of a job (of those numbered first..last) as plain rows, no ORM object per row:
    found by the index ix_agency_job_row_pending, not by walking the rows already done."""
    query = (select(JobRow.id, JobRow.job_id, JobRow.number, JobRow.raw)
             .where(JobRow.job_id == job_id, JobRow.state == "pending").order_by(JobRow.number))
    if numbers is not None:
        query = query.where(JobRow.number.between(*numbers))
    return query.limit(size)


def finish_if_done(session: Session, job_id: int) -> bool:
    """Mark a running job done once no row of it is left pending or claimed; True if this call finished it."""
    left = select(JobRow.id).where(JobRow.job_id == job_id, JobRow.state.in_(("pending", "claimed"))).exists()
    if not run.finish(session, Job, job_id, ~left):
        return False
    forget_answers(session, job_id)
    return True


def forget_answers(session: Session, job_id: int, size: int = CHUNK) -> int:
    """Drop the uploaded answers of a finished job's clean rows that its client still holds (stored once, not twice):
    the client's newest result is the row's, and answers are only written with a result. A row with problems, or
    one whose client was checked again since, keeps its own. Commits per chunk."""
    later = aliased(ClientResult)
    newest = (select(func.max(later.id)).where(later.client_id == JobRow.client_id).correlate(JobRow)
              .scalar_subquery())
    held = select(ClientResult.id).where(ClientResult.id == newest, ClientResult.job_id == JobRow.job_id,
                                         ClientResult.row_number == JobRow.number).exists()
    last = session.scalar(select(func.max(JobRow.number)).where(JobRow.job_id == job_id)) or 0
    forgotten = 0
    for first in range(0, last + 1, size):
        clean = (update(JobRow).where(JobRow.job_id == job_id, JobRow.number.between(first, first + size - 1),
                                      JobRow.state == "done", cast(JobRow.problems, String) == "[]",
                                      cast(JobRow.raw, String) != "{}", held)
                 .values(raw={}).execution_options(synchronize_session=False))
        forgotten += rowcount(session.execute(clean))
        session.commit()
    return forgotten


def row_answers(session: Session, job_id: int) -> dict[int, dict[str, Any]]:
    """Each row's uploaded answers by row number: its own, else (a clean row of a finished job) its client's."""
    query = (select(JobRow.number, JobRow.raw, Client.answers).outerjoin(Client, Client.id == JobRow.client_id)
             .where(JobRow.job_id == job_id).order_by(JobRow.number))
    return {number: raw or answers or {} for number, raw, answers in session.execute(query)}


def workers(session: Session, job_id: int) -> list[dict[str, Any]]:
    """Who checked a job: per worker (and backend) its chunks and rows, in order of first appearance."""
    found = session.execute(select(JobChunk.worker, JobChunk.backend, func.count(), func.sum(JobChunk.rows),
                                   func.min(JobChunk.id))
                            .where(JobChunk.job_id == job_id).group_by(JobChunk.worker, JobChunk.backend)
                            .order_by(func.min(JobChunk.id)))
    return [{"worker": name, "backend": backend, "chunks": chunks, "rows": int(rows or 0)}
            for name, backend, chunks, rows, _ in found]


def start_job(sessions: sessionmaker[Session], job_id: int, rulepack: str) -> bool:
    """Mark a job running on this rule pack (re-run if it began on another); False if it has finished."""
    with sessions() as session:
        return _start(session, job_id, rulepack)


def pending_ranges(session: Session, job_id: int, size: int) -> list[tuple[int, int]]:
    """The row numbers of a job's pending rows cut into chunks of `size` rows: (first, last) each."""
    numbers = list(session.scalars(select(JobRow.number).where(JobRow.job_id == job_id, JobRow.state == "pending")
                                   .order_by(JobRow.number)))
    return [(numbers[i], numbers[min(i + size, len(numbers)) - 1]) for i in range(0, len(numbers), size)]


def process_job(sessions: sessionmaker[Session], checker: Checker, job_id: int, size: int = CHUNK,
                stop: Callable[[], bool] = lambda: False, worker: str = "embedded") -> bool:
    """Run a job to the end, a chunk per transaction, stopping early if cancelled or asked to stop; False if it was
    asked to stop with work left."""
    return run.run(sessions, lambda session: _start(session, job_id, checker.pack.version),
                   lambda session: _chunk(session, checker, job_id, size, worker), stop)


def fail_job(sessions: sessionmaker[Session], job_id: int, message: str, attempts: int = 4,
             backoff: float = 0.5) -> bool:
    """Mark a job failed after an unexpected error, retrying while the database refuses writes; True once recorded."""
    return run.fail(sessions, Job, job_id, message, attempts, backoff)


def recount(session: Session, job_id: int) -> dict[str, int]:
    """Rows of a job by state, counted from the rows themselves."""
    counts = session.execute(select(JobRow.state, func.count()).where(JobRow.job_id == job_id).group_by(JobRow.state))
    return {state: n for state, n in counts}
