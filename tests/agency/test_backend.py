"""Every stored result says which backend decided it: durable-rules for single checks, numpy sampled by durable for batches."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import select, text

from checker.agency.models import Client, ClientResult, Job, JobChunk
from checker.agency.recheck import run_recheck, start_recheck
from checker.db import alembic_config, make_engine, upgrade
from checker.engine import BATCH_BACKEND, SINGLE_BACKEND, batch_backend
from tests.agency.conftest import add_token, add_user, make_app, shut, sign_in
from tests.agency.util import GOOD, csv_bytes, job_id_of, upload


@pytest.fixture
def durable_app(tmp_path):
    """The agency app on the production engine (the other agency tests use the reference walker for speed)."""
    application = make_app(tmp_path, CHECKER_ENGINE="durable")
    yield application
    shut(application)


def test_the_two_production_backends_are_named_once():
    assert (SINGLE_BACKEND, BATCH_BACKEND) == ("durable", "vector+durable-sample")
    assert batch_backend("durable") == BATCH_BACKEND and batch_backend("fast") == "vector+fast-sample"


def test_a_batch_records_its_backend_on_every_result_chunk_and_the_job(durable_app):
    api = durable_app.test_client()
    headers = {"Authorization": f"Bearer {add_token(durable_app, add_user(durable_app, 'a@example.com'))}"}
    rows = [GOOD, {**GOOD, "id": "c2", "employees": 3}]
    url = api.post("/api/v1/batches", headers=headers, json={"rows": rows, "as_of": "2026-06-01"}).json["url"]
    batch = api.get(url, headers=headers).json
    assert batch["backend"] == BATCH_BACKEND
    assert [r["backend"] for r in batch["results"]] == [BATCH_BACKEND, BATCH_BACKEND]
    assert [w["backend"] for w in batch["workers"]] == [BATCH_BACKEND]
    with durable_app.extensions["checker"].sessions() as session:
        assert set(session.scalars(select(ClientResult.backend))) == {BATCH_BACKEND}
        assert set(session.scalars(select(JobChunk.backend))) == {BATCH_BACKEND}


def test_a_single_api_check_says_durable_decided(durable_app):
    api = durable_app.test_client()
    headers = {"Authorization": f"Bearer {add_token(durable_app, add_user(durable_app, 'a@example.com'))}"}
    assert api.post("/api/v1/check?as_of=2026-06-01", headers=headers, json=GOOD).json["backend"] == SINGLE_BACKEND


def test_job_and_client_pages_show_the_backend(durable_app):
    add_user(durable_app, "a@example.com")
    browser = durable_app.test_client()
    sign_in(browser, "a@example.com")
    job = job_id_of(upload(browser, "clients.csv", csv_bytes([GOOD])))
    page = browser.get(f"/agency/jobs/{job}").get_data(as_text=True)
    assert f'<small class="backend">判定引擎: {BATCH_BACKEND}</small>' in page
    with durable_app.extensions["checker"].sessions() as session:
        client_id = session.scalars(select(Client.id)).one()
    page = browser.get(f"/agency/clients/{client_id}").get_data(as_text=True)
    assert f'<small class="backend">判定引擎 {BATCH_BACKEND}</small>' in page


def test_a_portfolio_recheck_records_the_batch_backend(durable_app):
    add_user(durable_app, "a@example.com")
    browser = durable_app.test_client()
    sign_in(browser, "a@example.com")
    job_id_of(upload(browser, "clients.csv", csv_bytes([GOOD])))
    services = durable_app.extensions["checker"]
    with services.sessions() as session:
        agency = session.scalars(select(Job.agency_id)).one()
        recheck = start_recheck(session, agency, services.pack.version).id
        session.commit()
    run_recheck(services.sessions, services.checker, recheck)
    with services.sessions() as session:
        assert session.scalars(select(ClientResult.backend)).all() == [BATCH_BACKEND, BATCH_BACKEND]


def test_rows_stored_before_the_migration_have_no_backend(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.sqlite'}"
    engine = make_engine(url)
    with engine.begin() as connection:
        cfg = alembic_config(url)
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "0005_i12_impact_jobs")  # the revision before the backend columns
        connection.execute(text("INSERT INTO assessment (token, name, answers, created_at, updated_at, version) "
                                 "VALUES ('t', '', '{}', '2026-01-01', '2026-01-01', 1)"))
        connection.execute(text("INSERT INTO stored_result (assessment_id, rulepack, as_of, result, created_at) "
                                "VALUES (1, 'old', '2026-01-01', '{}', '2026-01-01')"))
    upgrade(engine)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT rulepack, backend FROM stored_result")).all() == [("old", None)]
        for table in ("agency_result", "agency_job_chunk", "agency_job"):
            assert "backend" in {c[1] for c in connection.execute(text(f"PRAGMA table_info({table})"))}
    engine.dispose()


def test_the_api_document_describes_the_backend(durable_app):
    schemas = durable_app.test_client().get("/api/v1/openapi.json").json["components"]["schemas"]
    for name in ("CheckResult", "Progress", "StoredResult"):
        assert schemas[name]["properties"]["backend"]["nullable"] is True, name
    assert "vector+durable-sample" in schemas["StoredResult"]["properties"]["backend"]["description"]
