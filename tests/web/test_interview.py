"""The guided interview: basic facts first, only questions that can still change a verdict, back and forward."""

from __future__ import annotations

import datetime as dt
import re

from checker.web import interview
from checker.web.services import services
from tests.web.interview_walk import as_answer, step_fields, walk
from tests.web.util import as_form, example_profile


def test_first_step_asks_the_basic_facts(client):
    html = client.get("/interview?as_of=2026-06-01").get_data(as_text=True)
    assert step_fields(html) == ["credit_code", "entity_type"]
    assert "第 1 步" in html and "<progress" in html
    assert 'value="finish"' in html and 'href="/"' in html  # show the answer now; the full form stays


def test_every_step_offers_dont_know(client):
    client.get("/interview?as_of=2026-06-01")
    client.post("/interview", data={"step": "0", "q_credit_code": "91110108MA01A2B3CF", "q_entity_type": "enterprise"})
    html = client.get("/interview").get_data(as_text=True)
    fields = step_fields(html)
    assert len(fields) == 5
    for fid in fields:
        block = html[html.index(f'data-field="{fid}"'):]
        block = block[:block.index('<p class="help"')]
        assert "不清楚" in block, fid


def test_the_credit_code_answers_province_district_and_legal_form(client):
    client.get("/interview?as_of=2026-06-01")
    client.post("/interview", data={"step": "0", "q_credit_code": "91110108MA01A2B3CF", "q_entity_type": "enterprise"})
    html = client.get("/interview").get_data(as_text=True)
    assert not {"province", "district", "legal_form"} & set(step_fields(html))
    facts = html[html.index('<span id="facts">'):]
    assert facts.startswith('<span id="facts">企业（含个体工商户、农民专业合作社）、北京、海淀区</span>')
    assert 'name="q_district"' in html  # editable in the facts box


def test_back_and_forward_keep_the_answers(client):
    client.get("/interview?as_of=2026-06-01")
    client.post("/interview", data={"step": "0", "q_credit_code": "91110108MA01A2B3CF", "q_entity_type": "enterprise"})
    second = step_fields(client.get("/interview").get_data(as_text=True))
    client.post("/interview", data={"step": "1", "action": "back"})
    html = client.get("/interview").get_data(as_text=True)
    assert step_fields(html) == ["credit_code", "entity_type"] and 'value="91110108MA01A2B3CF"' in html
    client.post("/interview", data={"step": "0", "q_credit_code": "91110108MA01A2B3CF", "q_entity_type": "enterprise"})
    assert step_fields(client.get("/interview").get_data(as_text=True)) == second


def test_an_invalid_answer_keeps_every_answer_of_the_step(client):
    client.get("/interview?as_of=2026-06-01")
    response = client.post("/interview", data={"step": "0", "q_credit_code": "91110108MA01A2B3CX",
                                               "q_entity_type": "enterprise"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="error-summary"' in html and 'href="#f-credit_code"' in html
    assert 'value="91110108MA01A2B3CX"' in html and '<option selected value="enterprise">' in html


def test_show_me_the_answer_now_saves_what_is_known(client):
    client.get("/interview?as_of=2026-06-01")
    response = client.post("/interview", data={"step": "0", "q_credit_code": "91110108MA01A2B3CF",
                                               "q_entity_type": "enterprise", "action": "finish"})
    assert re.search(r"/a/[\w-]+$", response.headers["Location"])
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "待完善" in page


def test_the_example_company_is_settled_in_at_most_25_answers(app, client):
    as_of = dt.date(2026, 6, 1)
    full = client.get(client.post("/", data=as_form(example_profile())).headers["Location"] + "/result.json").get_json()
    # what the interview settles: every measure that would be counted (issue 21: measures to verify with the
    # authority first are never counted, so their questions are left to the full form)
    could = {r["measure"] for r in full["results"] if r["status"] == "eligible" and r.get("currency") == "in_force"
             and r.get("applicant") in (None, "company")}
    with app.app_context():
        pack, checker = services().pack, services().checker

    def settled(answers: dict[str, str]) -> bool:
        """Whether every measure the full profile qualifies for is decided or already held."""
        values = interview.values_of(pack, answers, as_of)
        for item in checker.check(values, as_of).to_json()["results"]:
            if item["measure"] in could and item["status"] == "undetermined" and not interview.held(
                    pack, pack.measure(item["measure"]), item, values, as_of):
                return False
        return True

    walked = walk(client, example_profile(), stop=settled)
    assert len(walked["given"]) <= 25, (len(walked["given"]), walked["given"])
    data = client.get(walked["result"] + "/result.json").get_json()
    statuses = {r["measure"]: r["status"] for r in data["results"]}
    assert {m for m in could if statuses[m] == "eligible"} == could - {"hte-recognition"}
    assert data["results"][[r["measure"] for r in data["results"]].index("hte-recognition")]["held"]
    print(f"given {len(walked['given'])}, asked {len(walked['asked'])}, steps {walked['steps']}")


def test_credit_code_facts_for_the_form(client):
    assert client.get("/credit-code?code=91110108MA01A2B3CF").get_json() == {
        "legal_form": "enterprise", "province": "beijing", "district": "haidian"}
    bad = client.get("/credit-code?code=91110108MA01A2B3CX")
    assert bad.status_code == 400 and bad.get_json()["field"] == "credit_code"


def test_the_full_form_checks_with_facts_from_the_code(client):
    profile = {k: v for k, v in example_profile().items() if k not in ("province", "district")}
    location = client.post("/", data=as_form(profile)).headers["Location"]
    data = client.get(location + "/result.json").get_json()
    statuses = {r["measure"]: r["status"] for r in data["results"]}
    assert statuses["zgcsc-high-value-patent"] == "eligible"  # needs Haidian, read from 110108


def test_ip_pledge_estimate_before_any_interest_is_paid(client):
    profile = example_profile() | {"ip_pledge_interest_paid_wan": 0, "ip_pledge_loan_wan": 1000,
                                   "ip_pledge_loan_rate_pct": 4.5}
    page = client.get(client.post("/", data=as_form(profile)).headers["Location"]).get_data(as_text=True)
    part = page[page.index('id="estimates"'):page.index("</section>", page.index('id="estimates"'))]
    assert "中关村知识产权质押贷款贴息" in part and "约 18 万元/年" in part  # 1000 × 4.5% = 45; 40% of it
    assert "贷款 1,000 万元 × 年利率 4.5% = 年利息约 45 万元" in part and "估算" in part
    totals = page[page.index('id="totals"'):page.index("</section>", page.index('id="totals"'))]
    assert "18 万元" not in totals


def test_the_interview_asks_for_the_loan_when_no_interest_is_paid_yet(app):
    with app.app_context():
        svc = services()
        answers = {"credit_code": "91110108MA01A2B3CF", "entity_type": "enterprise", "ip_pledge_interest_paid_wan": ""}
        step = interview.next_step(svc.pack, svc.checker, answers, dt.date(2026, 6, 1))
    assert step[:2] == ["ip_pledge_loan_wan", "ip_pledge_loan_rate_pct"] and len(step) == interview.STEP_SIZE


def _answer_steps(client, steps: int, profile: dict) -> list[str]:
    """Answer the first steps from `profile` (不清楚 otherwise); the fields asked."""
    asked = []
    for step in range(steps):
        fids = step_fields(client.get("/interview").get_data(as_text=True))
        data = {"step": str(step)}
        for fid in fids:
            asked.append(fid)
            data.update({"q_" + fid: as_answer(profile[fid])} if fid in profile else {"dk_" + fid: "1"})
        assert client.post("/interview", data=data).status_code == 302
    return asked


def test_a_cross_field_problem_with_an_earlier_answer_brings_that_question_back(client):
    client.get("/interview?as_of=2026-06-01")
    profile = example_profile() | {"tech_staff": 500}  # more tech staff than employees (120)
    asked = []
    for step in range(20):
        html = client.get("/interview").get_data(as_text=True)
        fids = step_fields(html)
        data = {"step": str(step), "fields": ",".join(fids)}
        for fid in fids:
            data.update({"q_" + fid: as_answer(profile[fid])} if fid in profile else {"dk_" + fid: "1"})
        asked += fids
        response = client.post("/interview", data=data)
        if response.status_code == 400:
            break
    page = response.get_data(as_text=True)
    assert {"tech_staff", "employees"} <= set(asked)
    shown = step_fields(page)
    assert "tech_staff" in shown and "科技人员数不能超过职工总数" in page  # the earlier answer, back to fix
    fixed = {"step": str(step), "fields": ",".join(shown)}
    for fid in shown:
        value = "48" if fid == "tech_staff" else profile.get(fid)
        fixed.update({"q_" + fid: as_answer(value)} if value is not None else {"dk_" + fid: "1"})
    assert client.post("/interview", data=fixed).status_code == 302


def test_going_back_keeps_earlier_answers_even_with_a_bad_one_on_this_step(client):
    client.get("/interview?as_of=2026-06-01")
    _answer_steps(client, 2, example_profile())
    fids = step_fields(client.get("/interview").get_data(as_text=True))
    data = {"step": "2", "action": "back", "q_" + fids[0]: "not-a-number-or-choice"}
    assert client.post("/interview", data=data).status_code == 302
    html = client.get("/interview").get_data(as_text=True)
    assert "第 2 步" in html
    for fid in step_fields(html):  # the answers of the step gone back to are all still there
        value = example_profile().get(fid)
        if isinstance(value, bool):
            assert f'checked id="q_{fid}-{0 if value else 1}"' in html, fid
        elif value is not None:
            assert f'value="{value}"' in html, fid
