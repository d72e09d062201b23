"""Issue 20 items 1, 2 and 11: on the embedded SQLite file, a long background summary, an upload being read or a
busy writer never locks the other users out, and an upload over the limit is refused in Chinese."""

from __future__ import annotations

import datetime as dt
import io
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import make_url, select, update

from checker.accounts.models import UserSession
from checker.agency import portfolio_summary as summary_module
from checker.agency import receive
from checker.agency.models import Job
from checker.agency.state_models import PortfolioSummary
from checker.db import SQLITE_BUSY_MS, make_engine
from tests.agency.conftest import add_token, add_user, make_app, shut, sign_in
from tests.agency.util import GOOD, csv_bytes, fetch, job_id_of, jsonl_bytes, upload
from tests.web.util import as_form, example_profile

WAIT = 20.0  # seconds a test waits for a paused background task before failing rather than hanging


def database_file(app: Flask) -> str:
    """The path of the app's SQLite file."""
    return make_url(app.config["DATABASE_URL"]).database or ""


def test_sqlite_connections_use_a_write_ahead_log_and_a_busy_timeout(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'app.sqlite'}")
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == SQLITE_BUSY_MS >= 5000
    finally:
        engine.dispose()


def other_users_work(app: Flask) -> list[int]:
    """What another agency and a company do meanwhile: sign in, upload, open pages, save an assessment; the statuses."""
    bob = app.test_client()
    statuses = [bob.post("/agency/login", data={"email": "b@example.com", "password": "correct horse battery"}).status_code]
    made = upload(bob, "b.jsonl", jsonl_bytes([{**GOOD, "id": "bob-1"}]))
    statuses += [made.status_code, bob.get("/agency/").status_code]
    statuses.append(bob.get(made.headers.get("Location", "/agency/")).status_code)
    statuses.append(app.test_client().post("/", data=as_form(example_profile())).status_code)
    return statuses


@pytest.fixture
def paused_summary(monkeypatch) -> Iterator[tuple[threading.Event, threading.Event, threading.Event]]:
    """Once armed, the next portfolio summary stops after its first client until released: (armed, entered, release)."""
    armed, entered, release = threading.Event(), threading.Event(), threading.Event()
    real = summary_module.summarise_facts

    def slow(items, *args, **kwargs):
        if not armed.is_set():
            return real(items, *args, **kwargs)
        armed.clear()
        items = iter(items)
        first = next(items)
        entered.set()
        release.wait(WAIT)
        return real([first, *items], *args, **kwargs)

    monkeypatch.setattr(summary_module, "summarise_facts", slow)
    yield armed, entered, release
    release.set()


def test_a_long_portfolio_summary_locks_nobody_out(app, alice, users, paused_summary):
    armed, entered, release = paused_summary
    job = job_id_of(upload(alice, "many.jsonl", jsonl_bytes([{**GOOD, "id": f"c{i:04d}"} for i in range(700)])))
    sessions = app.extensions["checker"].sessions
    with sessions() as session:  # the kept summary is stale, so the next one reads all 700 clients
        session.execute(update(PortfolioSummary).values(stamp="moved"))
        session.execute(update(UserSession).values(last_seen=dt.datetime.now(dt.UTC).replace(tzinfo=None)
                                                   - dt.timedelta(minutes=5)))  # alice's next page touches it
        session.commit()
    pack = app.extensions["checker"].pack
    armed.set()
    worker = threading.Thread(target=summary_module.portfolio_summary, args=(sessions, users["a"], pack, "zh"))
    worker.start()
    try:
        assert entered.wait(WAIT)
        started = time.monotonic()
        statuses = [alice.get(f"/agency/jobs/{job}").status_code, fetch(alice, f"/agency/jobs/{job}/results.xlsx")[0],
                    alice.get(f"/agency/jobs/{job}/progress").status_code, *other_users_work(app)]
        assert all(status < 400 for status in statuses), statuses
        assert time.monotonic() - started < 10  # nobody waited for the summary
    finally:
        release.set()
        worker.join(WAIT)
    with sessions() as session:
        kept = session.get(PortfolioSummary, users["a"])
        assert kept is not None and kept.stamp != "moved"  # and the summary was kept after all


def test_a_page_answers_when_its_session_touch_cannot_write(app, alice):
    sessions = app.extensions["checker"].sessions
    old = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(minutes=5)
    with sessions() as session:
        session.execute(update(UserSession).values(last_seen=old))
        session.commit()
    writer = sqlite3.connect(database_file(app), isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")  # another process holds the write lock for a while
        started = time.monotonic()
        assert alice.get("/agency/").status_code == 200
        assert time.monotonic() - started < 4
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    with sessions() as session:
        assert session.scalar(select(UserSession.last_seen)) == old  # skipped, not failed
    alice.get("/agency/")
    with sessions() as session:
        assert session.scalar(select(UserSession.last_seen)) > old  # the next page records it


@pytest.fixture
def threaded(tmp_path: Path) -> Iterator[Flask]:
    """An app whose jobs run on the background thread, as `checker serve` runs them."""
    application = make_app(tmp_path, AGENCY_RUNNER="thread", AGENCY_UPLOADS=str(tmp_path / "uploads"))
    add_user(application, "a@example.com", "Agency A")
    add_user(application, "b@example.com", "Agency B")
    yield application
    shut(application)


def test_an_upload_is_received_to_disk_and_read_by_the_runner_in_short_transactions(threaded, tmp_path, monkeypatch):
    entered, release = threading.Event(), threading.Event()
    real = receive.read_upload

    def slow(*args, **kwargs):
        for number, row in enumerate(real(*args, **kwargs), 1):
            if number == 3:
                entered.set()
                release.wait(WAIT)
            yield row

    monkeypatch.setattr(receive, "read_upload", slow)
    monkeypatch.setattr(receive, "BATCH", 2)
    token = add_token(threaded, 1)
    rows = [{**GOOD, "id": f"c{i}"} for i in range(5)]
    client = threaded.test_client()
    started = time.monotonic()
    response = client.post("/api/v1/batches", headers={"Authorization": f"Bearer {token}"}, content_type="multipart/form-data",
                           data={"file": (io.BytesIO(csv_bytes(rows, "gbk")), "clients.csv"), "as_of": "2026-06-01"})
    assert response.status_code == 202 and response.json["status"] == "queued"
    assert time.monotonic() - started < WAIT / 2  # the request did not read the rows
    job = response.json["id"]
    try:
        assert entered.wait(WAIT)  # the runner is reading the file, between two of its transactions
        assert (tmp_path / "uploads" / f"job-{job}.csv").exists()
        with threaded.extensions["checker"].sessions() as session:
            found = session.get(Job, job)
            assert found is not None and (found.status, found.total) == ("queued", 2)  # the first batch is committed
        probe = sqlite3.connect(database_file(threaded), isolation_level=None, timeout=0)
        probe.execute("BEGIN IMMEDIATE")  # no write lock is held while the file is parsed
        probe.execute("ROLLBACK")
        probe.close()
        assert all(status < 400 for status in other_users_work(threaded))
    finally:
        release.set()
    assert threaded.extensions["agency"].runner.idle(WAIT)
    batch = client.get(f"/api/v1/batches/{job}", headers={"Authorization": f"Bearer {token}"}).json
    assert (batch["status"], batch["total"], batch["checked"]) == ("done", 5, 5)
    assert not (tmp_path / "uploads" / f"job-{job}.csv").exists()  # read once, then removed


def test_an_upload_over_the_limit_is_refused_in_chinese_on_the_page_and_the_api(tmp_path):
    application = make_app(tmp_path, AGENCY_MAX_UPLOAD=4096)
    try:
        user = add_user(application, "a@example.com", "A")
        client = application.test_client()
        sign_in(client, "a@example.com")
        big = csv_bytes([GOOD]) + b"#" * 8192
        page = upload(client, "big.csv", big)
        assert page.status_code == 413 and "文件超过 0.00391 MB 的上限" in page.get_data(as_text=True)
        api = client.post("/api/v1/batches", headers={"Authorization": f"Bearer {add_token(application, user)}"},
                          data={"file": (io.BytesIO(big), "big.csv")}, content_type="multipart/form-data")
        assert api.status_code == 413 and api.json["error"] == "too_large" and api.json["max_bytes"] == 4096
        assert api.json["message"].startswith("文件超过")
    finally:
        shut(application)


def test_the_default_upload_limit_takes_a_file_of_more_than_100_mb(alice):
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    data = {"file": FileStorage(io.BytesIO(b"#" * (101 * 1024 * 1024)), "big.txt"), "as_of": "2026-06-01"}
    boundary, body = encode_multipart(data)  # in memory, not the test client's spool file
    response = alice.post("/agency/upload", data=body, content_type=f"multipart/form-data; boundary={boundary}")
    # read in full, then refused for its format only
    assert response.status_code == 400 and 'role="alert"' in response.get_data(as_text=True)


def test_json_batch_rows_are_stored_in_short_transactions(app, users, monkeypatch):
    probes: list[int] = []
    real = receive.batches

    def probing(rows, size):
        for part in real(rows, size):
            if part[0].number > 1:  # between two batches no write lock is held
                probe = sqlite3.connect(database_file(app), isolation_level=None, timeout=0)
                probe.execute("BEGIN IMMEDIATE")
                probe.execute("ROLLBACK")
                probe.close()
                probes.append(part[0].number)
            yield part

    monkeypatch.setattr(receive, "batches", probing)
    monkeypatch.setattr(receive, "BATCH", 2)
    headers = {"Authorization": f"Bearer {add_token(app, users['a'])}"}
    rows = [{**GOOD, "id": f"c{i}"} for i in range(5)]
    response = app.test_client().post("/api/v1/batches", headers=headers, json={"rows": rows, "as_of": "2026-06-01"})
    assert response.status_code == 202 and response.json["total"] == 5 and response.json["checked"] == 5
    assert probes == [3, 5]


def test_a_zip_of_reports_is_built_in_the_background_with_progress_and_kept(threaded, monkeypatch):
    import zipfile

    from checker.agency import report_pdf

    built: list[str] = []
    release = threading.Event()
    real = report_pdf.client_pdf

    def gated(pack, item, lang="zh"):
        release.wait(WAIT)  # a report takes seconds: here, until the test has seen the progress page
        built.append(item.key)
        return real(pack, item, lang)

    monkeypatch.setattr(report_pdf, "client_pdf", gated)
    alice = threaded.test_client()
    sign_in(alice, "a@example.com")
    job = job_id_of(upload(alice, "c.jsonl", jsonl_bytes([{**GOOD, "id": f"c{i}"} for i in range(3)])))
    assert threaded.extensions["agency"].runner.idle(WAIT)
    url = f"/agency/jobs/{job}/reports.zip?page=1"
    started = time.monotonic()
    waiting = alice.get(url)
    assert waiting.status_code == 202 and time.monotonic() - started < 5
    page = waiting.get_data(as_text=True)
    assert "正在生成 PDF 报告压缩包" in page and 'http-equiv="refresh"' in page and 'id="zip-count">0 / 3<' in page
    release.set()
    deadline = time.monotonic() + 120  # each report takes 1-6 s of CPU on a busy machine
    while (status := fetch(alice, url))[0] == 202 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert status[0] == 200
    with zipfile.ZipFile(io.BytesIO(status[1])) as archive:
        assert len(archive.namelist()) == 3 and all(name.endswith(".pdf") for name in archive.namelist())
    assert fetch(alice, url) == status and len(built) == 3  # the kept file, not built again


def test_jobs_take_turns_on_the_job_thread():
    from checker.jobs.runners import ThreadRunner

    left = {1: 20, 2: 2}  # chunks still to do per job
    finished: list[int] = []
    first_started = threading.Event()

    def work(job_id: int, stop) -> bool:
        first_started.set()
        while left[job_id]:
            if stop():
                return False
            time.sleep(0.02)
            left[job_id] -= 1
        finished.append(job_id)
        return True

    runner = ThreadRunner(work, turn=0.05)
    try:
        runner.submit(1)
        assert first_started.wait(WAIT)
        runner.submit(2)  # a small job of another agency, queued behind a big one
        assert runner.idle(WAIT)
    finally:
        runner.stop()
    assert finished == [2, 1] and left == {1: 0, 2: 0}


def test_the_job_runner_writes_a_finished_jobs_workbook_before_anyone_asks(app, alice, tmp_path, monkeypatch):
    from checker.agency import downloads

    job = job_id_of(upload(alice, "c.jsonl", jsonl_bytes([{**GOOD, "id": f"c{i}"} for i in range(3)])))
    kept = list((tmp_path / "exports").glob(f"job-{job}-*-zh-*.xlsx"))
    assert len(kept) == 1  # written by the runner when the job ended

    def refuse(*args, **kwargs):
        raise AssertionError("the download wrote the workbook again")

    monkeypatch.setattr(downloads, "write_xlsx", refuse)
    status, data = fetch(alice, f"/agency/jobs/{job}/results.xlsx")
    assert status == 200 and data == kept[0].read_bytes()


def xfd_workbook(rows: int) -> bytes:
    """An XLSX of `rows` clients with no <dimension> and one cell at column XFD (the last one Excel has)."""
    import zipfile

    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["id"])
    plain = io.BytesIO()
    book.save(plain)
    cells = ['<row r="1"><c r="A1" t="inlineStr"><is><t>id</t></is></c><c r="B1" t="inlineStr"><is><t>entity_type</t>'
             '</is></c><c r="C1" t="inlineStr"><is><t>rd_expense_wan</t></is></c></row>']
    for i in range(2, rows + 2):
        wide = f'<c r="XFD{i}" t="inlineStr"><is><t>x</t></is></c>' if i == 2 else ""
        cells.append(f'<row r="{i}"><c r="A{i}" t="inlineStr"><is><t>c{i}</t></is></c><c r="B{i}" t="inlineStr"><is>'
                     f'<t>enterprise</t></is></c><c r="C{i}"><v>{i}</v></c>{wide}</row>')
    sheet = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
             '2006/main"><sheetData>' + "".join(cells) + "</sheetData></worksheet>").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, sheet if info.filename == "xl/worksheets/sheet1.xml" else source.read(info.filename))
    return out.getvalue()


def test_an_xlsx_without_dimension_reaching_column_xfd_is_opened_by_the_runner_only(threaded, monkeypatch):
    import openpyxl

    opened_in: list[str] = []
    real = openpyxl.load_workbook

    def recording(*args, **kwargs):
        opened_in.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(openpyxl, "load_workbook", recording)
    alice = threaded.test_client()
    sign_in(alice, "a@example.com")
    job = job_id_of(upload(alice, "wide.xlsx", xfd_workbook(300)))
    assert opened_in == []  # the request saved the file and ran the input guard; openpyxl scans such a sheet whole
    assert threaded.extensions["agency"].runner.idle(WAIT)
    assert opened_in == ["agency-jobs"]
    progress = alice.get(f"/agency/jobs/{job}/progress").json
    assert (progress["status"], progress["total"]) == ("done", 300) and progress["checked"] >= 299
