"""In a real browser: an officer builds a three-criterion measure (a number, yes/no and a district choice) with a
rate-and-cap amount from the form's lists, without typing an expression or YAML, previews the generated rule,
saves it as a draft, previews its impact, publishes it, and sees it checked on a company's result page."""

from __future__ import annotations

from typing import Iterator

import pytest
import yaml
from playwright.sync_api import Page, expect

from tests.browser import ARTIFACTS, chromium_page, served
from tests.staff.conftest import PASSWORD, add_user, make_app, shut
from tests.staff.test_git import git, rules_of
from tests.web.util import as_form

AS_OF = "2026-12-03"
ID = "hd-rd-grant-demo"
FORM = {"id": ID, "folder": "haidian-2014", "title_zh": "海淀区研发投入补助（示例）", "title_en": "Haidian R&D grant (demo)",
        "kind": "subsidy", "issuer_zh": "海淀区科学技术委员会", "entities": ["enterprise"], "applicant": "company",
        "document": "《海淀区研发投入补助试行办法》（示例）", "article": "第三条",
        "quote": "对符合下列条件的企业给予研发投入补助",
        "amount_kind": "rate", "money": "cash", "amount_value": "10", "amount_field": "rd_expense_wan", "amount_cap": "50",
        "amount_clause": "第四条", "amount_quote": "按上年度研发费用的10%给予补助，最高不超过50万元",
        "apply_zh": "向海淀区科学技术委员会在线申报", "opens": "2027-03-01", "closes": "2027-04-30"}
ROWS = [("rd_expense_wan", "ge", "100", None, "第三条（一）", "上年度研发费用不低于100万元"),
        ("hte_certified", "yes", None, None, "第三条（二）", "持有有效的高新技术企业证书"),
        ("district", "in", None, ["district=haidian"], "第三条（三）", "注册地在海淀区")]
COMPANY = {"entity_type": "enterprise", "province": "beijing", "district": "haidian", "rd_expense_wan": 300,
           "hte_certified": True}


@pytest.fixture
def csrf_app(tmp_path, pack):
    """The staff app on the project's pack with CSRF protection on, as in production."""
    application = make_app(tmp_path, pack, WTF_CSRF_ENABLED=True)
    add_user(application, "staff@example.com", None, "staff")
    yield application
    shut(application)


@pytest.fixture
def page() -> Iterator[Page]:
    """A fresh chromium page."""
    with chromium_page(1300, 900) as page:
        yield page


def _fill(page: Page) -> None:
    """The whole form from lists and plain words: no expression, no YAML."""
    form = page.locator("#new-form")
    for name, value in FORM.items():
        target = form.locator(f'[name="{name}"]')
        if target.evaluate("e => e.tagName") == "SELECT":
            target.select_option(value)
        else:
            target.fill(value)
    for i, (field, op, value, choices, clause, quote) in enumerate(ROWS):
        row = page.locator(f"#row-{i + 1}")
        row.locator(f'[name="criteria-{i}-field"]').select_option(field)
        row.locator(f'[name="criteria-{i}-op"]').select_option(op)
        if value is not None:
            row.locator(f'[name="criteria-{i}-value"]').fill(value)
        if choices is not None:
            row.locator(f'[name="criteria-{i}-choices"]').select_option(choices)
        row.locator(f'[name="criteria-{i}-clause"]').fill(clause)
        row.locator(f'[name="criteria-{i}-quote"]').fill(quote)


def test_build_a_three_criterion_measure_publish_it_and_see_it_checked(csrf_app, page):
    ARTIFACTS.mkdir(exist_ok=True)
    with served(csrf_app, threads=2) as base:
        page.goto(base + "/agency/login")
        page.fill("#email", "staff@example.com")
        page.fill("#password", PASSWORD)
        page.click("#login")
        page.wait_for_url("**/staff/")
        page.click("#nav-new-measure")
        row = page.locator("#row-2")
        row.locator('[name="criteria-1-field"]').select_option("hte_certified")
        expect(row.locator('[name="criteria-1-op"] option[value="ge"]')).to_be_disabled()  # yes/no only for a bool
        expect(row.locator(".value-single")).to_be_hidden()
        _fill(page)
        page.click("#preview")
        expect(page.locator("#preview-ok")).to_be_visible()
        expect(page.locator("#yaml-preview")).to_contain_text('amount: "min(10% * rd_expense_wan, 50)"')
        expect(page.locator("#yaml-preview")).to_contain_text("district in ['haidian']")
        page.screenshot(path=str(ARTIFACTS / "staff-build-preview.png"), full_page=True)
        page.click("#create")
        page.wait_for_url("**/staff/drafts/*")
        expect(page.locator("#no-errors")).to_be_visible()
        expect(page.locator("#publish-blocked")).to_have_count(0)
        page.click("#impact")  # publishing needs the impact preview of exactly these texts
        expect(page.locator("#impact-summary")).to_be_visible()
        page.go_back()
        page.fill("#comment", "新增海淀区研发投入补助（示例）")
        page.click("#publish")
        page.wait_for_url("**/staff/")
        page.goto(base + f"/staff/measures/{ID}")
        expect(page.locator("#dt-c3")).to_contain_text("district")
        page.screenshot(path=str(ARTIFACTS / "staff-build-published.png"), full_page=True)

        csrf_app.config["WTF_CSRF_ENABLED"] = False
        response = csrf_app.test_client().post("/", data=as_form(COMPANY, AS_OF))
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        result = response.headers["Location"]
        data = csrf_app.test_client().get(result + "/result.json").get_json()
        found = next(r for r in data["results"] if r["measure"] == ID)
        assert (found["status"], found["benefit"]["amount_wan"], found["benefit"]["type"]) == ("eligible", 30, "cash")
        page.goto(base + result)
        card = page.locator(f"#m-{ID}")
        expect(card).to_contain_text("海淀区研发投入补助（示例）")
        expect(card).to_contain_text("按上一年度研发费用的10%给予支持，最高50万元")
        expect(card).to_contain_text("北京注册区为海淀区 （第三条（三））")
        page.screenshot(path=str(ARTIFACTS / "staff-build-company.png"), full_page=True)

    rules = rules_of(csrf_app)
    created = yaml.safe_load((rules / f"measures/haidian-2014/{ID}.yaml").read_text(encoding="utf-8"))
    assert [c["test"] for c in created["criteria"]] == ["rd_expense_wan >= 100", "hte_certified", "district in ['haidian']"]
    assert git(rules, "log", "--format=%s", "-1").strip() == "新增海淀区研发投入补助（示例）"


def _sign_in(page: Page, base: str) -> None:
    page.goto(base + "/agency/login")
    page.fill("#email", "staff@example.com")
    page.fill("#password", PASSWORD)
    page.click("#login")
    page.wait_for_url("**/staff/")


def test_a_new_cap_from_a_date_from_the_measure_page(csrf_app, page):
    ARTIFACTS.mkdir(exist_ok=True)
    cap, measure = "zgc_ip_pledge_subsidy_cap_wan", "zgc-ip-pledge-subsidy"
    with served(csrf_app, threads=2) as base:
        _sign_in(page, base)
        page.goto(base + f"/staff/measures/{measure}")
        expect(page.locator(f"#p-{cap}")).to_contain_text("2021-03-01")
        page.click(f"#add-value-{cap}")
        page.fill("#start", "2027-01-01")
        page.fill("#value", "80")
        page.fill("#document", "《示例：贴息上限调整通知》")
        page.fill("#article", "第二条")
        page.fill("#quote", "对单家企业年度利息补贴不超过80万元")
        page.fill("#reason", "上限调整")
        expect(page.locator("#add_example")).to_be_checked()
        page.click("#create")
        page.wait_for_url("**/staff/drafts/*")
        expect(page.locator("#no-errors")).to_be_visible()
        page.click("#impact")
        expect(page.locator("#impact-summary")).to_be_visible()
        page.go_back()
        page.fill("#comment", "贴息上限自2027年起调整为80万元")
        page.click("#publish")
        page.wait_for_url("**/staff/")
        page.goto(base + f"/staff/measures/{measure}")
        expect(page.locator(f"#p-{cap}")).to_contain_text("2021-03-01 – 2026-12-31")
        expect(page.locator(f"#p-{cap}")).to_contain_text("2027-01-01")
    text = (rules_of(csrf_app) / "parameters/subsidy.yaml").read_text(encoding="utf-8")
    assert "- from: 2027-01-01\n        value: 80\n" in text
