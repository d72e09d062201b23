"""The engine's re-check of the rows a vectorised batch samples, run beside the batch in a forked process.

A batch hands each chunk's sampled rows over (submit) and awaits the verdict only before it writes that chunk (wait),
so on a machine of two cores the engine builds its rulesets and checks the sample while the batch reads, evaluates
and formats. Where the platform cannot fork, or when asked not to, the sample is checked here when awaited. Either
way a row the engine decides otherwise stops the batch with EngineMismatch, before the chunk is written.
"""

from __future__ import annotations

import datetime as dt
import os
import pickle
import sys
from types import TracebackType
from typing import IO, Any

from checker.batch import flat_check
from checker.engine import Checker, EngineMismatch

Sample = list[tuple[Any, dict[str, Any], dict[str, Any]]]  # each sampled row: (id, profile, the batch's flat row)
FORKS = hasattr(os, "fork")


def disagreement(checker: Checker, sample: Sample, as_of: dt.date) -> int | None:
    """The index of the first sampled row whose flat result by the checker's engine differs from the batch's, if any."""
    for at, (ident, profile, flat) in enumerate(sample):
        if flat != flat_check(ident, checker.check(profile, as_of)):
            return at
    return None


class SampleCheck:
    """Sampled rows checked by the checker's engine: in a forked process (its rulesets built there at once), or in
    this one when awaited (forked=False, or no fork on this platform)."""

    def __init__(self, checker: Checker, as_of: dt.date, forked: bool = FORKS) -> None:
        self.checker, self.as_of = checker, as_of
        self.waiting: list[Sample] = []  # submitted, verdict not read yet
        self.pid = 0
        self.requests: IO[bytes] | None = None
        self.replies: IO[bytes] | None = None
        if forked:
            self._fork()

    def _fork(self) -> None:
        """Start the process that checks the samples (the parent's unwritten output flushed first: the child writes
        nothing, and leaves by os._exit so no buffer or exit handler of the parent's runs twice)."""
        sys.stdout.flush()
        sys.stderr.flush()
        request_in, request_out = os.pipe()
        reply_in, reply_out = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child
            os.close(request_out)
            os.close(reply_in)
            code = 1
            try:
                with os.fdopen(request_in, "rb") as requests, os.fdopen(reply_out, "wb") as replies:
                    _serve(self.checker, self.as_of, requests, replies)
                code = 0
            finally:
                os._exit(code)
        os.close(request_in)
        os.close(reply_out)
        self.pid = pid
        self.requests, self.replies = os.fdopen(request_out, "wb"), os.fdopen(reply_in, "rb")

    def submit(self, sample: Sample) -> None:
        """Hand over one chunk's sampled rows (checked at once in the forked process, else when awaited)."""
        if self.requests is not None:
            pickle.dump(sample, self.requests, protocol=pickle.HIGHEST_PROTOCOL)
            self.requests.flush()
        self.waiting.append(sample)

    def wait(self) -> None:
        """Every sample submitted so far checked: EngineMismatch naming the first row the engine decides otherwise
        (whatever the check itself raised, raised here)."""
        while self.waiting:
            sample = self.waiting.pop(0)
            at = disagreement(self.checker, sample, self.as_of) if self.replies is None else self._reply()
            if at is not None:
                raise EngineMismatch(f"vectorised batch and {self.checker.engine} disagree on row id {sample[at][0]!r}")

    def _reply(self) -> int | None:
        """The forked process's verdict on the oldest sample not yet answered."""
        assert self.replies is not None
        try:
            ok, found = pickle.load(self.replies)
        except EOFError:
            raise RuntimeError("the engine's sample check stopped before it answered") from None
        if not ok:
            raise found
        return found

    def close(self) -> None:
        """End the forked process (it leaves when its requests end) and reap it."""
        if self.requests is not None:
            self.requests.close()
            self.requests = None
        if self.replies is not None:
            self.replies.close()
            self.replies = None
        if self.pid:
            os.waitpid(self.pid, 0)
            self.pid = 0

    def __enter__(self) -> SampleCheck:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        self.close()


def _serve(checker: Checker, as_of: dt.date, requests: IO[bytes], replies: IO[bytes]) -> None:
    """The forked process: build the engine's rulesets, then answer each sample (ok, index of the first disagreeing
    row or None), or (False, what the check raised), until the requests end."""
    failed: BaseException | None = None
    try:
        checker.prepare(as_of)
    except Exception as exc:  # told at the first wait, as a check in this process would raise it
        failed = exc
    while True:
        try:
            sample = pickle.load(requests)
        except EOFError:
            return
        try:
            if failed is not None:
                raise failed
            reply = pickle.dumps((True, disagreement(checker, sample, as_of)))
        except Exception as exc:
            try:
                reply = pickle.dumps((False, exc))
            except Exception:  # an exception that does not pickle: its type and message
                reply = pickle.dumps((False, RuntimeError(f"{type(exc).__name__}: {exc}")))
        replies.write(reply)
        replies.flush()
