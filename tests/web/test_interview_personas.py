"""Issue 21 item 4: four typical applicants each settle every measure they could act on in at most 25 answers, and
the interview stops by itself once nothing left can change what is counted."""

from __future__ import annotations

import datetime as dt

import pytest

from checker.engine.answer import counted
from checker.web import interview
from checker.web.services import services
from tests.web.interview_walk import walk
from tests.web.personas import PERSONAS
from tests.web.util import as_form

AS_OF = dt.date(2026, 6, 1)


def _result(client, location: str) -> dict:
    return client.get(location + "/result.json").get_json()


def _actionable(item: dict) -> bool:
    """A measure the full profile could act on and that counts: 可申报 (now or once a condition holds), confirmed in
    force, the company's own application, not already held."""
    return counted({**item, "condition": None})


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
    statuses = {r["measure"]: r["status"] for r in _result(client, early["result"])["results"]}
    assert {m for m in could if statuses[m] == "eligible"} == could
