"""Who runs batch jobs: one small interface, an in-process worker thread by default."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import Protocol

log = logging.getLogger(__name__)


class JobRunner(Protocol):
    """Anything that can run a stored job by id (a thread here; RQ or Celery could do the same)."""

    def submit(self, job_id: int) -> None:
        """Run the job soon; submitting a job twice runs it once."""

    def stop(self) -> None:
        """Stop taking work (a job left running resumes on the next start)."""


class InlineRunner:
    """Runs each job at once in the caller's thread (tests, small deployments)."""

    def __init__(self, work: Callable[[int], bool | None]) -> None:
        self.work = work

    def submit(self, job_id: int) -> None:
        """Run the job now."""
        self.work(job_id)

    def stop(self) -> None:
        """Nothing to stop."""


class ThreadRunner:
    """One daemon worker thread fed by a queue, started on first use.

    Jobs take turns: while another job waits, a job is asked to stop after `turn` seconds (at its next chunk's end);
    a `work` that answers False (stopped before its end) is queued again behind the others, so a 100k-row upload
    does not keep a second agency's 3-row job waiting for half an hour.
    """

    def __init__(self, work: Callable[[int, Callable[[], bool]], bool | None], turn: float = 5.0) -> None:
        self.work = work
        self.turn = turn
        self.queue: queue.Queue[int | None] = queue.Queue()
        self.pending: set[int] = set()
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.thread: threading.Thread | None = None

    def submit(self, job_id: int) -> None:
        """Queue the job unless it is already queued or running."""
        with self.lock:
            if job_id in self.pending or self.stopping.is_set():
                return
            self.pending.add(job_id)
            if self.thread is None:
                self.thread = threading.Thread(target=self._loop, name="agency-jobs", daemon=True)
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
