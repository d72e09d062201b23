"""The LivePack closes replaced checkers only once no request or job holds them (explicit leases, not reference counts)."""

from __future__ import annotations

from checker.staff import live


class FakeChecker:
    """Records its closing."""

    def __init__(self, closed: list[str], name: str) -> None:
        self.closed, self.name = closed, name

    def close(self) -> None:
        """Note the close."""
        self.closed.append(self.name)


def test_replaced_checkers_close_once_their_leases_end(monkeypatch):
    monkeypatch.setattr(live, "GRACE", -1.0)
    closed: list[str] = []
    holder = live.LivePack(None, None, "reference")  # type: ignore[arg-type]
    held = FakeChecker(closed, "held")
    holder.snapshot = live.Snapshot(1, {}, None, held)  # type: ignore[arg-type]
    monkeypatch.setattr(holder, "refresh", lambda force=False: holder.snapshot)
    with holder.lease() as snap:  # a batch job checking with it
        holder.snapshot = live.Snapshot(2, {}, None, FakeChecker(closed, "new"))  # type: ignore[arg-type]
        holder.retired = [(0.0, held), (0.0, FakeChecker(closed, "free"))]  # type: ignore[list-item]
        holder.collect()
        assert closed == ["free"] and snap.checker is held
    holder.collect()
    assert closed == ["free", "held"] and holder.retired == [] and not holder.leases


def test_a_checker_referenced_elsewhere_but_not_leased_is_closed(monkeypatch):
    monkeypatch.setattr(live, "GRACE", -1.0)
    closed: list[str] = []
    holder = live.LivePack(None, None, "reference")  # type: ignore[arg-type]
    kept = [FakeChecker(closed, "cached")]  # a stray reference (a cache, a traceback) no longer keeps it open
    holder.retired = [(0.0, kept[0])]  # type: ignore[list-item]
    holder.collect()
    assert closed == ["cached"]


def test_everything_closes_after_max_age(monkeypatch):
    monkeypatch.setattr(live, "MAX_AGE", -1.0)
    closed: list[str] = []
    holder = live.LivePack(None, None, "reference")  # type: ignore[arg-type]
    held = FakeChecker(closed, "held")
    holder.snapshot = live.Snapshot(1, {}, None, held)  # type: ignore[arg-type]
    monkeypatch.setattr(holder, "refresh", lambda force=False: holder.snapshot)
    holder.hold()
    holder.retired = [(0.0, held)]  # type: ignore[list-item]
    holder.collect()
    assert closed == ["held"]


def test_an_app_publishes_the_pack_it_was_handed_without_loading_it_again(tmp_path, monkeypatch, pack):
    from checker.staff import store
    from tests.staff.conftest import make_app, shut

    loads: list[int] = []
    real = store.load_files
    monkeypatch.setattr(store, "load_files", lambda files, seeds: loads.append(len(files)) or real(files, seeds))
    for name, extra in (("git", {}), ("plain", {"STAFF_RULES_GIT": False})):
        application = make_app(tmp_path / name, pack, **extra)
        try:
            with application.extensions["checker"].sessions() as session:
                assert store.newest(session).hash == pack.version
        finally:
            shut(application)
    assert loads == []
