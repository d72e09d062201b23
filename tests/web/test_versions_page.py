"""The results page shows each dated measure in the version of the check date, with its dates and source."""

from __future__ import annotations

FIRM = {"q_entity_type": "enterprise", "q_niche_market_years": "2", "q_revenue_wan": "1200", "q_rd_expense_wan": "150",
        "q_equity_financing_2y_wan": "0", "q_specialised_score": "70"}
# A firm that meets the 2026 standard too.
STRONG = FIRM | {"q_niche_market_years": "3", "q_revenue_wan": "2000", "q_main_business_revenue_wan": "1800",
                 "q_total_assets_wan": "5000", "q_total_liabilities_wan": "2000", "q_rd_expense_prev_wan": "120",
                 "q_revenue_prev_wan": "1800", "q_ip_class1": "2", "q_tech_innovative_sme": "true",
                 "q_dishonest_listed": "false", "q_zjtx_quality_score": "60"}


def _sme(client, form: dict[str, str], as_of: str) -> str:
    """The specialised-sme entry of the results page: its card, or its line in the folded ineligible group."""
    response = client.post("/", data=form | {"as_of": as_of})
    assert response.status_code == 302, response.get_data(as_text=True)
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    start = html.index('id="m-specialised-sme"')
    tag = html[html.rindex("<", 0, start) + 1:start].split()[0]  # details (a card) or li (a folded line)
    return html[start:html.index(f"</{tag}>", start)]


def test_the_results_page_shows_the_version_of_the_check_date(client):
    old = _sme(client, FIRM, "2026-03-31")
    assert "2022-06-01 至 2026-03-31" in old and "工信部企业〔2022〕63号" in old and "评价得分达到60分以上" in old
    new = _sme(client, FIRM, "2026-12-03")
    assert "不符合" in new and "达到3年以上" in new and "1500万元" in new
    strong = _sme(client, STRONG, "2026-12-03")
    assert "2026-04-01 至 今" in strong and "工信部企业〔2026〕2号" in strong and "质量评价得分达到50分以上" in strong
    assert "评价得分达到60分以上" not in strong and "公开转述" in strong  # the page says it rests on a reproduction
