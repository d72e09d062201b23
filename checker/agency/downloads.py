"""A finished job's default workbook (matrix + problems), written once per job and language and kept on disk."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from sqlalchemy.orm import Session

from checker.agency.models import Job
from checker.agency.results import job_sheets
from checker.agency.sheets import write_xlsx
from checker.rules.pack import RulePack


def workbook_path(folder: Path, job: Job, lang: str, rulepack: str) -> Path:
    """Where a job's cached workbook lives: one file per job (and its creation time), language and rule pack."""
    safe = "".join(c if c.isalnum() or c in "-._" else "_" for c in rulepack)[:60]
    stamp = f"{job.created_at:%Y%m%d%H%M%S%f}" if job.created_at else "0"
    return folder / f"job-{job.id}-{stamp}-{lang}-{safe}.xlsx"


def cached_workbook(folder: Path, session: Session, job: Job, pack: RulePack, lang: str) -> Path:
    """The finished job's default workbook, written now (atomically, in constant memory) if not written before."""
    path = workbook_path(folder, job, lang, pack.version)
    if path.exists():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=folder, suffix=".part")
    os.close(handle)
    try:
        write_xlsx(job_sheets(session, job.id, pack, lang).values(), temporary)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return path
