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
