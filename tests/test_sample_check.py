"""The engine's re-check of a batch's sampled rows (checker.sample_check), in a forked process or in this one: the
same verdicts, a disagreement named by its row, whatever the check raises raised to the batch, the process reaped."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest

from checker.batch import flat_check
from checker.engine import Checker, EngineMismatch
from checker.sample_check import FORKS, SampleCheck

ROOT = Path(__file__).resolve().parent.parent
AS_OF = dt.date(2026, 6, 1)
MODES = [False, True] if FORKS else [False]


@pytest.fixture(scope="module")
def rows(pack) -> list[tuple[str, dict, dict]]:
    """Three sampled rows (id, profile, flat row as the engine gives it): the example firm, half of it, nothing."""
    base = json.loads((ROOT / "examples" / "haidian-software.json").read_text(encoding="utf-8"))
    from checker.columns import read_answers

    profiles = [read_answers(pack, raw, AS_OF).values for raw in (base, dict(list(base.items())[::2]), {})]
    checker = Checker(pack, "durable")
    try:
        return [(f"r{i}", p, flat_check(f"r{i}", checker.check(p, AS_OF))) for i, p in enumerate(profiles)]
    finally:
        checker.close()


@pytest.mark.parametrize("forked", MODES)
def test_a_sample_the_engine_agrees_with_passes_and_one_it_does_not_is_named(pack, rows, forked: bool) -> None:
    wrong = dict(rows[1][2])
    status = next(key for key in wrong if key.endswith(":status"))
    wrong[status] = "eligible" if wrong[status] != "eligible" else "ineligible"
    with SampleCheck(Checker(pack, "durable", lazy=True), AS_OF, forked=forked) as recheck:
        recheck.submit(rows)
        recheck.wait()
        recheck.submit(rows[:1])
        recheck.submit([rows[0], (rows[1][0], rows[1][1], wrong), rows[2]])
        with pytest.raises(EngineMismatch, match="disagree on row id 'r1'"):
            recheck.wait()


@pytest.mark.parametrize("forked", MODES)
def test_what_the_engine_raises_while_checking_reaches_the_batch(pack, rows, forked: bool, monkeypatch) -> None:
    checker = Checker(pack, "durable", lazy=True)

    def broken(profile, as_of, lang="zh"):
        raise ValueError("the engine broke")

    monkeypatch.setattr(checker, "check", broken)
    with SampleCheck(checker, AS_OF, forked=forked) as recheck:
        recheck.submit(rows)
        with pytest.raises(ValueError, match="the engine broke"):
            recheck.wait()


@pytest.mark.skipif(not FORKS, reason="no fork on this platform")
def test_the_forked_process_is_ended_and_reaped_on_close(pack, rows) -> None:
    recheck = SampleCheck(Checker(pack, "durable", lazy=True), AS_OF)
    pid = recheck.pid
    recheck.submit(rows)
    recheck.close()  # its answer never read: the process still ends
    assert recheck.pid == 0
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def test_a_lazy_checker_builds_its_rulesets_only_when_first_needed(pack, rows) -> None:
    """The batch's own process never builds the rulesets the forked re-check uses (~0.05 s of start-up)."""
    lazy = Checker(pack, "durable", lazy=True)
    assert lazy._rules is None
    assert flat_check("r0", lazy.check(rows[0][1], AS_OF)) == rows[0][2]
    assert lazy._rules is not None
    prepared = Checker(pack, "durable", lazy=True)
    prepared.prepare(AS_OF)
    assert prepared._rules is not None
    lazy.close()
    prepared.close()
    with pytest.raises(RuntimeError, match="closed"):
        lazy.check(rows[0][1], AS_OF)


def test_the_row_by_row_matrix_stops_at_the_sampled_row_the_engine_decides_otherwise(durable, monkeypatch):
    """batch.matrix_rows (XLSX and JSONL inputs) re-checks its sample with the same disagreement as SampleCheck: a
    verdict turned round on a sampled row (the third of 8 rows, sample 3: rows 0, 3, 6) names that row."""
    import checker.engine.columnar as columnar
    from checker.batch import BatchReport, Row, matrix_rows

    real = columnar.matrix_rows

    def turned(*args, **kwargs):
        rows = real(*args, **kwargs)
        key = "hte-recognition:status"
        rows[3][key] = "eligible" if rows[3][key] != "eligible" else "ineligible"
        return rows

    monkeypatch.setattr(columnar, "matrix_rows", turned)
    base = json.loads((ROOT / "examples" / "haidian-software.json").read_text(encoding="utf-8"))
    rows = [Row(n + 2, {**base, "id": f"k{n}"}) for n in range(8)]
    with pytest.raises(EngineMismatch, match="disagree on row id 'k3'"):
        list(matrix_rows(durable, rows, AS_OF, BatchReport(), sample=3))
    monkeypatch.setattr(columnar, "matrix_rows", real)
    assert len(list(matrix_rows(durable, rows, AS_OF, BatchReport(), sample=3))) == 8
