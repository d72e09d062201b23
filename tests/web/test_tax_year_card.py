"""The results page of the README example firm whose 高企 certificate expires this tax year (公告2017年第24号)."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import render_template

from checker.web.results import build
from tests.answer.test_tax_year import TODAY, firm, hte


def _view(app, pack, durable, certified_on: dt.date):
    profile = firm(certified_on)
    full = durable.check(profile, TODAY).to_json()
    with app.test_request_context("/?lang=zh"):
        view = build(pack, full, profile)
        cards = {m.id: (m, render_template("assess/_card.html", m=m, open_cards=True))
                 for group in view.groups.values() for m in group}
    return full, view, cards


def test_the_expiring_certificate_card_states_the_condition_and_the_total_leaves_it_out(app, pack, durable):
    full, view, cards = _view(app, pack, durable, dt.date(2023, 12, 5))
    card, html = cards["hte-tax-rate"]
    assert card in view.groups["verify"]
    assert "附条件" in html and "须在 2026-12-31 前满足条件" in html
    assert "须在12月31日前重新通过高新技术企业认定" in html
    assert view.totals["tax_saving"] == pytest.approx(full["totals"]["tax_saving_wan"])
    assert hte(full)["benefit"]["amount_wan"] == 26


def test_a_certificate_issued_last_year_is_counted_without_a_condition(app, pack, durable):
    expiring, _, _ = _view(app, pack, durable, dt.date(2023, 12, 5))
    full, view, cards = _view(app, pack, durable, dt.date(2025, 11, 20))
    card, html = cards["hte-tax-rate"]
    assert card in view.groups["eligible"] and "附条件" not in html
    assert view.totals["tax_saving"] == pytest.approx(full["totals"]["tax_saving_wan"])
    assert view.tax_scenario["scenario"] == "hte_rate" and "hte-tax-rate" in view.tax_scenario["measures"]
    assert "hte-tax-rate" not in expiring["tax_scenario"]["measures"]  # the conditional rate: not in the total
