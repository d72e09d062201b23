"""Issue 21 item 4: four typical applicants each settle every measure they could act on in at most 25 answers, and
the interview stops by itself once nothing left can change what is counted."""

from __future__ import annotations

import datetime as dt

import pytest

from checker.engine.answer import counts_as_eligible
from checker.web import interview
from checker.web.interview import document_of
from checker.web.services import services
from tests.web.interview_walk import step_fields, walk
from tests.web.personas import PERSONAS
from tests.web.util import as_form

AS_OF = dt.date(2026, 6, 1)
# Questions only measures to verify with the authority first, or of the company's staff, ask: never counted.
NEVER_COUNTED = {"equity_incentive", "employs_foreign_talent", "hkmt_cooperation", "main_tech_field", "had_bank_loan"}


def _result(client, location: str) -> dict:
    return client.get(location + "/result.json").get_json()


def _actionable(item: dict) -> bool:
    """A measure the full profile could act on and that counts: 可申报 (now or once a condition holds), confirmed in
    force, the company's own application, not already held."""
    return counts_as_eligible({**item, "condition": None})


@pytest.mark.parametrize("name", sorted(PERSONAS))
def test_each_persona_settles_every_measure_it_could_act_on_in_at_most_25_answers(app, client, name):
    profile = PERSONAS[name]
    full = _result(client, client.post("/", data=as_form(profile, AS_OF.isoformat())).headers["Location"])
    could = {r["measure"] for r in full["results"] if _actionable(r)}
    assert could, f"{name} qualifies for nothing: the persona is wrong"
    with app.app_context():
        pack, checker = services().pack, services().checker

    def settled(answers: dict[str, str]) -> bool:
        values = interview.values_of(pack, answers, AS_OF)
        statuses = {i["measure"]: i["status"] for i in checker.check(values, AS_OF).to_json()["results"]}
        return all(statuses[m] != "undetermined" for m in could)

    early = walk(client, profile, as_of=AS_OF.isoformat(), stop=settled)
    natural = walk(app.test_client(), profile, as_of=AS_OF.isoformat())
    print(f"{name}: settled after {len(early['asked'])} answers ({len(early['given'])} known); "
          f"interview ends by itself after {len(natural['asked'])}: {natural['asked']}")
    assert len(early["asked"]) <= 25, early["asked"]
    assert not NEVER_COUNTED & set(natural["asked"]), "asked for measures that are never counted"
    statuses = {r["measure"]: r["status"] for r in _result(client, early["result"])["results"]}
    assert {m for m in could if statuses[m] == "eligible"} == could


def _second_step(client, profile: dict) -> str:
    client.get(f"/interview?as_of={AS_OF.isoformat()}")
    client.post("/interview", data={"step": "0", "q_credit_code": profile["credit_code"],
                                    "q_entity_type": profile["entity_type"]})
    return client.get("/interview").get_data(as_text=True)


def test_a_step_asks_what_one_paper_answers_and_names_it(client):
    html = _second_step(client, PERSONAS["haidian-software"])
    fields = step_fields(html)
    assert html.count('class="paper"') == len({document_of(services_pack(client), f) for f in fields})
    papers = [document_of(services_pack(client), f) for f in fields]
    assert papers == sorted(papers, key=papers.index), f"one paper's questions are together: {fields}"
    assert "请准备：财务报表" in html


def test_an_incubator_is_asked_its_recognition_right_after_the_basic_facts(client):
    html = _second_step(client, PERSONAS["national-incubator"])
    assert step_fields(html)[0] == "incubator_recognition"
    assert html.index("请准备：孵化载体认定文件与在孵企业名单") < html.index('data-field="incubator_recognition"')


def services_pack(client):
    """The rule pack of the client's app."""
    with client.application.app_context():
        return services().pack
