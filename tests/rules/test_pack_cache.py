"""The content-keyed pack cache: a second start-up reads the stored pack; any change of content loads afresh."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from checker import config
from checker.rules import cache
from checker.rules.loader import RulePackError


@pytest.fixture()
def rules(tmp_path: Path) -> Path:
    """A copy of the project's rules (and seeds beside it) that a test may edit."""
    shutil.copytree(config.rules_dir(), tmp_path / "rules")
    shutil.copytree(config.seeds_dir(config.rules_dir()), tmp_path / "seeds")
    return tmp_path / "rules"


def _loads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Record every real load_pack the cache makes."""
    calls: list[Path] = []
    real = cache.load_pack

    def spy(root: Path, seeds: Path | None = None):  # type: ignore[no-untyped-def]
        calls.append(root)
        return real(root, seeds)

    monkeypatch.setattr(cache, "load_pack", spy)
    return calls


def test_second_load_comes_from_the_cache(rules: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _loads(monkeypatch)
    first = cache.cached_pack(rules, cache_dir_=tmp_path / "c")
    second = cache.cached_pack(rules, cache_dir_=tmp_path / "c")
    assert len(calls) == 1
    assert second is not first
    assert second.version == first.version
    assert [m.id for m in second.measures] == [m.id for m in first.measures]
    assert second.measures[0].criteria == first.measures[0].criteria


def test_an_edited_rule_file_loads_afresh(rules: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _loads(monkeypatch)
    before = cache.cached_pack(rules, cache_dir_=tmp_path / "c")
    derived = rules / "derived.yaml"
    derived.write_text(derived.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    after = cache.cached_pack(rules, cache_dir_=tmp_path / "c")
    assert len(calls) == 2
    assert after.version != before.version


def test_an_edited_seed_changes_the_key(rules: Path) -> None:
    before = cache.pack_key(rules)
    seed = next((rules.parent / "seeds").glob("*.txt"))
    seed.write_text(seed.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert cache.pack_key(rules) != before


@pytest.mark.parametrize("damage", [lambda b: b[: len(b) // 2], lambda b: b[:-40] + b"\0" * 40, lambda b: b"junk"])
def test_a_damaged_cache_file_is_rebuilt(rules: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage) -> None:  # type: ignore[no-untyped-def]
    calls = _loads(monkeypatch)
    folder = tmp_path / "c"
    good = cache.cached_pack(rules, cache_dir_=folder)
    stored = next(folder.glob("*.pickle"))
    stored.write_bytes(damage(stored.read_bytes()))
    again = cache.cached_pack(rules, cache_dir_=folder)
    assert len(calls) == 2
    assert again.version == good.version
    assert cache.cached_pack(rules, cache_dir_=folder).version == good.version
    assert len(calls) == 2  # the rebuilt file is read again


def test_a_file_of_another_key_is_not_read(rules: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "c"
    cache.cached_pack(rules, cache_dir_=folder)
    stored = next(folder.glob("*.pickle"))
    other = stored.read_bytes().replace(cache.pack_key(rules).encode(), b"0" * 64, 1)
    stored.write_bytes(other)
    calls = _loads(monkeypatch)
    cache.cached_pack(rules, cache_dir_=folder)
    assert len(calls) == 1


def test_a_broken_pack_is_never_cached(rules: Path, tmp_path: Path) -> None:
    (rules / "derived.yaml").write_text("derived: [", encoding="utf-8")
    for _ in range(2):
        with pytest.raises(RulePackError):
            cache.cached_pack(rules, cache_dir_=tmp_path / "c")
    assert not list((tmp_path / "c").glob("*.pickle"))


def test_an_unwritable_cache_folder_still_loads(rules: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    assert cache.cached_pack(rules, cache_dir_=blocker / "c").measures


def test_cache_folder_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CHECKER_PACK_CACHE", str(tmp_path / "x"))
    assert cache.cache_dir() == tmp_path / "x"
    monkeypatch.delenv("CHECKER_PACK_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.cache_dir() == tmp_path / "xdg" / "policy-checker" / "packs"
