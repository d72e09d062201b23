"""The staff currency page: measures by last review, old sources, superseded documents, programmes with no window."""

from __future__ import annotations

import re


def test_currency_page_lists_reviews_and_is_linked_from_the_pack_page(mini):
    index = mini.get("/staff/").get_data(as_text=True)
    assert 'href="/staff/currency"' in index
    page = mini.get("/staff/currency").get_data(as_text=True)
    row = re.search(r'<tr id="c-grant-a".*?</tr>', page, re.S).group(0)
    assert "从未复核" in row and "超过一年未复核" in row  # the mini pack records no review
    windowless = page[page.index('id="currency-no-window"'):]
    assert "grant-a" in windowless


def test_currency_page_is_for_staff_only(mini_app):
    from tests.staff.conftest import sign_in

    agency = mini_app.test_client()
    sign_in(agency, "a@example.com")
    assert agency.get("/staff/currency").status_code == 403
