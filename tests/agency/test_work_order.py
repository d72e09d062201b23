"""What a batch job's worker does once the job has ended, in the order the agency needs it."""

from __future__ import annotations

from contextlib import nullcontext
from types import SimpleNamespace

from checker.agency import work


def test_the_workbook_is_written_before_the_portfolio_summary(monkeypatch, tmp_path):
    done: list[str] = []
    monkeypatch.setattr(work, "process_job", lambda *args: done.append("checked") or True)
    monkeypatch.setattr(work.downloads, "warm_workbook", lambda *args: done.append("workbook"))
    monkeypatch.setattr(work.portfolio_summary, "warm", lambda *args, **kwargs: done.append("summary"))
    monkeypatch.setattr(work.webhooks, "job_finished", lambda *args: done.append("webhook"))
    checker = SimpleNamespace(pack=SimpleNamespace(version="v1"))
    job = work.batch_work(None, lambda: nullcontext(checker), lambda job_id, pack: True, tmp_path, None, 500)
    assert job(7, lambda: False) is True
    assert done == ["checked", "workbook", "summary", "webhook"]  # 100k clients: the summary took ~50 s
