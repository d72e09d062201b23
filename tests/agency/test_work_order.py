"""What a batch job's worker does once the job has ended, in the order the agency needs it."""

from __future__ import annotations

import datetime as dt
import threading
from contextlib import nullcontext
from pathlib import Path
from types import SimpleNamespace

from checker.agency import downloads, work
from checker.sheets.verdicts import Summary


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


def test_a_download_asked_while_the_worker_writes_the_workbook_waits_for_it_instead_of_writing_it_again(monkeypatch,
                                                                                                        tmp_path):
    """Regression: the download and the worker each wrote a 100k job's workbook at once, both twice as slow."""
    inside, release, writes = threading.Event(), threading.Event(), []

    def write(folder, session, job, pack, lang, target):
        writes.append(threading.current_thread().name)
        inside.set()
        release.wait(10)
        Path(target).write_bytes(b"PK workbook")

    monkeypatch.setattr(downloads, "write_job_workbook", write)
    job = SimpleNamespace(id=7, created_at=dt.datetime(2026, 12, 4, 9, 0))
    pack = SimpleNamespace(version="v1")
    found: dict[str, Path] = {}

    def ask(name: str) -> None:
        found[name] = downloads.cached_workbook(tmp_path, None, job, pack, "zh")

    worker = threading.Thread(target=ask, args=("worker",), name="worker")
    worker.start()
    assert inside.wait(10)
    download = threading.Thread(target=ask, args=("download",), name="download")
    download.start()
    download.join(0.5)  # without the lock it has begun its own workbook by now
    release.set()
    worker.join(10)
    download.join(10)
    assert writes == ["worker"]
    assert found["worker"] == found["download"] and found["download"].read_bytes() == b"PK workbook"


def test_the_job_page_asking_for_the_summary_while_the_worker_tallies_it_waits_for_that_summary(monkeypatch, tmp_path):
    """Regression: a finished job's page worked the 100k summary out in its request while the worker tallied it."""
    inside, release, summed = threading.Event(), threading.Event(), []
    job = SimpleNamespace(id=8, created_at=dt.datetime(2026, 12, 4, 9, 0), finished=True)
    pack = SimpleNamespace(version="v1", measures=[])

    def workbook(folder, session, job_, pack_, lang, target, with_detail):
        inside.set()
        release.wait(10)
        downloads.keep_summary(downloads.summary_path(folder, job_, pack_), Summary(3, [], 1.5))

    monkeypatch.setattr(downloads, "_write_workbook", workbook)
    monkeypatch.setattr(downloads, "Reader", lambda pack_: None)
    monkeypatch.setattr(downloads, "job_facts", lambda *args: iter(()))
    monkeypatch.setattr(downloads, "summarise_facts", lambda *args: summed.append(1) or Summary(0, [], None))
    found: dict[str, Summary] = {}
    worker = threading.Thread(target=downloads.write_job_workbook, args=(tmp_path, None, job, pack, "zh", tmp_path / "b"))
    worker.start()
    assert inside.wait(10)
    page = threading.Thread(target=lambda: found.update(page=downloads.cached_summary(tmp_path, None, job, pack, "zh")))
    page.start()
    page.join(0.5)  # without the lock it has worked out its own summary by now
    release.set()
    worker.join(10)
    page.join(10)
    assert summed == [] and found["page"].clients == 3 and found["page"].amount_wan == 1.5
