"""Faults: a killed batch worker resumes exactly once per row, a failed save leaves nothing behind, a broken pack stops serve."""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

import checker.agency.jobs as jobs
from checker.accounts.models import User
from checker.agency.jobs import create_job, process_job
from checker.agency.models import Client, ClientResult, Job, JobRow
from checker.batch import Row
from checker.company.models import Assessment, StoredResult
from checker.db import make_engine, make_sessions
from checker.engine import Checker
from tests.hardening.conftest import PASSWORD, add_token, add_user, make_app, shut
from tests.hardening.test_concurrency import random_profiles
from tests.web.util import MINI_RULES, as_form

ROOT = Path(__file__).resolve().parents[2]
AS_OF = dt.date(2026, 6, 1)
GOOD = {"entity_type": "enterprise", "rd_expense_wan": 200, "employees": 20, "tech_staff": 5}
ROWS, BAD_EVERY, CHUNK = 400, 40, 25
WORKER = """
import os, sys, time
import checker.agency.jobs as jobs
delay = float(os.environ.get("SLOW_ROW_S", "0"))
if delay:
    verdicts = jobs._verdicts
    def slow(checker, job, rows):  # a slow check: delay per row of the chunk
        time.sleep(delay * len(rows))
        return verdicts(checker, job, rows)
    jobs._verdicts = slow
from checker.web import create_app
from tests.hardening.conftest import wire
app = wire(create_app({"AGENCY_RUNNER": "thread", "AGENCY_BACKGROUND": True, "AGENCY_CHUNK": int(os.environ["CHUNK"])}))
print("started", flush=True)
print("idle" if app.extensions["agency"].runner.idle(timeout=60) else "busy", flush=True)
"""


def _counts(sessions, job_id: int) -> dict:
    """The job's counters, and its rows and results as stored."""
    with sessions() as session:
        job = session.get(Job, job_id)
        per_row = session.execute(select(ClientResult.row_number, func.count()).where(ClientResult.job_id == job_id)
                                  .group_by(ClientResult.row_number)).all()
        return {"status": job.status, "done": job.done, "errors": job.errors, "total": job.total,
                "rows": session.scalar(select(func.count()).select_from(JobRow).where(JobRow.job_id == job_id)),
                "states": dict(session.execute(select(JobRow.state, func.count()).where(JobRow.job_id == job_id)
                                               .group_by(JobRow.state)).all()),
                "results_per_row": dict(per_row), "clients": session.scalar(select(func.count()).select_from(Client))}


def _worker(env: dict[str, str]) -> subprocess.Popen:
    """The app in its own process: it resumes unfinished jobs on start-up."""
    return subprocess.Popen([sys.executable, "-c", WORKER], env=env, cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)


def _reap(process: subprocess.Popen) -> None:
    """Make sure a worker is gone and its pipe closed."""
    if process.poll() is None:
        process.kill()
    process.wait(timeout=30)
    if process.stdout:
        process.stdout.close()


def test_a_worker_killed_mid_job_resumes_without_losing_or_duplicating_rows(tmp_path, cheap_hashes):
    url = f"sqlite:///{tmp_path / 'jobs.sqlite'}"
    setup = make_app(tmp_path, DATABASE_URL=url)
    pack = setup.extensions["checker"].pack
    profiles = random_profiles(pack, 20)
    raw = [{"employees": "lots", "id": f"bad{i}"} if i % BAD_EVERY == 0 else {**profiles[i % 20], "id": f"c{i}"}
           for i in range(1, ROWS + 1)]
    user_id = add_user(setup, "jobs@example.com")
    with setup.extensions["checker"].sessions() as session:
        job_id = create_job(session, session.get(User, user_id), "big.jsonl", [Row(i, r) for i, r in enumerate(raw, 1)],
                            AS_OF, "zh", pack.version).id
        session.commit()
    shut(setup)
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "faults-secret", "CHECKER_RULES": str(MINI_RULES),
           "CHECKER_ENGINE": "reference", "PYTHONPATH": str(ROOT), "CHUNK": str(CHUNK)}
    engine = make_engine(url)
    sessions = make_sessions(engine)
    try:
        first = _worker({**env, "SLOW_ROW_S": "0.01"})  # ~4 s for the job: time to kill it part-way
        try:
            deadline = time.monotonic() + 180  # a loaded machine may take long to start the worker
            while _counts(sessions, job_id)["done"] < 4 * CHUNK and time.monotonic() < deadline:
                time.sleep(0.02)
            first.send_signal(signal.SIGKILL)
            assert first.wait(timeout=10) == -signal.SIGKILL
        finally:
            _reap(first)
        killed = _counts(sessions, job_id)
        assert killed["status"] == "running" and 4 * CHUNK <= killed["done"] < ROWS
        assert killed["done"] % CHUNK == 0 or killed["done"] == 1  # only whole chunks are committed

        second = _worker(env)
        try:
            assert second.stdout is not None
            assert second.stdout.readline().strip() == "started"
            assert second.stdout.readline().strip() == "idle"
        finally:
            _reap(second)
        final = _counts(sessions, job_id)
    finally:
        engine.dispose()
    # A bad cell ("lots") makes only that answer unknown: every row is checked, exactly once.
    assert (final["status"], final["done"], final["errors"], final["total"], final["rows"]) == ("done", ROWS, 0, ROWS, ROWS)
    assert final["states"] == {"done": ROWS}
    assert sorted(final["results_per_row"]) == list(range(1, ROWS + 1))
    assert set(final["results_per_row"].values()) == {1}
    assert final["clients"] == ROWS


class CommitFails:
    """Make the database refuse every COMMIT after the statements ran, as a full disk or a lost server would."""

    def __init__(self, engine) -> None:
        self.dialect = engine.dialect

    @staticmethod
    def fail(_dbapi_connection) -> None:
        raise sqlite3.OperationalError("simulated: database or disk is full")

    def __enter__(self) -> CommitFails:
        self.dialect.do_commit = self.fail  # the driver-level commit, so SQLAlchemy's own error handling runs
        return self

    def __exit__(self, *_exc: object) -> None:
        del self.dialect.do_commit


@pytest.fixture
def fragile(tmp_path, cheap_hashes):
    """An app that answers errors with pages rather than raising them into the test."""
    application = make_app(tmp_path, TESTING=False, PROPAGATE_EXCEPTIONS=False)
    yield application
    shut(application)


def _count(app, model) -> int:
    with app.extensions["checker"].sessions() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_a_failed_commit_of_an_assessment_is_rolled_back_and_reported(fragile):
    client = fragile.test_client()
    with CommitFails(fragile.extensions["checker"].engine):
        response = client.post("/", data=as_form(GOOD))
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "nothing was saved" in page and response.headers["X-Request-ID"] in page
    assert (_count(fragile, Assessment), _count(fragile, StoredResult)) == (0, 0)
    again = client.post("/", data=as_form(GOOD))  # the next request gets a clean session
    assert again.status_code == 302
    assert (_count(fragile, Assessment), _count(fragile, StoredResult)) == (1, 1)


def test_a_failed_commit_of_an_upload_or_api_batch_leaves_no_job_behind(fragile):
    add_user(fragile, "up@example.com")
    client = fragile.test_client()
    assert client.post("/agency/login", data={"email": "up@example.com", "password": PASSWORD}).status_code == 302
    csv = b"id,entity_type,rd_expense_wan,employees,tech_staff\nc1,enterprise,200,20,5\nc2,enterprise,10,3,1\n"
    with CommitFails(fragile.extensions["checker"].engine):
        response = client.post("/agency/upload", content_type="multipart/form-data",
                               data={"file": (io.BytesIO(csv), "c.csv"), "as_of": "2026-06-01"})
        assert response.status_code == 500 and "nothing was saved" in response.get_data(as_text=True)
    token = add_token(fragile, add_user(fragile, "api@example.com", "Agency B"))
    with CommitFails(fragile.extensions["checker"].engine):
        refused = client.post("/api/v1/batches", json={"rows": [GOOD, GOOD]}, headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 500
    assert refused.json == {"error": "server_error", "message": "the request failed; nothing was saved",
                            "request_id": refused.headers["X-Request-ID"]}
    assert [_count(fragile, m) for m in (Job, JobRow, Client, ClientResult)] == [0, 0, 0, 0]
    ok = client.post("/agency/upload", content_type="multipart/form-data",
                     data={"file": (io.BytesIO(csv), "c.csv"), "as_of": "2026-06-01"})
    assert ok.status_code == 302
    assert [_count(fragile, m) for m in (Job, JobRow, Client, ClientResult)] == [1, 2, 2, 2]


def test_two_jobs_adding_the_same_new_client_at_once_both_finish(app, monkeypatch):
    """Regression: the second job's insert of the client met UNIQUE(agency_id, key) and the job failed."""
    services = app.extensions["checker"]
    user_id = add_user(app, "race@example.com")
    with services.sessions() as session:
        user = session.get(User, user_id)
        ids = [create_job(session, user, f"{n}.csv", [Row(1, {**GOOD, "id": "same"})], AS_OF).id for n in "ab"]
        session.commit()
    checker = Checker(services.pack, "reference")
    process_job(services.sessions, checker, ids[0])
    real, calls = jobs._clients, []

    def stale_once(*args):  # the second job read the clients before the first one committed
        calls.append(1)
        return {} if len(calls) == 1 else real(*args)

    monkeypatch.setattr(jobs, "_clients", stale_once)
    process_job(services.sessions, checker, ids[1])
    assert [_counts(services.sessions, i)["status"] for i in ids] == ["done", "done"]
    with services.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Client)) == 1
        assert session.scalar(select(func.count()).select_from(ClientResult)) == 2


def test_a_streamed_csv_download_returns_its_database_connection(app):
    """Regression: the stream reopened the request's closed session on a connection nobody returned."""
    add_user(app, "dl@example.com")
    client = app.test_client()
    assert client.post("/agency/login", data={"email": "dl@example.com", "password": PASSWORD}).status_code == 302
    csv = b"id,entity_type,rd_expense_wan,employees,tech_staff\nc1,enterprise,200,20,5\n"
    response = client.post("/agency/upload", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(csv), "c.csv"), "as_of": "2026-06-01"})
    job_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    pool = app.extensions["checker"].engine.pool
    assert pool.checkedout() == 0
    with client.get(f"/agency/jobs/{job_id}/results.csv") as download:
        assert download.status_code == 200 and b"c1" in download.data
    assert pool.checkedout() == 0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_rule_pack_that_fails_to_load_stops_checker_serve_with_file_and_line(tmp_path):
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    (tmp_path / "seeds").symlink_to(ROOT / "seeds")
    broken = tmp_path / "rules" / "measures" / "national" / "hte-recognition.yaml"
    text = broken.read_text(encoding="utf-8")
    assert '    test: "core_ip"\n' in text
    broken.write_text(text.replace('    test: "core_ip"\n', '    test: "core_ip and no_such_field > 3"\n'), encoding="utf-8")
    line = text[:text.index('    test: "core_ip"\n')].count("\n") + 1
    port = _free_port()
    env = {**os.environ, "CHECKER_RULES": str(tmp_path / "rules"), "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite'}",
           "SECRET_KEY": "serve-secret"}
    done = subprocess.run([str(Path(sys.executable).parent / "checker"), "serve", "--port", str(port)], env=env,
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 1, done.stderr[-2000:]
    assert f"hte-recognition.yaml:{line}:" in done.stderr and "no_such_field" in done.stderr
    assert "Traceback" not in done.stderr and "serving on" not in done.stderr + done.stdout
    with socket.socket() as probe:
        probe.settimeout(2)
        assert probe.connect_ex(("127.0.0.1", port)) != 0
