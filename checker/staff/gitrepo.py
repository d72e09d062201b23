"""The rules folder as a git repository: committed rule files are the published pack, publishes are commits.

The rules folder is either a repository of its own (initialised on first use when it is in none) or a
folder inside an enclosing repository (the project checkout's `rules/`): then every commit is limited to
the rule files it writes, so other work in that repository is never committed with it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from checker.staff.store import Files, safe_path

SERVER = ("checker", "checker@localhost")  # the committer of browser publishes; the author is the staff member


class GitError(Exception):
    """A git command failed; the message is git's own."""


@dataclass(frozen=True)
class Commit:
    """One commit of the rules folder: id, author's email and message."""

    sha: str
    email: str
    message: str


def _run(cwd: Path, *args: str, data: bytes | None = None, check: bool = True) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
    for key in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        env.pop(key, None)
    name, email = SERVER
    cmd = ["git", "-c", f"user.name={name}", "-c", f"user.email={email}", "-c", "core.quotepath=off", *args]
    done = subprocess.run(cmd, cwd=cwd, input=data, capture_output=True, env=env, timeout=60)
    if check and done.returncode != 0:
        raise GitError(f"git {' '.join(args[:2])}: {done.stderr.decode(errors='replace').strip()}")
    return done


class RulesRepo:
    """Read and commit the rule files of one rules folder through git."""

    def __init__(self, rules: Path, top: Path) -> None:
        self.rules = rules.resolve()
        self.top = top
        prefix = self.rules.relative_to(top).as_posix()
        self.prefix = "" if prefix == "." else prefix + "/"

    @classmethod
    def open(cls, rules: Path, init: bool = True) -> RulesRepo | None:
        """The repository holding the rules folder; initialised (all files committed) when there is none.
        None when git is not installed."""
        if shutil.which("git") is None or not rules.is_dir():
            return None
        found = _run(rules, "rev-parse", "--show-toplevel", check=False)
        if found.returncode != 0:
            if not init:
                return None
            _run(rules, "init", "-q")
            repo = cls(rules, rules.resolve())
            _run(rules, "add", "-A", "--", ".")
            _run(rules, "commit", "-q", "--allow-empty", "-m", "Rules as they were when the checker first opened them")
            return repo
        return cls(rules, Path(found.stdout.decode().strip()).resolve())

    def head(self) -> str:
        """The commit id of HEAD ('' before the first commit)."""
        done = _run(self.top, "rev-parse", "--verify", "-q", "HEAD", check=False)
        return done.stdout.decode().strip() if done.returncode == 0 else ""

    def history(self, depth: int) -> list[str]:
        """The newest `depth` commits that changed the rules folder, newest first."""
        if not self.head():
            return []
        out = _run(self.top, "rev-list", f"--max-count={depth}", "HEAD", "--", self.prefix or ".").stdout.decode()
        return out.split()

    def files(self, rev: str = "HEAD") -> Files:
        """The committed rule files (*.yaml) at rev, by their path inside the rules folder."""
        if not rev or (rev == "HEAD" and not self.head()):
            return {}
        listing = _run(self.top, "ls-tree", "-r", "-z", rev, "--", self.prefix or ".").stdout.decode()
        blobs: list[tuple[str, str]] = []
        for entry in filter(None, listing.split("\0")):
            meta, path = entry.split("\t", 1)
            inner = path[len(self.prefix):]
            if meta.split()[1] == "blob" and path.startswith(self.prefix) and inner.endswith(".yaml"):
                blobs.append((inner, meta.split()[2]))
        return dict(zip([p for p, _ in blobs], self._blobs([sha for _, sha in blobs])))

    def _blobs(self, shas: list[str]) -> list[str]:
        if not shas:
            return []
        out = _run(self.top, "cat-file", "--batch", data=("\n".join(shas) + "\n").encode()).stdout
        texts, pos = [], 0
        for _ in shas:
            header_end = out.index(b"\n", pos)
            size = int(out[pos:header_end].split()[2])
            texts.append(out[header_end + 1:header_end + 1 + size].decode("utf-8"))
            pos = header_end + 1 + size + 1
        return texts

    def on_disk(self, paths: list[str]) -> dict[str, str | None]:
        """The working-tree text of each path (None when the file does not exist)."""
        out: dict[str, str | None] = {}
        for path in paths:
            target = self.rules / path
            out[path] = target.read_text(encoding="utf-8") if safe_path(path) and target.is_file() else None
        return out

    def commit(self, changes: dict[str, str | None], email: str, message: str) -> str:
        """Write (None: delete) the files and commit exactly them, authored by email; the new HEAD.
        Nothing to commit (the files already hold these texts) returns HEAD unchanged."""
        for path, text in changes.items():
            if not safe_path(path):
                raise GitError(f"unsafe rule-file path {path!r}")
            target = self.rules / path
            if text is None:
                target.unlink(missing_ok=True)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
        paths = [self.prefix + p for p in sorted(changes)]
        _run(self.top, "add", "-A", "--", *paths)
        staged = _run(self.top, "diff", "--cached", "--quiet", "--", *paths, check=False)
        if staged.returncode == 0:
            return self.head()
        author = f"{email.split('@')[0] or 'staff'} <{email or 'staff@localhost'}>"
        _run(self.top, "commit", "-q", "--only", f"--author={author}", "-m", message or "(no message)", "--", *paths)
        return self.head()

    def describe(self, rev: str) -> Commit:
        """The author's email and message of a commit."""
        out = _run(self.top, "log", "-1", "--format=%H%x00%ae%x00%B", rev).stdout.decode()
        sha, email, message = (out.split("\0") + ["", ""])[:3]
        return Commit(sha.strip(), email.strip(), message.strip())

    def last_change(self, path: str) -> Commit | None:
        """The newest commit that changed a rule file (None when none did)."""
        if not self.head():
            return None
        out = _run(self.top, "log", "-1", "--format=%H%x00%ae%x00%B", "HEAD", "--", self.prefix + path).stdout.decode()
        if not out.strip():
            return None
        sha, email, message = (out.split("\0") + ["", ""])[:3]
        return Commit(sha.strip(), email.strip(), message.strip())

    @contextlib.contextmanager
    def locked(self, wait: bool = True) -> Iterator[bool]:
        """Serialise writers of the rules folder across processes; without wait, yield False when another holds it."""
        gitdir = Path(_run(self.top, "rev-parse", "--absolute-git-dir").stdout.decode().strip())
        with open(gitdir / "checker-publish.lock", "w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
