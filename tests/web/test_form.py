"""The generated form and its server-side validation."""

from __future__ import annotations

import re

from checker.web.services import pack as current_pack
from tests.web.util import as_form, block, example_profile


def test_form_asks_every_declared_field_in_its_section(app, client):
    html = client.get("/").get_data(as_text=True)
    with app.app_context():
        pack = current_pack()
        for fid, _decl in pack.fields.items():
            assert f'id="f-{fid}"' in html
            assert f'name="q_{fid}"' in html
        for section in pack.sections:
            if any(d.section == section.id for d in pack.fields.values()):
                assert f'id="s-{section.id}"' in html
                assert section.label.zh in html


def test_bool_questions_offer_yes_no_and_dont_know(app, client):
    html = client.get("/").get_data(as_text=True)
    with app.app_context():
        bools = [f for f, d in current_pack().fields.items() if d.type == "bool"]
    assert bools
    for fid in bools:
        part = block(html, f"f-{fid}")
        values = re.findall(r'type="radio" value="([^"]*)"', part) or re.findall(r'value="([^"]*)"[^>]*type="radio"', part)
        assert sorted(values) == ["", "false", "true"], part
        assert "是" in part and "否" in part and "不清楚" in part


def test_money_fields_show_their_unit(client):
    part = block(client.get("/").get_data(as_text=True), "f-revenue_wan")
    assert "万元" in part


def test_entity_limited_questions_are_marked(mini):
    html = mini.get("/").get_data(as_text=True)
    part = block(html, "f-incubator_area_m2")
    assert 'data-entities="incubator"' in part
    assert "仅适用于" in part and "科技企业孵化器" in part
    assert 'data-asked-when="has_cert"' in block(html, "f-cert_on")
    assert "仅在以下情况回答：持有证书 = 是" in block(html, "f-cert_on")


def test_conditions_are_in_words(client):
    html = client.get("/?lang=en").get_data(as_text=True)
    assert "Only if: Province of registration = Beijing" in block(html, "f-district")


def test_enum_questions_default_to_dont_know(mini):
    part = block(mini.get("/").get_data(as_text=True), "f-entity_type")
    assert re.search(r'<option selected value="">— 不清楚 —</option>', part), part


def test_bad_credit_code_is_shown_beside_the_field(client):
    profile = example_profile() | {"credit_code": "91110108MA01A2B3C0"}
    response = client.post("/", data=as_form(profile))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "请更正以下 1 处问题" in html and 'href="#f-credit_code"' in html
    part = block(html, "f-credit_code")
    assert "校验位不符" in part and "has-error" in part


def test_tech_staff_above_employees_is_rejected(client):
    profile = example_profile() | {"tech_staff": 200, "employees": 100}
    response = client.post("/", data=as_form(profile))
    assert response.status_code == 400
    part = block(response.get_data(as_text=True), "f-tech_staff")
    assert "科技人员数不能超过职工总数" in part


def test_negative_money_is_rejected(client):
    response = client.post("/", data=as_form(example_profile() | {"revenue_wan": "-5"}))
    assert response.status_code == 400
    assert "不能小于 0" in block(response.get_data(as_text=True), "f-revenue_wan")


def test_non_number_is_rejected(client):
    response = client.post("/", data=as_form(example_profile() | {"employees": "很多"}))
    assert response.status_code == 400
    assert "“很多”不是数字" in block(response.get_data(as_text=True), "f-employees")


def test_errors_are_in_english_when_english_is_chosen(client):
    client.get("/?lang=en")
    response = client.post("/", data=as_form(example_profile() | {"employees": "lots", "revenue_wan": "-1"}))
    html = response.get_data(as_text=True)
    assert "&#39;lots&#39; is not a number" in block(html, "f-employees")
    assert "must be at least 0" in block(html, "f-revenue_wan")


def test_bad_check_date_is_rejected(client):
    response = client.post("/", data=as_form(example_profile(), as_of="2026-13-40"))
    assert response.status_code == 400
    assert "YYYY-MM-DD" in block(response.get_data(as_text=True), "f-as_of")


def test_submitted_values_are_kept_after_an_error(client):
    response = client.post("/", data=as_form(example_profile() | {"employees": "x"}))
    html = response.get_data(as_text=True)
    assert 'value="4200"' in block(html, "f-revenue_wan")


def test_blank_answers_mean_dont_know(mini):
    response = mini.post("/", data={"q_entity_type": "enterprise", "as_of": "2026-06-01"})
    assert response.status_code == 302
    page = mini.get(response.headers["Location"]).get_data(as_text=True)
    assert "待完善" in page
    assert "#f-rd_expense_wan" in page


def test_questions_for_other_entity_types_are_ignored(mini):
    data = {"q_entity_type": "enterprise", "q_incubator_area_m2": "5000", "q_has_cert": "false",
            "q_cert_on": "2020-01-01", "as_of": "2026-06-01"}
    location = mini.post("/", data=data).headers["Location"]
    result = mini.get(location + "/result.json").get_json()
    assert result["results"]
    edit = mini.get(location + "/edit").get_data(as_text=True)
    assert 'value="5000"' not in edit  # incubator-only answer dropped
    assert 'value="2020-01-01"' not in edit  # asked only when has_cert


def test_entity_picker_shows_only_that_entitys_questions(mini):
    html = mini.get("/").get_data(as_text=True)
    assert 'href="/?entity_type=incubator"' in html
    enterprise = mini.get("/?entity_type=enterprise").get_data(as_text=True)
    assert 'id="f-incubator_area_m2"' not in enterprise and 'id="f-rd_expense_wan"' in enterprise
    assert '<option selected value="enterprise">' in enterprise
    incubator = mini.get("/?entity_type=incubator").get_data(as_text=True)
    assert 'id="f-incubator_area_m2"' in incubator
    assert 'id="f-incubator_area_m2"' in mini.get("/?entity_type=bogus").get_data(as_text=True)
