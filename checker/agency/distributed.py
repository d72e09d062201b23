"""Scale-out on Celery: a job is cut into chunk tasks (Redis broker, one shared SQL database).

Set CHECKER_BROKER_URL (e.g. redis://127.0.0.1:6379/0) and the web app hands jobs to `CeleryRunner`;
`checker worker` runs the tasks with the same DATABASE_URL and CHECKER_RULES. Tasks are acknowledged
late and rejected when their worker dies, so a killed worker's chunk is delivered again (by the broker after its
visibility timeout, and within a minute by the lease sweep every worker runs: checker/jobs/leases.py); the chunk's
writes are conditional (rows claimed while pending, counters moved only while the job runs on its
pack), so a chunk checked twice is stored once.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from celery import Celery
from sqlalchemy.orm import Session, sessionmaker

from checker import config
from checker.agency import leases, portfolio_summary, webhooks
from checker.agency.jobs import CHUNK, _chunk, fail_job, finish_if_done, pending_ranges, start_job
from checker.agency.models import Job
from checker.engine import Checker, EngineName

log = logging.getLogger(__name__)
TASK = "checker.check_chunk"
RECHECK_TASK = "checker.run_recheck"
DELIVER = "checker.deliver_webhook"
QUEUE = "checker-chunks"


Published = Callable[[Session, str, Path], Any]  # (session, version, seeds) -> that published pack, or None
_PUBLISHED: list[Published] = []  # how this process's workers find a published pack (set by `checker worker`)


def make_celery(broker: str, published: Published | None = None) -> Celery:
    """The Celery app of the checker: late acks, one task prefetched per process, no result backend; `published`
    finds a rule-pack version no longer on disk (the staff store's, given by the layer above)."""
    if published is not None:
        _PUBLISHED[:] = [published]
    app = Celery("checker", broker=broker)
    visibility = int(os.environ.get("CHECKER_BROKER_VISIBILITY", "600"))
    app.conf.update(task_acks_late=True, task_reject_on_worker_lost=True, worker_prefetch_multiplier=1,
                    task_ignore_result=True, task_default_queue=QUEUE, broker_connection_retry_on_startup=True,
                    broker_transport_options=_transport(visibility), worker_hijack_root_logger=False)
    app.task(name=TASK, bind=True)(check_chunk)
    app.task(name=RECHECK_TASK)(recheck_portfolio)
    app.task(name=DELIVER)(deliver_webhook)
    return app


def _transport(visibility: int) -> dict[str, int]:
    """Redis options: a task taken by a vanished worker is handed out again once `visibility` seconds old,
    looked for every few seconds (kombu's default looks only every tenth tick of ten seconds)."""
    return {"visibility_timeout": visibility, "unacked_restore_throttle": 1,
            "unacked_restore_interval": max(1, min(10, visibility // 2))}


@dataclass
class WorkerState:
    """What a worker process holds: database sessions and one checker per rule-pack version it was asked for."""

    sessions: sessionmaker[Session]
    rules: Path
    engine: EngineName
    checkers: dict[str, Checker] = field(default_factory=dict)
    published: Published | None = None

    def checker_for(self, version: str) -> Checker | None:
        """The checker of this pack version: the rules on disk, else the published version of that hash."""
        if version not in self.checkers:
            pack = self._load(version)
            if pack is None:
                return None
            self.checkers[version] = Checker(pack, self.engine)
        return self.checkers[version]

    def _load(self, version: str) -> Any:
        from checker.rules.loader import load_pack

        pack = load_pack(self.rules)
        if pack.version == version:
            return pack
        if self.published is None:
            return None
        with self.sessions() as session:
            return self.published(session, version, config.seeds_dir(self.rules))


_STATE: WorkerState | None = None


def worker_state() -> WorkerState:
    """This process's state, built from the environment on first use (DATABASE_URL, CHECKER_RULES, CHECKER_ENGINE)."""
    global _STATE
    if _STATE is None:
        from checker.db import make_engine, make_sessions

        _STATE = WorkerState(make_sessions(make_engine(database_url())), config.rules_dir(), config.engine_name(),
                             published=_PUBLISHED[0] if _PUBLISHED else None)
    return _STATE


def worker_name(hostname: str | None) -> str:
    """How stored chunks name the worker: Celery's node name and the process id."""
    return f"{hostname or socket.gethostname()}/{os.getpid()}"


def check_chunk(task: Any, job_id: int, first: int, last: int) -> None:
    """Check the pending rows first..last of a job on the job's own rule pack; fail the job on a broken pack."""
    state = worker_state()
    with state.sessions() as session:
        job = session.get(Job, job_id)
        version = job.rulepack if job is not None and not job.finished else None
    if version is None:
        return
    checker = state.checker_for(version)
    if checker is None:
        fail_job(state.sessions, job_id, f"rule pack {version[:12]} is not available to worker {worker_name(None)}")
        return
    worker = worker_name(task.request.hostname)
    lease = leases.take(state.sessions, job_id, first, last, worker, leases.Timings.from_env())
    try:
        with lease or contextlib.nullcontext(), state.sessions() as session:  # renewed while the chunk is checked
            _chunk(session, checker, job_id, last - first + 1, worker, (first, last))
    except Exception as exc:  # an engine disagreement or a broken row: the job fails with the reason
        fail_job(state.sessions, job_id, f"{type(exc).__name__}: {exc}")
        raise
    with state.sessions() as session:
        finished = finish_if_done(session, job_id)
    if finished:
        # the first attempt is a task of its own (a slow receiver holds no chunk); retries from the web app's sweep
        webhooks.job_finished(state.sessions, job_id, lambda delivery: task.app.send_task(DELIVER, args=(delivery,),
                                                                                           queue=QUEUE))
        portfolio_summary.warm(state.sessions, checker.pack, job_id=job_id)  # the next portfolio page finds it ready


def recheck_portfolio(recheck_id: int, version: str) -> None:
    """Re-check an agency's portfolio on the rule pack `version`, then keep its summary and send its webhook."""
    from checker.agency.recheck import fail_recheck
    from checker.agency.work import recheck_work

    state = worker_state()
    checker = state.checker_for(version)
    if checker is None:
        fail_recheck(state.sessions, recheck_id, f"rule pack {version[:12]} is not available to worker {worker_name(None)}")
        return
    recheck_work(state.sessions, lambda: contextlib.nullcontext(checker), None)(recheck_id, lambda: False)


class CeleryRecheckRunner:
    """Sends each portfolio recheck to the workers as one task, on the live pack's version when submitted."""

    def __init__(self, celery: Celery, version: Callable[[], str]) -> None:
        self.celery = celery
        self.version = version

    def submit(self, recheck_id: int) -> None:
        """Queue the recheck (a finished one does nothing when it arrives)."""
        self.celery.send_task(RECHECK_TASK, args=(recheck_id, self.version()), queue=QUEUE)

    def stop(self) -> None:
        """Nothing runs here; the workers go on."""


def start_sweeper(celery: Celery) -> leases.Sweeper:
    """Re-queue chunks whose lease expired (their worker died), from this process, with its own database engine."""
    from checker.db import make_engine, make_sessions

    def send(job_id: int, first: int, last: int) -> None:
        celery.send_task(TASK, args=(job_id, first, last), queue=QUEUE)

    return leases.sweeper(make_sessions(make_engine(database_url())), send, leases.Timings.from_env())


def database_url() -> str:
    """The database workers share with the web app: DATABASE_URL, else the checkout's instance SQLite file."""
    return os.environ.get("DATABASE_URL") or f"sqlite:///{config.PROJECT_ROOT / 'instance' / 'checker.sqlite'}"
def deliver_webhook(delivery_id: int) -> None:
    """Make the first attempt of one webhook delivery (at most webhooks.DEADLINE_S seconds)."""
    webhooks.attempt(worker_state().sessions, delivery_id)


class CeleryRunner:
    """Starts a job on the live pack, then sends one chunk task per `size` pending rows to the workers.

    A job whose uploaded file still waits to be read (`waiting`) is first read into rows by `read`, in a thread of
    this process (the one that received the file), outside the request.
    """

    def __init__(self, celery: Celery, sessions: sessionmaker[Session], version: Callable[[], str], size: int = CHUNK,
                 read: Callable[[int], bool] = lambda job_id: True,
                 waiting: Callable[[int], bool] = lambda job_id: False) -> None:
        self.celery = celery
        self.sessions = sessions
        self.version = version
        self.size = size
        self.sweeper: leases.Sweeper | None = None
        self.read = read
        self.waiting = waiting

    def submit(self, job_id: int) -> None:
        """Queue the job's pending rows as chunk tasks (again after a restart: stored rows are skipped)."""
        if self.waiting(job_id):
            threading.Thread(target=self._read_then_send, args=(job_id,), name=f"read-job-{job_id}", daemon=True).start()
        else:
            self._send(job_id)

    def _read_then_send(self, job_id: int) -> None:
        """Read the job's file into rows, then send its chunks (a file that cannot be read has failed the job)."""
        try:
            if self.read(job_id):
                self._send(job_id)
        except Exception:
            log.exception("job %s: its file could not be read", job_id)
            fail_job(self.sessions, job_id, "the uploaded file could not be read")

    def _send(self, job_id: int) -> None:
        """Mark the job running and send one task per chunk of its pending rows."""
        if not start_job(self.sessions, job_id, self.version()):
            return
        with self.sessions() as session:
            ranges = pending_ranges(session, job_id, self.size)
            if not ranges:
                finish_if_done(session, job_id)
            leases.queue(session, job_id, ranges)  # a worker leases each; an expired lease is sent again by a sweep
        for first, last in ranges:
            self.send(job_id, first, last)

    def send(self, job_id: int, first: int, last: int) -> None:
        """Send one chunk task to the workers."""
        self.celery.send_task(TASK, args=(job_id, first, last), queue=QUEUE)

    def sweep(self) -> None:
        """Re-queue chunks whose lease expired from this process too (the server's background work), every sweep."""
        if self.sweeper is None:
            self.sweeper = leases.sweeper(self.sessions, self.send, leases.Timings.from_env())

    def stop(self) -> None:
        """Stop this process's lease sweep; the workers go on."""
        if self.sweeper is not None:
            self.sweeper.stop()
            self.sweeper = None
