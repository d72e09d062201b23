"""The JSON API's check answers version 2 and reads the credit code like the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.accounts import add_token, add_user, shut
from tests.agency.conftest import make_app

RULES = Path(__file__).parent / "fixtures" / "rules"
HOLDER = {"entity_type": "enterprise", "hte_certified": True, "hte_certified_on": "2024-10-30",
          "taxable_income_wan": 200, "rd_expense_wan": 100}


@pytest.fixture
def api(tmp_path):
    app = make_app(tmp_path, CHECKER_RULES=str(RULES))
    token = add_token(app, add_user(app, "a@example.com", "Agency A"))
    yield app.test_client(), {"Authorization": f"Bearer {token}"}
    shut(app)


def test_the_api_check_carries_held_currency_money_totals_and_notices(api):
    client, headers = api
    body = client.post("/api/v1/check?as_of=2026-06-01", headers=headers, json=HOLDER).json
    by_id = {r["measure"]: r for r in body["results"]}
    assert by_id["recog"]["held"] == {"since": "2024-10-30", "until": "2027-10-30"}
    assert by_id["cash-unconfirmed"]["currency"] == "unconfirmed" and by_id["staff-prog"]["applicant"] == "staff"
    assert by_id["deduct"]["benefit"]["tax_saving_wan"] == 5.0
    assert body["totals"] == {"cash_wan": 7.0, "tax_saving_wan": 45.0, "financing_wan": 100.0}
    assert [n["measure"] for n in body["notices"]] == ["idea"] and "idea" not in by_id
