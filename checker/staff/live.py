"""The live rule pack every request consults: the newest published version, converging across worker processes."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from checker.engine import Checker, EngineName
from checker.problems import Problem
from checker.rules.loader import RulePackError
from checker.rules.pack import RulePack
from checker.staff import history, store
from checker.staff.gitrepo import GitError, RulesRepo
from checker.staff.lastgood import Refusal, located, refusal

log = logging.getLogger(__name__)
GRACE = 30.0  # seconds a replaced checker stays open at least
MAX_AGE = 24 * 3600.0  # a replaced checker something still holds (a stuck batch job) is closed after this anyway


@dataclass(frozen=True)
class Snapshot:
    """One published pack ready to check with: its sequence number, files, pack and checker."""

    seq: int
    files: store.Files
    pack: RulePack
    checker: Checker


class LivePack:
    """Holds the live Snapshot; `refresh()` polls the newest seq (at most once per interval) and swaps on change."""

    def __init__(self, sessions: sessionmaker[Session], seeds: Path, engine: EngineName, interval: float = 1.0,
                 repo: RulesRepo | None = None, git_interval: float = 2.0) -> None:
        self.sessions = sessions
        self.seeds = seeds
        self.engine = engine
        self.interval = interval
        self.lock = threading.Lock()
        self.snapshot: Snapshot | None = None
        self.checked_at = 0.0
        self.retired: list[tuple[float, Checker]] = []
        self.leases: Counter[int] = Counter()  # id(checker) -> requests and jobs holding it now
        self.repo = repo
        self.git_interval = git_interval
        self.git_checked_at = 0.0
        self.seen_head = ""
        self.handed: RulePack | None = None  # the pack start() was given: its files need no second load
        self.refused: Refusal | None = None  # the newest rules, when they do not load (shown on /health and staff pages)

    def start(self, rules: Path, pack: RulePack, checker: Checker, import_new: bool = True) -> None:
        """Go live with the newest published version. With a rules repository, its committed files are what is
        published (a commit not yet recorded is imported first); without one, rules/ is imported from disk when no
        version exists yet or (import_new) when the disk's content was never published, e.g. a deploy."""
        self.handed = pack
        if self.repo is not None:
            self.sync_git(wait=True)
            with self.sessions() as session:
                empty = store.newest(session) is None
            if empty:  # the committed files do not load and nothing was ever published: serve the folder as it is
                self._import(rules, pack)
        else:
            with self.sessions() as session:
                newest = store.newest(session)
                known = newest is not None and (newest.hash == pack.version
                                                or store.by_hash(session, pack.version) is not None)
            if newest is None or (import_new and not known):
                self._import(rules, pack)
        with self.sessions() as session:
            newest = store.newest(session)
        if newest is not None and newest.hash == pack.version:
            self.snapshot = Snapshot(newest.seq, dict(newest.files), pack, checker)
        else:
            if newest is not None and not import_new:
                log.warning("rules on disk (%s) differ from the live published version v%s (%s)", pack.version, newest.seq,
                            newest.hash)
            self.retired.append((0.0, checker))
        self.refresh(force=True)

    def _import(self, rules: Path, pack: RulePack) -> None:
        """Record the pack the app was handed (loaded from rules/) as a new version: its own files and hash, not
        loaded again. A pack that carries no files (built by hand) is read from disk and loaded to learn its hash."""
        files, digest = dict(pack.files), pack.version
        if not files:
            files = store.read_tree(rules)
            try:
                digest = store.version_of(files, self.seeds)
            except (RulePackError, ValueError, OSError) as exc:
                log.error("rules on disk do not load, not importing them: %s", exc)
                return
        self._record(files, digest, "system", f"imported from {rules}", None)

    def _record(self, files: store.Files, digest: str, author: str, comment: str, commit: str | None) -> None:
        """Add an imported version; losing the race to another worker importing the same is fine."""
        with self.sessions() as session:
            try:
                store.add_version(session, files, digest, "import", author, comment, commit)
                session.commit()
            except IntegrityError:
                session.rollback()

    def sync_git(self, wait: bool = False) -> None:
        """Record the rules repository's HEAD as the newest version when it holds other files than the newest one
        (an officer's commit); a commit that does not load is refused, audited, and the live pack kept. While a
        browser publish holds the repository (its commit not yet recorded), a poll that does not wait skips."""
        assert self.repo is not None
        with self.repo.locked(wait) as held:
            if held:
                self._sync_git()

    def _sync_git(self) -> None:
        assert self.repo is not None
        head = self.repo.head()
        self.git_checked_at = time.monotonic()
        if not head or head == self.seen_head:
            return
        files = self.repo.files(head)
        with self.sessions() as session:
            newest = store.newest(session)
            if (newest is not None and dict(newest.files) == files) or store.by_commit(session, head) is not None:
                self.seen_head = head
                if self.refused is not None and self.refused.commit:  # a refused commit was reverted
                    self.refused = None
                return
        rewritten = history.rewrites(dict(newest.files) if newest is not None else {}, files, dt.date.today())
        if rewritten:  # a started period changed without a recorded correction
            self._refuse(head, RulePackError(rewritten))
            return
        try:
            digest = self._digest(files)
        except (RulePackError, ValueError, OSError) as exc:
            self._refuse(head, exc)
            return
        commit = self.repo.describe(head)
        self._record(files, digest, commit.email or "git", commit.message or f"commit {head[:10]}", head)
        self.seen_head, self.refused = head, None

    def _digest(self, files: store.Files) -> str:
        """The version of these rule files: the handed pack's when they are its files, else loaded to find out."""
        if self.handed is not None and self.handed.files and files == self.handed.files:
            return self.handed.version
        return store.version_of(files, self.seeds)

    def _refuse(self, head: str, exc: Exception) -> None:
        """Keep the live pack and say in the log and the audit why the commit was not loaded."""
        errors = getattr(exc, "errors", [exc])
        self.refused = refusal(head, exc)
        log.error("rules commit %s does not load, keeping the live pack: %s", head[:10], errors[:5])
        with self.sessions() as session:
            reasons = [located(e) for e in errors[:5]]
            store.audit(session, "refused", self.repo.describe(head).email if self.repo else "git", "",
                        Problem("audit.commit_refused", {"commit": head[:10], "count": len(errors)}), reasons)
            session.commit()
        self.seen_head = head

    def current(self) -> Snapshot:
        """The live snapshot."""
        assert self.snapshot is not None, "LivePack.start() was not called"
        return self.snapshot

    def refresh(self, force: bool = False) -> Snapshot:
        """Swap in the newest published version if it changed (polling at most once per interval)."""
        now = time.monotonic()
        if not force and now - self.checked_at < self.interval and self.snapshot is not None:
            return self.snapshot
        self.checked_at = now
        try:
            if self.repo is not None and (force or now - self.git_checked_at >= self.git_interval):
                self.sync_git()
            with self.sessions() as session:
                seq = store.newest_seq(session)
        except GitError as exc:
            log.error("cannot read the rules repository: %s", exc)
            return self.current()
        except SQLAlchemyError as exc:  # the database is unreachable: keep checking with the live pack
            log.error("cannot read the newest rule-pack version: %s", exc)
            return self.current()
        if self.snapshot is not None and seq == self.snapshot.seq:
            if self.retired:
                self.collect()
            return self.snapshot
        with self.lock:
            if self.snapshot is None or self.snapshot.seq != seq:
                self._swap(seq)
            self._close_retired()
        return self.current()

    def _swap(self, seq: int) -> None:
        """Load version seq and make it live; a version that fails to load leaves the live pack as it was."""
        with self.sessions() as session:
            version = store.by_seq(session, seq)
            files = dict(version.files) if version else None
        if files is None:
            return
        try:
            pack = store.load_files(files, self.seeds)
        except (RulePackError, ValueError, OSError) as exc:
            log.error("rule pack version %s does not load, keeping the live one: %s", seq, exc)
            return
        old = self.snapshot
        self.snapshot = Snapshot(seq, files, pack, Checker(pack, self.engine))
        if old is not None:
            self.retired.append((time.monotonic(), old.checker))

    def _close_retired(self, everything: bool = False) -> None:
        """Close replaced checkers once no request can still be using them."""
        keep = []
        for when, checker in self.retired:
            age = time.monotonic() - when
            if everything or age > MAX_AGE or (age > GRACE and not self.leases.get(id(checker))):
                checker.close()
            else:
                keep.append((when, checker))
        self.retired = keep

    def hold(self, fresh: bool = False) -> Snapshot:
        """The live snapshot (asked of the database now when fresh), its checker kept open until `release`."""
        snap = self.refresh(force=fresh)
        with self.lock:
            self.leases[id(snap.checker)] += 1
        return snap

    def release(self, snap: Snapshot) -> None:
        """Let go of a snapshot taken with `hold`: once replaced and released by all, its checker may close."""
        with self.lock:
            self.leases[id(snap.checker)] -= 1
            if self.leases[id(snap.checker)] <= 0:
                del self.leases[id(snap.checker)]

    @contextmanager
    def lease(self, fresh: bool = False) -> Iterator[Snapshot]:
        """The live snapshot, its checker kept open until the block ends (a request, a batch job)."""
        snap = self.hold(fresh)
        try:
            yield snap
        finally:
            self.release(snap)

    def collect(self) -> None:
        """Close the replaced checkers nothing uses any more."""
        with self.lock:
            self._close_retired()

    def close(self) -> None:
        """Close every checker this holder owns."""
        with self.lock:
            self._close_retired(everything=True)
            if self.snapshot is not None:
                self.snapshot.checker.close()

