"""What the results page shows, on the small fixture pack: cards, groups, money types and sources."""

from __future__ import annotations

import re

import pytest

from checker.company.models import Assessment, StoredResult
from checker.web import assess
from checker.web.services import db

PROFILE = {"q_entity_type": "enterprise", "q_rd_expense_wan": "200", "q_employees": "10", "q_tech_staff": "1",
           "q_has_cert": "true", "q_cert_on": "2020-01-01", "as_of": "2026-06-01"}


def _page(mini, **changes):
    response = mini.post("/", data=PROFILE | changes)
    assert response.status_code == 302, response.get_data(as_text=True)
    return mini.get(response.headers["Location"]).get_data(as_text=True)


def _group(html: str, status: str) -> str:
    start = html.index(f'id="g-{status}"')
    ends = [i for i in (html.find('class="group', start + 1), html.find("</section>", start),
                        html.find("</details>\n", start)) if i > 0]
    return html[start:min(ends) if ends else len(html)]


def _card(html: str, measure: str) -> str:
    start = html.index(f'id="m-{measure}"')
    return html[start:html.index("</details>", start)]


def test_eligible_measures_are_collapsible_cards_in_the_first_group(mini):
    html = _page(mini)
    eligible = html[html.index('id="g-eligible"'):html.index('id="g-verify"')]
    assert '<details class="card status-eligible" id="m-grant-a"' in eligible and "研发补助甲" in eligible
    # relief-b has no period and no confirmation: currency unconfirmed, shown to check and not counted
    verify = html[html.index('id="g-verify"'):html.index('id="g-undetermined"')]
    assert "税收减免乙" in verify and "向主管部门核实" in verify
    assert html.index('id="g-eligible"') < html.index('id="g-undetermined"') < html.index('id="g-ineligible"')
    assert "可申报（1）" in html and "待完善（0）" in html


def test_other_kinds_of_applicant_are_not_listed_for_a_company(mini):
    html = _page(mini)
    assert "孵化空间支持丙" not in html  # for incubators only
    assert "另有1项面向其他类型申报主体" in html


def test_an_incubator_sees_its_measure_in_the_folded_ineligible_group(mini):
    html = _page(mini, q_entity_type="incubator", q_incubator_area_m2="5000")
    assert '<details class="group group-ineligible fold" id="g-ineligible">' in html
    part = html[html.index('id="g-ineligible"'):]
    assert "孵化空间支持丙" in part and "不符合：在政策有效期内" in part


def test_amounts_and_totals_by_money_type(mini):
    html = _page(mini)
    assert '<span class="money">20 万元</span>' in _card(html, "grant-a")
    totals = html[html.index('id="totals"'):html.index("</section>", html.index('id="totals"'))]
    # no money type declared in the fixture pack: the sum is labelled as of unstated kind, not mixed;
    # relief-b (5) is unconfirmed and not counted
    assert "金额类型未注明" in totals and "20 万元" in totals and "25 万元" not in totals


def test_ratios_are_percentages_and_money_has_units(mini):
    html = _page(mini)
    assert "实际 10% / 门槛 10%" in html
    assert "实际 200 万元 / 门槛 100 万元" in html


def test_assumptions_are_marked_not_official(mini):
    part = _card(_page(mini), "grant-a")
    assert part.count("假设，非官方") >= 3  # the criterion, the benefit and the measure's assumptions
    assert "按年末人数计算" in part and "补助比例按往年估计" in part and "假定资金足额到位" in part


def test_exclusive_measures_are_shown_as_conflict(mini):
    html = _page(mini)
    assert '<section class="conflicts">' in html
    assert "研发补助甲 ⟷ 税收减免乙" in html


def test_no_conflict_when_only_one_is_eligible(mini):
    html = _page(mini, q_has_cert="false")
    assert '<section class="conflicts">' not in html


def test_open_measures_name_the_answers_that_settle_them(mini):
    response = mini.post("/", data={"q_entity_type": "enterprise", "as_of": "2026-06-01"})
    location = response.headers["Location"]
    html = mini.get(location).get_data(as_text=True)
    part = html[html.index('<ul class="open-list">'):]
    part = part[:part.index("</ul>")]
    grant = part[part.index('id="m-grant-a"'):]
    grant = grant[:grant.index("</li>")]
    # R&D expense holds up both measures, so it comes first; at most two answers are named
    assert grant.index(f'href="{location}/edit#f-rd_expense_wan"') < grant.index("#f-employees")
    assert grant.count("/edit#f-") == 2 and "另有" in grant
    edit = mini.get(location + "/edit").get_data(as_text=True)
    assert 'id="f-rd_expense_wan"' in edit


def test_top_open_questions_are_ranked(mini):
    response = mini.post("/", data={"q_entity_type": "enterprise", "as_of": "2026-06-01"})
    html = mini.get(response.headers["Location"]).get_data(as_text=True)
    start = html.index('<div class="top-questions')
    part = html[start:html.index("</div>", start)]
    assert part.index("#f-rd_expense_wan") < part.index("#f-has_cert")
    assert "涉及待完善政策数：2" in part


def test_eligible_measures_with_larger_amounts_come_first(mini):
    html = _page(mini)
    assert html.index('id="m-grant-a"') < html.index('id="m-relief-b"')


def test_source_names_the_document_clause_and_quote(mini):
    part = _card(_page(mini), "grant-a")
    for text in ("<cite>《测试办法》</cite>", "第一条", "「对研发投入较高的企业给予补助」", "核实研发项目真实性",
                 "研发费用审计报告", "向测试局申报", "2020-01-01 – 2030-12-31"):
        assert text in part


def test_results_in_english_say_cny_first(mini):
    mini.get("/?lang=en")
    response = mini.post("/", data=PROFILE)
    html = mini.get(response.headers["Location"]).get_data(as_text=True)
    assert "R&amp;D grant A" in html and "Eligible" in html
    assert "assumption, not official" in html and "Counted at year end" in html
    assert "CNY 200k" in html and "10k CNY" not in html
    assert "万元 (CNY 10k)" in html  # units of criteria values


def test_print_stylesheet_exists(mini):
    response = mini.get("/static/style.css")
    assert "@media print" in response.get_data(as_text=True)
    response.close()


# --- answer version 2 keys, on crafted results -----------------------------------------------------------

@pytest.fixture
def crafted(monkeypatch, mini_app, mini):
    """Show a saved assessment whose result is a crafted one (answer v2 keys the engine may not give yet)."""
    def show(results, **extra):
        result = {"rulepack": "x", "as_of": "2026-06-01", "results": results, **extra}
        monkeypatch.setattr(assess, "_result", lambda _assessment, _stored: result)
        return _crafted(mini_app, mini, results, **extra)
    return show


def _crafted(mini_app, mini, results, **extra):
    """A saved assessment whose stored result is `results` (and extra answer keys); its page HTML."""
    with mini_app.app_context():
        assessment = Assessment(answers={"entity_type": "enterprise"})
        assessment.results.append(StoredResult(rulepack="x", as_of=__import__("datetime").date(2026, 6, 1),
                                               result={"rulepack": "x", "as_of": "2026-06-01",
                                                       "results": results, **extra}))
        db().add(assessment)
        db().commit()
        token = assessment.token
    return mini.get(f"/a/{token}").get_data(as_text=True)


def _item(measure, status="eligible", amount=None, **keys):
    return {"measure": measure, "status": status, "criteria": [], "missing": [],
            "benefit": {"amount_wan": amount, "text": "", **keys.pop("benefit", {})}, **keys}


def test_held_results_say_held_until_and_when_to_renew(crafted):
    html = crafted([_item("grant-a", amount=20, held={"since": "2024-10-30", "until": "2027-10-29"}),
                                     _item("relief-b", amount=5)])
    held = html[html.index('id="g-held"'):html.index("</section>", html.index('id="g-held"'))]
    assert "研发补助甲" in held and "已获得" in held
    assert "有效期至 2027-10-29，请在2027-10-29前重新申报" in held
    assert "可申报（1）" in html  # the held one is not counted
    assert 'id="m-grant-a"' not in html[html.index('id="g-eligible"'):html.index('id="g-held"')]


def test_unconfirmed_results_say_check_and_are_not_counted(crafted):
    html = crafted([_item("grant-a", amount=20, currency="unconfirmed", benefit={"type": "cash"}),
                                     _item("relief-b", amount=5, currency="in_force", benefit={"type": "cash"})])
    assert "向主管部门核实" in _card(html, "grant-a")
    assert "可申报（1）" in html
    totals = html[html.index('id="totals"'):html.index("</section>", html.index('id="totals"'))]
    assert "现金补贴" in totals and "5 万元" in totals and "25 万元" not in totals


def test_the_in_force_line_says_unconfirmed_unless_the_period_is_confirmed(crafted):
    in_force = {"id": "in_force", "status": "met", "value": "2026-06-01", "threshold": "2020-01-01..2030-12-31"}
    html = crafted([_item("grant-a", currency="unconfirmed", criteria=[in_force]),
                    _item("relief-b", currency="in_force", criteria=[in_force])])
    unsure, sure = _card(html, "grant-a"), _card(html, "relief-b")
    assert "有效期未确认，申报前向主管部门核实" in unsure and "在政策有效期内" not in unsure
    assert "在政策有效期内" in sure and "有效期未确认" not in sure


def test_totals_per_money_type_are_never_added(crafted):
    html = crafted([
        _item("grant-a", amount=20, benefit={"type": "cash"}),
        _item("relief-b", amount=40, benefit={"type": "deduction", "tax_saving_wan": 6})])
    totals = html[html.index('id="totals"'):html.index("</section>", html.index('id="totals"'))]
    assert re.search(r"现金补贴</span>：<span class=\"figure\">20 万元", totals)
    assert re.search(r"节税</span>：<span class=\"figure\">6 万元", totals)
    assert "66 万元" not in totals and "60 万元" not in totals and "26 万元" not in totals
    assert "节税 6 万元" in _card(html, "relief-b") and "加计扣除额" in _card(html, "relief-b")


def test_totals_of_the_answer_are_used_when_given(crafted):
    html = crafted([_item("grant-a", amount=20, benefit={"type": "cash"})],
                    totals={"cash_wan": 20, "tax_saving_wan": 3.5, "financing_wan": 0})
    totals = html[html.index('id="totals"'):html.index("</section>", html.index('id="totals"'))]
    assert "3.5 万元" in totals and "融资额度" not in totals


def test_staff_programmes_are_folded_apart_and_not_counted(crafted):
    html = crafted([_item("grant-a", amount=20, applicant="staff"), _item("relief-b", amount=5)])
    staff = html[html.index('id="g-staff"'):]
    assert staff.startswith('id="g-staff">') and "面向员工个人的项目（1）" in staff and "研发补助甲" in staff
    assert '<details class="group group-staff fold" id="g-staff">' in html
    assert "可申报（1）" in html and 'id="m-grant-a" ' not in html[:html.index('id="g-staff"')]


def test_window_and_notices_are_shown(crafted):
    window = {"status": "open", "opens": "2026-05-01", "closes": "2026-07-15", "url": "https://kw.beijing.gov.cn/x"}
    notices = [{"title": {"zh": "探索离岸知识产权税收试点", "en": "Offshore IP tax pilot"}, "clause": "三、10",
                "quote": "探索开展离岸知识产权税收制度试点"}]
    html = crafted([_item("grant-a", amount=20, window=window)], notices=notices)
    card = _card(html, "grant-a")
    assert "截止 2026-07-15" in card and "正在申报" in card and 'href="https://kw.beijing.gov.cn/x"' in card
    part = html[html.index('id="g-notices"'):]
    assert "探索离岸知识产权税收试点" in part and "三、10" in part and "不是可申报项目" in part
    assert "探索离岸知识产权税收试点" not in html[:html.index('id="g-notices"')]


def test_version_one_results_still_render(crafted):
    html = crafted([_item("grant-a", amount=20), _item("relief-b", "undetermined")])
    assert "可申报（1）" in html and "待完善（1）" in html and 'id="g-staff"' not in html
