"""A benefit text that writes {parameter} shows the parameter's value on the check date, on the result page and in
the catalogue: never the placeholder, never a number that is no longer in force."""

from __future__ import annotations

from tests.web.util import as_form

PLEDGE = {"entity_type": "enterprise", "province": "beijing", "revenue_wan": 8000, "hpi_industry": True,
          "core_ip": True, "ip_pledge_interest_paid_wan": 200}


def test_the_result_page_and_the_catalogue_fill_the_cap(client):
    response = client.post("/", data=as_form(PLEDGE, "2026-06-01"))
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "每家企业每年最高50万元" in page and "{zgc_ip_pledge_subsidy_cap_wan}" not in page
    english = client.get(response.headers["Location"] + "?lang=en").get_data(as_text=True)
    assert "up to 50 × 10k CNY per firm a year" in english
    detail = client.get("/measures/zgc-ip-pledge-subsidy?lang=zh").get_data(as_text=True)
    assert "每家企业每年最高50万元" in detail and "{zgc_" not in detail
