"""Issue 21 in chromium at 1280 and 390 px: each of four typical firms, answering at most 25 questions, gets every
measure it could act on (and that counts) settled as 可申报; no sideways scroll; screenshots in test-artifacts/."""

from __future__ import annotations

from typing import Any, Iterator

import pytest
from flask import Flask
from playwright.sync_api import Page

from tests.browser import ARTIFACTS, chromium_page, served
from tests.web.personas import PERSONAS
from tests.web.test_interview_browser import NO_SIDEWAYS, _answer, _dont_know
from tests.web.test_interview_personas import AS_OF, _actionable
from tests.web.util import as_form

WIDTHS = {"1280": (1280, 900), "390": (390, 844)}
MOST = 25


@pytest.fixture(scope="module")
def served_app(tmp_path_factory, pack) -> Iterator[tuple[Flask, str]]:
    """One served app for every walk (its own database) and its address."""
    from tests.web.conftest import _make

    app = _make(tmp_path_factory.mktemp("personas"), CHECKER_PACK=pack, ASSESS_RATE_LIMIT="1000 per minute")
    with served(app, threads=2) as url:
        yield app, url
    app.extensions["checker"].close()


def _walk(page: Page, url: str, profile: dict[str, Any], shots: str) -> list[str]:
    """Answer from the profile (不清楚 for what it lacks) until the result, at most MOST answers, then show the answer
    now; the questions answered."""
    page.goto(f"{url}/interview?as_of={AS_OF.isoformat()}")
    asked: list[str] = []
    step = 0
    while "/a/" not in page.url:
        step += 1
        assert page.evaluate(NO_SIDEWAYS), f"sideways scroll on step {step}"
        if step == 2:
            page.screenshot(path=str(ARTIFACTS / f"{shots}-step2.png"), full_page=True)
        fields = page.locator("#step-questions .q").evaluate_all("els => els.map(e => e.dataset.field)")
        for fid in fields:
            if len(asked) >= MOST or not page.locator(f"#step-questions #f-{fid}").is_visible():
                continue  # over the budget, or hidden by an earlier answer of this step (asked_when)
            asked.append(fid)
            _answer(page, fid, profile[fid]) if fid in profile else _dont_know(page, fid)
        page.click("#finish" if len(asked) >= MOST else "#next")
        page.wait_for_load_state()
    return asked


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", sorted(PERSONAS))
def test_each_persona_has_every_measure_it_could_act_on_settled_within_25_answers(served_app, name, width):
    app, url = served_app
    ARTIFACTS.mkdir(exist_ok=True)
    client = app.test_client()
    full = client.get(client.post("/", data=as_form(PERSONAS[name], AS_OF.isoformat())).headers["Location"]
                      + "/result.json").get_json()
    could = {r["measure"] for r in full["results"] if _actionable(r)}
    with chromium_page(width=WIDTHS[width][0], height=WIDTHS[width][1]) as page:
        asked = _walk(page, url, PERSONAS[name], f"persona-{name}-{width}")
        assert page.evaluate(NO_SIDEWAYS)
        page.screenshot(path=str(ARTIFACTS / f"persona-{name}-{width}-results.png"))
        result = page.request.get(page.url + "/result.json").json()
    statuses = {r["measure"]: r["status"] for r in result["results"]}
    assert len(asked) <= MOST
    assert {m: statuses[m] for m in could if statuses[m] != "eligible"} == {}, asked
