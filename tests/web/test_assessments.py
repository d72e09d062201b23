"""Saving, reopening, editing, re-checking and deleting assessments; the JSON view."""

from __future__ import annotations

import datetime as dt
import json
import re

from sqlalchemy import select

from checker.company.models import Assessment, StoredResult
from checker.intake import read_profile
from checker.web.services import services
from tests.web.util import AS_OF, as_form, example_profile, token_of


def _create(client, profile=None):
    response = client.post("/", data=as_form(profile or example_profile()))
    assert response.status_code == 302
    return response.headers["Location"]


def test_results_page_of_the_example(client):
    page = client.get(_create(client)).get_data(as_text=True)
    assert "可申报" in page and "待完善" in page and "不符合" in page
    assert "高新技术企业认定" in page
    assert "估算金额" in page and "万元" in page
    assert "北京示例软件有限公司" in page


def test_token_is_unguessable(client):
    token = token_of(_create(client))
    assert len(token) >= 30
    assert token != token_of(_create(client))


def test_json_view_matches_the_checker(app, client):
    location = _create(client)
    data = client.get(location + "/result.json").get_json()
    with app.app_context():
        svc = services()
        values = read_profile(svc.pack, example_profile(), dt.date.fromisoformat(AS_OF))
        expected = json.loads(json.dumps(svc.checker.check(values, dt.date.fromisoformat(AS_OF)).to_json(), default=str))
    assert data == expected
    assert {"rulepack", "as_of", "results", "conflicts"} <= set(data)
    first = data["results"][0]
    assert set(first) == {"measure", "status", "criteria", "missing", "benefit", "values", "window",
                          "held", "currency", "applicant", "condition"}
    assert set(first["benefit"]) == {"amount_wan", "text", "type", "tax_saving_wan"}


def test_totals_are_sums_per_money_type(app, client):
    location = _create(client)
    data = client.get(location + "/result.json").get_json()
    page = client.get(location).get_data(as_text=True)
    totals = page[page.index('id="totals"'):page.index("</section>", page.index('id="totals"'))]
    sums = {k[:-4]: v for k, v in data["totals"].items() if v}  # the engine's sums per money type
    assert sums, "the example has eligible amounts"
    for kind, amount in sums.items():
        assert f'class="total-{kind}"' in totals and f"{round(amount, 4):,.6g} 万元" in totals
    assert len(sums) == 1 or f"{sum(sums.values()):,.6g} 万元" not in totals


def test_results_page_of_the_example_is_small(client):
    html = client.get(_create(client)).get_data()
    assert len(html) < 120_000, len(html)
    text = html.decode("utf-8")
    assert text.count('<details class="card') == text[text.index('id="g-eligible"'):].count('<details class="card')
    assert '<details class="group group-ineligible fold"' in text


def test_stored_result_records_rulepack_and_date(app, client):
    token = token_of(_create(client))
    with app.app_context(), services().sessions() as session:
        assessment = session.scalars(select(Assessment).where(Assessment.token == token)).one()
        stored = assessment.latest
        assert stored.rulepack == services().pack.version
        assert stored.as_of == dt.date(2026, 6, 1)
        assert assessment.answers["employees"] == "120"


def test_reopen_shows_saved_answers(client):
    location = _create(client)
    html = client.get(location + "/edit").get_data(as_text=True)
    assert 'value="4200"' in html and 'value="2026-06-01"' in html
    assert re.search(r'<input checked id="q_hte_certified-0" name="q_hte_certified" type="radio" value="true">', html)
    assert re.search(r'<option selected value="haidian">', html)
    assert "保存修改并重新检查" in html


def test_edit_makes_a_new_version_and_keeps_the_old_one(app, client):
    location = _create(client)
    changed = example_profile() | {"innovation_score": 60}
    response = client.post(location + "/edit", data=as_form(changed))
    assert response.status_code == 302
    newer = response.headers["Location"]
    assert newer != location and token_of(newer) != token_of(location)
    statuses = {r["measure"]: r["status"] for r in client.get(newer + "/result.json").get_json()["results"]}
    assert statuses["hte-recognition"] == "ineligible"
    old = {r["measure"]: r["status"] for r in client.get(location + "/result.json").get_json()["results"]}
    assert old["hte-recognition"] == "eligible"  # the forwarded link still shows what was seen
    old_page = client.get(location).get_data(as_text=True)
    assert "第 1 版" in old_page and 'id="newer"' in old_page and f'href="{newer}"' in old_page
    new_page = client.get(newer).get_data(as_text=True)
    assert "第 2 版" in new_page and f'href="{location}"' in new_page and 'id="newer"' not in new_page
    with app.app_context(), services().sessions() as session:
        assert len(session.scalars(select(StoredResult)).all()) == 2


def test_the_saved_page_is_read_only(client):
    page = client.get(_create(client)).get_data(as_text=True)
    assert 'name="q_' not in page and "只读" in page


def test_only_answers_and_verdicts_are_stored(app, client):
    location = _create(client)
    with app.app_context(), services().sessions() as session:
        stored = session.scalars(select(StoredResult)).one()
        size = len(json.dumps(stored.result, ensure_ascii=False).encode("utf-8"))
        first = stored.result["results"][0]
    assert size < 20_000, size
    assert "criteria" not in first and "values" not in first and {"measure", "status"} <= set(first)
    page = client.get(location).get_data(as_text=True)
    assert "实际" in page  # criteria values are recomputed from the answers for the page


def test_edit_with_errors_keeps_the_old_result(client):
    location = _create(client)
    response = client.post(location + "/edit", data=as_form(example_profile() | {"tech_staff": 999}))
    assert response.status_code == 400
    data = client.get(location + "/result.json").get_json()
    assert any(r["measure"] == "hte-recognition" and r["status"] == "eligible" for r in data["results"])


def test_outdated_result_offers_a_recheck(app, client):
    location = _create(client)
    with app.app_context(), services().sessions() as session:
        stored = session.scalars(select(StoredResult)).one()
        stored.rulepack = "old-pack"
        session.commit()
    page = client.get(location).get_data(as_text=True)
    assert "规则包已更新" in page
    response = client.post(location + "/recheck")
    assert response.status_code == 302 and response.headers["Location"] != location
    assert "规则包已更新" not in client.get(response.headers["Location"]).get_data(as_text=True)


def test_delete_removes_the_assessment(client):
    location = _create(client)
    response = client.post(location + "/delete", follow_redirects=True)
    assert "已删除" in response.get_data(as_text=True)
    assert client.get(location).status_code == 404


def test_unknown_assessment_is_404(client):
    assert client.get("/a/not-a-real-token").status_code == 404
    assert client.get("/a/not-a-real-token/edit").status_code == 404
    assert client.get("/a/not-a-real-token/result.json").status_code == 404
    assert client.post("/a/not-a-real-token/edit", data={}).status_code == 404
    assert client.post("/a/not-a-real-token/recheck").status_code == 404
    assert client.post("/a/not-a-real-token/delete").status_code == 404


def test_a_saved_check_records_that_durable_rules_decided_it(app, client):
    _create(client)
    with app.extensions["checker"].sessions() as session:
        assert session.scalars(select(StoredResult.backend)).all() == ["durable"]
