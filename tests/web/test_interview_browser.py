"""Three users through the guided interview in chromium, desktop and 390 px: questions, cards, folds, no sideways scroll.

Screenshots land in test-artifacts/ (interview step and results, per user and width).
"""

from __future__ import annotations

import re
from typing import Any, Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser import ARTIFACTS, chromium_page, served
from tests.web.util import example_profile

NO_SIDEWAYS = "document.documentElement.scrollWidth <= window.innerWidth"
WIDTHS = {"desktop": (1200, 900), "phone": (390, 844)}

STARTUP = {"credit_code": "91110108MA01B2C3D0", "entity_type": "enterprise", "registered_on": "2025-03-01",
           "employees": 8}
INCUBATOR = {"credit_code": "91110108MA01A2B3CF", "entity_type": "incubator", "registered_on": "2016-05-01",
             "incubation_area_m2": 12000, "incubated_firms": 60, "graduated_firms": 12, "operating_years": 9,
             "specialised_incubator": True, "hard_tech_incubation": True, "incubated_landed_haidian": 20,
             "international_brand": False, "employees": 30}
USERS = {"finance": (example_profile(), None), "startup": (STARTUP, 3), "incubator": (INCUBATOR, None)}


@pytest.fixture(scope="module")
def base_url(tmp_path_factory, pack) -> Iterator[str]:
    """One served app for every walk (its own database)."""
    from tests.web.conftest import _make

    app = _make(tmp_path_factory.mktemp("walks"), CHECKER_PACK=pack, ASSESS_RATE_LIMIT="1000 per minute")
    with served(app, threads=2) as url:
        yield url
    app.extensions["checker"].close()


def _answer(page: Page, fid: str, value: Any) -> None:
    """Answer one question as a person would."""
    block = page.locator(f"#step-questions #f-{fid}")
    if block.locator(f'input[type="radio"][name="q_{fid}"]').count():
        block.locator(f'input[name="q_{fid}"][value="{"true" if value else "false"}"]').check()
    elif block.locator("select").count():
        block.locator("select").select_option(str(value))
    else:
        block.locator(f'input[name="q_{fid}"]').fill(str(value))


def _dont_know(page: Page, fid: str) -> None:
    """Answer 不清楚."""
    block = page.locator(f"#step-questions #f-{fid}")
    if block.locator('input[type="radio"][value=""]').count():
        block.locator('input[type="radio"][value=""]').check()
    elif block.locator(f'input[name="dk_{fid}"]').count():
        block.locator(f'input[name="dk_{fid}"]').check()
    else:
        block.locator("select").select_option("")


def walk(page: Page, url: str, profile: dict[str, Any], give_up_after: int | None, shots: str) -> dict[str, Any]:
    """Go through the interview from the first step to the results page; what was asked."""
    page.goto(url + "/interview?as_of=2026-06-01")
    asked, given, step = [], [], 0
    while "/a/" not in page.url:
        step += 1
        fields = page.locator("#step-questions .q").evaluate_all("els => els.map(e => e.dataset.field)")
        assert 1 <= len(fields) <= 5 and f"第 {step} 步" in page.locator("#progress").inner_text()
        assert page.evaluate(NO_SIDEWAYS), f"sideways scroll on step {step}"
        if step == 2:
            page.screenshot(path=str(ARTIFACTS / f"{shots}-interview.png"), full_page=True)
        for fid in fields:
            asked.append(fid)
            if fid in profile:
                _answer(page, fid, profile[fid])
                given.append(fid)
            else:
                _dont_know(page, fid)
        button = "#finish" if give_up_after and step >= give_up_after else "#next"
        page.click(button)
        page.wait_for_load_state()
    return {"asked": asked, "given": given, "steps": step}


def _check_results(page: Page, shots: str) -> None:
    """Cards in order (eligible, open, folded ineligible), eligible by amount, no sideways scroll; screenshots."""
    ids = page.locator("section.group, details.group").evaluate_all("els => els.map(e => e.id)")
    assert ids.index("g-eligible") < ids.index("g-undetermined") < ids.index("g-ineligible")
    assert page.locator("#g-ineligible").get_attribute("open") is None
    if page.locator("#g-staff").count():
        assert page.locator("#g-staff").get_attribute("open") is None
    amounts = [float(re.sub(r"[^\d.]", "", a)) for a in
               page.locator("#g-eligible details.card .money").evaluate_all("els => els.map(e => e.textContent)")]
    assert amounts == sorted(amounts, reverse=True)
    assert page.locator("#g-eligible details.card[open]").count() == 0
    assert page.evaluate(NO_SIDEWAYS)
    page.screenshot(path=str(ARTIFACTS / f"{shots}-results.png"))
    if page.locator("#g-eligible details.card").count():
        page.locator("#g-eligible details.card summary").first.click()
        assert page.evaluate(NO_SIDEWAYS)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("user", USERS)
def test_user_walks_the_interview_to_an_answer(base_url, user, width, pack):
    ARTIFACTS.mkdir(exist_ok=True)
    profile, give_up = USERS[user]
    w, h = WIDTHS[width]
    with chromium_page(width=w, height=h) as page:
        walked = walk(page, base_url, profile, give_up, f"interview-{user}-{width}")
        assert re.search(r"/a/[\w-]+$", page.url)
        assert f"已根据您回答的 {len(walked['given'])} 个问题" in page.locator(".flash").inner_text()
        _check_results(page, f"interview-{user}-{width}")
        html = page.content()
    assert walked["asked"][:2] == ["credit_code", "entity_type"]
    assert not {"province", "district", "legal_form"} & set(walked["asked"])  # the credit code answered them
    assert len(set(walked["asked"])) == len(walked["asked"])  # nothing asked twice
    if user == "finance":
        assert len(walked["given"]) <= 25 and walked["steps"] <= 16
        assert 'id="m-hte-recognition"' in page_section(html, "g-held")  # certified 2024-10-30: 已获得
        assert 'id="m-rd-super-deduction"' in page_section(html, "g-eligible")
    elif user == "startup":
        assert walked["steps"] == 3 and len(walked["asked"]) == 2 + 5 + 5
        assert "待完善" in html
    else:
        assert "孵化" in page_section(html, "g-eligible") + page_section(html, "g-undetermined")
        academic = [m.id for m in pack.measures if set(m.spec.entities) <= {"university", "research_institute"}]
        shown = html.split('id="g-eligible"')[1]  # no measure only for universities or institutes is offered
        assert academic and not [mid for mid in academic if f'id="m-{mid}"' in shown]


def page_section(html: str, anchor: str) -> str:
    """The HTML of one results section (eligible or open ones)."""
    start = html.index(f'id="{anchor}"')
    return html[start:html.index("</section>", start)]


def test_focus_moves_to_the_error_summary_and_answers_stay(base_url):
    with chromium_page(width=390, height=844) as page:
        page.goto(base_url + "/interview?as_of=2026-06-01")
        page.fill('input[name="q_credit_code"]', "91110108MA01A2B3CX")
        page.select_option('select[name="q_entity_type"]', "enterprise")
        page.click("#next")
        page.wait_for_load_state()
        assert page.evaluate("document.activeElement.id") == "error-summary"
        assert page.locator("#error-summary a").get_attribute("href") == "#f-credit_code"
        assert page.input_value('input[name="q_credit_code"]') == "91110108MA01A2B3CX"
        assert page.input_value('select[name="q_entity_type"]') == "enterprise"
        page.screenshot(path=str(ARTIFACTS / "interview-error-phone.png"))


def test_the_full_form_fills_region_and_legal_form_from_the_credit_code(base_url):
    with chromium_page() as page:
        page.goto(base_url + "/")
        page.fill('input[name="q_credit_code"]', "91110108MA01A2B3CF")
        page.locator('input[name="q_credit_code"]').dispatch_event("change")
        expect(page.locator('select[name="q_district"]')).to_have_value("haidian")
        assert page.input_value('select[name="q_province"]') == "beijing"
        assert page.input_value('select[name="q_legal_form"]') == "enterprise"
        page.select_option('select[name="q_district"]', "chaoyang")  # still editable
        assert page.input_value('select[name="q_district"]') == "chaoyang"
