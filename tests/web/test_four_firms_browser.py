"""The four firms' results in chromium at 1280 and 390 px: nothing runs off the side, screenshots kept."""

from __future__ import annotations

import pytest

from tests.browser import ARTIFACTS, chromium_page, served
from tests.web.four_firms import FIRMS
from tests.web.util import as_form

NO_SIDEWAYS = "document.documentElement.scrollWidth <= window.innerWidth"


@pytest.mark.parametrize("width", [1280, 390])
def test_the_four_firms_results_fit_and_say_one_thing(app, client, width):
    ARTIFACTS.mkdir(exist_ok=True)
    locations = {name: client.post("/", data=as_form(make())).headers["Location"] for name, make in FIRMS.items()}
    with served(app, threads=2) as url, chromium_page(width=width, height=900) as page:
        for name, location in locations.items():
            page.goto(url + location)
            assert page.evaluate(NO_SIDEWAYS), name
            assert page.locator("#totals").is_visible()
            if name == "haidian-software":
                assert page.locator("#g-planned #m-zgc-ip-pledge-subsidy").count() == 1
                assert page.locator("#tax-scenario").inner_text().startswith("节税合计按高新技术企业15%税率计算")
            page.screenshot(path=str(ARTIFACTS / f"i21-{name}-{width}.png"), full_page=True)
