"""The compact stored form of a client's answers: read back exactly, smaller, old rows kept readable."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select, text

from checker.agency.jobs import process_job
from checker.agency.models import Client
from checker.agency.portfolio import Portfolio
from checker.agency.stored_answers import FORMAT, KEYS_1, ZDICT, decode_answers, encode_answers, flat_list
from tests.agency.test_jobs import queued_job
from tests.agency.util import GOOD

EXAMPLE = "examples/haidian-software.json"

KEY = st.one_of(st.sampled_from(KEYS_1), st.text(max_size=8))
VALUE = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=12))


@given(st.dictionaries(KEY, VALUE, max_size=12))
def test_any_answers_read_back_the_same_in_their_order(answers):
    back = decode_answers(json.loads(json.dumps(encode_answers(answers))))
    assert back == answers and list(back) == list(answers)


def test_digit_keys_and_list_indices_stay_apart():
    answers = {"3": "text key", KEYS_1[3]: "listed key", "联系人": "张三"}
    assert flat_list(encode_answers(answers)) == ["3", "text key", 3, "listed key", "联系人", "张三"]
    assert decode_answers(encode_answers(answers)) == answers


def test_answers_stored_before_the_compact_form_still_read():
    old = {"entity_type": "enterprise", "employees": "30"}
    assert decode_answers(old) == old and decode_answers({}) == {} and encode_answers({}) == {}
    for odd in (["not", "a", "dict"], "text", None):  # kept as they were written, for their readers to refuse
        assert encode_answers(odd) == odd and decode_answers(odd) == odd


def test_answers_stored_in_format_1_still_read():
    old = {"answers": 1, "kv": [0, "c1", "联系人", "张三", 13, "30", "3", None]}  # as format 1 stored them
    assert decode_answers(old) == {"id": "c1", "联系人": "张三", "employees": "30", "3": None}
    assert flat_list(old) == old["kv"] and decode_answers(encode_answers(decode_answers(old))) == decode_answers(old)


def test_a_lone_surrogate_of_a_json_upload_is_stored_and_read_back():
    answers = {"name": "\ud800 odd", "id": "c\udfff"}
    assert decode_answers(json.loads(json.dumps(encode_answers(answers)))) == answers


def test_format_2_is_under_half_of_format_1_on_the_example_firm():
    answers = {"id": "client-1", **{k: str(v) for k, v in json.loads(Path(EXAMPLE).read_text(encoding="utf-8")).items()}}
    first = {"answers": 1, "kv": [part for key, value in answers.items() for part in (KEYS_1.index(key), value)]}
    assert decode_answers(first) == answers == decode_answers(encode_answers(answers))
    assert len(json.dumps(encode_answers(answers))) * 2 < len(json.dumps(first, ensure_ascii=False))


def test_format_2_deflates_with_the_frozen_dictionary():
    # Answers of format 2 inflate only with these exact bytes: a changed dictionary is a new format.
    assert hashlib.sha256(ZDICT).hexdigest()[:16] == "ba11b7ce8fe41a71" and len(ZDICT) == 3961


def test_the_frozen_key_list_never_changes():
    # Stored answers decode by index: appending or reordering would misread every client already stored.
    assert len(KEYS_1) == 115 and len(set(KEYS_1)) == 115 and KEYS_1[:4] == ("id", "ip_pledge_loan_wan",
                                                                          "ip_pledge_loan_rate_pct", "name")
    assert hashlib.sha256(repr(KEYS_1).encode()).hexdigest()[:12] == "859bd092d1ac"


def test_a_job_stores_clients_answers_compact_and_every_reader_gets_the_dict(app, users):
    job = queued_job(app, users["a"], 5)
    services = app.extensions["checker"]
    process_job(services.sessions, services.checker, job, size=2)
    with services.sessions() as session:
        raw = {key: json.loads(answers) for key, answers in session.execute(text("SELECT key, answers FROM agency_client"))}
        orm = {c.key: c.answers for c in session.scalars(select(Client))}
        agency = session.scalar(select(Client.agency_id))
        plain = {client.key: client.answers for client, _ in Portfolio(session, agency).latest_read()}
    assert set(raw) == {f"c{i}" for i in range(1, 6)}
    assert all(stored["answers"] == FORMAT == 2 and isinstance(stored["z"], str) for stored in raw.values())
    assert orm["c2"] == plain["c2"] == {**GOOD, "id": "c2", "rd_expense_wan": 102}
    assert all(len(json.dumps(raw[k], ensure_ascii=False)) < 0.8 * len(json.dumps(orm[k], ensure_ascii=False)) for k in raw)
