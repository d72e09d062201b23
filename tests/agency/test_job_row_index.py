"""A chunk finds its job's next pending rows by an index, however many rows of the job are done."""

from __future__ import annotations

from sqlalchemy import text

from checker.agency.jobs import pending_rows


def _plan(session, statement) -> str:
    """SQLite's query plan of a statement, its steps joined."""
    compiled = statement.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
    return " / ".join(row[-1] for row in session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))


def test_the_next_pending_rows_are_sought_by_state_and_number(app):
    with app.extensions["checker"].sessions() as session:
        for statement in (pending_rows(1, 500), pending_rows(1, 500, (10, 20))):
            plan = _plan(session, statement)
            assert "ix_agency_job_row_pending (job_id=? AND state=?" in plan, plan  # not every done row walked
            assert "TEMP B-TREE" not in plan, plan  # in number order off the index, nothing sorted


def test_the_migrated_schema_has_the_index(app):
    with app.extensions["checker"].sessions() as session:
        columns = [row[2] for row in session.execute(text("PRAGMA index_info(ix_agency_job_row_pending)"))]
        assert columns == ["job_id", "state", "number"]


def test_a_jobs_rows_and_an_agencys_clients_are_sought_by_the_indexes_that_lead_with_them(app):
    """Their single-column indexes were dropped (migration 0010): the composite ones still find them, nothing scanned."""
    from sqlalchemy import delete, func, select

    from checker.agency.models import Client, JobRow

    with app.extensions["checker"].sessions() as session:
        indexes = {row[1] for table in ("agency_job_row", "agency_client")
                   for row in session.execute(text(f"PRAGMA index_list({table})"))}
        assert not {"ix_agency_job_row_job_id", "ix_agency_client_agency_id"} & indexes
        for statement in (select(func.count()).select_from(JobRow).where(JobRow.job_id == 1),
                          select(Client.id).where(Client.agency_id == 1), delete(JobRow).where(JobRow.job_id == 1)):
            plan = _plan(session, statement)
            assert plan.startswith("SEARCH") and "INDEX" in plan and "SCAN" not in plan, plan
