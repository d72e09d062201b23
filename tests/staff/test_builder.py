"""The measure builder: every operator of every field type becomes a test the engine decides as intended at its
boundary, and the generated file passes lint, its examples and criterion coverage."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from checker.engine import Checker
from checker.rules.loader import RulePack
from checker.staff import builder, create, drafts, store
from tests.web.util import MINI_RULES

TODAY = dt.date(2026, 12, 3)
DISTRICT = create.NewField("district", "enum", "basic", "所在区", "District", choices=[
    ("haidian", "海淀区", "Haidian"), ("chaoyang", "朝阳区", "Chaoyang"), ("dongcheng", "东城区", "Dongcheng")])


@pytest.fixture(scope="module")
def live() -> store.Files:
    """The fixture pack's files with a district field (a choice) added."""
    files = store.read_tree(MINI_RULES)
    return {**files, **create.add_field(files, DISTRICT)}


@pytest.fixture(scope="module")
def seeds(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("seeds")


@pytest.fixture(scope="module")
def live_pack(live, seeds) -> RulePack:
    return store.load_files(live, seeds)


def spec(*rows: builder.Row, amount: builder.Amount | None = None, **extra) -> builder.Spec:
    """A measure of the given rows, its source a document."""
    return builder.Spec(id="built", folder="demo", title_zh="生成的措施", title_en="A built measure", kind="subsidy",
                        issuer_zh="测试局", entities=["enterprise"], applicant="company", document="《测试办法》",
                        article="第一条", quote="对符合条件的企业给予支持", rows=list(rows),
                        amount=amount or builder.Amount(), benefit_zh="给予支持", apply_zh="向测试局申报", **extra)


def row(field: str, op: str, *values: str, quote: str = "", invented: bool = False) -> builder.Row:
    return builder.Row(field, op, list(values), "第二条", quote or f"条件：{' '.join(values)}", invented=invented)


def checked(live, seeds, s: builder.Spec) -> drafts.DraftCheck:
    """The built files checked as a draft (lint, examples, coverage)."""
    changes = builder.build(live, store.load_files(live, seeds), s, TODAY)
    result = drafts.check_files(live, drafts.compose(live, changes), seeds)
    assert result.ok, ([e.message for e in result.errors], [o for o in result.failing], result.new_gaps,
                       changes["measures/demo/built.yaml"])
    return result


def verdicts(pack: RulePack, field: str, values: list) -> list[str]:
    """The first criterion's status on profiles differing only in the field."""
    engine = Checker(pack, "reference")
    out = []
    for value in values:
        result = engine.check({"entity_type": "enterprise", field: value}, TODAY)
        out.append(next(r for r in result.results if r.measure == "built").criteria[0].status)
    return out


CASES = [
    (row("rd_expense_wan", "ge", "100", quote="研发费用不低于100万元"), "rd_expense_wan >= 100", [100, 99.99, 250],
     ["met", "not_met", "met"]),
    (row("rd_expense_wan", "le", "5,000", quote="研发费用不超过5000万元"), "rd_expense_wan <= 5000", [5000, 5000.01, 0],
     ["met", "not_met", "met"]),
    (row("employees", "eq", "10", quote="职工10人"), "employees == 10", [10, 9, 11], ["met", "not_met", "not_met"]),
    (row("employees", "between", "10", "20", quote="职工10人至20人"), "employees >= 10 and employees <= 20",
     [10, 20, 9, 21], ["met", "met", "not_met", "not_met"]),
    (row("has_cert", "yes"), "has_cert", [True, False], ["met", "not_met"]),
    (row("has_cert", "no"), "not has_cert", [False, True], ["met", "not_met"]),
    (row("district", "in", "haidian", "chaoyang"), "district in ['haidian', 'chaoyang']",
     ["haidian", "chaoyang", "dongcheng"], ["met", "met", "not_met"]),
    (row("cert_on", "on", "2025-03-01"), "cert_on == date('2025-03-01')",
     [dt.date(2025, 3, 1), dt.date(2025, 3, 2), dt.date(2025, 2, 28)], ["met", "not_met", "not_met"]),
    (row("cert_on", "before", "2025-03-01"), "cert_on < date('2025-03-01')",
     [dt.date(2025, 2, 28), dt.date(2025, 3, 1)], ["met", "not_met"]),
    (row("cert_on", "after", "2025-03-01"), "cert_on > date('2025-03-01')",
     [dt.date(2025, 3, 2), dt.date(2025, 3, 1)], ["met", "not_met"]),
]


@pytest.mark.parametrize(("given", "test", "values", "expected"), CASES, ids=[f"{c[0].field}-{c[0].op}" for c in CASES])
def test_each_operator_is_decided_as_intended_at_its_boundary(live, seeds, given, test, values, expected):
    result = checked(live, seeds, spec(given))
    data = yaml.safe_load(result.files["measures/demo/built.yaml"])
    assert data["criteria"][0]["test"] == test
    assert data["criteria"][0]["clause"] == "第二条"
    assert verdicts(result.pack, given.field, values) == expected
    assert len(data["examples"]) >= 2 and not [g for g in result.gaps if g[0] == "built"]  # both sides reached


def test_three_criteria_and_a_rate_with_a_cap(live, seeds):
    amount = builder.Amount("rate", "cash", "10", "rd_expense_wan", "50", clause="第三条",
                            quote="按研发费用的10%给予补助，最高50万元")
    built = spec(row("rd_expense_wan", "ge", "100", quote="研发费用不低于100万元"), row("has_cert", "yes"),
                 row("district", "in", "haidian"), amount=amount)
    built.benefit_zh = ""  # the benefit's text is then written from the amount
    result = checked(live, seeds, built)
    data = yaml.safe_load(result.files["measures/demo/built.yaml"])
    assert data["benefit"]["amount"] == "min(10% * rd_expense_wan, 50)" and data["benefit"]["type"] == "cash"
    assert data["benefit"]["text"]["zh"] == "按研发费用的10%给予支持，最高50万元"
    assert [c["text"]["zh"] for c in data["criteria"]] == ["研发费用不低于100万元", "持有证书：是", "所在区为海淀区"]
    engine = Checker(result.pack, "reference")
    for spend, money in ((300, 30), (800, 50)):
        profile = {"entity_type": "enterprise", "rd_expense_wan": spend, "has_cert": True, "district": "haidian"}
        found = next(r for r in engine.check(profile, TODAY).results if r.measure == "built")
        assert (found.status, found.amount_wan) == ("eligible", money)
    assert "built" in yaml.safe_load(result.files["measures/demo/index.yaml"])["measures"]


def test_an_invented_threshold_is_marked_as_an_assumption(live, seeds):
    result = checked(live, seeds, spec(row("employees", "ge", "37", quote="职工达到一定规模", invented=True)))
    data = yaml.safe_load(result.files["measures/demo/built.yaml"])
    assert data["criteria"][0]["assumption"]["zh"] == "职工总数不低于37人：为估计值，未见正式文件"
    unmarked = spec(row("employees", "ge", "37", quote="职工达到一定规模"))
    changes = builder.build(live, store.load_files(live, seeds), unmarked, TODAY)
    refused = drafts.check_files(live, drafts.compose(live, changes), seeds)
    assert any("37" in e.message for e in refused.errors)  # lint: a number no quote states


def test_a_seed_source_a_window_and_who_applies(live, seeds):
    s = spec(row("has_cert", "yes"), opens="2027-03-01", closes="2027-04-30")
    s.applicant, s.entities = "staff", ["enterprise", "incubator"]
    changes = builder.build(live, store.load_files(live, seeds), s, TODAY)
    data = yaml.safe_load(changes["measures/demo/built.yaml"])
    assert data["applicant"] == "staff" and data["entities"] == ["enterprise", "incubator"]
    assert {"measure": "built", "opens": dt.date(2027, 3, 1), "closes": dt.date(2027, 4, 30)} in yaml.safe_load(
        changes["windows.yaml"])["windows"]
    s.seed, s.document = "000", ""
    data = yaml.safe_load(builder.build(live, store.load_files(live, seeds), s, TODAY)["measures/demo/built.yaml"])
    assert data["source"][0] == {"seed": "000", "clause": "第一条", "quote": "对符合条件的企业给予支持"}


@pytest.mark.parametrize(("given", "code", "params"), [
    (row("has_cert", "ge", "1"), "staff.build.operator", {"row": 1, "field": "has_cert", "op": "ge"}),
    (row("employees", "ge", "0"), "staff.build.always_met", {"row": 1, "field": "employees"}),
    (row("employees", "ge", "1.5"), "staff.build.whole", {"row": 1, "value": "1.5"}),
    (row("employees", "between", "20", "10"), "staff.build.between_order", {"row": 1, "low": "20", "high": "10"}),
    (row("district", "in", "haidian", "chaoyang", "dongcheng"), "staff.build.always_met", {"row": 1, "field": "district"}),
    (row("rd_expense_wan", "ge", "三千"), "staff.build.number", {"row": 1, "value": "三千"}),
    (row("cert_on", "after", "2025/13/01"), "staff.build.date", {"row": 1, "value": "2025/13/01"}),
])
def test_a_row_that_cannot_become_a_rule_is_named(live_pack, given, code, params):
    with pytest.raises(builder.BuildError) as caught:
        builder.measure_text(live_pack, spec(given), TODAY)
    assert (caught.value.problem.code, caught.value.problem.params) == (code, params)


def test_a_field_used_twice_is_refused_with_its_row(live_pack):
    with pytest.raises(builder.BuildError) as caught:
        builder.measure_text(live_pack, spec(row("employees", "ge", "5"), row("employees", "le", "50")), TODAY)
    assert caught.value.problem.params == {"row": 2, "field": "employees"}
    assert "第2行" in caught.value.problem.text("zh") and "Row 2: employees" in caught.value.problem.text("en")


def test_a_fixed_amount_a_parameter_and_a_rate_capped_by_a_parameter(live, seeds):
    cap = create.DatedValue("2020-01-01", 40, "《测试办法》", "第五条", "补助最高不超过40万元")
    with_cap = {**live, **create.add_parameter(live, "demo_cap_wan", "补助上限", "Grant cap", "万元", "10k CNY", [cap])}
    profile = {"entity_type": "enterprise", "has_cert": True, "rd_expense_wan": 600}
    cases = [(builder.Amount("fixed", "cash", "20", quote="给予20万元补助"), "20", "给予20万元支持", 20),
             (builder.Amount("parameter", "cash", parameter="demo_cap_wan"), "demo_cap_wan", "按补助上限给予支持", 40),
             (builder.Amount("rate", "cash", "10", "rd_expense_wan", "demo_cap_wan", quote="按研发费用的10%补助"),
              "min(10% * rd_expense_wan, demo_cap_wan)", "按研发费用的10%给予支持，最高不超过补助上限", 40)]
    for amount, expression, words, money in cases:
        built = spec(row("has_cert", "yes"), amount=amount)
        built.benefit_zh = ""
        result = checked(with_cap, seeds, built)
        data = yaml.safe_load(result.files["measures/demo/built.yaml"])
        assert (data["benefit"]["amount"], data["benefit"]["text"]["zh"]) == (expression, words)
        found = next(r for r in Checker(result.pack, "reference").check(profile, TODAY).results if r.measure == "built")
        assert found.amount_wan == money


def test_an_invented_amount_is_marked_with_its_numbers(live, seeds):
    amount = builder.Amount("rate", "cash", "15", "rd_expense_wan", "30", invented=True)  # no quote states 15% or 30
    built = spec(row("has_cert", "yes"), amount=amount)
    data = yaml.safe_load(checked(live, seeds, built).files["measures/demo/built.yaml"])
    assert data["benefit"]["assumption"]["zh"] == "按研发费用的15%给予支持，最高30万元：为估计值，未见正式文件"
    amount.invented = False
    changes = builder.build(live, store.load_files(live, seeds), spec(row("has_cert", "yes"), amount=amount), TODAY)
    refused = drafts.check_files(live, drafts.compose(live, changes), seeds)
    assert {e.problem.params.get("number") for e in refused.errors} >= {0.15, 30}


def test_a_seed_clause_source_passes_the_quote_check_against_the_seed_text():
    from tests.web.util import ROOT

    files = store.read_tree(ROOT / "rules")
    pack = store.load_files(files, ROOT / "seeds")
    s = spec(builder.Row("hte_certified", "yes", [], "三、10", "大力拓展知识产权质押融资"), seed="000")
    s.folder, s.document, s.article, s.quote = "zgc", "", "三、10", "大力拓展知识产权质押融资"
    changes = builder.build(files, pack, s, TODAY)
    assert drafts.check_files(files, drafts.compose(files, changes), ROOT / "seeds").ok
    s.rows[0].quote = "大力拓展知识产权质押融资业务"  # not in the seed's text
    changes = builder.build(files, pack, s, TODAY)
    codes = [e.problem.code for e in drafts.check_files(files, drafts.compose(files, changes), ROOT / "seeds").errors]
    assert codes and all("quote" in c for c in codes), codes
