"""A draft behind the committed rules: bring it up to date (three-way merge), say who changed its files, and name
the committed files that do not load (a broken commit) so an officer can repair them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from checker.i18n import N_
from checker.problems import Problem
from checker.rules.loader import RulePackError
from checker.rules.yamlsrc import RuleError
from checker.staff import history, store
from checker.staff.gitrepo import GitError, RulesRepo
from checker.staff.models import Draft, PackVersion
from checker.staff.revert import merge_marked

LABELS = ("draft", "draft-began-from", "latest")  # the conflict markers' names of the three texts
DEPTH = 200  # published versions looked back for the one that changed a file


@dataclass
class Update:
    """What bringing a draft up to date did: files merged cleanly, and files with conflicts (their marker lines)."""

    merged: list[str] = field(default_factory=list)
    conflicts: dict[str, list[int]] = field(default_factory=dict)


def behind(live: store.Files, draft: Draft) -> list[str]:
    """The draft's files whose committed text is no longer the one the draft began from."""
    return [p for p in draft.changes if live.get(p) != draft.bases.get(p)]


def merge_file(mine: str | None, base: str | None, latest: str | None) -> tuple[str | None, list[int]]:
    """The draft's text of a file rebased from base onto latest, and the lines of its conflicts (marked in the text).
    A file the draft did not change takes latest; a removed file counts as empty text in the merge."""
    if mine == base:
        return latest, []
    if latest == base or mine == latest:
        return mine, []
    merged = merge_marked(mine or "", base or "", latest or "", LABELS)
    if merged is None:  # no git: keep the officer's text whole, flag it as one conflict at line 1
        return mine, [1]
    text, lines = merged
    return (None if mine is None and not text.strip() else text), lines


def update_draft(draft: Draft, live: store.Files) -> Update:
    """Merge the committed changes since the draft began into its texts: its bases become the committed texts, its
    own edits are kept, and overlapping edits are marked as conflicts in its text (never dropped). The caller commits."""
    result = Update()
    changes, bases = dict(draft.changes), dict(draft.bases)
    for path in behind(live, draft):
        changes[path], lines = merge_file(draft.changes[path], draft.bases.get(path), live.get(path))
        bases[path] = live.get(path)
        if lines:
            result.conflicts[path] = lines
        else:
            result.merged.append(path)
    draft.changes, draft.bases = changes, bases
    return result


def changed_by(session: Session, repo: RulesRepo | None, path: str) -> Problem:
    """Why a draft's file is refused as changed: published in the editor by whom and when, or a commit made outside
    it (its subject); the newest change of the file decides."""
    if repo is not None:
        try:
            commit = repo.last_change(path)
        except GitError:
            commit = None
        if commit is not None:
            version = store.by_commit(session, commit.sha)
            if version is None or version.action == "import":
                return Problem(N_("refusal.live_commit"), {"path": path, "subject": commit.message.splitlines()[0]})
            return _published(path, version)
    version = _last_change(session, path)
    if version is None:
        return Problem("refusal.live_conflict", {"path": path})
    if version.action == "import":
        return Problem(N_("refusal.live_commit"), {"path": path, "subject": version.comment.splitlines()[0]
                                                   if version.comment else version.label})
    return _published(path, version)


def _published(path: str, version: PackVersion) -> Problem:
    """The refusal naming the publish (or rollback) that changed the file."""
    return Problem(N_("refusal.live_published"), {"path": path, "user": version.author,
                                                  "time": version.created_at.strftime("%Y-%m-%d %H:%M")})


def _last_change(session: Session, path: str) -> PackVersion | None:
    """The newest published version that changed the file (from the stored copies, without a repository)."""
    rows = list(session.scalars(select(PackVersion).order_by(PackVersion.seq.desc()).limit(DEPTH)))
    for newer, older in zip(rows, rows[1:]):
        if newer.files.get(path) != older.files.get(path):
            return newer
    return None


def broken_files(live: store.Files, seeds: Path, last_good: store.Files | None = None) -> dict[str, list[RuleError]]:
    """The committed files that do not load, or rewrite a started period of the last good pack without a correction
    (by path in the rules folder), with their errors; empty when the committed pack is fine."""
    found: dict[str, list[RuleError]] = {}
    try:
        store.load_files(live, seeds)
    except RulePackError as exc:
        for error in exc.errors:
            found.setdefault(path_of(error.file, live), []).append(error)
    if last_good is not None and last_good != live:
        for error in history.rewrites(last_good, live, dt.date.today()):
            found.setdefault(path_of(error.file, live), []).append(error)
    return found


def path_of(file: str, files: Mapping[str, object]) -> str:
    """The rules-folder path of an error's file name ('rules/measures/x.yaml' or a temporary folder's path)."""
    return next((p for p in sorted(files, key=len, reverse=True) if file == p or file.endswith("/" + p)), file)
