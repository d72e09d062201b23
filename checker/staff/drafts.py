"""Drafts: the live pack's files plus edited files, linted and with their examples run; publishing and rollback."""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from checker.i18n import N_
from checker.problems import Problem
from checker.rules.loader import RulePackError
from checker.rules.pack import RulePack
from checker.rules.yamlsrc import RuleError
from checker.ruletest import ExampleOutcome, measure_id_of, run_pack
from checker.staff import history, store, sync
from checker.staff.gitrepo import GitError, RulesRepo
from checker.staff.impact_models import ImpactJob
from checker.staff.models import Draft, PackVersion
from checker.staff.revert import conflict_lines


class PublishRefused(Exception):
    """A draft or rollback cannot be published; `reasons` says why, `diff` shows a conflicting change."""

    def __init__(self, reasons: list[Problem], diff: str = "") -> None:
        super().__init__("; ".join(str(r) for r in reasons))
        self.reasons = reasons
        self.diff = diff


@dataclass
class DraftCheck:
    """The outcome of linting a draft and running the examples of what it changes."""

    files: store.Files
    pack: RulePack | None = None
    errors: list[RuleError] = field(default_factory=list)
    examples: list[ExampleOutcome] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    gaps: list[tuple[str, str, str]] = field(default_factory=list)  # (measure, criterion, side) no example reaches
    new_gaps: list[tuple[str, str, str]] = field(default_factory=list)  # of those, the ones the live pack had not

    @property
    def failing(self) -> list[ExampleOutcome]:
        """The examples that did not hold."""
        return [o for o in self.examples if not o.passed]

    @property
    def ok(self) -> bool:
        """Loads without errors and every example run holds."""
        return self.pack is not None and not self.errors and not self.failing and not self.new_gaps


def compose(live: store.Files, changes: Mapping[str, str | None]) -> store.Files:
    """The draft's full set of files: the live ones with the changed ones replaced or added (None: removed)."""
    return {p: t for p, t in {**live, **changes}.items() if t is not None}


def text_hash(changes: Mapping[str, str | None]) -> str:
    """What identifies a draft's texts: an impact preview must have been made of exactly these to publish them."""
    return hashlib.sha256(json.dumps(changes, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def previewed(session: Session, draft: Draft) -> bool:
    """Whether a finished impact preview was made of exactly the draft's current texts."""
    query = select(ImpactJob.id).where(ImpactJob.text_hash == text_hash(dict(draft.changes)),
                                       ImpactJob.status == "done").limit(1)
    return session.scalar(query) is not None


def measure_path(files: store.Files, measure_id: str) -> str | None:
    """The path of a measure's file in a pack."""
    return next((p for p in files if p.startswith("measures/") and store.measure_of(p) == measure_id), None)


def check_files(live: store.Files, files: store.Files, seeds: Path, last_good: store.Files | None = None) -> DraftCheck:
    """Lint the files as a pack; when it loads, run the examples of the changed measures (all, if shared files changed).
    Coverage gaps count as new against the live files, or last_good when those do not load (a broken commit)."""
    result = DraftCheck(files, changed=store.changed(live, files))
    rewritten = history_errors(live, files, last_good, dt.date.today())
    marked = conflict_markers(live, files)
    try:
        result.pack = store.load_files(files, seeds)
    except RulePackError as exc:
        noisy = {e.file for e in marked}  # a file with markers does not parse: the markers are what to fix
        result.errors = marked + [e for e in exc.errors if e.file not in noisy] + rewritten
        return result
    result.errors = rewritten
    ids = {m.id for m in result.pack.measures}
    shared = any(name not in ids for name in result.changed)
    measures = [m for m in result.pack.every_version() if shared or m.id in result.changed]
    result.examples, result.gaps = run_pack(result.pack, measures=measures)
    if result.gaps:
        ids = {measure_id_of(g[0]) for g in result.gaps}
        known = _live_gaps(live, seeds, ids)
        if known is None and last_good is not None:
            known = _live_gaps(last_good, seeds, ids)
        result.new_gaps = [g for g in result.gaps if g not in (known or set())]
    return result


def history_errors(live: store.Files, files: store.Files, last_good: store.Files | None, today: dt.date) -> list[RuleError]:
    """Started periods change only as corrections: against the committed files, and against the last good (live) pack
    as well when they differ, so repairing a broken commit cannot carry a rewrite the commit made past the check."""
    errors = history.rewrites(live, files, today)
    if last_good is not None and last_good != live:
        errors += [e for e in history.rewrites(last_good, files, today) if e not in errors]
    return errors


def conflict_markers(live: store.Files, files: store.Files) -> list[RuleError]:
    """An error at each unresolved conflict left by bringing a draft up to date (<<<<<<< in a changed file)."""
    return [RuleError(f"rules/{path}", line, "", Problem(N_("lint.conflict_marker"), {"line": line}))
            for path in sorted(p for p in files if files[p] != live.get(p)) for line in conflict_lines(files[path])]


def _live_gaps(live: store.Files, seeds: Path, ids: set[str]) -> set[tuple[str, str, str]] | None:
    """The coverage gaps the live pack already has in these measures (a draft is held only to new ones); None when
    the live files do not load."""
    try:
        pack = store.load_files(live, seeds)
    except RulePackError:
        return None
    return set(run_pack(pack, measures=[m for m in pack.every_version() if m.id in ids])[1])


def start_draft(session: Session, live: store.Files, path: str, text: str, author: str) -> Draft:
    """A new draft changing one file; the caller commits."""
    draft = Draft(author=author, measure=store.measure_of(path), changes={path: text}, bases={path: live.get(path)})
    session.add(draft)
    session.flush()
    return draft


def start_files(session: Session, live: store.Files, changes: Mapping[str, str | None], author: str, label: str) -> Draft:
    """A new draft changing or adding several files (a new measure and its folder's index); the caller commits."""
    draft = Draft(author=author, measure=label, changes=dict(changes), bases={p: live.get(p) for p in changes})
    session.add(draft)
    session.flush()
    return draft


def diff(live: store.Files, changes: Mapping[str, str | None]) -> str:
    """A unified diff of the changed files against the live pack."""
    out: list[str] = []
    for path, text in sorted(changes.items()):
        old = live.get(path) or ""
        out += difflib.unified_diff(old.splitlines(keepends=True), (text or "").splitlines(keepends=True),
                                    f"live/{path}", f"draft/{path}" if text is not None else "/dev/null")
    return "".join(out)


def conflicts(live: store.Files, draft: Draft) -> list[str]:
    """Files of the draft that were changed in the live pack since the draft began."""
    return [p for p in draft.changes if live.get(p) != draft.bases.get(p)]


def publish(session: Session, draft: Draft, seeds: Path, author: str, comment: str,
            repo: RulesRepo | None = None) -> PackVersion:
    """Publish a draft on top of the newest version if it loads, its examples hold, a reason is given and nobody
    changed its files meanwhile; with a rules repository the files are written and committed. The caller commits."""
    if repo is None:
        return _publish(session, draft, seeds, author, comment, None)
    with repo.locked():
        return _publish(session, draft, seeds, author, comment, repo)


def _publish(session: Session, draft: Draft, seeds: Path, author: str, comment: str, repo: RulesRepo | None) -> PackVersion:
    newest = store.newest(session)
    live = repo.files() if repo is not None else (dict(newest.files) if newest else {})
    reasons = [] if comment.strip() else [Problem("refusal.no_comment")]
    if draft.status != "open":
        reasons.append(Problem("refusal.draft_status", {"status": draft.status}))
    behind = conflicts(live, draft)
    reasons += [sync.changed_by(session, repo, p) for p in behind]
    moved = disk_conflicts(repo, draft) if repo is not None else {}
    reasons += [Problem("refusal.disk_conflict", {"path": p}) for p in moved if p not in behind]
    last_good = dict(newest.files) if newest else None
    checked = check_files(live, compose(live, draft.changes), seeds, last_good)
    reasons += lint_refusals(checked.errors, live, draft, seeds, last_good)
    reasons += [Problem("refusal.example", {"measure": o.measure, "n": o.index + 1, "name": o.name,
                                            "failures": "; ".join(o.failures)}) for o in checked.failing]
    reasons += [Problem("refusal.coverage", {"measure": m, "criterion": c, "side": side}) for m, c, side in checked.new_gaps]
    if checked.pack is not None and not checked.changed:
        reasons.append(Problem("refusal.no_change"))
    if not reasons and not previewed(session, draft):
        reasons.append(Problem("refusal.no_impact"))
    if reasons:
        raise PublishRefused(reasons, conflict_diff(draft, {**moved, **{p: live.get(p) for p in behind}}))
    assert checked.pack is not None
    sha = _commit(repo, dict(draft.changes), author, comment.strip()) if repo is not None else None
    version = _record(session, checked.files, checked.pack.version, "publish", author, comment, sha)
    draft.status = "published"
    return version


def lint_refusals(errors: list[RuleError], live: store.Files, draft: Draft, seeds: Path,
                  last_good: store.Files | None = None) -> list[Problem]:
    """The refusals of a draft's lint errors; errors of committed files the draft does not change, when the committed
    pack itself is refused (does not load, or rewrites history), become one 'the pack is broken in file X' refusal
    per file instead."""
    own = [p for p in draft.changes if draft.changes[p] is not None]
    if all(sync.path_of(e.file, {p: 1 for p in own}) in own for e in errors):
        return [lint_refusal(e) for e in errors]
    broken = {p: found for p, found in sync.broken_files(live, seeds, last_good).items() if p not in draft.changes}
    out = [lint_refusal(e) for e in errors if sync.path_of(e.file, live) not in broken]
    for path, found in sorted(broken.items()):
        first = found[0]
        out.append(Problem(N_("refusal.broken_pack"), {"path": path, "where": f"{path}:{first.line}",
                                                       "message": first.message, "message_zh": first.problem.text("zh")}))
    return out


def lint_refusal(error: RuleError) -> Problem:
    """A lint error that refuses a publish: where, which key, and the message in both languages."""
    params = {"where": f"{error.file}:{error.line}", "key": error.key, "message": error.message,
              "message_zh": error.problem.text("zh")}
    code = N_("refusal.lint_key") if error.key else N_("refusal.lint")
    return Problem(code, params)


def disk_conflicts(repo: RulesRepo, draft: Draft) -> dict[str, str | None]:
    """The draft's files whose text on disk is no longer the one the draft began from (an edit in a text editor)."""
    disk = repo.on_disk(list(draft.changes))
    return {p: text for p, text in disk.items() if text != draft.bases.get(p)}


def conflict_diff(draft: Draft, theirs: dict[str, str | None]) -> str:
    """What changed elsewhere since the draft began: the draft's base against the other text, per file."""
    out: list[str] = []
    for path, text in sorted(theirs.items()):
        base = draft.bases.get(path) or ""
        out += difflib.unified_diff(base.splitlines(keepends=True), (text or "").splitlines(keepends=True),
                                    f"draft-began-from/{path}", f"now/{path}")
    return "".join(out)


def rollback(session: Session, seq: int, seeds: Path, author: str, comment: str, repo: RulesRepo | None = None) -> PackVersion:
    """Publish an earlier version's files again as the next version (committed to the rules repository if any);
    the caller commits."""
    target = store.by_seq(session, seq)
    if target is None:
        raise PublishRefused([Problem("refusal.no_version", {"seq": seq})])
    if not comment.strip():
        raise PublishRefused([Problem("refusal.no_comment")])
    files = dict(target.files)
    if repo is not None and target.commit:  # git's copy of that version is the reference
        with contextlib.suppress(GitError):
            files = repo.files(target.commit)
    try:
        pack = store.load_files(files, seeds)
    except RulePackError as exc:
        raise PublishRefused([Problem("refusal.old_version", {"seq": seq, "error": e.located}) for e in exc.errors]) from exc
    message = f"back to v{seq}: {comment.strip()}"
    sha = None
    if repo is not None:
        with repo.locked():
            head = repo.files()
            changes = {p: files.get(p) for p in head.keys() | files.keys() if head.get(p) != files.get(p)}
            sha = _commit(repo, changes, author, message)
    return _record(session, files, pack.version, "rollback", author, message, sha)


def _commit(repo: RulesRepo, changes: dict[str, str | None], author: str, message: str) -> str:
    """Commit the files, turning a git failure into a refusal (the database keeps the live version)."""
    try:
        return repo.commit(changes, author, message)
    except GitError as exc:
        raise PublishRefused([Problem("refusal.git", {"error": str(exc)})]) from exc


def _record(session: Session, files: store.Files, digest: str, action: str, author: str, comment: str,
            commit: str | None = None) -> PackVersion:
    """Add the version, turning a lost race for the sequence number into a refusal."""
    try:
        return store.add_version(session, files, digest, action, author, comment.strip(), commit)
    except IntegrityError as exc:
        session.rollback()
        raise PublishRefused([Problem("refusal.race")]) from exc
