"""A draft's impact over a sample file an officer uploads, or over N generated registry profiles, as a background job.

The file waits outside the database (in the uploads folder, named by job id) until the job is pruned. Each chunk of
rows is read (the agency reader: a bad cell becomes unknown and is listed with its row, a row unreadable as a whole is
listed and left out) or generated (registry.chunk_table, seeded per chunk), evaluated column-wise under both packs
(registry.chunk_impact, its first row also checked by each pack's engine) while no transaction is open, then folded
into the job (registry.fold) and committed with its progress, so a stopped server resumes at the next chunk.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from checker.agency.jobs import compact
from checker.agency.uploads import UploadError, read_upload
from checker.batch import Row
from checker.columns import read_answers
from checker.db import rowcount
from checker.engine import EngineMismatch, EngineName, batch_backend
from checker.engine.columnar import compact_results, profile_table, table_profile
from checker.jobs import run
from checker.jobs.runners import Stop, Work
from checker.models import utcnow
from checker.rules.loader import RulePackError
from checker.rules.pack import RulePack
from checker.staff import drafts, registry, store
from checker.staff.impact_job import ImpactUnavailable, Pair, pair_of
from checker.staff.registry import Impact, Side
from checker.staff.sample_models import KEPT_BAD, SampleImpact

MAX_REGISTRY = 1_000_000
FILE_CHUNK = 5_000
KEPT = dt.timedelta(days=30)


def sample_path(folder: Path, job_id: int, suffix: str) -> Path:
    """Where a job's uploaded sample file is kept until the job is pruned."""
    return folder / f"staff-impact-{job_id}{suffix}"


def start_sample(session: Session, live_seq: int, as_of: dt.date, draft_id: int | None,
                 draft_files: dict[str, str | None], source: str, filename: str = "", suffix: str = "", n: int = 0,
                 seed: int = 7, size: int = 0
                 ) -> SampleImpact:
    """A new queued job over a file (its rows counted when it starts) or a registry of n profiles. Caller commits."""
    if source == "registry" and not 1 <= n <= MAX_REGISTRY:
        raise ValueError(f"n: the registry has 1 to {MAX_REGISTRY} profiles, not {n}")
    chunk = size or (registry.CHUNK if source == "registry" else FILE_CHUNK)
    job = SampleImpact(draft_id=draft_id, draft_files=draft_files, live_seq=live_seq, as_of=as_of, source=source,
                       filename=filename[:255], suffix=suffix, seed=seed, size=chunk, status="queued",
                       total=n if source == "registry" else 0, done=0, compared=0, bad_rows=0, unreadable=0, bad=[],
                       counts={}, money=registry.Impact().money, message="")
    session.add(job)
    session.flush()
    return job


def prune(session: Session, folder: Path, now: dt.datetime | None = None) -> int:
    """Delete the jobs that ended more than KEPT ago and their kept files; how many went. Caller commits."""
    cutoff = (now or utcnow()) - KEPT
    for job_id, suffix in session.execute(select(SampleImpact.id, SampleImpact.suffix).where(
            SampleImpact.finished_at.is_not(None), SampleImpact.finished_at < cutoff, SampleImpact.source == "file")):
        sample_path(folder, job_id, suffix).unlink(missing_ok=True)
    return run.prune(session, SampleImpact, KEPT, now)


def cancel_sample(session: Session, job: SampleImpact) -> bool:
    """Stop a job that has not finished, keeping what its chunks stored so far; True if this call stopped it. A chunk in
    flight stores nothing once cancelled (see `_chunk`). Caller commits."""
    stopped = run.cancel(session, SampleImpact, job.id)
    session.expire(job)
    return stopped


def pending_samples(session: Session) -> list[int]:
    """Sample impact jobs a worker should (re)start."""
    return run.pending(session, SampleImpact)


def packs(session: Session, job: SampleImpact, seeds: Path, known: Callable[[int], RulePack | None]
          ) -> tuple[RulePack, RulePack, list[str]]:
    """The live pack and the draft's pack on top of it, and the files that differ."""
    version = store.by_seq(session, job.live_seq)
    if version is None:
        raise ImpactUnavailable(f"version v{job.live_seq} is not recorded")
    live = dict(version.files)
    other = drafts.compose(live, job.draft_files or {})
    try:
        return known(job.live_seq) or store.load_files(live, seeds), store.load_files(other, seeds), store.changed(live, other)
    except RulePackError as exc:
        raise ImpactUnavailable("the rules do not load: " + "; ".join(str(e) for e in exc.errors)[:400]) from exc


def company(row: Row, values: dict[str, Any]) -> str:
    """How the preview names a sample row: its row number as the spreadsheet shows it, and its name if given."""
    return f"{row.number} · {values['name']}" if values.get("name") else str(row.number)


@dataclass
class Chunk:
    """One chunk's input: the profiles to compare (a table of columns), their names, and the rows read badly."""

    table: dict[str, Any]
    names: list[str] | None
    rows: int  # rows consumed (a file's unreadable rows too)
    bad: list[dict[str, Any]] = field(default_factory=list)
    bad_rows: int = 0
    unreadable: int = 0


def read_chunk(pair: Pair, rows: list[Row], as_of: dt.date) -> Chunk:
    """A chunk of file rows read as the agency reads them (under both packs when their fields differ)."""
    before, after = pair.before.pack, pair.after.pack
    profiles, names, bad, bad_rows, unreadable = [], [], [], 0, 0
    for row in rows:
        if row.error is not None:
            bad.append({"row": row.number, "column": "", "problem": row.error.to_json()})
            bad_rows, unreadable = bad_rows + 1, unreadable + 1
            continue
        reading = read_answers(after, row.raw, as_of)
        values = reading.values if pair.same_fields else {**read_answers(before, row.raw, as_of).values, **reading.values}
        bad += [{"row": row.number, "column": p.field, "problem": p.problem.to_json()} for p in reading.problems]
        bad_rows += bool(reading.problems)
        profiles.append(values)
        names.append(company(row, values))
    table = {**profile_table(before.at(as_of), profiles), **profile_table(after.at(as_of), profiles)}
    return Chunk(table, names, len(rows), bad, bad_rows, unreadable)


def registry_chunk(pair: Pair, job: SampleImpact) -> Chunk:
    """The job's next chunk of generated profiles (the rows `checker impact` makes for the same n, seed and chunk)."""
    index = job.done // job.size
    table = registry.chunk_table(pair.after.pack, job.total, job.seed, index, job.size)
    return Chunk(table, None, len(next(iter(table.values()))) if table else 0)


def sample_check(pair: Pair, chunk: Chunk, as_of: dt.date) -> None:
    """Check the chunk's first profile with each pack's engine too: EngineMismatch if the columnar result differs."""
    if not chunk.table or not len(next(iter(chunk.table.values()))):
        return
    for checker in (pair.before, pair.after):
        profile = table_profile(checker.pack, chunk.table, 0)
        if compact(checker.check(profile, as_of)) != compact_results(checker.pack, [profile], as_of)[0]:
            raise EngineMismatch(f"vectorised check and {checker.engine} disagree on the first row of a chunk")


def compare(pair: Pair, chunk: Chunk, as_of: dt.date, first: int) -> Impact:
    """The chunk's impact (registry.chunk_impact), its first row re-checked by the engines."""
    if not chunk.table or not len(next(iter(chunk.table.values()))):
        return Impact()
    sample_check(pair, chunk, as_of)
    return registry.chunk_impact(Side(pair.before.pack, as_of), Side(pair.after.pack, as_of), chunk.table, first,
                                 chunk.names)


def fold(job: SampleImpact, chunk: Chunk, part: Impact) -> dict[str, Any]:
    """The job's columns with one chunk's outcome added (the job itself is left as it was)."""
    total = registry.fold(Impact(job.compared, job.counts or {}, job.money or Impact().money), part)
    return {"compared": total.rows, "counts": total.counts, "money": total.money,
            "bad": [*(job.bad or []), *chunk.bad[:max(0, KEPT_BAD - len(job.bad or []))]],
            "bad_rows": job.bad_rows + chunk.bad_rows, "unreadable": job.unreadable + chunk.unreadable,
            "done": job.done + chunk.rows}


class Source:
    """Where a running job's rows come from: the kept file (one reader per run, resumed past the rows done) or the
    registry."""

    def __init__(self, job: SampleImpact, folder: Path, pack: RulePack, max_rows: int) -> None:
        self.reader: Generator[Row, None, None] | None = None
        self.rows: Iterator[Row] | None = None
        if job.source == "file":
            path = sample_path(folder, job.id, job.suffix)
            if not path.exists():
                raise UploadError("the uploaded file is no longer kept: upload it again")
            self.reader = read_upload(path, pack, max_rows)
            self.rows = itertools.islice(self.reader, job.done, None)

    def close(self) -> None:
        """Close the file (a run stopped for another job's turn leaves rows unread)."""
        if self.reader is not None:
            self.reader.close()

    def next(self, pair: Pair, job: SampleImpact, as_of: dt.date) -> Chunk | None:
        """The next chunk, None when every row is done."""
        if self.rows is None:
            return registry_chunk(pair, job) if job.done < job.total else None
        rows = list(itertools.islice(self.rows, job.size))
        return read_chunk(pair, rows, as_of) if rows else None


def count_rows(folder: Path, job: SampleImpact, pack: RulePack, max_rows: int) -> int:
    """How many rows the job's file has (read once, before the first chunk, so the page shows a progress bar)."""
    return sum(1 for _ in read_upload(sample_path(folder, job.id, job.suffix), pack, max_rows))


def _start(session: Session, job_id: int, pair: Pair, engine: EngineName, total: int) -> bool:
    """Mark a job running; False if it has ended (a cancel since it was read too: the update is conditional)."""
    job = session.get(SampleImpact, job_id)
    if job is None or job.finished:
        return False
    return run.start(session, SampleImpact, job_id, before_version=pair.before.pack.version,
                     after_version=pair.after.pack.version, backend=batch_backend(engine), total=job.total or total)


def _chunk(session: Session, pair: Pair, source: Source, job_id: int) -> bool:
    """Read or generate the next chunk and compare it with no transaction open, then fold it into the job and commit;
    False when the job is over."""
    job = session.get(SampleImpact, job_id)
    if job is None or job.status != "running":
        return False
    done = job.done
    session.expunge(job)
    session.commit()  # the read ends here: the chunk is read and compared outside any transaction
    chunk = source.next(pair, job, job.as_of)
    if chunk is None:
        run.finish(session, SampleImpact, job_id)
        return False
    part = compare(pair, chunk, job.as_of, done)
    job = session.get(SampleImpact, job_id)
    if job is None or job.status != "running" or job.done != done:  # cancelled, or moved on by another worker
        session.rollback()
        return False
    moved = session.execute(update(SampleImpact)  # only while still running at `done`: a cancel since is kept
                            .where(SampleImpact.id == job_id, SampleImpact.status == "running", SampleImpact.done == done)
                            .values(**fold(job, chunk, part)).execution_options(synchronize_session=False))
    session.commit()
    return rowcount(moved) == 1


def run_sample(sessions: sessionmaker[Session], job_id: int, seeds: Path, folder: Path, engine: EngineName = "durable",
               stop: Stop = lambda: False, known: Callable[[int], RulePack | None] = lambda seq: None,
               max_rows: int = 100_000) -> bool:
    """Run a sample impact job to its end, a chunk per transaction, stopping early if asked (False: work left)."""
    with sessions() as session:
        job = session.get(SampleImpact, job_id)
        if job is None or job.finished:
            return True
        before, after, changed = packs(session, job, seeds, known)
        session.expunge(job)
    pair = pair_of(before, after, changed, engine)
    source = None
    try:
        source = Source(job, folder, after, max_rows)
        total = count_rows(folder, job, after, max_rows) if job.source == "file" and not job.total else 0
        return run.run(sessions, lambda session: _start(session, job_id, pair, engine, total),
                       lambda session: _chunk(session, pair, source, job_id), stop)
    finally:
        pair.close()
        if source is not None:
            source.close()


def sample_work(sessions: sessionmaker[Session], seeds: Path, folder: Path, engine: EngineName,
                known: Callable[[int], RulePack | None], max_rows: int) -> Work:
    """A sample impact job's work for the app's runner: compare until it ends or its turn is over (False); a job whose
    packs or file cannot be read fails with the reason shown on its page, any other error too."""

    def work(job_id: int, stop: Stop) -> bool:
        try:
            return run_sample(sessions, job_id, seeds, folder, engine, stop, known, max_rows)
        except (ImpactUnavailable, UploadError) as exc:  # expected: not an error of the worker
            run.fail(sessions, SampleImpact, job_id, str(exc))
            return True
        except Exception as exc:
            run.fail(sessions, SampleImpact, job_id, f"{type(exc).__name__}: {exc}")
            raise

    return work
