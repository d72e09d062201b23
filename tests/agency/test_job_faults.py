"""Jobs that must not lose work or mix rule versions: bad-only chunks, publishes between runs, write failures, cancel."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import event, select

from checker.agency import jobs
from checker.agency.jobs import cancel_job, fail_job, process_job, recount
from checker.agency.models import ClientResult, Job, JobRow
from checker.engine import Checker
from checker.jobs import run
from checker.rules.loader import load_pack
from tests.agency.conftest import add_token, add_user, make_app, shut
from tests.agency.test_jobs import after, queued_job
from tests.agency.util import GOOD
from tests.web.util import MINI_RULES, ROOT


@pytest.fixture(scope="module")
def full_app(tmp_path_factory):
    """An app on the project's full pack (its vectorised path is where an empty chunk broke), jobs run inline."""
    application = make_app(tmp_path_factory.mktemp("full"), CHECKER_RULES=str(ROOT / "rules"))
    yield application
    shut(application)


@pytest.fixture(scope="module")
def api(full_app):
    """A test client of the full-pack app and an agency's authorisation header."""
    user = add_user(full_app, "full@example.com", "Full")
    return full_app.test_client(), {"Authorization": f"Bearer {add_token(full_app, user)}"}


def run_batch(api, rows: list) -> dict:
    """Submit rows through the API and return the finished batch."""
    client, headers = api
    response = client.post("/api/v1/batches", headers=headers, json={"rows": rows, "as_of": "2026-06-01"})
    assert response.status_code == 202, response.json
    return client.get(response.json["url"] + "?limit=5000", headers=headers).json


def test_a_chunk_holding_only_bad_rows_reports_them_and_the_job_ends_done(api):
    batch = run_batch(api, [{"id": "x", "employees": "abc"}])
    assert (batch["status"], batch["total"], batch["done"]) == ("done", 1, 1)
    assert [(p["row"], p["field"]) for p in batch["problems"]] == [(1, "employees")]
    assert [r["row"] for r in batch["results"]] == [1]  # the bad cell is read as unknown, the client still checked


def test_a_full_chunk_of_bad_rows_does_not_hide_the_good_row_after_it(api):
    rows = [{"id": f"b{i}", "employees": "abc"} for i in range(100)] + [GOOD]
    batch = run_batch(api, rows)
    assert (batch["status"], batch["done"]) == ("done", 101)
    assert sorted({p["row"] for p in batch["problems"]}) == list(range(1, 101))
    assert [r["row"] for r in batch["results"]] == list(range(1, 102))


def test_a_row_with_an_unknown_column_alone_never_fails_the_job(api):
    batch = run_batch(api, [{"id": "v", "notes": "x"}])
    assert (batch["status"], batch["done"], batch["message"]) == ("done", 1, "")
    assert [r["row"] for r in batch["results"]] + [p["row"] for p in batch["problems"]] == [1]


def other_pack(tmp_path):
    """The mini pack with one measure title changed: another rule version."""
    rules = tmp_path / "rules2"
    shutil.copytree(MINI_RULES, rules)
    measure = next(rules.glob("measures/**/*.yaml"))
    text = measure.read_text(encoding="utf-8")
    measure.write_text(text + "\n# published again\n", encoding="utf-8")
    return load_pack(rules)


def test_a_job_resumed_after_a_publish_runs_on_one_rule_version_only(app, users, tmp_path):
    services = app.extensions["checker"]
    old = services.checker
    job = queued_job(app, users["a"], 10, bad=(2,))
    process_job(services.sessions, old, job, size=4, stop=after(1))
    new_pack = other_pack(tmp_path)
    assert new_pack.version != old.pack.version
    new = Checker(new_pack, "reference")
    try:
        process_job(services.sessions, new, job, size=4)
    finally:
        new.close()
    with services.sessions() as session:
        found = session.get(Job, job)
        assert (found.status, found.done, found.rulepack) == ("done", 10, new_pack.version)
        assert found.message.startswith(f"re-run from the first row on rule pack {new_pack.version[:12]}")
        stored = session.execute(select(ClientResult.row_number, ClientResult.rulepack).where(ClientResult.job_id == job)).all()
        assert sorted(n for n, _ in stored) == list(range(1, 11))  # once each: the rows of the old pack were dropped
        assert {v for _, v in stored} == {new_pack.version}
        assert recount(session, job) == {"done": 10}


def test_a_worker_on_an_older_pack_stores_nothing_for_a_job_re_run_on_a_newer_one(app, users, tmp_path):
    services = app.extensions["checker"]
    job = queued_job(app, users["a"], 3)
    new = Checker(other_pack(tmp_path), "reference")
    try:
        process_job(services.sessions, new, job, size=1, stop=after(1))
        assert jobs._chunk(services.sessions(), services.checker, job, 5) is False
    finally:
        new.close()
    with services.sessions() as session:
        assert recount(session, job) == {"done": 1, "pending": 2}


class ReadOnly:
    """Makes the app's SQLite database refuse writes while on (PRAGMA query_only), as a full or read-only disk does."""

    def __init__(self, engine) -> None:
        self.on = False
        event.listen(engine, "checkout", self._checkout)

    def _checkout(self, connection, _record, _proxy) -> None:
        cursor = connection.cursor()
        cursor.execute(f"PRAGMA query_only = {int(self.on)}")
        cursor.close()


def test_a_database_write_failure_ends_the_job_failed_and_health_says_unwritable(app, users, monkeypatch):
    services = app.extensions["checker"]
    job = queued_job(app, users["a"], 5)
    read_only = ReadOnly(services.engine)
    attempts: list[float] = []

    def disk_freed_after_two_attempts(seconds: float) -> None:
        attempts.append(seconds)
        read_only.on = len(attempts) < 2

    monkeypatch.setattr(run, "backoff_wait", disk_freed_after_two_attempts)
    process_job(services.sessions, services.checker, job, size=2, stop=after(1))
    read_only.on = True
    health = app.test_client().get("/health")
    assert health.status_code == 503
    assert health.json["database"] == "error: OperationalError: attempt to write a readonly database"
    runner = app.extensions["agency"].runner
    with pytest.raises(Exception, match="readonly database"):
        runner.submit(job)
    assert attempts == [0.5, 1.0]
    read_only.on = False
    with services.sessions() as session:
        found = session.get(Job, job)
        assert found.status == "failed" and "attempt to write a readonly database" in found.message
        assert (found.done, recount(session, job)) == (2, {"done": 2, "pending": 3})
    assert app.test_client().get("/health").json["database"] == "ok"


def test_fail_job_says_so_when_the_database_never_accepts_the_failure(app, users):
    services = app.extensions["checker"]
    job = queued_job(app, users["a"], 1)
    read_only = ReadOnly(services.engine)
    read_only.on = True
    assert fail_job(services.sessions, job, "boom", attempts=2, backoff=0) is False
    read_only.on = False
    with services.sessions() as session:
        assert session.get(Job, job).status == "queued"
        assert fail_job(services.sessions, job, "boom", backoff=0) is True
        session.expire_all()
        assert session.get(Job, job).status == "failed"


def test_cancel_reports_the_true_count_when_a_chunk_is_in_flight(app, users, monkeypatch):
    services = app.extensions["checker"]
    job = queued_job(app, users["a"], 6)
    process_job(services.sessions, services.checker, job, size=2, stop=after(1))
    real, reported = jobs._verdicts, []

    def cancelled_meanwhile(checker, found, rows):  # the user cancels while this chunk is being checked
        verdicts = real(checker, found, rows)
        with services.sessions() as other:
            target = other.get(Job, job)
            assert cancel_job(other, target) is True
            other.commit()
            reported.append(target.done)
        return verdicts

    monkeypatch.setattr(jobs, "_verdicts", cancelled_meanwhile)
    process_job(services.sessions, services.checker, job, size=2)
    with services.sessions() as session:
        found = session.get(Job, job)
        assert (found.status, found.done, reported) == ("cancelled", 2, [2])
        assert recount(session, job) == {"done": 2, "pending": 4}
        assert len(session.scalars(select(JobRow).where(JobRow.job_id == job, JobRow.client_id.is_not(None))).all()) == 2
        assert cancel_job(session, found) is False


def test_a_job_resumed_after_a_restart_runs_on_the_published_version_not_the_rules_on_disk(tmp_path):
    from pathlib import Path

    from checker.staff import store
    from tests.agency.conftest import make_app, shut

    first = make_app(tmp_path)
    job = queued_job(first, add_user(first, "a@example.com", "A"), 10, bad=(4,))
    services = first.extensions["checker"]
    disk = services.checker.pack.version
    process_job(services.sessions, services.checker, job, size=3, stop=after(1))
    seeds = Path(first.config.get("STAFF_SEEDS") or MINI_RULES.parent / "seeds")
    files = store.read_tree(other_pack(tmp_path) and tmp_path / "rules2")
    published = store.load_files(files, seeds).version
    with services.sessions() as session:  # another process publishes while this server is down
        store.add_version(session, files, published, "publish", "staff@example.com", "new rules")
        session.commit()
    shut(first)

    second = make_app(tmp_path, AGENCY_RUNNER="thread", AGENCY_BACKGROUND=True)
    try:
        assert second.extensions["agency"].runner.idle(timeout=30)
        with second.extensions["checker"].sessions() as session:
            found = session.get(Job, job)
            assert published != disk and (found.status, found.rulepack, found.done) == ("done", published, 10)
            versions = session.scalars(select(ClientResult.rulepack).where(ClientResult.job_id == job)).all()
            assert len(versions) == 10 and set(versions) == {published}
    finally:
        shut(second)
