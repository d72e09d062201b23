"""A new value of a parameter from a date: written after the parameter's values (the one before it then ends the
day before), refused when not later or not different, and an example on its first day added on request."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml

from checker.staff import create, drafts, param_value, store
from tests.web.util import ROOT

CAP = "zgc_ip_pledge_subsidy_cap_wan"
MEASURE = "zgc-ip-pledge-subsidy"
NEW = create.DatedValue("2027-01-01", 80, "《示例：贴息上限调整通知》", "第二条", "贴息上限调整为80万元")


@pytest.fixture(scope="module")
def files() -> store.Files:
    return store.read_tree(ROOT / "rules")


def test_the_new_value_is_appended_and_the_one_before_ends_the_day_before(files, pack):
    changes = param_value.new_value(files, pack, CAP, NEW, "上限调整")
    assert list(changes) == ["parameters/subsidy.yaml"]
    shown = param_value.periods(param_value.with_value(pack, CAP, NEW), CAP)
    assert [(p.start, p.end, p.value) for p in shown[-2:]] == [
        (pack.parameters[CAP].decl.values[-1].start, dt.date(2026, 12, 31), 50), (dt.date(2027, 1, 1), None, 80)]
    entry = next(p for p in yaml.safe_load(changes["parameters/subsidy.yaml"])["parameters"] if p["id"] == CAP)["values"][-1]
    assert entry == {"from": dt.date(2027, 1, 1), "value": 80, "note": {"zh": "上限调整", "en": "上限调整"}, "source": {
        "document": "《示例：贴息上限调整通知》", "article": "第二条", "quote": "贴息上限调整为80万元"}}
    # lint: nothing checks the measure reading it on or after 2027-01-01 yet, so the draft says so
    checked = drafts.check_files(files, drafts.compose(files, changes), ROOT / "seeds")
    assert [e.problem.code for e in checked.errors] == ["lint.parameter_value_untested"]
    assert param_value.tested_after(pack, CAP, dt.date(2027, 1, 1)) == []


def test_an_example_on_the_first_day_is_added_on_request(files, pack):
    changes = param_value.new_value(files, pack, CAP, NEW, "", example_for=MEASURE)
    checked = drafts.check_files(files, drafts.compose(files, changes), ROOT / "seeds")
    assert checked.ok, [e.message for e in checked.errors]
    examples = yaml.safe_load(changes[drafts.measure_path(files, MEASURE) or ""])["examples"]
    added = examples[-1]
    # the copied example is the first whose amount the new cap moves: 200万 interest, capped at 50, now 80
    assert added["as_of"] == dt.date(2027, 1, 1) and added["expect"] == {"status": "eligible", "amount_wan": 80}
    assert added["profile"] == {"ip_pledge_interest_paid_wan": 200} and "请核对" in added["name"]
    assert param_value.tested_after(checked.pack, CAP, dt.date(2027, 1, 1)) == [MEASURE]


@pytest.mark.parametrize(("start", "value", "code"), [("2020-01-01", 80, "staff.value.not_after"),
                                                      ("2027-01-01", 50, "staff.value.same")])
def test_a_value_not_later_or_not_different_is_refused(files, pack, start, value, code):
    with pytest.raises(param_value.ValueRefused) as caught:
        param_value.new_value(files, pack, CAP, create.DatedValue(start, value, "《通知》", "第一条", "上限"), "")
    assert caught.value.problem.code == code


FORM = {"start": "2027-01-01", "value": "80", "document": "《示例：贴息上限调整通知》", "article": "第二条",
        "quote": "贴息上限调整为80万元", "reason": "上限调整", "add_example": "y"}


def test_the_measure_page_offers_a_new_value_per_parameter_and_drafts_it(app, staff):
    page = staff.get(f"/staff/measures/{MEASURE}").get_data(as_text=True)
    assert f'id="add-value-{CAP}"' in page and "2021-03-01 – " in page
    response = staff.post(f"/staff/measures/{MEASURE}/parameters/{CAP}/value", data=FORM)
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    draft = staff.get(response.headers["Location"]).get_data(as_text=True)
    assert 'id="no-errors"' in draft and 'id="publish-blocked"' not in draft
    assert "2027-01-01起的新值" in draft and "value: 80" in draft


def test_without_the_example_the_draft_says_what_lint_wants(app, staff):
    response = staff.post(f"/staff/measures/{MEASURE}/parameters/{CAP}/value", data={**FORM, "add_example": ""})
    draft = staff.get(response.headers["Location"]).get_data(as_text=True)
    assert 'id="publish-blocked"' in draft and "2027-01-01" in draft and MEASURE in draft


def test_an_earlier_date_is_refused_in_words(app, staff):
    response = staff.post(f"/staff/measures/{MEASURE}/parameters/{CAP}/value", data={**FORM, "start": "2020-06-01"})
    assert response.status_code == 400
    assert "新值的起始日 2020-06-01 须晚于最近一个值的起始日" in response.get_data(as_text=True)
    english = staff.post(f"/staff/measures/{MEASURE}/parameters/{CAP}/value?lang=en", data={**FORM, "start": "2020-06-01"})
    assert "must come after the latest value" in english.get_data(as_text=True)
