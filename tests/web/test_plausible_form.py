"""The form keeps an absurd money answer (revenue 1e12 万元) but warns beside it, naming the field and its unit, and
the results page asks for a second look; 3千万 is refused with the number to write."""

from __future__ import annotations

from tests.web.util import as_form, block, example_profile


def test_an_absurd_revenue_is_checked_as_given_and_the_results_page_warns(client):
    response = client.post("/", data=as_form(example_profile() | {"revenue_wan": "1e12"}))
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    warning = page[page.index('id="warnings"'):]
    assert "上一年度销售（营业）收入" in warning and "1,000,000,000,000 万元，远超常见范围" in warning


def test_the_warning_stands_beside_the_answer_when_the_form_is_shown_again(client):
    response = client.post("/", data=as_form(example_profile() | {"revenue_wan": "1e12", "employees": "很多"}))
    assert response.status_code == 400
    part = block(response.get_data(as_text=True), "f-revenue_wan")
    assert 'class="warning"' in part and "远超常见范围" in part and "has-error" not in part


def test_qian_wan_gets_the_number_to_write(client):
    response = client.post("/", data=as_form(example_profile() | {"revenue_wan": "3千万"}))
    assert response.status_code == 400
    assert "“3千万”请写成 3000（单位：万元）" in block(response.get_data(as_text=True), "f-revenue_wan")
