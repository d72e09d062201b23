"""One definition of 可申报 (answer.counts_as_eligible) behind the exports' status words and summaries, and money
shown by type with its unit: a deduction by the tax it saves, the deduction itself only labelled as such."""

from __future__ import annotations

import itertools

from checker.engine.answer import counts_as_eligible
from checker.sheets.verdicts import ClientVerdicts, money_text, status_of, summarise

STATUSES = ("eligible", "undetermined", "ineligible")
ITEMS = [{"measure": "m", "status": status, "currency": currency, "applicant": applicant, "held": held}
         for status, currency, applicant, held in itertools.product(
             STATUSES, ("in_force", "unconfirmed", None), ("company", "staff", "institution", None),
             (None, {"until": "2027-10-30"}))]


def test_the_word_is_eligible_exactly_when_the_item_is_counted():
    for item in ITEMS:
        assert (status_of(item) == "eligible") is counts_as_eligible(item), item


def test_the_summary_counts_per_measure_what_the_clients_count():
    clients = [ClientVerdicts(f"k{n}", f"k{n}", {"results": [{**item, "measure": f"m{n % 3}"}]})
               for n, item in enumerate(ITEMS)]
    summary = summarise(clients, {"m0": "m0", "m1": "m1", "m2": "m2"})
    assert sum(m.counts["eligible"] for m in summary.measures) == sum(counts_as_eligible(i) for i in ITEMS)
    unconfirmed = [i for i in ITEMS if i["status"] == "eligible" and i["currency"] == "unconfirmed" and not i["held"]]
    assert sum(m.counts["verify"] for m in summary.measures) == len(unconfirmed)


def test_a_deduction_shows_the_tax_it_saves_and_labels_the_deduction(pack):
    item = {"measure": "rd-super-deduction", "status": "eligible", "currency": "in_force", "amount_wan": 0.5,
            "tax_saving_wan": 0.03}
    assert money_text(pack, item, "zh") == "减税 0.03 万元（按税前扣除额 0.50 万元计）"
    assert money_text(pack, item, "en") == "tax saving 0.03 (10k CNY); from a deduction of 0.50 (10k CNY)"


def test_cash_shows_its_type_and_unit_and_an_unknown_amount_nothing(pack):
    grant = next(m.id for m in pack.measures if getattr(m.spec.benefit, "type", None) in (None, "cash"))
    assert money_text(pack, {"measure": grant, "amount_wan": 20}, "zh") == "资金 20.00 万元"
    assert money_text(pack, {"measure": grant, "amount_wan": None}, "zh") == ""
