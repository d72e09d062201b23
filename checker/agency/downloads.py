"""A finished job's default workbook (the 汇总 sheet with its charts, then matrix + problems), written once per job and
language and kept on disk."""

from __future__ import annotations

import dataclasses
import fcntl
import json
import logging
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from checker.agency import summary_sheet
from checker.agency.compact import Reader
from checker.agency.models import Job
from checker.agency.results import job_facts, job_sheets
from checker.rules.pack import RulePack
from checker.sheets.verdicts import MeasureSummary, Summary, Tally, summarise_facts, titles
from checker.sheets.writer import write_xlsx

log = logging.getLogger(__name__)
FORMAT = "w4"  # w2: the 汇总 sheet first, money by type of one tax scenario (the stored totals); w3: the matrix
# shows an eligible item on a condition as to verify (status_of), as the summary does; w4: the problems sheet names the
# upload's columns no field read (Job.unread) before the rows' problems


def workbook_path(folder: Path, job: Job, lang: str, rulepack: str) -> Path:
    """Where a job's cached workbook lives: one file per job (and its creation time), language, rule pack and
    format (FORMAT: a workbook or summary kept by an older release is written anew)."""
    safe = "".join(c if c.isalnum() or c in "-._" else "_" for c in rulepack)[:60]
    stamp = f"{job.created_at:%Y%m%d%H%M%S%f}" if job.created_at else "0"
    return folder / f"job-{job.id}-{stamp}-{lang}-{safe}-{FORMAT}.xlsx"


def cached_workbook(folder: Path, session: Session, job: Job, pack: RulePack, lang: str) -> Path:
    """The finished job's default workbook, written now (atomically, in constant memory) if not written before: the
    汇总 sheet of its summary first, as the portfolio workbook."""
    path = workbook_path(folder, job, lang, pack.version)
    if path.exists():
        return path
    with writing(path):  # makes the folder
        if path.exists():  # written by whoever held the lock
            return path
        handle, temporary = tempfile.mkstemp(dir=folder, suffix=".part")
        os.close(handle)
        try:
            write_job_workbook(folder, session, job, pack, lang, temporary)
            os.replace(temporary, path)
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
    return path


@contextmanager
def writing(path: Path) -> Iterator[None]:
    """Held while a kept file is written (a lock on a file beside it, across threads and processes): a second writer of
    the same file waits for the first and finds it written. The agency's download asked for a 100k job's workbook as
    the worker began writing it, and both wrote it at once, each twice as slow (workbook served 39 s after the job)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "ab") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def write_job_workbook(folder: Path, session: Session, job: Job, pack: RulePack, lang: str, target: Any,
                       with_detail: bool = False) -> None:
    """A job's workbook (汇总 sheet, matrix, detail if asked, problems) to a path or binary file. The summary is the
    kept one, else tallied while the matrix reads the results (one pass, not two) and, once the job is over, kept:
    then under the summary's lock, so a page asking for the summary meanwhile waits for this one."""
    kept = summary_path(folder, job, pack)
    if not job.finished or kept.exists():
        _write_workbook(folder, session, job, pack, lang, target, with_detail)
        return
    with writing(kept):
        _write_workbook(folder, session, job, pack, lang, target, with_detail)


def _write_workbook(folder: Path, session: Session, job: Job, pack: RulePack, lang: str, target: Any,
                    with_detail: bool) -> None:
    kept = job.finished and summary_path(folder, job, pack).exists()
    tally = None if kept else Tally(titles(pack, lang), pack)
    sheets = job_sheets(session, job.id, pack, lang, with_detail, tally)

    def front() -> tuple[dict[str, bytes], list[str]]:
        summary = tally.summary() if tally else cached_summary(folder, session, job, pack, lang)
        if tally and job.finished:
            keep_summary(summary_path(folder, job, pack), summary)
        return summary_sheet.summary_parts(summary, lang)

    write_xlsx(sheets.values(), target, front=(summary_sheet.NAME, front))


def summary_path(folder: Path, job: Job, pack: RulePack) -> Path:
    """Where a finished job's summary is kept."""
    return workbook_path(folder, job, "summary", pack.version).with_suffix(".json")


def cached_summary(folder: Path, session: Session, job: Job, pack: RulePack, lang: str) -> Summary:
    """A finished job's summary, computed once (one pass over its results) and kept beside its workbook; a second
    asker (the job page while the worker tallies it with the workbook) waits for the first."""
    path = summary_path(folder, job, pack)
    names = titles(pack, lang)
    if not path.exists():
        with writing(path):
            if not path.exists():
                summary = summarise_facts(job_facts(session, job.id, Reader(pack)), names, pack)
                keep_summary(path, summary)
                return summary
    data = json.loads(path.read_text(encoding="utf-8"))
    measures = [MeasureSummary(**{**m, "title": names.get(m["measure"], m["measure"])}) for m in data.pop("measures")]
    return Summary(measures=measures, **data)


def keep_summary(path: Path, summary: Summary) -> None:
    """Write a summary as JSON, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".part")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        json.dump(dataclasses.asdict(summary), out, ensure_ascii=False)
    os.replace(temporary, path)


def warm_workbook(sessions: sessionmaker[Session], folder: Path, pack: RulePack, job_id: int) -> None:
    """Write a finished job's default workbook in its language, in the background worker, so the agency's download
    does not wait minutes in a request (100k clients); never fails the caller."""
    try:
        with sessions() as session:
            job = session.get(Job, job_id)
            if job is not None and job.status == "done":
                cached_workbook(folder, session, job, pack, job.lang)
    except Exception:  # a convenience: the download writes it if this failed
        log.exception("workbook of job %s not written ahead", job_id)
