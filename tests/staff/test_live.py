"""The LivePack closes replaced checkers only once nothing holds them."""

from __future__ import annotations

from checker.staff import live


class FakeChecker:
    """Records its closing."""

    def __init__(self, closed: list[str], name: str) -> None:
        self.closed, self.name = closed, name

    def close(self) -> None:
        """Note the close."""
        self.closed.append(self.name)


def test_replaced_checkers_close_when_unused(monkeypatch):
    monkeypatch.setattr(live, "GRACE", -1.0)
    closed: list[str] = []
    holder = live.LivePack(None, None, "reference")  # type: ignore[arg-type]
    held = FakeChecker(closed, "held")  # a batch job still checking with it
    holder.retired = [(0.0, held), (0.0, FakeChecker(closed, "free"))]  # type: ignore[list-item]
    holder.collect()
    assert closed == ["free"]
    del held
    holder.collect()
    assert closed == ["free", "held"] and holder.retired == []


def test_everything_closes_after_max_age(monkeypatch):
    monkeypatch.setattr(live, "MAX_AGE", -1.0)
    closed: list[str] = []
    holder = live.LivePack(None, None, "reference")  # type: ignore[arg-type]
    held = FakeChecker(closed, "held")
    holder.retired = [(0.0, held)]  # type: ignore[list-item]
    holder.collect()
    assert closed == ["held"]
