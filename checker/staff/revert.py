"""Undo one publish without touching later ones: the texts that take its change back out of the current files.

Like `git revert` of the publish's commit: each file it changed goes back to its text before, when nobody changed it
since; a file changed since is merged three ways (git merge-file: the current text, the publish's text as base, the
text before it); a file whose later change overlaps is a conflict and nothing is drafted. The texts become a draft,
so the revert is linted, its examples run, its impact previewed and published like any change.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from checker.problems import Problem

Files = dict[str, str]


class RevertRefused(Exception):
    """The publish cannot be reverted on the current files; `reasons` says why (conflicting files, nothing to undo)."""

    def __init__(self, reasons: list[Problem]) -> None:
        super().__init__("; ".join(str(r) for r in reasons))
        self.reasons = reasons


def merge_texts(current: str, base: str, other: str) -> str | None:
    """Three-way merge of the current text and `other`, both descended from base; None on a conflict (or no git)."""
    merged = merge_marked(current, base, other)
    return merged[0] if merged is not None and not merged[1] else None


def merge_marked(current: str, base: str, other: str, labels: tuple[str, str, str] = ("current", "base", "other")
                 ) -> tuple[str, list[int]] | None:
    """Three-way merge (git merge-file): the merged text, conflicts marked with <<<<<<< / >>>>>>> lines named by
    labels, and the line numbers of the conflicts' first markers (none on a clean merge); None when git fails."""
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for name, text in (("current", current), ("base", base), ("other", other)):
            path = Path(tmp) / name
            path.write_text(text, encoding="utf-8")
            paths.append(str(path))
        args = [arg for label in labels for arg in ("-L", label)]
        try:
            done = subprocess.run(["git", "merge-file", "-p", *args, *paths], capture_output=True, timeout=30)
        except (OSError, subprocess.SubprocessError):
            return None
    if done.returncode < 0 or done.returncode > 127:
        return None
    text = done.stdout.decode("utf-8")
    return text, (conflict_lines(text) if done.returncode else [])


def conflict_lines(text: str) -> list[int]:
    """The line numbers (from 1) of the conflict markers that open a conflict (<<<<<<<)."""
    return [n for n, line in enumerate(text.splitlines(), 1) if line.startswith("<<<<<<< ") or line == "<<<<<<<"]


def _undo(path: str, old: str | None, new: str | None, now: str | None) -> tuple[bool, str | None]:
    """(changes the file, its text: None removes it) to undo new → old on now; raises KeyError on a conflict."""
    if now == new:
        return True, old
    if now == old:
        return False, now  # already undone
    if old is None or new is None or now is None:
        raise KeyError(path)
    merged = merge_texts(now, new, old)
    if merged is None:
        raise KeyError(path)
    return True, merged


def revert_changes(before: Files, after: Files, current: Files, seq: int) -> dict[str, str | None]:
    """The draft texts that undo version `seq` (before → after) on the current files (None: remove the file)."""
    changes: dict[str, str | None] = {}
    conflicts = []
    for path in sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p)):
        try:
            changed, text = _undo(path, before.get(path), after.get(path), current.get(path))
        except KeyError:
            conflicts.append(path)
            continue
        if changed:
            changes[path] = text
    if conflicts:
        raise RevertRefused([Problem("refusal.revert_conflict", {"seq": seq, "path": p}) for p in conflicts])
    if not changes:
        raise RevertRefused([Problem("refusal.revert_nothing", {"seq": seq})])
    return changes
