"""Who the applicant is and what it does (issue 21, item 1): a company (91…) running an incubator is judged for
enterprise measures and incubator measures alike, in the interview and the form, with the same answer."""

from __future__ import annotations

import re

from checker.rules import credit_code
from tests.web.interview_walk import walk
from tests.web.util import as_form, token_of

CODE = "91110108MA01A2B3CF"
ENTERPRISE = ("small-low-profit", "rd-super-deduction", "tech-sme")
INCUBATOR = ("incubator-tax-exemption",)
INCUBATOR_COMPANY = {
    "name": "北京示例孵化器运营有限公司", "credit_code": CODE, "entity_type": "incubator",
    "incubator_recognition": "national", "incubation_area_m2": 12000, "incubated_firms": 60, "graduated_firms": 25,
    "operating_years": 8, "registered_on": "2016-03-01", "employees": 35, "tech_staff": 12, "revenue_wan": 1800,
    "total_assets_wan": 3000, "taxable_income_wan": 120, "rd_expense_wan": 60, "restricted_products": False,
    "major_incident_last_year": False, "dishonest_listed": False, "industry_code": "M7540",
}


def test_a_company_running_an_incubator_counts_as_both():
    assert credit_code.applicant_kinds({"entity_type": "incubator", "credit_code": CODE}) == {"incubator", "enterprise"}
    assert credit_code.applicant_kinds({"entity_type": "incubator", "legal_form": "public_institution"}) == {"incubator"}
    assert credit_code.applicant_kinds({"credit_code": CODE}) is None  # what it does unknown: every measure concerns it


def shown_measures(html: str) -> set[str]:
    """The measures a results page shows as cards."""
    return set(re.findall(r'id="m-([\w-]+)"', html))


def test_the_interview_and_the_form_give_a_91_incubator_company_both_sets(client):
    interviewed = walk(client, INCUBATOR_COMPANY)
    token = token_of(interviewed["result"])
    page = client.get(f"/a/{token}").get_data(as_text=True)
    answers = client.get(f"/a/{token}/edit").get_data(as_text=True)
    assert re.search(r'<option selected value="enterprise">|<option value="enterprise" selected', answers)
    by_form = client.post("/", data=as_form(INCUBATOR_COMPANY))
    form_page = client.get(by_form.headers["Location"]).get_data(as_text=True)
    for html in (page, form_page):
        assert set(ENTERPRISE + INCUBATOR) <= shown_measures(html), sorted(shown_measures(html))
    assert shown_measures(page) == shown_measures(form_page)
    walked = {r["measure"]: r["status"] for r in client.get(f"/a/{token}/result.json").get_json()["results"]}
    formed = {r["measure"]: r["status"] for r in client.get(
        f"/a/{token_of(by_form.headers['Location'])}/result.json").get_json()["results"]}
    assert {m: walked[m] for m in ENTERPRISE + INCUBATOR} == {m: formed[m] for m in ENTERPRISE + INCUBATOR}
    assert formed["incubator-tax-exemption"] == "eligible" and formed["small-low-profit"] == "eligible"


def test_the_interview_saves_the_legal_form_it_read_from_the_code(client, app):
    result = walk(client, {"credit_code": CODE, "entity_type": "incubator"}, stop=lambda answers: True)
    from checker.company.models import Assessment
    from checker.web.services import db
    with app.app_context():
        saved = db().query(Assessment).filter_by(token=token_of(result["result"])).one()
        assert saved.answers["legal_form"] == "enterprise"


def test_an_incubator_company_is_asked_enterprise_questions(client):
    client.get("/interview?as_of=2026-06-01")
    client.post("/interview", data={"step": "0", "q_credit_code": CODE, "q_entity_type": "incubator"})
    from checker.web import interview
    from checker.web.services import pack, services
    with client.application.test_request_context():
        open_ids = {f for f, _n in interview.open_fields(pack(), services().checker,
                                                          {"credit_code": CODE, "entity_type": "incubator"},
                                                          __import__("datetime").date(2026, 6, 1))}
    assert {"taxable_income_wan", "restricted_products", "incubator_recognition"} <= open_ids
