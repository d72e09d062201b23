"""Read a job's or a portfolio's stored results for display and download."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import String, cast, select
from sqlalchemy.orm import Session

from checker.agency.export import ClientVerdicts, Table, detail, matrix, problems_table
from checker.agency.models import Client, ClientResult, JobRow
from checker.agency.portfolio import Portfolio


def job_items(session: Session, job_id: int, limit: int | None = None, offset: int = 0) -> Iterator[ClientVerdicts]:
    """The checked clients of a job in row order, streamed."""
    query = (select(ClientResult.row_number, Client.key, Client.name, ClientResult.result)
             .join(Client, Client.id == ClientResult.client_id)
             .where(ClientResult.job_id == job_id).order_by(ClientResult.row_number).offset(offset).limit(limit))
    for number, key, name, result in session.execute(query.execution_options(yield_per=500)):
        yield ClientVerdicts(key, name, result, number)


def job_problems(session: Session, job_id: int, limit: int | None = None) -> Iterator[tuple[int, str, str]]:
    """Every problem of a job's rows (unreadable rows, and bad cells read as unknown): row, column, reason."""
    query = (select(JobRow.number, JobRow.problems)
             .where(JobRow.job_id == job_id, JobRow.state.in_(("error", "done")), cast(JobRow.problems, String) != "[]")
             .order_by(JobRow.number))
    count = 0
    for number, problems in session.execute(query.execution_options(yield_per=500)):
        for problem in problems:
            if limit is not None and count >= limit:
                return
            count += 1
            yield number, problem["field"], problem["message"]


def portfolio_items(portfolio: Portfolio) -> Iterator[ClientVerdicts]:
    """Each client of a portfolio with its latest result."""
    latest = portfolio.latest()
    for client in portfolio.clients():
        if client.id in latest:
            yield ClientVerdicts(client.key, client.name, latest[client.id].result)


def job_tables(session: Session, job_id: int, names: dict[str, str]) -> dict[str, Table]:
    """The sheets of a job's download: matrix, detail, problems."""
    return {"matrix": matrix(job_items(session, job_id), names),
            "detail": detail(job_items(session, job_id), names),
            "problems": problems_table(job_problems(session, job_id))}
