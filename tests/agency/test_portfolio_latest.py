"""Each client's newest result, read over a whole portfolio in one pass whatever its size."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert, select, text

from checker.accounts.models import User
from checker.agency.models import Client, ClientResult
from checker.agency.portfolio import Portfolio


def _clients(session, agency_id: int, results: dict[str, int]) -> None:
    """Clients by key, each with that many stored results (one per check, the last the newest)."""
    for key, count in results.items():
        client = session.execute(insert(Client).values(agency_id=agency_id, key=key, name=key.upper(), answers={})
                                 .returning(Client.id)).scalar_one()
        for n in range(count):
            session.add(ClientResult(agency_id=agency_id, client_id=client, rulepack="v", as_of=dt.date(2026, 6, 1),
                                     result={"rulepack": "v", "as_of": "2026-06-01", "check": n, "results": [
                                         {"measure": "m1", "status": "eligible", "amount_wan": 1.5 * n, "currency": "CNY"},
                                         {"measure": "m2", "status": "ineligible", "amount_wan": None, "currency": None,
                                          "failed": ["c1"]}]}))
    session.flush()


def test_each_client_comes_with_its_newest_result_in_key_order(app, users):
    with app.extensions["checker"].sessions() as session:
        agency_a = session.get(User, users["a"]).agency_id
        agency_b = session.get(User, users["b"]).agency_id
        _clients(session, agency_a, {"k2": 3, "k1": 1, "k3": 0})
        _clients(session, agency_b, {"k0": 2})
        found = [(c.key, r.result["check"]) for c, r in Portfolio(session, agency_a).latest()]
        assert found == [("k1", 0), ("k2", 2)]  # a client never checked has no row; another agency's are not read
        assert [(c.key, r.result["check"]) for c, r in Portfolio(session, agency_a).latest(limit=1, offset=1)] == [("k2", 2)]


def test_the_newest_results_are_found_by_id_not_searched_for_each_client(app, users):
    with app.extensions["checker"].sessions() as session:
        agency = session.get(User, users["a"]).agency_id
        statement = Portfolio(session, agency).latest_query()
        compiled = statement.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
        plan = " / ".join(row[-1] for row in session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))
        assert "LIST SUBQUERY" not in plan, plan  # `id IN (newest ids)` was searched per client: quadratic
        assert "SEARCH agency_result USING INTEGER PRIMARY KEY" in plan, plan
        assert session.execute(select(ClientResult.id)).first() is None


def test_the_plain_read_of_the_portfolio_gives_what_the_orm_read_gives(app, users):
    with app.extensions["checker"].sessions() as session:
        agency = session.get(User, users["a"]).agency_id
        _clients(session, agency, {"k2": 3, "k1": 1, "k3": 0, "k4": 2})
        session.execute(Client.__table__.update().where(Client.key == "k4").values(answers={"district": "haidian"}))
        portfolio = Portfolio(session, agency)
        orm = [(c.id, c.key, c.name, c.answers, r.result) for c, r in portfolio.latest()]
        plain = [(c.id, c.key, c.name, c.answers, r.result) for c, r in portfolio.latest_read()]
        assert plain == orm and [row[1] for row in plain] == ["k1", "k2", "k4"]
        assert plain[2][3] == {"district": "haidian"} and plain[1][4]["results"][0]["amount_wan"] == 3.0
