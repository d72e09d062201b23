"""Who runs background jobs of every kind: one small interface, an in-process worker thread by default, and the one
factory `create_app` wires (Celery for the kinds that have tasks when a broker is configured)."""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

log = logging.getLogger(__name__)
Stop = Callable[[], bool]
Work = Callable[[int, Stop], bool | None]  # run job `id` until it ends (True, None) or `stop` says (False)


class JobRunner(Protocol):
    """Anything that can run a stored job by id (a thread here; Celery in checker.agency.distributed)."""

    def submit(self, job_id: int) -> None:
        """Run the job soon; submitting a job twice runs it once."""

    def stop(self) -> None:
        """Stop taking work (a job left running resumes on the next start)."""


class InlineRunner:
    """Runs each job at once in the caller's thread (tests, small deployments)."""

    def __init__(self, work: Work) -> None:
        self.work = work

    def submit(self, job_id: int) -> None:
        """Run the job now, to its end."""
        self.work(job_id, lambda: False)

    def stop(self) -> None:
        """Nothing to stop."""


class ThreadRunner:
    """One daemon worker thread fed by a queue, started on first use.

    Jobs take turns: while another job waits, a job is asked to stop after `turn` seconds (at its next chunk's end);
    a `work` that answers False (stopped before its end) is queued again behind the others, so a 100k-row upload
    does not keep a second agency's 3-row job waiting for half an hour.
    """

    def __init__(self, work: Work, turn: float = 5.0, name: str = "jobs") -> None:
        self.work = work
        self.turn = turn
        self.queue: queue.Queue[int | None] = queue.Queue()
        self.pending: set[int] = set()
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.thread: threading.Thread | None = None
        self.name = name

    def submit(self, job_id: int) -> None:
        """Queue the job unless it is already queued or running."""
        with self.lock:
            if job_id in self.pending or self.stopping.is_set():
                return
            self.pending.add(job_id)
            if self.thread is None:
                self.thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
                self.thread.start()
        self.queue.put(job_id)

    def _loop(self) -> None:
        """Take jobs off the queue until stopped."""
        while True:
            job_id = self.queue.get()
            if job_id is None:
                return
            ended: bool | None = True
            try:
                ended = self.work(job_id, self._stop_after(time.monotonic() + self.turn))
            except Exception:  # a worker must survive one bad job
                log.exception("job %s failed", job_id)
            if ended is False and not self.stopping.is_set():
                self.queue.put(job_id)  # its turn is over: behind the jobs that waited
                continue
            with self.lock:
                self.pending.discard(job_id)

    def _stop_after(self, deadline: float) -> Callable[[], bool]:
        """When a job should stop: the runner is stopping, or its turn is over and another job waits."""
        return lambda: self.stopping.is_set() or (time.monotonic() >= deadline and not self.queue.empty())

    def idle(self, timeout: float = 10.0) -> bool:
        """Wait until no job is queued or running (for tests); True if idle in time."""
        deadline = threading.Event()
        for _ in range(int(timeout * 20)):
            with self.lock:
                if not self.pending:
                    return True
            deadline.wait(0.05)
        return False

    def stop(self) -> None:
        """Finish the current chunk, then end the thread."""
        self.stopping.set()
        if self.thread is not None:
            self.queue.put(None)
            self.thread.join(timeout=30)
            self.thread = None


@dataclass(frozen=True)
class Runners:
    """The one runner factory of an app: 'thread' (default) or 'inline' (during the request: tests), or Celery tasks
    for a kind that has them when a broker is configured; `background` lets building the app start threads."""

    mode: str = "thread"
    broker: str = ""
    background: bool = False

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Runners:
        """AGENCY_RUNNER, CHECKER_BROKER_URL (config, else the environment) and AGENCY_BACKGROUND."""
        broker = config.get("CHECKER_BROKER_URL") or os.environ.get("CHECKER_BROKER_URL") or ""
        return cls(str(config.get("AGENCY_RUNNER") or "thread"), str(broker), bool(config.get("AGENCY_BACKGROUND")))

    @property
    def inline(self) -> bool:
        """Whether jobs run during the request that queues them."""
        return self.mode == "inline"

    def make(self, work: Work, name: str, celery: Callable[[str], JobRunner] | None = None) -> JobRunner:
        """The runner of one job kind: `celery(broker)` when a broker is set and the kind has tasks, else inline or a
        thread named `name` that runs `work`."""
        if self.broker and celery is not None:
            return celery(self.broker)
        if self.inline:
            return InlineRunner(work)
        return ThreadRunner(work, name=name)

    def may_start_threads(self, runner: JobRunner) -> bool:
        """Whether building the app may start background threads for this runner: only when AGENCY_BACKGROUND asks
        (`checker serve` does); the inline and Celery runners start none. A request that queues a job still starts one."""
        return not isinstance(runner, ThreadRunner) or self.background


def runners(app: Any) -> Runners:
    """The runner factory `create_app` gave this app (built from its config if the app was built another way)."""
    found = app.extensions.get("jobs")
    return found if isinstance(found, Runners) else Runners.from_config(app.config)
