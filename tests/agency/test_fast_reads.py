"""compact.Reader: the summary, dashboard and matrix read stored results as facts, straight from the compact stored form,
and get what the item dicts give (status_of, counts_as_eligible, money, the dashboard's client row), whatever the row."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from checker.agency import stored
from checker.agency.compact import ITEM, PLAIN, Reader, answers_of, split
from checker.agency.dashboard import facts_row
from checker.agency.portfolio import LatestClient
from checker.agency.stored_answers import INDEX, KEYS_1, decode_answers, encode_answers
from checker.engine.answer import counts_as_eligible, stored_totals
from checker.sheets.verdicts import (
    ClientVerdicts,
    FactsTable,
    amount_of,
    facts_matrix,
    matrix,
    money,
    money_type,
    status_of,
    summarise,
    summarise_facts,
    titles,
    word,
)


def _measures(pack, kind: str | None) -> list[str]:
    return [m.id for m in pack.measures if getattr(m.spec.benefit, "type", None) == kind]


@pytest.fixture(scope="module")
def items(pack) -> list[dict[str, Any]]:
    """Stored items of every kind: amounts, tax savings, conditions (also on an ineligible item), held, another
    applicant, unconfirmed currency, undetermined with open questions, a withdrawn measure, text with brackets."""
    cash, deduction = _measures(pack, "cash"), _measures(pack, "deduction")
    return [
        {"measure": cash[0], "status": "eligible", "amount_wan": 30, "currency": "in_force"},
        {"measure": cash[1], "status": "eligible", "amount_wan": 12.5, "currency": "in_force",
         "condition": 'first file "备案" [art. 3],[annex]'},
        {"measure": cash[2], "status": "ineligible", "currency": "in_force", "failed": ["in_force"],
         "condition": "另有条件"},
        {"measure": cash[3], "status": "undetermined", "currency": "in_force", "missing": ["employees", "revenue_wan"]},
        {"measure": cash[4], "status": "eligible", "amount_wan": None, "currency": "in_force"},
        {"measure": cash[5], "status": "eligible", "amount_wan": 8, "currency": "in_force", "held": True},
        {"measure": cash[6], "status": "eligible", "amount_wan": 5, "currency": "in_force", "applicant": "staff"},
        {"measure": cash[7], "status": "eligible", "amount_wan": 7, "currency": "unconfirmed"},
        {"measure": deduction[0], "status": "eligible", "amount_wan": 100.0, "tax_saving_wan": 15.0,
         "currency": "in_force"},
        {"measure": "withdrawn-measure", "status": "eligible", "amount_wan": 1, "currency": "in_force"},
        {"measure": cash[8], "status": "undetermined", "currency": None, "missing": ["a_field_not_in_the_word_list"]},
    ]


def _result(items: list[dict[str, Any]], **more: Any) -> dict[str, Any]:
    return {"rulepack": "v1", "as_of": "2026-06-01", "results": items, **more}


def client_row(client: LatestClient, result: dict[str, Any], pack) -> list[Any]:
    """The dashboard's client row as the item dicts give it (the reference facts_row is held to)."""
    items = [r for r in result.get("results", []) if counts_as_eligible(r)]
    count, sums, _ = money(pack, result)
    worth = round(sum(v for v in sums.values() if v is not None), 4)
    measures = [[r["measure"], round(amount_of(r, money_type(pack, r)) or 0.0, 4)] for r in items]
    undetermined = sum(1 for r in result.get("results", []) if r.get("status") == "undetermined")
    return [client.id, client.key, client.name, str(result.get("rulepack") or ""), count, undetermined, worth, measures]


def _agrees(pack, reader: Reader, kept: dict[str, Any] | None, plain: dict[str, Any]) -> None:
    """The facts the reader gives of a stored row are what the item dicts of the same result give."""
    facts = reader.client(kept, "k1", "Name", 7, 3)
    shown = plain.get("results", [])
    assert [f.measure for f in facts.facts] == [i["measure"] for i in shown]
    assert [f.status for f in facts.facts] == [status_of(i) for i in shown]
    assert [f.counted for f in facts.facts] == [counts_as_eligible(i) for i in shown]
    assert facts.money() == money(pack, plain)
    client = LatestClient(3, "k1", "Name", {})
    assert facts_row(client, facts) == client_row(client, plain, pack)
    assert (facts.rulepack, facts.as_of, facts.row, facts.client_id) == (plain.get("rulepack"), plain.get("as_of"), 7, 3)


def test_a_compact_row_reads_as_its_item_dicts(pack, items):
    result = _result(items, totals={"cash_wan": 42.5, "tax_saving_wan": 15.0, "financing_wan": 0.0},
                     extra={"联系人": "张三"})
    kept = stored.encode(result)
    _agrees(pack, Reader(pack), kept, stored.decode(kept))
    facts = Reader(pack).client(kept, "k1", "Name")
    assert facts.extra == {"联系人": "张三"} and facts.totals == result["totals"]
    assert facts.money()[0] == 4  # cash with and without an amount, the deduction, the withdrawn measure


def test_the_conditioned_eligible_item_is_to_verify_and_the_conditioned_ineligible_one_stays_ineligible(pack, items):
    facts = Reader(pack).client(stored.encode(_result(items)), "k", "n")
    by_measure = {f.measure: f for f in facts.facts}
    assert by_measure[items[1]["measure"]].status == "verify" and not by_measure[items[1]["measure"]].counted
    assert by_measure[items[2]["measure"]].status == "ineligible"
    assert by_measure[items[3]["measure"]].undetermined and by_measure[items[3]["measure"]].status == "undetermined"
    assert by_measure[items[4]["measure"]].value is None and by_measure[items[4]["measure"]].counted


def test_a_row_stored_before_totals_has_them_worked_out_from_its_items(pack, items):
    kept = stored.encode(_result(items))
    assert "t" not in kept
    facts = Reader(pack).client(kept, "k", "n")
    assert facts.totals and facts.totals == stored_totals(pack.dated("2026-06-01"), stored.decode(kept)["results"])
    _agrees(pack, Reader(pack), kept, stored.decode(kept))


def test_an_old_uncompressed_row_and_a_missing_result_read_as_before(pack, items):
    old = _result(items, totals={"cash_wan": 30, "tax_saving_wan": 15.0, "financing_wan": 0})
    _agrees(pack, Reader(pack), old, old)
    _agrees(pack, Reader(pack), _result(items), _result(items))  # old and without totals
    missing = Reader(pack).client(None, "k", "n")
    assert missing.facts == [] and missing.money() == money(pack, {})
    _agrees(pack, Reader(pack), {}, {})


def test_an_item_of_a_shape_the_split_does_not_know_is_read_through_its_dict(pack, items):
    odd = {**items[0], "benefit": {"type": "tax_saving", "tax_saving_wan": 3.0, "tiers": [[1, 2], [3, 4]]}}
    kept = stored.encode(_result([odd, *items[1:]]))
    text = stored.body([odd, *items[1:]])
    assert ",".join(ITEM.findall(text)) != text[1:-1]  # the split does not tile this body: the dicts are read
    _agrees(pack, Reader(pack), kept, stored.decode(kept))
    assert Reader(pack).client(kept, "k", "n").facts[0].kind == "tax_saving"


def test_an_item_stored_alike_for_many_clients_is_worked_out_once(pack, items):
    reader = Reader(pack)
    first = reader.client(stored.encode(_result(items)), "a", "A")
    second = reader.client(stored.encode(_result([{**items[0], "amount_wan": 31}, *items[1:]])), "b", "B")
    assert all(x is y for x, y in zip(first.facts[1:], second.facts[1:]))
    assert first.facts[0] is not second.facts[0] and second.facts[0].value == 31
    assert len(reader.table.known) == len(items) + 1


@pytest.mark.parametrize("limit", [1, 2, 10_000])  # the tally counts its kept groupings whenever it holds `limit`
def test_the_summary_of_facts_is_the_summary_of_the_item_dicts(pack, items, limit, monkeypatch):
    monkeypatch.setattr("checker.sheets.verdicts.ALIKE_LIMIT", limit)
    names = titles(pack, "zh")
    results = [_result([{**i, "amount_wan": (i.get("amount_wan") or 0) + n} if n % 2 else i for i in items[n % 3:]],
                       totals={"cash_wan": n, "tax_saving_wan": 15.0, "financing_wan": 0.0}) for n in range(6)]
    reader = Reader(pack)
    fast = summarise_facts([reader.client(stored.encode(r), f"k{n}", "n") for n, r in enumerate(results)], names, pack)
    plain = summarise([ClientVerdicts(f"k{n}", "n", r) for n, r in enumerate(results)], names, pack)
    assert fast == plain
    counts = {m.measure: m.counts for m in fast.measures}
    for item in items:  # the per-measure counts are status_of's over the clients that have the item
        having = [r for r in results if any(i["measure"] == item["measure"] for i in r["results"])]
        assert counts[item["measure"]][status_of(item)] == len(having)
    assert fast.measures[-1].measure == "withdrawn-measure"  # a measure the pack does not have, after the pack's


def test_facts_of_dicts_and_of_stored_text_are_alike(pack, items):
    table = FactsTable(pack)
    reader = Reader(pack)
    from_text = reader.client(stored.encode(_result(items)), "k", "n").facts
    assert [asdict(f) for f in from_text] == [asdict(table.of_item(i)) for i in items]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_matrix_says_of_each_item_what_the_summary_says(pack, items, lang):
    names = titles(pack, lang)
    kept = stored.encode(_result(items))
    fast = next(iter(facts_matrix([Reader(pack).client(kept, "k", "n")], names, lang).rows))
    plain = next(iter(matrix([ClientVerdicts("k", "n", stored.decode(kept))], names, lang, pack).rows))
    assert fast == plain
    cells = dict(zip(names, fast[7:7 + len(names)]))
    for item in items:
        if item["measure"] in names:
            assert cells[item["measure"]] == word(status_of(item), lang), item
    if lang == "zh":  # eligible on a condition still to be met: to verify, as in the summary, not 可申报
        assert cells[items[1]["measure"]] == "可申报（向主管部门核实）"


@pytest.mark.parametrize("limit", [1, 10_000])  # the matrix starts its status runs afresh whenever it holds `limit`
def test_each_matrix_row_says_what_its_own_items_say(pack, items, limit, monkeypatch):
    monkeypatch.setattr("checker.sheets.verdicts.ALIKE_LIMIT", limit)
    names = titles(pack, "zh")
    results = [_result([{**i, "held": True} if n % 3 == 0 and i is items[0] else i for i in items[n % 4:]])
               for n in range(8)]
    reader = Reader(pack)
    rows = list(facts_matrix([reader.client(stored.encode(r), f"k{n}", "n") for n, r in enumerate(results)],
                             names, "zh").rows)
    for row, result in zip(rows, results):
        cells = dict(zip(names, row[7:7 + len(names)]))
        shown = {i["measure"]: word(status_of(i), "zh") for i in result["results"] if i["measure"] in names}
        assert {m: c for m, c in cells.items() if c} == shown


def test_an_item_alike_but_for_its_amounts_gets_its_own_money(pack, items):
    reader, table = Reader(pack), FactsTable(pack)
    reader.client(stored.encode(_result(items)), "a", "A")
    held = {**items[0], "held": {"until": "2027-10-30"}}  # a held the shape cannot hold: read as its dict
    other = [{**items[0], "amount_wan": 0.125}, {**items[8], "tax_saving_wan": 2.5, "amount_wan": 16.0},
             {**items[8], "tax_saving_wan": None}, {**items[4], "amount_wan": 3}, held]
    for _ in range(2):
        facts = reader.client(stored.encode(_result(other)), "b", "B").facts
        assert [asdict(f) for f in facts] == [asdict(table.of_item(i)) for i in other]
    assert [f.value for f in facts[:4]] == [0.125, 2.5, 100.0, 3] and facts[4].held


def test_a_body_is_split_plainly_only_when_no_string_holds_a_bracket(pack, items):
    plain = stored.body([i for i in items if "[" not in str(i.get("condition"))])
    assert split(plain) == ITEM.findall(plain) == PLAIN.findall(plain)
    for condition in ("x],[1,", "a]", "[b", 'quoted \\" ],[ and escaped'):
        text = stored.body([{**items[0], "condition": condition}, *items[2:]])
        assert split(text) == ITEM.findall(text) and ",".join(split(text)) == text[1:-1]
        assert PLAIN.findall(text) != ITEM.findall(text)  # what the plain split would have got wrong


@pytest.mark.parametrize("condition", ["x],[1,", 'say "a],[b"'])
def test_a_bracket_in_a_string_reads_as_its_item_dict(pack, items, condition):
    result = _result([{**items[0], "condition": condition}, *items[2:]])  # items[1]'s quotes are escaped: \\ in the body
    kept = stored.encode(result)
    _agrees(pack, Reader(pack), kept, stored.decode(kept))


KEY = st.one_of(st.sampled_from(KEYS_1), st.text(max_size=8))
VALUE = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=12))


@given(st.dictionaries(KEY, VALUE, max_size=12), st.lists(st.one_of(st.sampled_from(KEYS_1), st.text(max_size=3)),
                                                          max_size=4))
def test_some_answers_read_as_the_same_keys_of_all_of_them(answers, keys):
    keys = tuple(keys)
    whole = decode_answers(encode_answers(answers))
    assert answers_of(encode_answers(answers), keys) == {k: whole[k] for k in keys if k in whole}
    assert answers_of(answers, keys) == {k: answers[k] for k in keys if k in answers}  # stored before the form
    if answers:  # format 1: the flat list as it is
        one = {"answers": 1, "kv": [x for key, value in answers.items() for x in (INDEX.get(key, key), value)]}
        assert answers_of(one, keys) == {k: whole[k] for k in keys if k in whole}
    assert answers_of(None, keys) == {} and answers_of({}, keys) == {}
