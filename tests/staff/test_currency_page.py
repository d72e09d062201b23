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


def test_a_measure_page_shows_its_review_and_an_unconfirmed_period(mini):
    page = mini.get("/staff/measures/relief-b").get_data(as_text=True)  # no period, no confirmation
    line = re.search(r'<p id="currency">.*?</p>', page, re.S).group(0)
    assert "有效期未确认，申报前向主管部门核实" in line and "从未复核" in line
    dated = re.search(r'<p id="currency">.*?</p>', mini.get("/staff/measures/grant-a").get_data(as_text=True), re.S).group(0)
    assert "有效期未确认" not in dated  # grant-a has an end date


def test_the_pack_page_marks_periods_that_are_not_confirmed(mini):
    page = mini.get("/staff/").get_data(as_text=True)
    assert "有效期未确认" in re.search(r'<tr id="m-relief-b".*?</tr>', page, re.S).group(0)
    assert "有效期未确认" not in re.search(r'<tr id="m-grant-a".*?</tr>', page, re.S).group(0)
