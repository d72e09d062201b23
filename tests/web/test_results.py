"""What the results page shows, on the small fixture pack."""

from __future__ import annotations

import re

PROFILE = {"q_entity_type": "enterprise", "q_rd_expense_wan": "200", "q_employees": "10", "q_tech_staff": "1",
           "q_has_cert": "true", "q_cert_on": "2020-01-01", "as_of": "2026-06-01"}


def _page(mini, **changes):
    response = mini.post("/", data=PROFILE | changes)
    assert response.status_code == 302, response.get_data(as_text=True)
    return mini.get(response.headers["Location"]).get_data(as_text=True)


def _group(html: str, status: str) -> str:
    start = html.index(f'id="g-{status}"')
    end = html.find('<section class="group', start + 1)
    return html[start:end if end > 0 else len(html)]


def test_measures_are_grouped_by_status(mini):
    html = _page(mini)
    assert "研发补助甲" in _group(html, "eligible") and "税收减免乙" in _group(html, "eligible")
    assert "孵化空间支持丙" in _group(html, "ineligible")
    assert "可申报（2）" in html and "不符合（1）" in html and "待完善（0）" in html


def test_amounts_and_total(mini):
    html = _page(mini)
    assert re.search(r"估算金额：</strong><span class=\"figure\">20</span> 万元", html)
    assert '<span class="figure" id="total">25</span>' in html


def test_ratios_are_percentages_and_money_has_units(mini):
    html = _page(mini)
    assert "实际 10% / 门槛 10%" in html
    assert "实际 200 万元 / 门槛 100 万元" in html


def test_assumptions_are_marked_not_official(mini):
    html = _page(mini)
    part = html[html.index('id="m-grant-a"'):html.index('id="m-relief-b"')]
    assert part.count("假设，非官方") >= 3  # the criterion, the benefit and the measure's assumptions
    assert "按年末人数计算" in part and "补助比例按往年估计" in part and "假定资金足额到位" in part


def test_exclusive_measures_are_shown_as_conflict(mini):
    html = _page(mini)
    assert '<section class="conflicts">' in html
    assert "研发补助甲 ⟷ 税收减免乙" in html
    assert "冲突" in html


def test_no_conflict_when_only_one_is_eligible(mini):
    html = _page(mini, q_has_cert="false")
    assert '<section class="conflicts">' not in html


def test_unlocking_measures_are_shown_as_chains(mini):
    html = _page(mini)
    start = html.index('<section class="chains">')
    chains = html[start:html.index("</section>", start)]
    expected = '税收减免乙</a> <span class="badge badge-eligible">可申报</span> → <a href="#m-space-c">孵化空间支持丙'
    assert expected in chains
    assert "解锁" in html and "享受乙后可申请丙" in html


def test_open_questions_link_back_to_the_form(mini):
    response = mini.post("/", data={"q_entity_type": "enterprise", "as_of": "2026-06-01"})
    location = response.headers["Location"]
    html = mini.get(location).get_data(as_text=True)
    part = _group(html, "undetermined")
    assert f'href="{location}/edit#f-rd_expense_wan"' in part
    assert f'href="{location}/edit#f-has_cert"' in part
    edit = mini.get(location + "/edit").get_data(as_text=True)
    assert 'id="f-rd_expense_wan"' in edit


def test_top_open_questions_are_ranked(mini):
    response = mini.post("/", data={"q_entity_type": "enterprise", "as_of": "2026-06-01"})
    html = mini.get(response.headers["Location"]).get_data(as_text=True)
    start = html.index('<section class="top-questions')
    part = html[start:html.index("</section>", start)]
    # R&D expense holds up both enterprise measures; the certificate only one
    assert part.index("#f-rd_expense_wan") < part.index("#f-has_cert")
    assert "涉及待完善政策数：2" in part


def test_eligible_measures_with_larger_amounts_come_first(mini):
    html = _group(_page(mini), "eligible")
    assert html.index('id="m-grant-a"') < html.index('id="m-relief-b"')
    html = _group(_page(mini, q_rd_expense_wan="60", q_employees="", q_tech_staff=""), "eligible")
    assert 'id="m-relief-b"' in html and 'id="m-grant-a"' not in html


def test_source_manual_checks_materials_and_apply(mini):
    html = _page(mini)
    part = html[html.index('id="m-grant-a"'):html.index('id="m-relief-b"')]
    texts = ("《测试办法》 第一条", "「对研发投入较高的企业给予补助」", "核实研发项目真实性", "研发费用审计报告", "向测试局申报")
    for text in texts:
        assert text in part


def test_out_of_period_measure_is_not_eligible(mini):
    html = _page(mini, q_entity_type="incubator", q_incubator_area_m2="5000")
    assert "孵化空间支持丙" in _group(html, "ineligible")
    assert "在政策有效期内" in html


def test_results_in_english(mini):
    html = _page(mini)
    location_html = html  # page rendered in Chinese; now switch
    assert "可申报" in location_html
    mini.get("/?lang=en")
    response = mini.post("/", data=PROFILE)
    html = mini.get(response.headers["Location"]).get_data(as_text=True)
    assert "R&amp;D grant A" in html and "Eligible" in html
    assert "assumption, not official" in html
    assert "Counted at year end" in html


def test_print_stylesheet_exists(mini):
    response = mini.get("/static/style.css")
    assert "@media print" in response.get_data(as_text=True)
    response.close()
