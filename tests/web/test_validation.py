"""Every input problem in one pass: field and cross-field checks together, plausible dates, numbers in words."""

from __future__ import annotations

import datetime as dt

from checker.company import answers
from checker.rules import profile
from checker.web.services import pack as current_pack
from tests.web.util import as_form, block, example_profile


def _post(client, **changes):
    profile = example_profile() | changes
    response = client.post("/", data=as_form({k: v for k, v in profile.items() if v is not None}))
    assert response.status_code == 400
    return response.get_data(as_text=True)


def _summary(html: str) -> str:
    start = html.index('id="error-summary"')
    return html[start:html.index("</div>", start)]


def test_field_and_cross_field_problems_are_reported_together(client):
    html = _post(client, revenue_wan="abc", employees=10, tech_staff=20)
    assert "“abc”不是数字" in block(html, "f-revenue_wan")
    assert "科技人员数不能超过职工总数" in block(html, "f-tech_staff")
    summary = _summary(html)
    assert 'href="#f-revenue_wan"' in summary and 'href="#f-tech_staff"' in summary
    assert "请更正以下 2 处问题" in summary


def test_error_summary_comes_before_the_form(client):
    html = _post(client, revenue_wan="abc")
    assert html.index('id="error-summary"') < html.index('<form method="post"')
    assert 'tabindex="-1"' in _summary(html)


def test_registration_after_the_check_date(client):
    html = _post(client, registered_on="2027-01-01")
    assert "注册日期不能晚于检查日期" in block(html, "f-registered_on")
    assert 'href="#f-registered_on"' in _summary(html)


def test_certificate_after_the_check_date(client):
    html = _post(client, hte_certified_on="2026-07-01")
    assert "高企证书发证日期不能晚于检查日期" in block(html, "f-hte_certified_on")


def test_certificate_older_than_the_company(client):
    html = _post(client, registered_on="2020-01-01", hte_certified_on="2019-06-30")
    assert "高企证书发证日期不能早于企业注册成立日期" in block(html, "f-hte_certified_on")


def test_numbers_over_the_range_say_so_in_words(client):
    html = _post(client, revenue_wan="10000000000000")
    message = block(html, "f-revenue_wan")
    assert "数值过大：不能超过 1,000,000,000,000" in message and "e+12" not in html
    html = _post(client, ip_pledge_loan_rate_pct="40")
    assert "不能大于 36" in block(html, "f-ip_pledge_loan_rate_pct")


def test_numbers_over_the_range_in_english(client):
    client.get("/?lang=en")
    html = _post(client, revenue_wan="1e13")
    assert "must be at most 1,000,000,000,000 in size" in block(html, "f-revenue_wan")


def test_each_answer_is_parsed_once(app, monkeypatch):
    calls: list[str] = []
    real = profile.parse_value
    monkeypatch.setattr(profile, "parse_value", lambda decl, raw: calls.append(decl.id) or real(decl, raw))
    raw = {k: as_form(example_profile())["q_" + k] for k in example_profile()}
    with app.app_context():
        checked = answers.check(current_pack(), raw, dt.date(2026, 6, 1))
    assert checked.ok and sorted(calls) == sorted(raw)
