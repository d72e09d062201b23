"""A loaded rule pack kept on disk, keyed by its content: start-up without parsing and linting every rule file.

The key hashes every file under the rules folder and the seeds folder (path and bytes) with the source of the code
that builds and lints the pack (checker/rules, checker/engine) and the Python and pydantic versions, so any change to
a rule, a quoted policy text or that code loads afresh. A cache file that is corrupted, stale or of another key is
ignored and rebuilt; a cache folder that cannot be written costs only the speed-up. Packs that do not load are never
cached (their errors show each time).
"""

from __future__ import annotations

import gc
import hashlib
import os
import pickle
import sys
import tempfile
from pathlib import Path

import pydantic

from checker.config import PACKAGE_DIR, seeds_dir
from checker.rules.pack import RulePack

FORMAT = b"rulepack-cache-1"
CODE = ("rules", "engine")  # the code that builds, lints and defines a pack: a change there loads afresh
KEEP = 8  # cached packs kept per folder (the newest): staff edits and upgrades leave older ones behind


def cache_dir() -> Path:
    """Where cached packs live: $CHECKER_PACK_CACHE, else $XDG_CACHE_HOME (or ~/.cache)/policy-checker/packs."""
    override = os.environ.get("CHECKER_PACK_CACHE")
    if override:
        return Path(override)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "policy-checker" / "packs"


def _tree(digest: hashlib._Hash, label: str, root: Path, pattern: str) -> None:
    """Feed every file under root matching pattern (sorted path, then bytes) into the digest."""
    if not root.is_dir():
        digest.update(f"{label}:absent\0".encode())
        return
    for path in sorted(p for p in root.rglob(pattern) if p.is_file() and "__pycache__" not in p.parts):
        data = path.read_bytes()
        digest.update(f"{label}:{path.relative_to(root).as_posix()}\0{len(data)}\0".encode() + data)


def pack_key(rules: Path, seeds: Path | None = None) -> str:
    """The content key of a pack: its rule and seed files, the checker's source and the Python version."""
    digest = hashlib.sha256(FORMAT + sys.version.encode() + pydantic.VERSION.encode())
    _tree(digest, "rules", rules, "*")
    _tree(digest, "seeds", seeds if seeds is not None else seeds_dir(rules), "*")
    for part in CODE:
        _tree(digest, f"code/{part}", PACKAGE_DIR / part, "*.py")
    return digest.hexdigest()


def load_pack(rules: Path, seeds: Path | None = None) -> RulePack:
    """checker.rules.loader.load_pack, imported on a cache miss only: a start-up from the cache needs no YAML parser,
    schema checks or linters."""
    from checker.rules.loader import load_pack as load

    return load(rules, seeds)


def cached_pack(rules: Path, seeds: Path | None = None, cache_dir_: Path | None = None) -> RulePack:
    """load_pack(rules, seeds), from the cache when a pack of the same content was loaded before."""
    key = pack_key(rules, seeds)
    path = (cache_dir_ if cache_dir_ is not None else cache_dir()) / f"{key}.pickle"
    found = _read(path, key)
    if found is not None:
        return found
    pack = load_pack(rules, seeds)
    _write(path, key, pack)
    return pack


def _read(path: Path, key: str) -> RulePack | None:
    """The pack stored under key at path, or None when the file is absent, corrupted or of another key."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    head = FORMAT + b":" + key.encode() + b"\n"
    if not data.startswith(head):
        return None
    enabled = gc.isenabled()
    gc.disable()  # unpickling allocates many small objects: the collector would otherwise run over them repeatedly
    try:
        found = pickle.loads(data[len(head):])
    except Exception:  # a truncated or damaged file raises any of many types: rebuild
        return None
    finally:
        if enabled:
            gc.enable()
    return found if isinstance(found, RulePack) else None


def _write(path: Path, key: str, pack: RulePack) -> None:
    """Store the pack under key, atomically (a reader never sees half a file); silently skipped if not writable."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        data = FORMAT + b":" + key.encode() + b"\n" + pickle.dumps(pack, protocol=pickle.HIGHEST_PROTOCOL)
        handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=".pack-", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(tmp, path)
            _prune(path.parent)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
        return


def _prune(folder: Path) -> None:
    """Remove all but the KEEP newest cached packs of a folder."""
    found = sorted(folder.glob("*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in found[KEEP:]:
        old.unlink(missing_ok=True)
