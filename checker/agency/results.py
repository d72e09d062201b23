"""Read a job's or a portfolio's stored results for display and download."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain
from types import SimpleNamespace
from typing import Any, NamedTuple

from sqlalchemy import JSON, String, cast, select, type_coerce
from sqlalchemy.orm import Session

from checker.agency import stored
from checker.agency.compact import Reader
from checker.agency.jobs import client_key
from checker.agency.models import Client, ClientResult, Job, JobRow
from checker.agency.portfolio import Portfolio
from checker.columns import nearest_labels
from checker.problems import Problem
from checker.rules.pack import RulePack
from checker.sheets.verdicts import ClientFacts, ClientVerdicts, Tally, detail, facts_matrix, problems_table, titles
from checker.sheets.writer import Sheet


def _job_stored(session: Session, job_id: int, limit: int | None = None, offset: int = 0) -> Iterator[Any]:
    """A job's checked clients in row order, each with its result in the stored form (undecoded), streamed."""
    stored_form = type_coerce(ClientResult.result, JSON)  # decoded by the caller
    query = (select(ClientResult.row_number, Client.key, Client.name, stored_form, Client.id, ClientResult.backend)
             .join(Client, Client.id == ClientResult.client_id)
             .where(ClientResult.job_id == job_id).order_by(ClientResult.row_number).offset(offset).limit(limit))
    yield from session.connection().execute(query.execution_options(yield_per=500))  # Core rows: a third of the ORM's


def job_items(session: Session, job_id: int, limit: int | None = None, offset: int = 0) -> Iterator[ClientVerdicts]:
    """The checked clients of a job in row order, streamed; their result items are read-only (an item stored alike
    for many clients is decoded once, stored.decode's `shared`)."""
    shared: dict[str, dict[str, Any]] = {}
    for number, key, name, result, client_id, backend in _job_stored(session, job_id, limit, offset):
        yield ClientVerdicts(key, name, stored.decode(result, shared), number, client_id, backend)


def job_facts(session: Session, job_id: int, reader: Reader) -> Iterator[ClientFacts]:
    """The checked clients of a job in row order as facts (summary and matrix), streamed."""
    for number, key, name, result, client_id, _ in _job_stored(session, job_id):
        yield reader.client(result, key, name, number, client_id)


class RowProblem(NamedTuple):
    """One problem of a job's row: the row as Excel shows it (None: a problem of the whole file,
    a column it does not read), the client it names, the column and the reason."""

    row: int | None
    field: str
    problem: Problem
    client: str
    name: str


def job_problems(session: Session, job_id: int, limit: int | None = None) -> Iterator[RowProblem]:
    """Every problem of a job's rows (unreadable rows, and bad cells read as unknown), with the client each names."""
    query = (select(JobRow.number, JobRow.problems, JobRow.raw)
             .where(JobRow.job_id == job_id, JobRow.state.in_(("error", "done")), cast(JobRow.problems, String) != "[]")
             .order_by(JobRow.number))
    count = 0
    for number, problems, raw in session.execute(query.execution_options(yield_per=500)):
        key = client_key(SimpleNamespace(raw=raw or {}, job_id=job_id, number=number))
        name = str((raw or {}).get("name") or key)
        for problem in problems:
            if limit is not None and count >= limit:
                return
            count += 1
            yield RowProblem(number, problem["field"], Problem.from_json(problem), key, name)


def unread_problems(session: Session, job_id: int, pack: RulePack) -> list[RowProblem]:
    """The uploaded file's columns no field claims (Job.unread) that a field's label is close to (成立日期: 注册成立日期),
    each a problem of no row offering those labels: the workbook's reader sees why the column's measures stayed open.
    A column nothing is close to (联系人, 备注: the template invites the agency's own columns) is not a problem."""
    out = []
    for header in session.scalar(select(Job.unread).where(Job.id == job_id)) or []:
        if close := nearest_labels(pack, header):
            out.append(RowProblem(None, header, Problem("problem.column_unread", {"closest": " / ".join(close)}), "", ""))
    return out


def problem_counts(session: Session, job_id: int) -> tuple[int, int]:
    """How many of a job's rows have problems, and how many problems they have in all."""
    query = (select(JobRow.problems)
             .where(JobRow.job_id == job_id, JobRow.state.in_(("error", "done")), cast(JobRow.problems, String) != "[]"))
    rows = problems = 0
    for found in session.scalars(query.execution_options(yield_per=500)):
        rows += 1
        problems += len(found)
    return rows, problems


def portfolio_facts(portfolio: Portfolio, reader: Reader) -> Iterator[ClientFacts]:
    """Each client of a portfolio with its latest result as facts (summary and matrix), streamed."""
    for client, result in portfolio.latest_stored():
        yield reader.client(result, client.key, client.name, client_id=client.id)


def portfolio_items(portfolio: Portfolio, limit: int | None = None, offset: int = 0) -> Iterator[ClientVerdicts]:
    """Each client of a portfolio with its latest result, streamed (a page of them with limit)."""
    rows = portfolio.latest(limit, offset) if limit is not None or offset else portfolio.latest_read()
    for client, latest in rows:
        yield ClientVerdicts(client.key, client.name, latest.result, client_id=client.id)


def job_extras(session: Session, job_id: int) -> list[str]:
    """The extra columns (联系人, 备注 …) the job's rows carried, in first-seen order."""
    stored_form = type_coerce(ClientResult.result, JSON)  # `extra` stays outside the deflated items: nothing to decode
    query = (select(stored_form).where(ClientResult.job_id == job_id, cast(ClientResult.result, String).like('%"extra"%'))
             .order_by(ClientResult.row_number))
    seen: dict[str, None] = {}
    for result in session.scalars(query.execution_options(yield_per=500)):
        seen.update(dict.fromkeys(result.get("extra") or {}))
    return list(seen)


def job_sheets(session: Session, job_id: int, pack: RulePack, lang: str, with_detail: bool = False,
               tally: Tally | None = None) -> dict[str, Sheet]:
    """The sheets of a job's download in the language: matrix, the detail when asked for, problems; `tally` counts
    each client as the matrix reads it."""
    names = titles(pack, lang)
    clients = job_facts(session, job_id, Reader(pack))
    sheets = {"matrix": facts_matrix(tally.tap_facts(clients) if tally else clients, names, lang, job_extras(session, job_id))}
    if with_detail:
        sheets["detail"] = detail(job_items(session, job_id), names, lang, pack)
    sheets["problems"] = problems_table(chain(unread_problems(session, job_id, pack), job_problems(session, job_id)),
                                        lang, pack)
    return sheets


def portfolio_sheets(portfolio: Portfolio, pack: RulePack, lang: str, with_detail: bool = False) -> dict[str, Sheet]:
    """The sheets of a portfolio's download: the matrix of latest results, and the detail when asked for."""
    names = titles(pack, lang)
    sheets = {"matrix": facts_matrix(portfolio_facts(portfolio, Reader(pack)), names, lang)}
    if with_detail:
        sheets["detail"] = detail(portfolio_items(portfolio), names, lang, pack)
    return sheets
