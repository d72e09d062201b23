"""Rule packs as data: read a rules/ tree into {path: text}, load such files, keep versions in the database."""

from __future__ import annotations

import hashlib
import json
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from checker.problems import Problem
from checker.rules.loader import load_pack
from checker.rules.pack import RulePack
from checker.staff.models import AuditEntry, PackVersion

Files = dict[str, str]


def read_tree(root: Path) -> Files:
    """Every YAML rule file under root, by its path relative to root."""
    return {p.relative_to(root).as_posix(): p.read_text(encoding="utf-8") for p in sorted(root.rglob("*.yaml"))}


def safe_path(path: str) -> bool:
    """Whether a rule-file path stays inside the pack (relative, no '..', a .yaml file)."""
    parts = PurePosixPath(path).parts
    return bool(parts) and not path.startswith("/") and ".." not in parts and "\\" not in path and path.endswith(".yaml")


def materialise(files: Files, seeds: Path, dest: Path) -> Path:
    """Write the files to dest/rules with dest/seeds linking to the seeds; return the rules folder."""
    root = dest / "rules"
    for path, text in files.items():
        if not safe_path(path):
            raise ValueError(f"unsafe rule-file path {path!r}")
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    root.mkdir(parents=True, exist_ok=True)
    (dest / "seeds").symlink_to(seeds.resolve(), target_is_directory=True)
    return root


def load_files(files: Files, seeds: Path) -> RulePack:
    """Load a pack from file texts (raises RulePackError like load_pack)."""
    with tempfile.TemporaryDirectory(prefix="pack-") as tmp:
        pack = load_pack(materialise(files, seeds, Path(tmp)), seeds)
    with _VERSIONS_LOCK:
        _VERSIONS[_content_key(files, seeds)] = pack.version
    return pack


def version_of(files: Files, seeds: Path) -> str:
    """The version hash of the files as a pack (raises RulePackError like load_pack); files that already loaded in
    this process with the same seeds are not loaded again (an app start, a poll of an unchanged repository)."""
    with _VERSIONS_LOCK:
        known = _VERSIONS.get(_content_key(files, seeds))
    return known if known is not None else load_files(files, seeds).version


_VERSIONS: dict[str, str] = {}  # content key -> version of files that loaded
_VERSIONS_LOCK = threading.Lock()


def _content_key(files: Files, seeds: Path) -> str:
    """A hash of the rule files' paths and texts, the seeds folder and its files' names, sizes and change times."""
    digest = hashlib.sha256(str(seeds.resolve()).encode())
    seed_files = sorted(seeds.glob("*")) if seeds.is_dir() else []
    for seed in seed_files:
        stat = seed.stat()
        digest.update(f"\0{seed.name}\0{stat.st_size}\0{stat.st_mtime_ns}".encode())
    for path in sorted(files):
        digest.update(b"\1" + path.encode() + b"\0" + files[path].encode())
    return digest.hexdigest()


def newest_seq(session: Session) -> int:
    """The sequence number of the newest published version, 0 if none."""
    return session.scalar(select(func.max(PackVersion.seq))) or 0


def newest(session: Session) -> PackVersion | None:
    """The newest published version."""
    return session.scalars(select(PackVersion).order_by(PackVersion.seq.desc()).limit(1)).first()


def by_seq(session: Session, seq: int) -> PackVersion | None:
    """The version with this sequence number."""
    return session.scalars(select(PackVersion).where(PackVersion.seq == seq)).first()


def by_hash(session: Session, digest: str) -> PackVersion | None:
    """The earliest version with this content hash (the version stored results record)."""
    return session.scalars(select(PackVersion).where(PackVersion.hash == digest).order_by(PackVersion.seq).limit(1)).first()


def published_pack(session: Session, digest: str, seeds: Path) -> RulePack | None:
    """The published pack with this content hash, loaded from its stored files; None if never published."""
    found = by_hash(session, digest)
    return load_files(dict(found.files), seeds) if found is not None else None


def by_commit(session: Session, sha: str) -> PackVersion | None:
    """The version recorded for this commit of the rules repository."""
    return session.scalars(select(PackVersion).where(PackVersion.commit == sha).limit(1)).first()


def audit(session: Session, action: str, author: str, measure: str, comment: str | Problem,
          reasons: Sequence[Problem] = ()) -> None:
    """Record an action that published nothing (a refused publish or reload, a saved draft); the caller commits.
    A Problem comment (with its reasons) is stored as codes, so the audit page shows it in the reader's language."""
    text = note(comment, reasons) if isinstance(comment, Problem) else comment
    session.add(AuditEntry(author=author, action=action, seq=newest_seq(session), measure=measure, comment=text[:4000]))


def note(what: Problem, reasons: Sequence[Problem] = ()) -> str:
    """An audit comment made by the system: what happened and why, as JSON codes with their English messages."""
    data: dict[str, Any] = {**what.to_json(), "reasons": [r.to_json() for r in reasons[:20]]}
    text = json.dumps(data, ensure_ascii=False)
    return text if len(text) <= 4000 else json.dumps({**data, "reasons": data["reasons"][:3]}, ensure_ascii=False)


def read_note(comment: str) -> tuple[Problem, list[Problem]] | None:
    """The Problem and reasons of a comment made by note(); None for a person's own words (or an older entry)."""
    if not comment.startswith('{"code"'):
        return None
    try:
        data = json.loads(comment)
        return Problem.from_json(data), [Problem.from_json(r) for r in data.get("reasons", [])]
    except (ValueError, TypeError, AttributeError):
        return None


def measure_of(path: str) -> str:
    """The measure id of a measure file's path, else the path itself."""
    pure = PurePosixPath(path)
    if pure.parts[:1] == ("measures",) and pure.name != "index.yaml":
        return pure.stem
    return path


def changed(old: Files, new: Files) -> list[str]:
    """Measures (or other rule files) whose text differs between two packs."""
    paths = {p for p in old.keys() | new.keys() if old.get(p) != new.get(p)}
    return sorted({measure_of(p) for p in paths})


def add_version(session: Session, files: Files, digest: str, action: str, author: str, comment: str,
                commit: str | None = None) -> PackVersion:
    """Record a published version (and the rules repository's commit) and an audit entry per changed measure;
    the caller commits."""
    previous = newest(session)
    version = PackVersion(seq=(previous.seq if previous else 0) + 1, hash=digest, files=files, action=action,
                          author=author, comment=comment, commit=commit)
    session.add(version)
    for name in changed(previous.files if previous else {}, files) if previous else [""]:
        session.add(AuditEntry(author=author, action=action, seq=version.seq, measure=name, comment=comment))
    session.flush()
    return version
