"""Issue 12 item 3: the portfolio page pages its clients and keeps its summary per agency and rule version,
recomputed only when the agency's results (or the rules) change."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from checker.agency import portfolio_summary as module
from checker.agency.models import Job
from checker.agency.portfolio import Portfolio
from checker.agency.state_models import PortfolioSummary
from tests.agency.test_portfolio import CLIENTS
from tests.agency.util import GOOD, job_id_of, jsonl_bytes, upload


@pytest.fixture
def computed(monkeypatch):
    """How many times a portfolio summary was computed from the stored results."""
    calls = []
    real = module.summarise_facts

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, "summarise_facts", counting)
    return calls


def _clients(page: str) -> str:
    return page.split('<strong id="summary-clients">')[1].split("<")[0]


def test_the_summary_is_kept_until_the_results_change(app, alice, computed):
    job_id_of(upload(alice, "c.jsonl", jsonl_bytes(CLIENTS)))
    assert len(computed) == 1  # computed by the job's worker once the job ended, not by the page
    first = alice.get("/agency/portfolio").get_data(as_text=True)
    again = alice.get("/agency/portfolio?lang=en").get_data(as_text=True)
    assert _clients(first) == _clients(again) == "4" and len(computed) == 1  # the second page read the kept one
    assert 'data-measure="grant-a"><td>R&amp;D grant A</td>' in again  # titles follow the page's language
    job_id_of(upload(alice, "more.jsonl", jsonl_bytes([{**GOOD, "id": "fifth"}])))
    assert _clients(alice.get("/agency/portfolio").get_data(as_text=True)) == "5" and len(computed) == 2


def test_the_summary_is_recomputed_on_another_rule_version(app, alice, computed):
    job_id_of(upload(alice, "c.jsonl", jsonl_bytes(CLIENTS)))
    alice.get("/agency/portfolio")
    with app.extensions["checker"].sessions() as session:
        session.execute(update(PortfolioSummary).values(rulepack="an-older-pack"))
        session.commit()
    alice.get("/agency/portfolio")
    alice.get("/agency/portfolio")
    assert len(computed) == 2


def test_each_agency_has_its_own_summary(app, alice, bob, computed):
    job_id_of(upload(alice, "c.jsonl", jsonl_bytes(CLIENTS)))
    job_id_of(upload(bob, "b.jsonl", jsonl_bytes([GOOD])))
    assert _clients(alice.get("/agency/portfolio").get_data(as_text=True)) == "4"
    assert _clients(bob.get("/agency/portfolio").get_data(as_text=True)) == "1"


def test_the_client_list_is_paged_in_key_order_with_each_clients_newest_result(app, alice, monkeypatch):
    monkeypatch.setattr("checker.web.agency.views.SHOWN", 3)
    job_id_of(upload(alice, "c.jsonl", jsonl_bytes(CLIENTS)))
    job_id_of(upload(alice, "again.jsonl", jsonl_bytes([{**CLIENTS[0], "rd_expense_wan": 10}])))  # "low" checked again
    first, second = (alice.get(f"/agency/portfolio?page={n}").get_data(as_text=True) for n in (1, 2))
    keys = [[row.split("</a>")[0].split(">")[-1] for row in page.split("<tbody>")[-1].split('href="/agency/clients/')[1:]]
            for page in (first, second)]
    assert keys == [["cert40", "high", "low"], ["nocert40"]] and 'id="pages"' in first and _clients(second) == "4"
    with app.extensions["checker"].sessions() as session:
        page = list(Portfolio(session, 1).latest(2, 1))
        assert [(c.key, r.id) for c, r in page] == [("high", 4), ("low", 5)]  # low's newest result, not its first


def test_while_a_job_runs_the_page_shows_the_kept_summary_marked_updating_and_computes_nothing(app, alice, computed):
    job_id_of(upload(alice, "c.jsonl", jsonl_bytes(CLIENTS)))
    sessions = app.extensions["checker"].sessions
    with sessions() as session:  # results moved since the summary was kept, and a job is still storing more
        session.execute(update(PortfolioSummary).values(stamp="moved"))
        session.execute(update(Job).values(status="running"))
        session.commit()
    page = alice.get("/agency/portfolio").get_data(as_text=True)
    assert 'id="summary-updating"' in page and _clients(page) == "4" and len(computed) == 1
    with sessions() as session:
        session.execute(update(Job).values(status="done"))
        session.commit()
    page = alice.get("/agency/portfolio").get_data(as_text=True)
    assert 'id="summary-updating"' not in page and len(computed) == 2  # nothing running: computed now
