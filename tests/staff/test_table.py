"""The decision table: each criterion cites its own clause and sentence, seeds by their title, and a benefit row ends
it (issue 22 item 10)."""

from __future__ import annotations

import datetime as dt

from checker.staff.table import BENEFIT, decision_table, excerpt
from checker.web.answer import seed_titles

DAY = dt.date(2026, 12, 3)


def _rows(pack, measure_id: str) -> dict:
    """The table of a measure of the project pack, by criterion id."""
    return {r.criterion: r for r in decision_table(pack, pack.measure(measure_id), DAY, seed_titles())}


def test_each_criterion_cites_its_own_clause_and_sentence(pack):
    rows = _rows(pack, "hte-recognition")
    staff = rows["tech-staff-ratio"].source
    assert staff.title.startswith("《高新技术企业认定管理办法》") and staff.clause == "第十一条（四）" and not staff.general
    assert "10%" in staff.quote and "60%" not in staff.quote  # its own item, not the whole article
    income = rows["hightech-income"].source
    assert income.clause == "第十一条（六）" and income.quote.startswith("（六）") and "10%" not in income.quote
    assert len({r.source.quote for r in rows.values()}) > 3  # not one list of sources repeated on every row


def test_a_criterion_without_a_clause_cites_the_source_that_states_its_number(pack):
    rows = _rows(pack, "zgc-ip-pledge-subsidy")
    revenue = rows["revenue"].source
    assert "2亿元" in revenue.quote and not revenue.general and revenue.clause == "贴息支持条款"
    assert "seed" not in revenue.title and len(revenue.quote) < 120
    assert rows["in-beijing"].source.general  # no clause and no number of its own: the measure's source, marked so


def test_seed_sources_are_named_by_the_seed_documents_title(pack):
    rows = _rows(pack, "tz-application-scenarios")
    assert rows["digital-tech"].source.title == seed_titles()["003"] and rows["digital-tech"].source.clause == "二、(三)10"


def test_the_table_ends_with_the_benefit_and_its_amount(pack):
    table = decision_table(pack, pack.measure("zgc-ip-pledge-subsidy"), DAY, seed_titles())
    benefit = table[-1]
    assert benefit.kind == BENEFIT and benefit.criterion == BENEFIT
    cap = pack.parameters["zgc_ip_pledge_subsidy_cap_wan"].value_on(DAY)
    assert f"最高{cap:g}万元" in benefit.text_zh and "{" not in benefit.text_zh  # the parameter's value, filled in
    assert benefit.threshold.startswith("min(") and benefit.parameter == "zgc_ip_pledge_subsidy_cap_wan"
    assert "50万元" in benefit.source.quote and benefit.unit.zh == "万元"


def test_rows_carry_chinese_labels_units_and_choice_names(pack):
    rows = _rows(pack, "zgc-ip-pledge-subsidy")
    assert rows["revenue"].label.zh == pack.fields["revenue_wan"].label.zh and rows["revenue"].unit.zh == "万元"
    assert rows["in-beijing"].shown.zh == "北京" and rows["hpi-industry"].shown.zh == "是"


def test_an_excerpt_is_the_sentence_of_the_item_else_of_the_number_else_the_quote():
    quote = "须同时满足以下条件：（一）注册一年以上；（二）拥有知识产权；（三）研发人员不低于10%"
    assert excerpt(quote, "第十一条（二）", set()) == "（二）拥有知识产权；"
    assert excerpt(quote, None, {0.1}) == "（三）研发人员不低于10%"
    assert excerpt(quote, None, {0.5}) == quote


def test_a_criterion_that_is_no_simple_comparison_shows_its_whole_test(pack):
    rows = [r for m in pack.measures for r in decision_table(pack, m, DAY) if r.kind != BENEFIT and not r.op]
    assert rows and all(r.field and r.shown is None for r in rows)  # e.g. `a and b`: the test in the field column
