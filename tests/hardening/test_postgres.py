"""The server database: migrations, saved assessments and an agency upload job on PostgreSQL.

Needs TEST_POSTGRES_URL (start a throwaway server with `eval "$(scripts/pg.sh)"`); without it the tests fail
unless CHECKER_SKIP_POSTGRES=1 says to skip them.
"""

from __future__ import annotations

import io
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import inspect, make_url, select, text

from checker.agency.models import ClientResult, Job, JobRow
from checker.company.models import Assessment, StoredResult
from checker.db import alembic_config, make_engine, upgrade
from tests.hardening.conftest import PASSWORD, add_user, make_app, shut
from tests.pgdb import fresh_database
from tests.web.util import as_form

HOW = ('TEST_POSTGRES_URL is not set. Start a throwaway PostgreSQL with `eval "$(scripts/pg.sh)"` '
       "(prints export TEST_POSTGRES_URL=postgresql+psycopg://...), or set CHECKER_SKIP_POSTGRES=1 to skip these tests.")
GOOD = {"entity_type": "enterprise", "rd_expense_wan": 200, "employees": 20, "tech_staff": 5}
TABLES = {"assessment", "stored_result", "agency", "app_user", "api_token", "agency_client", "agency_job", "agency_job_row",
          "agency_result", "alembic_version"}


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    """A fresh database on the test server, dropped afterwards."""
    url = os.environ.get("TEST_POSTGRES_URL", "")
    if not url:
        pytest.skip("no TEST_POSTGRES_URL: see test_a_postgresql_server_is_configured")
    with fresh_database(url, "checker_t") as fresh:
        yield fresh


@pytest.fixture
def pg_app(tmp_path: Path, pg_url: str, cheap_hashes) -> Iterator[Flask]:
    """A wired app on the PostgreSQL database (migrated on start), jobs on the background thread."""
    application = make_app(tmp_path, DATABASE_URL=pg_url, AUTO_MIGRATE=True, AGENCY_RUNNER="thread")
    yield application
    shut(application)


def test_a_postgresql_server_is_configured():
    if os.environ.get("CHECKER_SKIP_POSTGRES") == "1":
        pytest.skip("CHECKER_SKIP_POSTGRES=1")
    if not os.environ.get("TEST_POSTGRES_URL"):
        pytest.fail(HOW, pytrace=False)
    assert make_url(os.environ["TEST_POSTGRES_URL"]).get_backend_name() == "postgresql"


def test_migrations_run_down_and_up_on_postgresql(pg_url):
    from alembic import command
    from alembic.script import ScriptDirectory

    engine = make_engine(pg_url)
    try:
        assert engine.dialect.name == "postgresql"
        upgrade(engine)
        assert set(inspect(engine).get_table_names()) >= TABLES
        cfg = alembic_config(pg_url)
        head = ScriptDirectory.from_config(cfg).get_current_head()
        with engine.connect() as connection:
            assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == head
        with engine.begin() as connection:
            cfg.attributes["connection"] = connection
            command.downgrade(cfg, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        upgrade(engine)
        assert set(inspect(engine).get_table_names()) >= TABLES
    finally:
        engine.dispose()


def test_an_assessment_is_saved_reopened_and_rechecked_on_postgresql(pg_app, tmp_path, pg_url):
    client = pg_app.test_client()
    created = client.post("/", data=as_form(GOOD))
    assert created.status_code == 302
    token = created.headers["Location"].rsplit("/", 1)[-1]
    assert client.get(f"/a/{token}").status_code == 200
    edited = client.post(f"/a/{token}/edit", data=as_form({**GOOD, "employees": 200, "tech_staff": 50}))
    assert edited.status_code == 302
    other = make_app(tmp_path / "second", DATABASE_URL=pg_url, AUTO_MIGRATE=False)  # reopened by another instance
    try:
        reopened = other.test_client().get(f"/a/{token}/result.json")
        assert reopened.status_code == 200 and reopened.json["as_of"] == "2026-06-01"
        with other.extensions["checker"].sessions() as session:
            assessment = session.scalars(select(Assessment).where(Assessment.token == token)).one()
            newer = session.scalars(select(Assessment).where(Assessment.parent_id == assessment.id)).one()
            assert newer.answers["employees"] == "200" and newer.version == 2 and len(assessment.results) == 1
            assert session.scalar(select(StoredResult.result).where(StoredResult.id == assessment.results[0].id))["results"]
    finally:
        shut(other)


def test_an_agency_upload_job_runs_to_completion_on_postgresql(pg_app):
    add_user(pg_app, "pg@example.com")
    client = pg_app.test_client()
    assert client.post("/agency/login", data={"email": "pg@example.com", "password": PASSWORD}).status_code == 302
    rows = ["id,entity_type,rd_expense_wan,employees,tech_staff"]
    rows += [f"c{i},enterprise,{i * 10},{20 + i},{i % 7}" for i in range(1, 121)] + ["bad,enterprise,1,lots,1"]
    response = client.post("/agency/upload", content_type="multipart/form-data",
                           data={"file": (io.BytesIO("\n".join(rows).encode()), "clients.csv"), "as_of": "2026-06-01"})
    assert response.status_code == 302, response.data[:300]
    job_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    deadline = time.monotonic() + 60
    progress = client.get(f"/agency/jobs/{job_id}/progress").json
    while not progress["finished"] and time.monotonic() < deadline:
        time.sleep(0.1)
        progress = client.get(f"/agency/jobs/{job_id}/progress").json
    # a bad cell makes that one answer unknown: the row is still checked and its problem kept
    assert (progress["status"], progress["total"], progress["done"], progress["errors"]) == ("done", 121, 121, 0)
    with pg_app.extensions["checker"].sessions() as session:
        assert session.get(Job, job_id).finished_at is not None
        numbers = session.scalars(select(ClientResult.row_number).where(ClientResult.job_id == job_id)).all()
        assert sorted(numbers) == list(range(2, 123))  # the rows Excel shows (header is row 1)
        problems = session.scalars(select(JobRow.problems).where(JobRow.job_id == job_id, JobRow.number == 122)).one()
        assert [p["field"] for p in problems] == ["employees"]
    with client.get(f"/agency/jobs/{job_id}/results.csv") as download:  # closing ends the streamed body's session
        assert download.status_code == 200 and download.data.count(b"\n") >= 121
    assert client.get("/health").json["database"] == "ok"


def test_sign_in_attempts_are_checked_and_counted_at_once_on_postgresql(pg_url):
    """Issue 20 item 6: parallel attempts on one account get exactly the free failures through (advisory lock)."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from checker.accounts.models import LoginFailure
    from checker.accounts.throttle import Policy, Throttle
    from checker.db import make_sessions

    engine = make_engine(pg_url)
    LoginFailure.__table__.create(engine, checkfirst=True)
    throttle, barrier = Throttle(make_sessions(engine), Policy(account_free=4)), threading.Barrier(16)

    def attempt(_n: int) -> float:
        barrier.wait()
        return throttle.admit("pg-account", "192.0.2.7")[0]

    try:
        with ThreadPoolExecutor(16) as pool:
            waits = list(pool.map(attempt, range(16)))
        assert sum(w == 0 for w in waits) == 4
    finally:
        engine.dispose()


def test_the_agency_summary_and_matrix_read_stored_results_as_the_item_dicts_do_on_postgresql(pg_app, pack):
    from checker.agency.compact import Reader
    from checker.agency.portfolio import Portfolio
    from checker.agency.results import job_facts, job_items, portfolio_facts, portfolio_items
    from checker.sheets.verdicts import facts_matrix, matrix, money, status_of, summarise, summarise_facts, titles

    add_user(pg_app, "facts@example.com")
    client = pg_app.test_client()
    assert client.post("/agency/login", data={"email": "facts@example.com", "password": PASSWORD}).status_code == 302
    rows = ["id,entity_type,rd_expense_wan,employees,tech_staff,revenue_wan"]
    rows += [f"f{i},enterprise,{i * 25},{10 + i},{i % 5},{i * 300}" for i in range(1, 41)]
    response = client.post("/agency/upload", content_type="multipart/form-data",
                           data={"file": (io.BytesIO("\n".join(rows).encode()), "facts.csv"), "as_of": "2026-06-01"})
    job_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    deadline = time.monotonic() + 60
    while not client.get(f"/agency/jobs/{job_id}/progress").json["finished"] and time.monotonic() < deadline:
        time.sleep(0.1)
    names = titles(pack, "zh")
    with pg_app.extensions["checker"].sessions() as session:
        plain, facts = list(job_items(session, job_id)), list(job_facts(session, job_id, Reader(pack)))
        assert len(facts) == 40 and [(f.key, f.row, f.money()) for f in facts] == [
            (i.key, i.row, money(pack, i.result)) for i in plain]
        assert [[x.status for x in f.facts] for f in facts] == [[status_of(r) for r in i.result["results"]] for i in plain]
        assert list(facts_matrix(facts, names).rows) == list(matrix(plain, names, "zh", pack).rows)
        agency = session.get(Job, job_id).agency_id
        assert summarise_facts(portfolio_facts(Portfolio(session, agency), Reader(pack)), names, pack) == summarise(
            portfolio_items(Portfolio(session, agency)), names, pack)
