"""An uploaded file's rows stored by the job runner, not the request: parsed outside any transaction, committed in
short batches, so one large or slow file never holds the database's write lock (SQLite has one for everybody)."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterable, Iterator
from pathlib import Path

from sqlalchemy import delete, insert, update
from sqlalchemy.orm import Session, sessionmaker

from checker.agency.jobs import fail_job, row_values
from checker.agency.models import Job, JobRow
from checker.agency.uploads import UploadError, read_upload, waiting_upload
from checker.batch import Row, note_columns, unclaimed
from checker.db import rowcount, write_many
from checker.i18n import translate
from checker.rules.pack import RulePack

log = logging.getLogger(__name__)
BATCH = 1000  # rows per transaction while a file is read


def batches(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    """The rows in lists of at most `size` (the parsing happens here, while no transaction is open)."""
    it = iter(rows)
    while part := list(itertools.islice(it, size)):
        yield part


def restart(sessions: sessionmaker[Session], job_id: int) -> None:
    """Forget rows an interrupted reading stored (a restart reads the file again from its first row)."""
    with sessions() as session:
        session.execute(delete(JobRow).where(JobRow.job_id == job_id))
        session.execute(update(Job).where(Job.id == job_id).values(total=0, done=0, errors=0))
        session.commit()


def store_rows(sessions: sessionmaker[Session], job_id: int, rows: Iterable[Row], size: int | None = None,
               pack: RulePack | None = None) -> bool:
    """Store a queued job's rows, `size` per short transaction with the job's counters, then (given the pack) the
    columns no field claims; False if the job was cancelled (or ended) meanwhile, which stops the reading."""
    restart(sessions, job_id)
    headers: dict[str, None] = {}
    for part in batches(rows, size or BATCH):
        for row in part:
            note_columns(headers, row)
        values = [row_values(job_id, row) for row in part]
        bad = sum(v["state"] == "error" for v in values)
        with sessions() as session:
            moved = session.execute(update(Job).where(Job.id == job_id, Job.status == "queued")
                                    .values(total=Job.total + len(values), done=Job.done + bad, errors=Job.errors + bad)
                                    .execution_options(synchronize_session=False))
            if rowcount(moved) != 1:
                session.rollback()
                return False
            write_many(session, insert(JobRow.__table__), values)
            session.commit()
    if pack is not None:
        with sessions() as session:
            session.execute(update(Job).where(Job.id == job_id).values(unread=unclaimed(pack, headers)))
            session.commit()
    return True


def read_waiting(sessions: sessionmaker[Session], folder: Path, job_id: int, pack: RulePack, max_rows: int,
                 max_uncompressed: int) -> bool:
    """Read the job's received file into its rows, if one waits, then remove the file; False if the job cannot go on
    (the file is unreadable, which fails the job with the reason, or the job was cancelled)."""
    path = waiting_upload(folder, job_id)
    if path is None:
        return True
    try:
        stored = store_rows(sessions, job_id, read_upload(path, pack, max_rows, max_uncompressed), pack=pack)
    except UploadError as exc:
        restart(sessions, job_id)
        with sessions() as session:
            job = session.get(Job, job_id)
            lang = job.lang if job is not None else "zh"
        fail_job(sessions, job_id, translate("agency.bad_file", lang) + str(exc))
        stored = False
    path.unlink(missing_ok=True)
    log.info("job %s: file %s read (%s)", job_id, path.name, "rows stored" if stored else "stopped")
    return stored
