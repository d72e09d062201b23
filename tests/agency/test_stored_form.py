"""The compact stored form of client results: the same dicts come back, at a fraction of the bytes."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import random
import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select, text

from checker.agency import stored
from checker.agency.jobs import process_job
from checker.agency.models import ClientResult
from checker.agency.stored_words import WORDS_1
from checker.engine import vector
from checker.intake import read_profile
from tests.agency.test_jobs import queued_job

AS_OF = dt.date(2026, 6, 1)
EXAMPLE = "examples/haidian-software.json"


def results_of(pack, n: int) -> list[dict]:
    """Stored results (answer.stored_item dicts) of n variations of the README's example firm."""
    with open(EXAMPLE, encoding="utf-8") as handle:
        base = json.load(handle)
    rng = random.Random(5)
    profiles = [read_profile(pack, {k: v for k, v in base.items() if k == "entity_type" or rng.random() > 0.2}, AS_OF)
                for _ in range(n)]
    return vector.compact_results(pack, profiles, AS_OF)


def test_every_stored_result_of_the_pack_reads_back_the_same(pack):
    for result in results_of(pack, 40):
        assert stored.decode(stored.encode(result)) == result


def test_the_stored_form_is_a_small_fraction_of_the_item_dicts(pack):
    results = results_of(pack, 40)
    plain = sum(len(json.dumps(r, ensure_ascii=False)) for r in results) / len(results)
    packed = sum(len(json.dumps(stored.encode(r), ensure_ascii=False)) for r in results) / len(results)
    assert packed * 6 < plain  # ~9x on the 2026-12 pack (many measures are notices now, so fewer items)
    assert packed < 1200
    first = sum(len(json.dumps(format_1(stored.encode(r)), ensure_ascii=False)) for r in results) / len(results)
    assert packed < 0.6 * first  # the dictionary: format 2 against the same bodies in format 1


WORD = st.one_of(st.sampled_from(WORDS_1), st.text(min_size=1, max_size=12))
ITEM = st.fixed_dictionaries(
    {"measure": WORD, "status": st.sampled_from(["eligible", "ineligible", "undetermined"]),
     "amount_wan": st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False, width=32)),
     "currency": st.sampled_from(["in_force", "unconfirmed"])},
    optional={"failed": st.lists(WORD, min_size=1, max_size=3), "missing": st.lists(WORD, min_size=1, max_size=3),
              "held": st.fixed_dictionaries({"since": st.just("2024-01-02"), "until": st.just("2027-01-02")}),
              "tax_saving_wan": st.floats(min_value=0.01, max_value=1e6), "applicant": st.sampled_from(["staff", "institution"]),
              "condition": st.just({"until": "2026-12-31"}), "later_key": st.integers()})


@given(st.lists(ITEM, max_size=6), st.one_of(st.none(), st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=2)))
def test_any_item_reads_back_the_same_words_outside_the_list_included(items, extra):
    result = {"rulepack": "abc", "as_of": "2026-06-01", "results": items, **({"extra": extra} if extra else {})}
    assert stored.decode(stored.encode(result)) == result


def test_a_row_stored_before_the_compact_form_still_reads(pack):
    old = {"rulepack": "abc", "as_of": "2026-06-01", "results": [{"measure": "x", "status": "eligible", "amount_wan": 1}]}
    assert stored.decode(old) == old


def format_1(new: dict, window: int = 12) -> dict:
    """A stored form as format 1 wrote it: the same body deflated without a dictionary (a 4 KB window; zlib's 32 KB
    default before that)."""
    deflater = zlib.compressobj(9, zlib.DEFLATED, window, 4)
    body = stored.body_text(new).encode("utf-8")
    return {**new, "stored": 1, "z": base64.b64encode(deflater.compress(body) + deflater.flush()).decode("ascii")}


def test_rows_of_format_1_any_window_still_read(pack):
    """Rows stored before the dictionary (format 1, a 4 KB or zlib's default window) decode as they did."""
    for result in results_of(pack, 10):
        new = stored.encode(result)
        for old in (format_1(new), format_1(new, 15)):
            assert old["z"] != new["z"] and stored.is_stored(old)
            assert stored.decode(old) == stored.decode(new) == result
            assert stored.body_text(old) == stored.body_text(new) and stored.totals_of(old) == stored.totals_of(new)


ROW_1 = {"rulepack": "5cfe5c058145", "as_of": "2026-06-01", "t": [0.0, 14.6775, 0.0], "stored": 1, "z": (  # as stored
    "SMelVdtu2zAM/Rc9y4ZISZa1XwmMwkucQkAqG4kMtBj275OpdF1Wm+nlyYB5SB7x8LLbgRSzkHE+naSSu07uNGKXP+7tv5jjfozH"
    "cH4aDqJgwHfFVgCX1B+PIhs866W01Mos0QH58C2BLAsyep0DZOph3a3ERdwEoCZAyyZG1RFJKYY10GLTd+pAAdjnialPQ0wP/TSd"
    "wr5PYYwP0xAPIT4K8nYb6cl7vTLaf97H8iIgrLu1vMCKeqzVm0JQib3i7aD8GyB3L0BD7/glLiHuB/FDoEJTgaq0EkuEFE7lp7v+"
    "/L1EgZbKYuvWgVRL7bP3/LNP47lK/XM1PA9P0yKAuM3mjBTnYT8+xnBZdKe+fjdP6ApXLIUEo2oPzavRvzYx1l5bS8BCB8DVRl9x"
    "70H+CqqdQSIN2tzSy/0F2lHuHOev8IQ1/HhjGVKrvjaAFr/oZ1g/C4UVz92WcjfN9hZo3P/tHuIlhTSTyLRC1J36SI2Wj2C/lf97"
    "7EsH6RpJidvdBK35iPaer8C1sTy/6IxZVzpPIB+dNETF7x4NBeW2FzEq/iIhPQNhexGJOKbqZUjVcZzjoUTdeBRsS455MxHkzmXx"
    "5T7hB88o/jvzn+4TNPwh7P4AL1mG9g=="
)}


def test_a_row_as_format_1_stored_it_reads_and_stores_again_in_under_half_the_bytes():
    result = stored.decode(ROW_1)
    assert len(result["results"]) == 49 and result["totals"] == {"cash_wan": 0.0, "tax_saving_wan": 14.6775,
                                                                 "financing_wan": 0.0}
    eligible = {i["measure"]: i.get("amount_wan") for i in result["results"] if i["status"] == "eligible"}
    assert eligible["rd-super-deduction"] == 117.43 and eligible["tech-sme"] is None and len(eligible) == 9
    again = stored.encode(result)
    assert again["stored"] == 2 and stored.decode(again) == result
    assert len(again["z"]) * 2 < len(ROW_1["z"])


def test_format_2_deflates_with_the_frozen_dictionary():
    # Rows of format 2 inflate only with these exact bytes: a changed dictionary is a new format.
    assert hashlib.sha256(stored.ZDICT).hexdigest()[:16] == "020087e7a1a8c669" and len(stored.ZDICT) == 3993
    item = {"measure": "bj-hte-support", "status": "ineligible", "amount_wan": None, "currency": "unconfirmed",
            "failed": ["hte"]}
    new = stored.encode({"rulepack": "v", "as_of": "2026-06-01", "results": [item] * 3})
    data = base64.b64decode(new["z"])
    with pytest.raises(zlib.error):  # the dictionary is needed: without it the body does not inflate
        zlib.decompressobj(-stored.WINDOW_BITS).decompress(data)
    with pytest.raises(zlib.error, match="cut short"):  # raw deflate has no checksum: a cut body is still refused
        stored.body_text({**new, "z": base64.b64encode(data[:-2]).decode("ascii")})


def test_the_frozen_word_list_never_changes():
    # Stored rows decode by index: appending or reordering would misread every row already stored.
    assert len(WORDS_1) == 352 and WORDS_1[:3] == ("in_force", "bj-basic-research-deduction", "enterprise")
    assert len(set(WORDS_1)) == len(WORDS_1)


def test_a_job_stores_the_compact_form_and_pages_read_the_dicts(app, users, alice):
    job = queued_job(app, users["a"], 6)
    services = app.extensions["checker"]
    process_job(services.sessions, services.checker, job, size=3)
    with services.sessions() as session:
        raw = [json.loads(r) for r in session.execute(text("SELECT result FROM agency_result")).scalars()]
        read = list(session.scalars(select(ClientResult.result)))
    assert raw and all(r["stored"] == stored.FORMAT and "results" not in r for r in raw)
    assert all(len(r["results"]) == len([m for m in services.pack.measures if not m.intention]) for r in read)
    workbook = alice.get(f"/agency/jobs/{job}/results.csv")
    assert workbook.status_code == 200 and workbook.get_data(as_text=True).count("\n") >= 7


def test_a_shared_decode_reads_the_same_items_each_alike_item_decoded_once(pack):
    results = [stored.encode(r) for r in results_of(pack, 30)]
    shared: dict = {}
    read = [stored.decode(r, shared) for r in results]
    assert read == [stored.decode(r) for r in results]
    firsts = {id(r["results"][0]) for r in read}
    assert len(firsts) < len(read)  # the same first item of many clients is one dict
    assert len(shared) == len({repr(row) for r in read for row in map(stored._row, r["results"])})


def test_a_shared_decode_keeps_apart_items_that_compare_equal():
    one = {"rulepack": "v", "as_of": "2026-06-01", "results": [{"measure": "m", "status": "eligible", "amount_wan": 1}]}
    other = {**one, "results": [{"measure": "m", "status": "eligible", "amount_wan": 1.0}]}
    shared: dict = {}
    amounts = [stored.decode(stored.encode(r), shared)["results"][0]["amount_wan"] for r in (one, other)]
    assert [type(a) for a in amounts] == [int, float]
