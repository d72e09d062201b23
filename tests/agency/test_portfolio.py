"""Portfolios: clients are kept, and a recheck against a changed rule pack reports what moved."""

from __future__ import annotations

import shutil
from contextlib import nullcontext
from pathlib import Path

from sqlalchemy import func, select

from checker.agency import portfolio_summary
from checker.agency.models import Client, ClientResult
from checker.agency.recheck import run_recheck, start_recheck
from checker.agency.recheck_models import Recheck, RecheckChange
from checker.agency.work import recheck_work
from checker.engine import Checker
from checker.engine.answer import change_kind as kind_of
from checker.rules.loader import load_pack
from tests.agency.conftest import add_user, make_app, shut, sign_in
from tests.agency.util import GOOD, job_id_of, jsonl_bytes, upload
from tests.web.util import MINI_RULES

CLIENTS = [
    {**GOOD, "id": "low", "rd_expense_wan": 120},
    {**GOOD, "id": "cert40", "rd_expense_wan": 40, "has_cert": True},
    {**GOOD, "id": "nocert40", "rd_expense_wan": 40},
    {**GOOD, "id": "high", "rd_expense_wan": 300, "has_cert": True},
]


def _assumed(figure: int) -> str:
    """An assumption line for a changed threshold (lint refuses a figure no quote or assumption states)."""
    return f"\n    assumption: {{zh: 拟调整为{figure}万元, en: Proposed {figure}}}"


def changed_pack(tmp_path: Path) -> Path:
    """A copy of the mini pack with grant-a's R&D threshold raised to 250 and relief-b's lowered to 30."""
    rules = tmp_path / "changed" / "rules"
    shutil.copytree(MINI_RULES, rules)
    for name, old, new in (("grant-a", 'test: "rd_expense_wan >= 100"', 'test: "rd_expense_wan >= 250"' + _assumed(250)),
                           ("relief-b", 'test: "rd_expense_wan >= 50"', 'test: "rd_expense_wan >= 30"' + _assumed(30))):
        path = rules / "measures" / "demo" / f"{name}.yaml"
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new), encoding="utf-8")
    return rules


def _changes(app, recheck_id: int) -> set[tuple[str, str, str | None, str, str]]:
    with app.extensions["checker"].sessions() as session:
        rows = session.execute(select(Client.key, RecheckChange.measure, RecheckChange.before, RecheckChange.after,
                                      RecheckChange.kind).join(Client, Client.id == RecheckChange.client_id)
                               .where(RecheckChange.recheck_id == recheck_id))
        return {tuple(r) for r in rows}


def _recheck(app, agency: int, checker, size: int = 500, stop=lambda: False) -> int:
    sessions = app.extensions["checker"].sessions
    with sessions() as session:
        recheck_id = start_recheck(session, agency, checker.pack.version).id
        session.commit()
    run_recheck(sessions, checker, recheck_id, size, stop)
    return recheck_id


EXPECTED = {("low", "grant-a", "eligible", "ineligible", "no_longer_eligible"),
            ("cert40", "relief-b", "ineligible", "eligible", "newly_eligible"),
            ("nocert40", "relief-b", "ineligible", "undetermined", "newly_undetermined")}


def test_kinds_of_change():
    assert kind_of("ineligible", "eligible") == "newly_eligible"
    assert kind_of("undetermined", "eligible") == "newly_eligible"
    assert kind_of("eligible", "undetermined") == "no_longer_eligible"
    assert kind_of("ineligible", "undetermined") == "newly_undetermined"
    assert kind_of("undetermined", "ineligible") == "newly_ineligible"
    assert kind_of("eligible", "eligible") is None


def test_recheck_against_a_changed_pack(tmp_path, app, users, alice):
    job_id_of(upload(alice, "clients.jsonl", jsonl_bytes(CLIENTS)))
    pack = load_pack(changed_pack(tmp_path))
    with app.extensions["checker"].sessions() as session:
        agency = session.scalar(select(Client.agency_id))
    same = _recheck(app, agency, app.extensions["checker"].checker)
    assert _changes(app, same) == set()
    changed = _recheck(app, agency, Checker(pack, "reference"))
    assert _changes(app, changed) == EXPECTED
    with app.extensions["checker"].sessions() as session:
        found = session.get(Recheck, changed)
        assert (found.status, found.done, found.total, found.changed, found.newly_eligible, found.no_longer_eligible) == (
            "done", 4, 4, 3, 1, 1)
        assert found.rulepack == pack.version and found.finished_at is not None
        versions = set(session.scalars(select(ClientResult.rulepack)))
        assert versions == {app.extensions["checker"].pack.version, pack.version}
        assert session.scalar(select(func.count()).select_from(ClientResult)) == 12
    assert _changes(app, _recheck(app, agency, Checker(pack, "reference"))) == set()


def test_a_recheck_runs_in_chunks_and_resumes_where_it_stopped(tmp_path, app, users, alice):
    job_id_of(upload(alice, "clients.jsonl", jsonl_bytes(CLIENTS)))
    pack = load_pack(changed_pack(tmp_path))
    calls = iter(range(10))
    stopped = _recheck(app, 1, Checker(pack, "reference"), size=3, stop=lambda: next(calls) >= 1)
    sessions = app.extensions["checker"].sessions
    with sessions() as session:
        found = session.get(Recheck, stopped)
        assert (found.status, found.done, found.total) == ("running", 3, 4)  # one chunk of 3 committed
        assert start_recheck(session, 1, pack.version).id == stopped  # an open recheck is not started twice
    run_recheck(sessions, Checker(pack, "reference"), stopped, 3)
    with sessions() as session:
        assert (session.get(Recheck, stopped).status, session.get(Recheck, stopped).done) == ("done", 4)
        assert session.scalar(select(func.count()).select_from(ClientResult)) == 8  # each client once more
    assert _changes(app, stopped) == EXPECTED


def test_a_rechecks_work_yields_its_turn_then_keeps_the_summary_of_the_pack_it_ran_on(tmp_path, app, users, alice,
                                                                                    monkeypatch):
    job_id_of(upload(alice, "clients.jsonl", jsonl_bytes(CLIENTS)))
    pack = load_pack(changed_pack(tmp_path))
    assert pack.version != app.extensions["checker"].pack.version
    warmed: list[tuple[str, dict]] = []
    monkeypatch.setattr(portfolio_summary, "warm", lambda sessions, pack, **owner: warmed.append((pack.version, owner)))
    sessions = app.extensions["checker"].sessions
    with sessions() as session:
        recheck_id = start_recheck(session, 1, pack.version).id
        session.commit()
    work = recheck_work(sessions, lambda: nullcontext(Checker(pack, "reference")), None)
    calls = iter(range(10))
    assert work(recheck_id, lambda: next(calls) >= 1) is False  # its turn ended with work left: queued again
    assert warmed == []
    assert work(recheck_id, lambda: False) is True
    assert warmed == [(pack.version, {"recheck_id": recheck_id})]
    with sessions() as session:
        assert session.get(Recheck, recheck_id).status == "done"


def test_recheck_in_the_web_app_after_a_rule_change(tmp_path):
    first = make_app(tmp_path)
    add_user(first, "a@example.com", "A")
    add_user(first, "b@example.com", "B")
    client = first.test_client()
    sign_in(client, "a@example.com")
    job_id_of(upload(client, "clients.jsonl", jsonl_bytes(CLIENTS)))
    assert 'id="rules-banner"' not in client.get("/agency/").get_data(as_text=True)
    shut(first)

    second = make_app(tmp_path, CHECKER_RULES=str(changed_pack(tmp_path)))
    try:
        with second.extensions["checker"].sessions() as session:  # the server saw new rules: portfolios re-checked
            found = session.scalars(select(Recheck)).one()
            assert (found.reason, found.status, found.done, found.agency_id) == ("publish", "done", 4, 1)
        client = second.test_client()
        sign_in(client, "a@example.com")
        # The agency sees a banner on every page, linking the kept change report.
        page = client.get("/agency/?lang=en").get_data(as_text=True)
        assert 'id="rules-banner"' in page and "1 newly eligible, 1 no longer eligible." in page
        reports = client.get("/agency/rechecks").get_data(as_text=True)
        assert reports.count('<td><a href="/agency/rechecks/') == 1 and "4/4" in reports
        recheck_url = "/agency/rechecks/1"
        assert f'href="{recheck_url}"' in reports
        page = client.get(recheck_url).get_data(as_text=True)
        assert '<strong id="rechecked">4</strong>' in page and "re-checked after a rule publication" in page
        assert "Newly eligible (1)" in page and "No longer eligible (1)" in page and "cert40" in page
        lost = client.get(recheck_url + "?kind=no_longer_eligible").get_data(as_text=True)
        assert ">low</a>" in lost and "cert40" not in lost
        manual = client.post("/agency/portfolio/recheck")
        assert manual.status_code == 302 and manual.headers["Location"].startswith("/agency/rechecks/2")
        assert client.get("/agency/rechecks/2").get_data(as_text=True).count("(0)") == 4
        other = second.test_client()
        sign_in(other, "b@example.com")
        assert other.get(recheck_url).status_code == 404
        assert 'id="rules-banner"' not in other.get("/agency/").get_data(as_text=True)  # B had no clients
        client_id = int(page.split('href="/agency/clients/')[1].split('"')[0])
        history = client.get(f"/agency/clients/{client_id}").get_data(as_text=True)
        assert history.count("<h3>") == 3
        assert other.get(f"/agency/clients/{client_id}").status_code == 404
    finally:
        shut(second)


def test_a_client_uploaded_twice_is_one_client_with_two_results(app, alice):
    job_id_of(upload(alice, "a.jsonl", jsonl_bytes(CLIENTS[:1])))
    job_id_of(upload(alice, "b.jsonl", jsonl_bytes([{**CLIENTS[0], "rd_expense_wan": 90}])))
    with app.extensions["checker"].sessions() as session:
        found = session.scalars(select(Client)).one()
        assert found.answers["rd_expense_wan"] == 90
        assert session.scalar(select(func.count()).select_from(ClientResult)) == 2


def test_recheck_the_example_company_after_editing_the_project_pack(tmp_path, pack):
    import datetime as dt

    from checker.accounts.users import create_user
    from checker.agency.jobs import create_job, process_job
    from checker.batch import Row
    from checker.config import PROJECT_ROOT, rules_dir
    from checker.db import make_engine, make_sessions, upgrade
    from tests.web.util import example_profile

    copy = tmp_path / "project"
    shutil.copytree(rules_dir(), copy / "rules")
    shutil.copytree(PROJECT_ROOT / "seeds", copy / "seeds")
    hte = copy / "rules" / "measures" / "national" / "hte-recognition.yaml"
    text = hte.read_text(encoding="utf-8")
    assert 'test: "tech_staff_ratio >= 10%"' in text
    hte.write_text(text.replace('test: "tech_staff_ratio >= 10%"', 'test: "tech_staff_ratio >= 50%"'), encoding="utf-8")
    changed = load_pack(copy / "rules")
    assert changed.version != pack.version

    engine = make_engine(f"sqlite:///{tmp_path / 'p.sqlite'}")
    upgrade(engine)
    sessions = make_sessions(engine)
    rows = [Row(1, {"id": "example", **example_profile()}), Row(2, {"id": "big-team", **example_profile(), "tech_staff": 70})]
    with sessions() as session:
        user = create_user(session, "a@example.com", "long enough password", "A")
        job = create_job(session, user, "example.csv", rows, dt.date(2026, 6, 1))
        session.commit()
        job_id, agency = job.id, user.agency_id
    process_job(sessions, Checker(pack, "reference"), job_id)
    with sessions() as session:
        recheck_id = start_recheck(session, agency, changed.version).id
        session.commit()
    run_recheck(sessions, Checker(changed, "reference"), recheck_id)
    with sessions() as session:
        assert session.get(Recheck, recheck_id).done == 2
        moved = session.execute(select(RecheckChange.measure, RecheckChange.before, RecheckChange.after)).all()
    assert [tuple(m) for m in moved] == [("hte-recognition", "eligible", "ineligible")]
    engine.dispose()


def test_a_recheck_chunk_serialises_its_results_before_it_takes_the_write_lock(tmp_path, app, users, alice, monkeypatch):
    """No result is turned into JSON or deflated between a recheck chunk's first write and its commit: SQLite has one
    write lock for every page, so the chunk holds it only for its statements (as an agency job's chunk does)."""
    import json

    from sqlalchemy import event

    from checker.agency import stored

    job_id_of(upload(alice, "clients.jsonl", jsonl_bytes(CLIENTS)))
    pack = load_pack(changed_pack(tmp_path))
    engine = app.extensions["checker"].sessions.kw["bind"]
    inside, work = [False], []

    def writes(conn, cursor, statement, *args):  # noqa: ANN001
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            inside[0] = True

    for module, name in ((json, "dumps"), (stored, "deflate")):
        real = getattr(module, name)
        monkeypatch.setattr(module, name, lambda *a, _real=real, _name=name, **k: (
            work.append(_name) if inside[0] else None, _real(*a, **k))[1])
    done = lambda *args: inside.__setitem__(0, False)  # noqa: E731
    event.listen(engine, "before_cursor_execute", writes)
    event.listen(engine, "commit", done)
    with app.extensions["checker"].sessions() as session:
        agency = session.scalar(select(Client.agency_id))
        recheck_id = start_recheck(session, agency, pack.version).id
        session.commit()
    try:
        run_recheck(app.extensions["checker"].sessions, Checker(pack, "reference"), recheck_id, 3)
    finally:
        event.remove(engine, "before_cursor_execute", writes)
        event.remove(engine, "commit", done)
    assert work == []
    assert _changes(app, recheck_id) == EXPECTED  # the results stored the same
