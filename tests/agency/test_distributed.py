"""Scale-out: a job split into chunk tasks across two `checker worker` processes (Redis broker), and a worker killed mid-chunk."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from checker.agency.distributed import CeleryRunner
from checker.agency.models import ChunkLease, ClientResult, JobChunk
from checker.agency.portfolio_summary import FORMAT
from checker.agency.state_models import PortfolioSummary
from tests.agency.conftest import add_token, add_user, make_app, shut
from tests.agency.util import GOOD
from tests.pgdb import fresh_database
from tests.web.util import MINI_RULES, ROOT

REDIS = shutil.which("redis-server") or "/usr/bin/redis-server"


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def listening(port: int) -> bool:
    """Whether something accepts connections on the loopback port."""
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def wait_for(test, seconds: float, what: str) -> None:
    """Poll until test() is true, else fail naming what was awaited."""
    deadline = time.monotonic() + seconds
    while not test():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


@pytest.fixture
def broker(tmp_path):
    """A throwaway redis-server on loopback (Debian's package; scripts/test.sh installs it when missing)."""
    port = free_port()
    server = subprocess.Popen([REDIS, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                               "--dir", str(tmp_path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: listening(port), 10, "redis-server")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(10)


class Workers:
    """`checker worker` processes sharing the app's database and rules, each in its own process group."""

    def __init__(self, tmp_path: Path, broker: str, database: str, delay: float, **env: str) -> None:
        self.env = {**os.environ, "PYTHONPATH": str(ROOT), "CHECKER_BROKER_URL": broker, "DATABASE_URL": database,
                    "CHECKER_RULES": str(MINI_RULES), "CHECKER_ENGINE": "reference", "CHECKER_BROKER_VISIBILITY": "3",
                    "CHECKER_TEST_CHUNK_DELAY": str(delay), **env}
        self.tmp_path = tmp_path
        self.procs: dict[str, subprocess.Popen] = {}

    def start(self, name: str) -> None:
        """Start one worker and wait until it says it is ready."""
        log = self.tmp_path / f"{name}.log"
        with log.open("wb") as out:
            self.procs[name] = subprocess.Popen([sys.executable, "-m", "tests.agency.worker_main", f"{name}@test"],
                                                env=self.env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                                start_new_session=True)
        wait_for(lambda: b" ready." in log.read_bytes() or self.procs[name].poll() is not None, 60, f"worker {name}")
        assert self.procs[name].poll() is None, log.read_text(errors="replace")[-2000:]

    def kill(self, name: str) -> None:
        """kill -9 the worker and its pool processes."""
        os.killpg(self.procs[name].pid, signal.SIGKILL)
        self.procs[name].wait(10)

    def stop(self) -> None:
        """End every worker still running."""
        for proc in self.procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(15)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)


@pytest.fixture
def shared_db(tmp_path):
    """The database web app and workers share: a fresh PostgreSQL database when TEST_POSTGRES_URL is set
    (scripts/test.sh starts one), else an SQLite file."""
    url = os.environ.get("TEST_POSTGRES_URL", "")
    if not url:
        yield f"sqlite:///{tmp_path / 'shared.sqlite'}"
        return
    with fresh_database(url, "checker_dist") as fresh:
        yield fresh


@pytest.fixture
def cluster(tmp_path, broker, shared_db):
    """The web app on Celery (jobs in chunks of 5 rows) and a factory of workers, all on the shared database."""
    app = make_app(tmp_path, CHECKER_BROKER_URL=broker, AGENCY_CHUNK=5, DATABASE_URL=shared_db, AUTO_MIGRATE=True)
    assert isinstance(app.extensions["agency"].runner, CeleryRunner)
    token = add_token(app, add_user(app, "a@example.com", "A"))
    made: list[Workers] = []

    def workers(delay: float, **env: str) -> Workers:
        made.append(Workers(tmp_path, broker, app.config["DATABASE_URL"], delay, **env))
        return made[-1]

    yield app, {"Authorization": f"Bearer {token}"}, workers
    for group in made:
        group.stop()
    shut(app)


def submit(app, headers, n: int) -> str:
    """Post a batch of n good rows; its URL."""
    rows = [{**GOOD, "id": f"c{i}", "rd_expense_wan": 100 + i} for i in range(1, n + 1)]
    response = app.test_client().post("/api/v1/batches", headers=headers, json={"rows": rows, "as_of": "2026-06-01"})
    assert response.status_code == 202 and response.json["status"] == "running"
    return response.json["url"]


def finished(app, headers, url: str, seconds: float) -> dict:
    """The batch once done (polling the API)."""
    client, state = app.test_client(), {}

    def done() -> bool:
        state["batch"] = client.get(url + "?limit=5000", headers=headers).json
        return state["batch"]["status"] == "done"

    wait_for(done, seconds, "the batch to finish")
    return state["batch"]


def stored(app, job_id: int) -> tuple[list[int], int]:
    """The row numbers stored for a job, and the rows its chunks account for."""
    with app.extensions["checker"].sessions() as session:
        numbers = list(session.scalars(select(ClientResult.row_number).where(ClientResult.job_id == job_id)))
        chunk_rows = session.scalar(select(func.sum(JobChunk.rows)).where(JobChunk.job_id == job_id))
    return sorted(numbers), int(chunk_rows or 0)


def test_a_job_runs_across_two_workers_and_lists_them(cluster):
    app, headers, workers = cluster
    group = workers(delay=0.3)
    group.start("w1")
    group.start("w2")
    batch = finished(app, headers, submit(app, headers, 60), 90)
    assert (batch["done"], batch["errors"], batch["checked"]) == (60, 0, 60)
    assert stored(app, batch["id"]) == (list(range(1, 61)), 60)
    names = {w["worker"].split("/")[0] for w in batch["workers"]}
    assert names == {"w1@test", "w2@test"} and sum(w["rows"] for w in batch["workers"]) == 60
    assert all(w["chunks"] >= 1 and w["rows"] == 5 * w["chunks"] for w in batch["workers"])
    wait_for(lambda: summary_of(app) is not None, 30, "the worker's portfolio summary")  # warmed by the last chunk
    assert summary_of(app).stamp == f"{FORMAT}:{max(stored_ids(app))}:60"


def summary_of(app) -> PortfolioSummary | None:
    """The agency's kept portfolio summary, if a worker computed it."""
    with app.extensions["checker"].sessions() as session:
        found = session.scalars(select(PortfolioSummary)).first()
        if found is not None:
            session.expunge(found)
        return found


def stored_ids(app) -> list[int]:
    """The ids of every stored client result."""
    with app.extensions["checker"].sessions() as session:
        return list(session.scalars(select(ClientResult.id)))


def test_a_worker_killed_mid_chunk_loses_and_duplicates_nothing(cluster):
    app, headers, workers = cluster
    group = workers(delay=1.5)
    group.start("w1")
    url = submit(app, headers, 30)
    job_id = int(url.rsplit("/", 1)[1])
    wait_for(lambda: stored(app, job_id)[1] >= 5, 30, "w1's first chunk")
    time.sleep(0.5)  # w1 is now inside its next chunk (each takes 1.5 s)
    group.kill("w1")
    log = (group.tmp_path / "w1.log").read_text(errors="replace")
    assert log.count("] received") == log.count("] succeeded") + 1  # killed inside a chunk, its task not acknowledged
    assert stored(app, job_id)[1] < 30
    group.start("w2")
    batch = finished(app, headers, url, 90)
    assert (batch["done"], batch["checked"]) == (30, 30)
    assert stored(app, job_id) == (list(range(1, 31)), 30)
    assert {w["worker"].split("/")[0] for w in batch["workers"]} == {"w1@test", "w2@test"}


def test_a_killed_workers_chunk_is_leased_again_within_seconds_not_the_brokers_ten_minutes(cluster):
    app, headers, workers = cluster
    group = workers(delay=1.5, CHECKER_BROKER_VISIBILITY="600", CHECKER_LEASE_SECONDS="3", CHECKER_LEASE_HEARTBEAT="0.5",
                    CHECKER_LEASE_SWEEP="1")
    group.start("w1")
    url = submit(app, headers, 30)
    job_id = int(url.rsplit("/", 1)[1])
    wait_for(lambda: stored(app, job_id)[1] >= 5, 30, "w1's first chunk")
    time.sleep(0.5)  # w1 is now inside its next chunk (each takes 1.5 s), renewing its lease
    group.kill("w1")
    log = (group.tmp_path / "w1.log").read_text(errors="replace")
    assert log.count("] received") == log.count("] succeeded") + 1  # killed inside a chunk, its task not acknowledged
    killed_at = time.monotonic()
    group.start("w2")
    batch = finished(app, headers, url, 120)  # the broker alone would hand the chunk out again after 600 s
    assert time.monotonic() - killed_at < 120
    assert (batch["done"], batch["checked"], batch["errors"]) == (30, 30, 0)
    assert stored(app, job_id) == (list(range(1, 31)), 30)
    with app.extensions["checker"].sessions() as session:
        per_client = list(session.execute(select(ClientResult.client_id, func.count()).where(ClientResult.job_id == job_id)
                                          .group_by(ClientResult.client_id)))
        assert len(per_client) == 30 and {n for _, n in per_client} == {1}  # every client stored once
        assert session.scalar(select(func.count()).select_from(ChunkLease)) == 0  # every lease released
    assert "expired (its worker stopped); sending the chunk again" in (group.tmp_path / "w2.log").read_text(errors="replace")


def test_a_portfolio_recheck_is_a_celery_task_a_worker_runs(cluster):
    from checker.agency.distributed import CeleryRecheckRunner
    from checker.agency.models import Job
    from checker.agency.recheck import start_recheck
    from checker.agency.recheck_models import Recheck

    app, headers, workers = cluster
    group = workers(delay=0)
    group.start("w1")
    batch = finished(app, headers, submit(app, headers, 10), 60)
    runner = app.extensions["agency_rechecks"]
    assert isinstance(runner, CeleryRecheckRunner)
    sessions = app.extensions["checker"].sessions
    with sessions() as session:
        recheck = start_recheck(session, session.get(Job, batch["id"]).agency_id, batch["rulepack"], "manual")
        session.commit()
        recheck_id = recheck.id
    runner.submit(recheck_id)

    def status() -> tuple[str, int]:
        with sessions() as session:
            found = session.get(Recheck, recheck_id)
            return found.status, found.done

    wait_for(lambda: status()[0] == "done", 60, "the worker's recheck")
    assert status() == ("done", 10)
    assert "checker.run_recheck" in (group.tmp_path / "w1.log").read_text(errors="replace")


def test_a_background_server_sweeps_chunk_leases_too(tmp_path, broker):
    app = make_app(tmp_path, CHECKER_BROKER_URL=broker, AGENCY_BACKGROUND=True)
    try:
        runner = app.extensions["agency"].runner
        assert isinstance(runner, CeleryRunner) and runner.sweeper is not None and runner.sweeper.thread.is_alive()
    finally:
        shut(app)
    assert runner.sweeper is None


def test_checker_worker_needs_a_broker(monkeypatch):
    from click.testing import CliRunner

    from checker.cli import main

    monkeypatch.delenv("CHECKER_BROKER_URL", raising=False)
    result = CliRunner().invoke(main, ["worker"])
    assert result.exit_code == 2 and "set CHECKER_BROKER_URL" in result.output


def test_without_a_broker_the_app_keeps_its_embedded_runner(tmp_path, monkeypatch):
    from checker.jobs.runners import ThreadRunner

    monkeypatch.delenv("CHECKER_BROKER_URL", raising=False)
    app = make_app(tmp_path, AGENCY_RUNNER="thread")
    try:
        assert isinstance(app.extensions["agency"].runner, ThreadRunner)
    finally:
        shut(app)


def test_an_uploaded_file_is_read_by_the_web_process_then_checked_by_the_workers(cluster):
    import io

    from tests.agency.util import csv_bytes

    app, headers, workers = cluster
    workers(delay=0).start("w1")
    rows = [{**GOOD, "id": f"c{i}", "rd_expense_wan": 100 + i} for i in range(1, 13)]
    response = app.test_client().post("/api/v1/batches", headers=headers, content_type="multipart/form-data",
                                      data={"file": (io.BytesIO(csv_bytes(rows, "gbk")), "c.csv"), "as_of": "2026-06-01"})
    assert response.status_code == 202 and response.json["status"] == "queued"  # not read in the request
    batch = finished(app, headers, response.json["url"], 90)
    assert (batch["total"], batch["checked"]) == (12, 12)
    assert stored(app, batch["id"]) == (list(range(2, 14)), 12)  # the rows Excel shows (header is row 1)
