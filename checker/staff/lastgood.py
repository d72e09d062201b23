"""The rule pack to serve when the newest rules do not load: the newest commit (else published version) that does."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from checker.problems import Problem, problem_of
from checker.rules.loader import RulePackError, load_pack
from checker.rules.pack import RulePack
from checker.rules.yamlsrc import RuleError
from checker.staff import store
from checker.staff.gitrepo import GitError, RulesRepo
from checker.staff.models import PackVersion

log = logging.getLogger(__name__)
DEPTH = 50  # commits (and published versions) looked back for one that loads


@dataclass(frozen=True)
class Refusal:
    """The newest rules, refused because they do not load: their commit ('' for uncommitted files), errors and count."""

    commit: str
    count: int
    errors: tuple[str, ...]
    problems: tuple[Problem, ...] = field(default=(), compare=False)  # the same errors, in either language

    @property
    def name(self) -> str:
        """How people see the refused rules: the short commit id, else 'uncommitted changes'."""
        return self.commit[:10] or "uncommitted changes"

    def as_json(self) -> dict[str, object]:
        """The refusal for /health."""
        return {"commit": self.commit, "errors": self.count, "first_errors": list(self.errors)}


def refusal(commit: str, exc: Exception) -> Refusal:
    """A refusal of these rules for this load error (its first five messages kept)."""
    errors = list(getattr(exc, "errors", [exc]))
    return Refusal(commit, len(errors), tuple(str(e) for e in errors[:5]), tuple(located(e) for e in errors[:5]))


def located(error: object) -> Problem:
    """A load error as a Problem: a rule error with its file, line and key; any other error's own text."""
    if isinstance(error, RuleError):
        return error.located
    if isinstance(error, ValueError):
        return problem_of(error)
    return Problem("problem.other", {"text": str(error)})


@dataclass(frozen=True)
class Chosen:
    """The pack to use, where it came from ('' for the folder as it is, a commit id, or 'published vN'), and what was refused."""

    pack: RulePack
    source: str
    refused: Refusal | None = None


def choose(rules: Path, seeds: Path, sessions: sessionmaker[Session] | None = None, git: bool = True) -> Chosen:
    """The rules folder's pack when it loads; else the newest commit of its repository that loads, else (with a
    database) the newest published version that loads. Raises the folder's RulePackError when none does."""
    try:
        return Chosen(load_pack(rules, seeds), "")
    except RulePackError as exc:
        broken = exc
    found = (_from_git(rules, seeds, broken) if git else None) or _from_database(sessions, seeds, broken)
    if found is None or found.refused is None:
        raise broken
    log.error("rules %s do not load (%d error(s), first: %s); serving the last good version %s (rule pack %s)",
              found.refused.name, found.refused.count, found.refused.errors[:1], found.source, found.pack.version)
    return found


def _from_git(rules: Path, seeds: Path, broken: RulePackError) -> Chosen | None:
    """The newest commit of the rules folder's repository that loads; the first commit that does not is the refused one."""
    try:
        repo = RulesRepo.open(rules, init=False)
        if repo is None:
            return None
        refused = refusal("", broken)
        for sha in repo.history(DEPTH):
            try:
                return Chosen(store.load_files(repo.files(sha), seeds), sha, refused)
            except (RulePackError, ValueError, OSError) as exc:
                refused = refused if refused.commit else refusal(sha, exc)
    except (GitError, OSError) as exc:
        log.error("cannot read the rules repository of %s: %s", rules, exc)
    return None


def _from_database(sessions: sessionmaker[Session] | None, seeds: Path, broken: RulePackError) -> Chosen | None:
    """The newest published version that loads."""
    if sessions is None:
        return None
    try:
        with sessions() as session:
            versions = [(v.seq, dict(v.files)) for v in session.scalars(
                select(PackVersion).order_by(PackVersion.seq.desc()).limit(DEPTH))]
    except SQLAlchemyError as exc:  # no staff tables yet: nothing was ever published
        log.error("cannot read the published rule-pack versions: %s", exc)
        return None
    for seq, files in versions:
        try:
            return Chosen(store.load_files(files, seeds), f"published v{seq}", refusal("", broken))
        except (RulePackError, ValueError, OSError):
            continue
    return None
