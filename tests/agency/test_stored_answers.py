"""The compact stored form of a client's answers: read back exactly, smaller, old rows kept readable."""

from __future__ import annotations

import hashlib
import json

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select, text

from checker.agency.jobs import process_job
from checker.agency.models import Client
from checker.agency.portfolio import Portfolio
from checker.agency.stored_answers import FORMAT, KEYS_1, decode_answers, encode_answers
from tests.agency.test_jobs import queued_job
from tests.agency.util import GOOD

KEY = st.one_of(st.sampled_from(KEYS_1), st.text(max_size=8))
VALUE = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=12))


@given(st.dictionaries(KEY, VALUE, max_size=12))
def test_any_answers_read_back_the_same_in_their_order(answers):
    back = decode_answers(json.loads(json.dumps(encode_answers(answers))))
    assert back == answers and list(back) == list(answers)


def test_digit_keys_and_list_indices_stay_apart():
    answers = {"3": "text key", KEYS_1[3]: "listed key", "联系人": "张三"}
    assert encode_answers(answers)["kv"] == ["3", "text key", 3, "listed key", "联系人", "张三"]
    assert decode_answers(encode_answers(answers)) == answers


def test_answers_stored_before_the_compact_form_still_read():
    old = {"entity_type": "enterprise", "employees": "30"}
    assert decode_answers(old) == old and decode_answers({}) == {} and encode_answers({}) == {}
    for odd in (["not", "a", "dict"], "text", None):  # kept as they were written, for their readers to refuse
        assert encode_answers(odd) == odd and decode_answers(odd) == odd


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
    assert all(stored["answers"] == FORMAT and isinstance(stored["kv"], list) for stored in raw.values())
    assert orm["c2"] == plain["c2"] == {**GOOD, "id": "c2", "rd_expense_wan": 102}
    assert all(len(json.dumps(raw[k], ensure_ascii=False)) < 0.8 * len(json.dumps(orm[k], ensure_ascii=False)) for k in raw)
