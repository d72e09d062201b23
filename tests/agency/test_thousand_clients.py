"""Issue 5 end to end: template, 1,000 clients uploaded, progress, XLSX matrix, rule change, what moved."""

from __future__ import annotations

import io
import re

from openpyxl import load_workbook

from tests.agency.conftest import add_user, make_app, shut, sign_in
from tests.agency.test_portfolio import changed_pack
from tests.agency.util import GOOD, csv_bytes, fetch, job_id_of, upload


def clients(n: int) -> list[dict]:
    """n clients on both sides of the thresholds the changed pack moves."""
    return [{**GOOD, "id": f"c{i:04d}", "rd_expense_wan": 20 + (i % 30) * 10, "has_cert": i % 2 == 0} for i in range(n)]


def test_an_agency_checks_a_thousand_clients_and_sees_who_changed_with_the_rules(tmp_path):
    first = make_app(tmp_path)
    add_user(first, "a@example.com", "A")
    client = first.test_client()
    sign_in(client, "a@example.com")
    status, template = fetch(client, "/agency/template.xlsx")
    assert status == 200 and load_workbook(io.BytesIO(template)).worksheets[0].cell(1, 1).value
    job = job_id_of(upload(client, "clients.csv", csv_bytes(clients(1000))))
    progress = client.get(f"/agency/jobs/{job}/progress").json
    assert (progress["status"], progress["done"], progress["total"]) == ("done", 1000, 1000)
    status, matrix = fetch(client, f"/agency/jobs/{job}/results.xlsx")
    sheet = load_workbook(io.BytesIO(matrix), read_only=True)["客户×政策"]  # after the 汇总 sheet
    cells = {str(c) for row in sheet.iter_rows(min_row=2, values_only=True) for c in row[:3]}
    assert status == 200 and all(f"c{i:04d}" in cells for i in range(1000))
    shut(first)

    second = make_app(tmp_path, CHECKER_RULES=str(changed_pack(tmp_path)))
    try:
        client = second.test_client()
        sign_in(client, "a@example.com")
        page = client.get("/agency/rechecks/1").get_data(as_text=True)  # re-checked in the background on the new rules
        assert '<strong id="rechecked">1000</strong>' in page
        assert 'id="k-no_longer_eligible"' in page and 'id="k-newly_eligible"' in page
        lost = int(re.search(r"不再可申报 \((\d+)\)", page).group(1))
        gained = int(re.search(r"新增可申报 \((\d+)\)", page).group(1))
        assert lost > 100 and page.count('<tr><td><a href="/agency/clients/') == gained
        lost_page = client.get("/agency/rechecks/1?kind=no_longer_eligible&page=2").get_data(as_text=True)
        assert lost_page.count('<tr><td><a href="/agency/clients/') == min(100, lost - 100)  # 100 changes a page
        portfolio = client.get("/agency/portfolio?page=5").get_data(as_text=True)
        listed = portfolio[portfolio.index('id="clients"'):]  # the client list (the dashboard's call-first list is above)
        assert listed.count('<tr><td><a href="/agency/clients/') == 200 and ">c0800</a>" in listed
        assert ">c0799</a>" not in listed and '<strong id="summary-clients">1000</strong>' in portfolio
        again = client.post("/agency/portfolio/recheck", follow_redirects=True).get_data(as_text=True)
        assert '<strong id="rechecked">1000</strong>' in again and 'id="no-changes"' in again
    finally:
        shut(second)
