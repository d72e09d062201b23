"""Helpers of the staff tests: the R&D-ratio edit of specialised-sme (its 2026 version, in force on AS_OF) and a
profile it flips."""

from __future__ import annotations

import re

from tests.web.util import AS_OF, as_form

MEASURE = "specialised-sme"
# R&D 100 of revenue 3,000 (3.33%): eligible at 3%, not at 4% (every other criterion of the 2026 standard met).
BORDERLINE = {"entity_type": "enterprise", "niche_market_years": 3, "rd_expense_wan": 100, "revenue_wan": 3000,
              "equity_financing_2y_wan": 0, "specialised_score": 70, "tech_innovative_sme": True, "dishonest_listed": False,
              "main_business_revenue_wan": 2700, "total_assets_wan": 5000, "total_liabilities_wan": 2000,
              "rd_expense_prev_wan": 120, "revenue_prev_wan": 1800, "ip_class1": 2, "zjtx_quality_score": 60}
RATIO_3 = '        test: "rd_ratio_1y >= 3%"\n'  # in each version; the 2026 one is the last


def raise_threshold(text: str) -> str:
    """The measure's YAML with the 2026 version's R&D-ratio threshold raised from 3% to 4%, marked as an assumption
    (examples untouched)."""
    assert text.count(RATIO_3) == 2
    head, _, tail = text.rpartition(RATIO_3)
    return head + ('        test: "rd_ratio_1y >= 4%"\n'
                   '        assumption: {zh: 拟将门槛提高到4%（未见正式文件）, en: Proposed 4% (no official text)}\n') + tail


def fix_examples(text: str) -> str:
    """The 2026 examples of the 4% threshold: exactly 4% passes, 3.99% fails, R&D 100 needs revenue 2,500."""
    swaps = [("profile: {rd_expense_wan: 100, revenue_wan: 3000, main_business_revenue_wan: 2700}",
              "profile: {rd_expense_wan: 100, revenue_wan: 2500, main_business_revenue_wan: 2250}"),
             ("上年研发费用恰为100万元且占比3.33%符合", "上年研发费用恰为100万元且占比4%符合"),
             ("profile: {revenue_wan: 5000, main_business_revenue_wan: 4500}",
              "profile: {revenue_wan: 3750, main_business_revenue_wan: 3375}"),
             ("profile: {revenue_wan: 5020, main_business_revenue_wan: 4520}",
              "profile: {revenue_wan: 3760, main_business_revenue_wan: 3400}"),
             ("name: 上年研发占比恰为3%符合", "name: 上年研发占比恰为4%符合"),
             ("name: 上年研发占比2.99%不符合", "name: 上年研发占比3.99%不符合")]
    for old, new in swaps:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


def textarea(html: str) -> str:
    """The unescaped text of the page's textarea."""
    import html as html_mod

    match = re.search(r"<textarea[^>]*>\n?(.*?)</textarea>", html, re.S)
    assert match, html[:500]
    return html_mod.unescape(match.group(1))


def check_status(client, profile: dict, measure: str = MEASURE) -> str:
    """Check a profile through the public form as a new assessment; the measure's status."""
    response = client.post("/", data=as_form(profile, AS_OF))
    assert response.status_code == 302, response.data[:300]
    data = client.get(response.headers["Location"] + "/result.json").get_json()
    return next(r["status"] for r in data["results"] if r["measure"] == measure)


def preview(client, draft_url: str) -> None:
    """Make the impact preview of the draft's current texts (publishing requires one of exactly them)."""
    page = client.get(draft_url.rstrip("/") + "/impact")
    assert page.status_code == 200 and 'data-status="done"' in page.get_data(as_text=True), page.get_data(as_text=True)[-800:]
