"""What a background worker does for the agency's job kinds (batch jobs, portfolio rechecks), handed to the app's
runner factory (checker.jobs.runners.Runners): the web layer only supplies the live checker, the file reader, the
exports folder and the webhook dispatch."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from checker.agency import downloads, portfolio_summary, webhooks
from checker.agency.jobs import fail_job, process_job
from checker.agency.recheck import fail_recheck, run_recheck
from checker.engine import Checker
from checker.jobs.runners import Stop, Work

log = logging.getLogger(__name__)
Lease = Callable[[], AbstractContextManager[Checker]]  # the live checker, held until the block ends


def batch_work(sessions: sessionmaker[Session], lease: Lease, read: Callable[[int, Any], bool], exports: Path,
               dispatch: webhooks.Dispatch, chunk: int) -> Work:
    """A batch job's work: read its file if one waits, check its rows until it ends (then keep its workbook, then the
    agency's portfolio summary, on the pack it ran on) or its turn is over (False); fail it on an error; its webhook
    once it ended."""

    def work(job_id: int, stop: Stop) -> bool:
        try:
            with lease() as checker:  # held from start to end, never closed under the job
                if not read(job_id, checker.pack):
                    return True
                if not process_job(sessions, checker, job_id, chunk, stop):
                    return False  # resumed on its next turn; nothing has ended
                downloads.warm_workbook(sessions, exports, checker.pack, job_id)  # what the agency waits for
                portfolio_summary.warm(sessions, checker.pack, job_id=job_id)  # then the portfolio page's summary
                return True
        except Exception as exc:
            if not fail_job(sessions, job_id, f"{type(exc).__name__}: {exc}"):
                log.error("job %s is left running: the database refuses writes; it resumes on the next start", job_id)
            raise
        finally:
            webhooks.job_finished(sessions, job_id, dispatch)  # once the job has ended, if one is set

    return work


def recheck_work(sessions: sessionmaker[Session], lease: Lease, dispatch: webhooks.Dispatch | None) -> Work:
    """A recheck's work: re-check the portfolio until it ends (then keep its summary on the pack it ran on, as the
    Celery task does, and send its webhook) or its turn is over (False); fail it on an error."""

    def work(recheck_id: int, stop: Stop) -> bool:
        try:
            with lease() as checker:
                if not run_recheck(sessions, checker, recheck_id, stop=stop):
                    return False
                portfolio_summary.warm(sessions, checker.pack, recheck_id=recheck_id)
        except Exception as exc:
            fail_recheck(sessions, recheck_id, f"{type(exc).__name__}: {exc}")
            raise
        webhooks.newly_eligible(sessions, recheck_id, dispatch)
        return True

    return work
