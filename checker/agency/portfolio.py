"""An agency's portfolio of clients (its rechecks: recheck.py)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import JSON, Select, func, select, type_coerce
from sqlalchemy.orm import Session

from checker.agency import stored
from checker.agency.compact import answers_of
from checker.agency.models import Client, ClientResult
from checker.engine.answer import CHANGE_KINDS

KINDS = CHANGE_KINDS  # how a status moved: checker.engine.answer.change_kind


class LatestClient(NamedTuple):
    """What the portfolio's readers use of a client."""

    id: int
    key: str
    name: str
    answers: dict[str, Any]


class LatestResult(NamedTuple):
    """A client's newest result, as its readers use it."""

    result: dict[str, Any]


@dataclass
class Portfolio:
    """The clients of one agency, read through a session."""

    session: Session
    agency_id: int

    def clients(self) -> Iterator[Client]:
        """The agency's clients in key order."""
        query = select(Client).where(Client.agency_id == self.agency_id).order_by(Client.key)
        yield from self.session.scalars(query)

    def count(self) -> int:
        """How many clients the agency has."""
        return self.session.scalar(select(func.count()).select_from(Client).where(Client.agency_id == self.agency_id)) or 0

    def latest(self, limit: int | None = None, offset: int = 0) -> Iterator[tuple[Client, ClientResult]]:
        """Clients in key order with their most recent stored result, streamed (a page of them with limit)."""
        if limit is not None:
            yield from self._page(limit, offset)
            return
        query = self.latest_query().order_by(Client.key).offset(offset).limit(limit)
        yield from ((client, result) for client, result in self.session.execute(query.execution_options(yield_per=500)))

    def latest_read(self) -> Iterator[tuple[LatestClient, LatestResult]]:
        """latest() of the whole portfolio for readers of every client (summary, dashboard, workbook): plain rows, no
        ORM objects, the result items read-only and shared (stored.decode's `shared`)."""
        shared: dict[str, dict[str, Any]] = {}
        for client, result in self.latest_stored():
            yield client, LatestResult(stored.decode(result, shared))

    def latest_stored(self, keys: tuple[str, ...] | None = None) -> Iterator[tuple[LatestClient, dict[str, Any]]]:
        """latest_read() with each result in its stored form, undecoded (compact.Reader reads it); with `keys`, only
        those answers of each client (the summary's board reads two of a hundred)."""
        answers_column = Client.answers if keys is None else type_coerce(Client.answers, JSON)
        plain = self.latest_query().with_only_columns(Client.id, Client.key, Client.name, answers_column,
                                                      type_coerce(ClientResult.result, JSON)).order_by(Client.key)
        for ident, key, name, answers, result in self.session.connection().execute(plain.execution_options(yield_per=500)):
            yield LatestClient(ident, key, name, (answers or {}) if keys is None else answers_of(answers, keys)), result

    def latest_query(self) -> Select[Client, ClientResult]:
        """Each client with its newest result: joined to the newest result ids worked out once (grouped), not each
        client's results searched for `id IN (newest ids)`, which SQLite did per client (5,000 clients 6.6 s, 100k
        quadratic)."""
        newest = (select(ClientResult.client_id.label("cid"), func.max(ClientResult.id).label("rid"))
                  .where(ClientResult.agency_id == self.agency_id).group_by(ClientResult.client_id).subquery("newest"))
        return (select(Client, ClientResult).join(newest, newest.c.cid == Client.id)
                .join(ClientResult, ClientResult.id == newest.c.rid).where(Client.agency_id == self.agency_id))

    def _page(self, limit: int, offset: int) -> list[tuple[Client, ClientResult]]:
        """One page of clients with their newest result: the page's ids from the key index alone, then only those
        rows (a deep page no longer walks every earlier client's results)."""
        ids = list(self.session.scalars(select(Client.id).where(Client.agency_id == self.agency_id)
                                        .order_by(Client.key).offset(offset).limit(limit)))
        if not ids:
            return []
        clients = {c.id: c for c in self.session.scalars(select(Client).where(Client.id.in_(ids)))}
        newest = (select(func.max(ClientResult.id)).where(ClientResult.client_id.in_(ids))
                  .group_by(ClientResult.client_id))
        results = {r.client_id: r for r in self.session.scalars(select(ClientResult).where(ClientResult.id.in_(newest)))}
        return [(clients[i], results[i]) for i in ids if i in results]

