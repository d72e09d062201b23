"""The version of rule files that loaded once is known without loading them again (an app start, a git poll)."""

from __future__ import annotations

import shutil

import pytest

from checker import config
from checker.rules.loader import RulePackError
from checker.staff import store


def counting_loads(monkeypatch) -> list[int]:
    """Count the packs store loads from files."""
    loads: list[int] = []
    real = store.load_pack
    monkeypatch.setattr(store, "load_pack", lambda root, seeds=None: loads.append(1) or real(root, seeds))
    return loads


def test_files_that_loaded_once_are_not_loaded_again_for_their_version(monkeypatch, pack):
    rules = config.rules_dir()
    files, seeds = store.read_tree(rules), rules.parent / "seeds"
    loads = counting_loads(monkeypatch)
    monkeypatch.setattr(store, "_VERSIONS", {})
    assert store.version_of(files, seeds) == pack.version
    assert store.version_of(files, seeds) == pack.version
    assert len(loads) == 1


def test_changed_files_or_seeds_are_loaded_and_broken_ones_still_refused(monkeypatch, tmp_path, pack):
    rules = config.rules_dir()
    files, seeds = store.read_tree(rules), rules.parent / "seeds"
    store.version_of(files, seeds)
    loads = counting_loads(monkeypatch)
    path = next(p for p in files if p.startswith("measures/"))
    edited = {**files, path: files[path] + "\n# a comment changes the version\n"}
    assert store.version_of(edited, seeds) not in ("", pack.version)
    other_seeds = tmp_path / "seeds"
    shutil.copytree(seeds, other_seeds)  # another seeds folder: the quotes are checked against it anew
    assert store.version_of(files, other_seeds) == pack.version
    assert len(loads) == 2
    broken = {**files, path: files[path].replace("criteria:", "criterias:", 1)}
    for _ in range(2):
        with pytest.raises(RulePackError):
            store.version_of(broken, seeds)
    assert len(loads) == 4
