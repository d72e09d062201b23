"""The measure catalogue: list, search, filters and each measure's page."""

from __future__ import annotations

import re

from checker.web.services import pack as current_pack


def _ids(html: str) -> list[str]:
    return re.findall(r'data-id="([^"]+)"', html)


def test_lists_every_measure(app, client):
    html = client.get("/measures/").get_data(as_text=True)
    with app.app_context():
        assert _ids(html) == [m.id for m in current_pack().measures]


def test_filter_by_kind(mini):
    assert _ids(mini.get("/measures/?kind=tax").get_data(as_text=True)) == ["relief-b"]


def test_filter_by_entity(mini):
    assert _ids(mini.get("/measures/?entity=incubator").get_data(as_text=True)) == ["space-c"]
    assert _ids(mini.get("/measures/?entity=enterprise").get_data(as_text=True)) == ["grant-a", "relief-b"]


def test_filter_by_issuer(mini):
    assert _ids(mini.get("/measures/?issuer=税务测试局").get_data(as_text=True)) == ["relief-b"]
    assert _ids(mini.get("/measures/?issuer=Test bureau").get_data(as_text=True)) == ["grant-a", "space-c"]


def test_filter_by_date_in_force(mini):
    assert _ids(mini.get("/measures/?on=2026-06-01").get_data(as_text=True)) == ["grant-a", "relief-b"]
    assert _ids(mini.get("/measures/?on=2031-06-01").get_data(as_text=True)) == ["relief-b", "space-c"]


def test_search_by_keyword(mini):
    assert _ids(mini.get("/measures/?q=孵化").get_data(as_text=True)) == ["space-c"]
    assert _ids(mini.get("/measures/?q=grant").get_data(as_text=True)) == ["grant-a"]
    assert _ids(mini.get("/measures/?q=nothing-matches-this").get_data(as_text=True)) == []


def test_bad_date_filter_is_400(mini):
    response = mini.get("/measures/?on=someday")
    assert response.status_code == 400
    assert "YYYY-MM-DD" in response.get_data(as_text=True)


def test_unknown_kind_is_ignored(mini):
    assert len(_ids(mini.get("/measures/?kind=bogus").get_data(as_text=True))) == 3


def test_measure_page_shows_everything(mini):
    html = mini.get("/measures/grant-a").get_data(as_text=True)
    for text in ("研发补助甲", "研发费用不低于100万元", "按研发费用的10%补助", "「对研发投入较高的企业给予补助」",
                 "2020-01-01", "2030-12-31", "假定资金足额到位", "假设，非官方", "《测试办法实施细则》",
                 "研发费用恰为100万元符合", "税收减免乙"):
        assert text in html, text


def test_measure_page_in_english(mini):
    html = mini.get("/measures/grant-a?lang=en").get_data(as_text=True)
    assert "R&amp;D grant A" in html and "Implementing rules of the test measures" in html


def test_real_measure_page(client):
    html = client.get("/measures/hte-recognition").get_data(as_text=True)
    assert "高新技术企业认定" in html and "认定为高新技术企业须同时满足以下条件" in html


def test_a_measure_page_never_says_valid_long_term_without_a_confirmation(mini):
    unsure = re.search(r'<dd id="period">.*?</dd>', mini.get("/measures/relief-b").get_data(as_text=True), re.S).group(0)
    assert "有效期未确认，申报前向主管部门核实" in unsure and "长期有效" not in unsure  # no period, no confirmation
    dated = re.search(r'<dd id="period">.*?</dd>', mini.get("/measures/grant-a").get_data(as_text=True), re.S).group(0)
    assert "2030-12-31" in dated and "有效期未确认" not in dated


def test_a_real_measure_page_shows_its_review_and_an_unconfirmed_period(client):
    real = client.get("/measures/hd-first-purchase").get_data(as_text=True)  # the 2014 opinion: a note, no end date
    assert "有效期未确认" in re.search(r'<dd id="period">.*?</dd>', real, re.S).group(0)
    assert "2026-12-03" in re.search(r'<dd id="review">.*?</dd>', real, re.S).group(0)


def test_unknown_measure_is_404(client):
    response = client.get("/measures/no-such-measure")
    assert response.status_code == 404
    assert "未找到" in response.get_data(as_text=True)
