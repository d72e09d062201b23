"""A Celery worker finds a rule-pack version no longer on disk through the loader the layer above gives it."""

from __future__ import annotations

from pathlib import Path

from checker import config
from checker.agency.distributed import WorkerState
from checker.db import make_engine, make_sessions
from checker.rules.loader import load_pack
from tests.web.util import ROOT


def _state(tmp_path: Path, published=None) -> WorkerState:  # type: ignore[no-untyped-def]
    """A worker's state on an empty database and the checkout's rules."""
    return WorkerState(make_sessions(make_engine(f"sqlite:///{tmp_path / 'w.sqlite'}")), ROOT / "rules", "reference",
                       published=published)


def test_an_unknown_version_is_asked_of_the_published_loader(tmp_path: Path) -> None:
    pack = load_pack(ROOT / "rules")
    asked = []

    def published(session, version, seeds):  # type: ignore[no-untyped-def]
        asked.append((version, seeds))
        return pack

    checker = _state(tmp_path, published).checker_for("0ld0ld0ld0ld")
    assert checker is not None and checker.pack is pack
    assert asked == [("0ld0ld0ld0ld", config.seeds_dir(ROOT / "rules"))]


def test_without_a_loader_only_the_pack_on_disk_is_found(tmp_path: Path) -> None:
    state = _state(tmp_path)
    assert state.checker_for("0ld0ld0ld0ld") is None
    on_disk = load_pack(ROOT / "rules").version
    found = state.checker_for(on_disk)
    assert found is not None and found.pack.version == on_disk
