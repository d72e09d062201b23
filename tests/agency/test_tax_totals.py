"""Issue 21 item 2 in the agency outputs: no workbook column, 汇总 sheet, dashboard or API answer adds the savings of
two tax scenarios. Each client's money is the company page's total (one scenario), enumerated over the scenario pairs
of tests/answer/test_tax_scenarios.py, for results stored with their totals and for rows stored before them."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from checker.agency import dashboard
from checker.agency.models import Client, ClientResult
from checker.engine.answer import counts_as_eligible
from tests.agency.test_outputs_agree import real  # noqa: F401 - the app on the project pack
from tests.agency.util import AS_OF, fetch, job_id_of, jsonl_bytes, upload
from tests.answer.test_tax_scenarios import PROFILES, by_id

KINDS = {"cash": "cash_wan", "tax_saving": "tax_saving_wan", "financing": "financing_wan"}
HEADS = {"cash": "资金支持（万元）", "tax_saving": "税收减免（万元）", "financing": "融资支持（万元）"}  # matrix and 汇总
RATE_MEASURES = ("small-low-profit", "hte-tax-rate")


def _row(key: str, profile: dict) -> dict:
    """A JSONL upload row of a profile (dates as ISO text)."""
    return {"id": key, **{k: v.isoformat() if isinstance(v, dt.date) else v for k, v in profile.items()}}


@pytest.fixture
def walked(real, reference):  # noqa: F811
    """Every scenario pair uploaded as one job: (app, client, API headers, job id, each client's company-page answer)."""
    app, alice, headers = real
    keys = {f"T{n:02d}": profile for n, profile in enumerate(PROFILES)}
    job = job_id_of(upload(alice, "clients.jsonl", jsonl_bytes([_row(k, p) for k, p in keys.items()])))
    pages = {key: reference.check(profile, dt.date.fromisoformat(AS_OF)).to_json() for key, profile in keys.items()}
    return app, alice, headers, job, pages


def _both(page: dict) -> bool:
    """Small low-profit and the 15% rate both counted: the client whose items, added up, mix two scenarios."""
    items = by_id(page)
    return all(counts_as_eligible(items[m]) for m in RATE_MEASURES)


def _money(cell) -> float:
    """A money cell as a number (empty or "—" when nothing is known: the page's total is then 0)."""
    return float(cell) if isinstance(cell, (int, float)) else 0.0


def test_the_scenario_pairs_include_clients_that_would_mix_two_scenarios(walked):
    _, _, _, _, pages = walked
    both = [p for p in pages.values() if _both(p)]
    assert both and any(not _both(p) for p in pages.values())
    for page in both:
        items = by_id(page)
        added = sum(items[m]["benefit"]["amount_wan"] for m in RATE_MEASURES)
        assert page["totals"]["tax_saving_wan"] < added  # what an export that adds the items would show


def test_workbook_api_and_dashboard_give_the_company_pages_total(walked):
    app, alice, headers, job, pages = walked
    book = load_workbook(io.BytesIO(fetch(alice, f"/agency/jobs/{job}/results.xlsx")[1]))
    matrix = list(book["客户×政策"].iter_rows(values_only=True))
    columns = {kind: matrix[0].index(head) for kind, head in HEADS.items()}
    assert len(matrix) == len(pages) + 1
    for line in matrix[1:]:
        for kind, col in columns.items():
            assert _money(line[col]) == pytest.approx(pages[line[1]]["totals"][KINDS[kind]]), (line[1], kind)

    batch = alice.get(f"/api/v1/batches/{job}", headers=headers).json
    assert len(batch["results"]) == len(pages)
    for result in batch["results"]:
        for kind, key in KINDS.items():
            assert (result["money_wan"][kind] or 0.0) == pytest.approx(pages[result["client"]]["totals"][key])

    alice.get("/agency/portfolio")  # the kept summary and board
    summary = _portfolio_summary(app)
    for kind, key in KINDS.items():
        assert (summary.money[kind] or 0.0) == pytest.approx(sum(p["totals"][key] for p in pages.values()))
    worth = {row[1]: row[6] for row in summary.board["clients"]}
    assert worth == pytest.approx({k: sum(p["totals"].values()) for k, p in pages.items()})
    listed = dashboard.rows(summary.board, app.extensions["checker"].pack, dt.date.fromisoformat(AS_OF))
    assert all(r.act_now_wan <= r.money_wan + 1e-9 for r in listed)  # who to call first: no two scenarios either
    assert any(r.act_now_wan > 0 for r in listed if _both(pages[r.key]))

    front = load_workbook(io.BytesIO(fetch(alice, "/agency/portfolio/results.xlsx")[1]))
    assert front.sheetnames[0] == "汇总"
    rows = {r[0]: r[1] for r in front["汇总"].iter_rows(values_only=True) if r and r[0] in HEADS.values()}
    for kind, key in KINDS.items():
        assert rows[HEADS[kind]] == pytest.approx(round(sum(p["totals"][key] for p in pages.values()), 2))


def _portfolio_summary(app):
    """The agency's kept portfolio summary on the app's pack."""
    from checker.agency.portfolio_summary import portfolio_summary
    services = app.extensions["checker"]
    with services.sessions() as session:
        agency = session.scalar(select(Client.agency_id))
    return portfolio_summary(services.sessions, agency, services.pack, "zh")


def test_rows_stored_before_results_carried_totals_read_the_same_totals(walked):
    app, alice, headers, job, pages = walked
    with app.extensions["checker"].sessions() as session:
        for stored in session.scalars(select(ClientResult).where(ClientResult.job_id == job)):
            assert "totals" in stored.result
            stored.result = {k: v for k, v in stored.result.items() if k != "totals"}
        session.commit()
    with app.extensions["checker"].sessions() as session:
        assert all("totals" not in r for r in session.scalars(select(ClientResult.result)))
    batch = alice.get(f"/api/v1/batches/{job}", headers=headers).json
    for result in batch["results"]:
        for kind, key in KINDS.items():
            assert (result["money_wan"][kind] or 0.0) == pytest.approx(pages[result["client"]]["totals"][key])
    book = load_workbook(io.BytesIO(fetch(alice, f"/agency/jobs/{job}/results.xlsx?detail=1")[1]))
    matrix = list(book["客户×政策"].iter_rows(values_only=True))
    column = matrix[0].index(HEADS["tax_saving"])
    for line in matrix[1:]:
        assert _money(line[column]) == pytest.approx(pages[line[1]]["totals"]["tax_saving_wan"]), line[1]
