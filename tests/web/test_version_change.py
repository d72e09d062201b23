"""A dated standard that takes effect after a saved check or an agency's last check reaches its owner."""

from __future__ import annotations

import datetime as dt

from tests.web.util import as_form, example_profile

BEFORE = "2026-03-15"  # under the 2022 专精特新 standard; the 2026 one takes effect on 2026-04-01
TITLE = "专精特新中小企业认定"
NICHE = {"niche_market_years": 2, "revenue_wan": 1200, "rd_expense_wan": 150, "specialised_score": 70}


def test_the_pack_lists_the_versions_that_took_effect_between_two_dates(pack):
    changes = pack.version_changes(dt.date(2026, 3, 15), dt.date(2026, 12, 3))
    assert [(v.id, start) for v, start in changes] == [("specialised-sme", dt.date(2026, 4, 1))]
    assert pack.version_changes(dt.date(2026, 4, 1), dt.date(2026, 12, 3)) == []
    assert pack.version_changes(dt.date(2026, 3, 15), dt.date(2026, 3, 31)) == []


def test_a_saved_result_from_before_the_change_says_so_and_rechecks_on_today(client):
    location = client.post("/", data=as_form({**example_profile(), **NICHE}, BEFORE)).headers["Location"]
    page = client.get(location).get_data(as_text=True)
    assert 'id="version-changed"' in page and f"{TITLE}：自 2026-04-01 起" in page
    before = client.get(location + "/result.json").get_json()
    response = client.post(location + "/recheck", data={"on": "today"})
    after = client.get(response.headers["Location"] + "/result.json").get_json()
    assert after["as_of"] == dt.date.today().isoformat()
    status = {d["as_of"]: next(r["status"] for r in d["results"] if r["measure"] == "specialised-sme") for d in (before, after)}
    assert status == {BEFORE: "eligible", after["as_of"]: "ineligible"}  # 2 years in the niche no longer do
    assert 'id="version-changed"' not in client.get(response.headers["Location"]).get_data(as_text=True)


def test_a_same_date_recheck_keeps_the_date_and_the_notice(client):
    location = client.post("/", data=as_form(example_profile(), BEFORE)).headers["Location"]
    again = client.post(location + "/recheck").headers["Location"]
    assert client.get(again + "/result.json").get_json()["as_of"] == BEFORE
    assert 'id="version-changed"' in client.get(again).get_data(as_text=True)
