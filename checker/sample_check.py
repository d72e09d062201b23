"""The engine's re-check of the rows a vectorised batch samples, run beside the batch in a forked process.

A batch hands each chunk's sampled rows over (submit) and awaits the verdict only before it writes that chunk (wait),
so on a machine of two cores the engine builds its rulesets and checks the sample while the batch reads, evaluates
and formats. Where the platform cannot fork, or when asked not to, the sample is checked here when awaited. Either
way a row the engine decides otherwise stops the batch with EngineMismatch, before the chunk is written.
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from types import TracebackType
from typing import IO, Any

from checker.batch import disagreement
from checker.engine import Checker, EngineMismatch
from checker.forked import FORKS, Forked, pickled, reply

Sample = list[tuple[Any, dict[str, Any], dict[str, Any]]]  # each sampled row: (id, profile, the batch's flat row)
__all__ = ["FORKS", "Sample", "SampleCheck", "disagreement"]


class SampleCheck:
    """Sampled rows checked by the checker's engine: in a forked process (its rulesets built there at once), or in
    this one when awaited (forked=False, or no fork on this platform)."""

    def __init__(self, checker: Checker, as_of: dt.date, forked: bool = FORKS) -> None:
        self.checker, self.as_of = checker, as_of
        self.waiting: list[Sample] = []  # submitted, verdict not read yet
        self.child = Forked(self._serve) if forked else None

    def _serve(self, requests: IO[bytes], replies: IO[bytes]) -> None:
        """The forked process: build the engine's rulesets, then answer each sample with the index of its first
        disagreeing row or None (what building or checking raised: told at the first wait, as here)."""
        try:
            self.checker.prepare(as_of=self.as_of)
        except Exception as exc:
            failed: Exception | None = exc
        else:
            failed = None
        for sample in pickled(requests):
            reply(replies, partial(_raise, failed) if failed else partial(disagreement, self.checker, sample, self.as_of))

    @property
    def pid(self) -> int:
        """The forked process's id (0: none, or ended)."""
        return self.child.pid if self.child is not None else 0

    def submit(self, sample: Sample) -> None:
        """Hand over one chunk's sampled rows (checked at once in the forked process, else when awaited)."""
        if self.child is not None:
            self.child.ask(sample)
        self.waiting.append(sample)

    def wait(self) -> None:
        """Every sample submitted so far checked: EngineMismatch naming the first row the engine decides otherwise
        (whatever the check itself raised, raised here)."""
        while self.waiting:
            sample = self.waiting.pop(0)
            at = disagreement(self.checker, sample, self.as_of) if self.child is None else self.child.answer()
            if at is not None:
                raise EngineMismatch(f"vectorised batch and {self.checker.engine} disagree on row id {sample[at][0]!r}")

    def close(self) -> None:
        """End the forked process and reap it."""
        if self.child is not None:
            self.child.close()

    def __enter__(self) -> SampleCheck:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        self.close()


def _raise(error: Exception) -> None:
    raise error
