"""Zips of a page of a job's PDF reports, built in the background (each report takes seconds of CPU) and kept on disk
beside the job's workbooks, with their progress in a small JSON file while they are being built."""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from checker.agency.models import Job
from checker.agency.report_pdf import reports_zip
from checker.rules.pack import RulePack
from checker.sheets.verdicts import ClientVerdicts

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ZipState:
    """How far a zip is: ready to send, or `done` of `total` reports written (`failed` says why it stopped)."""

    ready: bool
    done: int = 0
    total: int = 0
    failed: str = ""


def zip_path(folder: Path, job: Job, page: int, lang: str, rulepack: str) -> Path:
    """Where a page's zip is kept: per job (its creation time and rows done), page, language and rule pack."""
    safe = "".join(c if c.isalnum() or c in "-._" else "_" for c in rulepack)[:60]
    stamp = f"{job.created_at:%Y%m%d%H%M%S%f}" if job.created_at else "0"
    return folder / f"job-{job.id}-{stamp}-{job.done}-reports-{page}-{lang}-{safe}.zip"


def _progress_file(path: Path) -> Path:
    """The progress file of a zip being built."""
    return path.with_suffix(".progress.json")


def zip_state(path: Path) -> ZipState | None:
    """The zip's state: ready, being built (with its progress), or None when nobody started it."""
    if path.exists():
        return ZipState(True)
    try:
        data = json.loads(_progress_file(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return ZipState(False, int(data.get("done", 0)), int(data.get("total", 0)), str(data.get("failed", "")))


def _record(path: Path, done: int, total: int, failed: str = "") -> None:
    """Write the zip's progress (atomically: a reader sees the old or the new state)."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".json.part")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        json.dump({"done": done, "total": total, "failed": failed}, out)
    os.replace(temporary, _progress_file(path))


def build_zip(pack: RulePack, items: list[ClientVerdicts], path: Path, lang: str) -> None:
    """Write the zip of these clients' reports to path (through a temporary file), recording progress per report."""
    path.parent.mkdir(parents=True, exist_ok=True)
    _record(path, 0, len(items))
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".zip.part")
    try:
        with os.fdopen(handle, "wb") as out:
            reports_zip(pack, items, out, lang, progress=lambda done: _record(path, done, len(items)))
        os.replace(temporary, path)
        _progress_file(path).unlink(missing_ok=True)
    except Exception as exc:
        log.exception("reports zip %s not built", path.name)
        _record(path, 0, len(items), f"{type(exc).__name__}: {exc}"[:300])
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


class ZipBuilder:
    """Builds zips one at a time on a daemon thread (inline: in the caller, for tests); a zip asked for twice is
    built once."""

    def __init__(self, inline: bool = False) -> None:
        self.inline = inline
        self.building: set[Path] = set()
        self.lock = threading.Lock()
        self.one_at_a_time = threading.Semaphore(1)

    def submit(self, path: Path, total: int, build: Callable[[], None]) -> None:
        """Build the zip of `total` reports at path with `build` unless it is ready or already being built (its
        progress is recorded before this returns)."""
        with self.lock:
            if path in self.building or path.exists():
                return
            self.building.add(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        _record(path, 0, total)
        if self.inline:
            self._run(path, build)
        else:
            threading.Thread(target=self._run, args=(path, build), name=f"zip-{path.stem[:40]}", daemon=True).start()

    def _run(self, path: Path, build: Callable[[], None]) -> None:
        """Build, then forget the path (a failed build may be asked for again)."""
        try:
            with self.one_at_a_time:
                build()
        finally:
            with self.lock:
                self.building.discard(path)

    def busy(self, path: Path) -> bool:
        """Whether the zip at path is being built by this process."""
        with self.lock:
            return path in self.building
