"""Batch jobs: progress, cancelling, and resuming after a restart without losing or duplicating rows."""

from __future__ import annotations

import datetime as dt
import json
import threading

import pytest
from sqlalchemy import func, select

from checker.accounts.models import User
from checker.agency import jobs
from checker.agency.jobs import create_job, process_job, recount
from checker.agency.models import Client, ClientResult, Job, JobRow
from checker.batch import Row
from checker.jobs.runners import ThreadRunner
from tests.agency.conftest import add_user, make_app, shut, sign_in
from tests.agency.util import GOOD, csv_bytes, job_id_of, upload

AS_OF = dt.date(2026, 6, 1)


def queued_job(app, user_id: int, n: int, bad: tuple[int, ...] = ()) -> int:
    """A job of n rows stored but not started; rows in bad have an invalid answer (checked as unknown, with a problem)."""
    rows = [Row(i, {**GOOD, "id": f"c{i}", "rd_expense_wan": "x" if i in bad else 100 + i}) for i in range(1, n + 1)]
    services = app.extensions["checker"]
    with services.sessions() as session:
        job = create_job(session, session.get(User, user_id), "queued.csv", rows, AS_OF, "zh", services.pack.version)
        session.commit()
        return job.id


def after(chunks: int):
    """A stop signal that fires after the given number of checks."""
    calls = iter(range(chunks + 1))
    return lambda: next(calls, chunks) >= chunks


def test_progress_of_a_half_done_job(app, users, alice):
    job = queued_job(app, users["a"], 10, bad=(2,))
    services = app.extensions["checker"]
    process_job(services.sessions, services.checker, job, size=4, stop=after(1))
    progress = alice.get(f"/agency/jobs/{job}/progress").json
    assert progress | {"status": "running", "total": 10, "done": 4, "errors": 0, "checked": 4, "percent": 40.0} == progress
    page = alice.get(f"/agency/jobs/{job}").get_data(as_text=True)
    assert '<progress id="job-bar" max="10" value="4">' in page
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in page
    assert 'src="/static/progress.js"' in page and "<script>" not in page and 'data-progress-url="/agency/jobs/' in page
    assert 'id="cancel"' in page and 'id="summary"' not in page


def test_cancel_stops_a_job_and_keeps_its_rows(app, users, alice):
    job = queued_job(app, users["a"], 6)
    services = app.extensions["checker"]
    process_job(services.sessions, services.checker, job, size=2, stop=after(1))
    assert alice.post(f"/agency/jobs/{job}/cancel").status_code == 302
    process_job(services.sessions, services.checker, job, size=2)
    with services.sessions() as session:
        assert session.get(Job, job).status == "cancelled"
        assert recount(session, job) == {"done": 2, "pending": 4}
    page = alice.get(f"/agency/jobs/{job}").get_data(as_text=True)
    assert "已取消" in page and 'id="cancel"' not in page and "http-equiv" not in page
    assert alice.post(f"/agency/jobs/{job}/cancel").status_code == 302
    assert alice.get(f"/agency/jobs/{job}/progress").json["status"] == "cancelled"


def crash_on(monkeypatch, row: str) -> None:
    """Die while checking the chunk holding one row, as a server killed mid-chunk would (read in bulk, or row by row)."""
    real, real_bulk = jobs.compact_results, jobs.bulk.check_chunk

    def crashing(pack, profiles, as_of):
        if any(p.get("rd_expense_wan") == 100 + int(row[1:]) for p in profiles):
            raise SystemExit("killed")
        return real(pack, profiles, as_of)

    def crashing_bulk(pack, rows, as_of):
        crashing(pack, [r.raw for r in rows], as_of)
        return real_bulk(pack, rows, as_of)

    monkeypatch.setattr(jobs, "compact_results", crashing)
    monkeypatch.setattr(jobs.bulk, "check_chunk", crashing_bulk)


def test_a_restarted_server_resumes_without_losing_or_duplicating_rows(tmp_path, monkeypatch):
    first = make_app(tmp_path)
    user = add_user(first, "a@example.com", "A")
    job = queued_job(first, user, 10, bad=(3,))
    services = first.extensions["checker"]
    process_job(services.sessions, services.checker, job, size=4, stop=after(1))
    crash_on(monkeypatch, "c7")
    with pytest.raises(SystemExit):
        process_job(services.sessions, services.checker, job, size=4)
    monkeypatch.undo()
    with services.sessions() as session:
        assert session.get(Job, job).status == "running"
        assert recount(session, job) == {"done": 4, "pending": 6}  # a bad cell no longer rejects its row
    shut(first)

    second = make_app(tmp_path, AGENCY_RUNNER="thread", AGENCY_BACKGROUND=True)
    try:
        assert second.extensions["agency"].runner.idle(timeout=20)
        with second.extensions["checker"].sessions() as session:
            found = session.get(Job, job)
            assert (found.status, found.done, found.errors, found.total) == ("done", 10, 0, 10)
            assert recount(session, job) == {"done": 10}
            numbers = list(session.scalars(select(ClientResult.row_number).where(ClientResult.job_id == job)
                                           .order_by(ClientResult.row_number)))
            assert numbers == list(range(1, 11))
            assert session.scalars(select(JobRow.problems).where(JobRow.number == 3)).one()[0]["field"] == "rd_expense_wan"
            assert len(session.scalars(select(Client)).all()) == 10
    finally:
        shut(second)


def test_the_thread_runner_checks_an_upload_in_the_background(tmp_path):
    application = make_app(tmp_path, AGENCY_RUNNER="thread", AGENCY_CHUNK=7)
    try:
        add_user(application, "a@example.com", "A")
        client = application.test_client()
        sign_in(client, "a@example.com")
        rows = [{**GOOD, "id": f"c{i}"} for i in range(50)]
        job = job_id_of(upload(client, "bg.csv", csv_bytes(rows)))
        assert application.extensions["agency"].runner.idle(timeout=20)
        assert client.get(f"/agency/jobs/{job}/progress").json | {"status": "done", "checked": 50} == \
            client.get(f"/agency/jobs/{job}/progress").json
    finally:
        shut(application)


def test_thread_runner_runs_a_job_once_and_survives_failures():
    seen: list[int] = []
    gate = threading.Event()

    def work(job_id: int, stop) -> None:
        gate.wait(5)
        seen.append(job_id)
        if job_id == 2:
            raise RuntimeError("bad job")

    runner = ThreadRunner(work)
    for job_id in (1, 1, 2, 3, 3):
        runner.submit(job_id)
    gate.set()
    assert runner.idle(timeout=5)
    runner.stop()
    assert seen == [1, 2, 3]


def test_two_jobs_adding_the_same_new_client_both_finish(app, users, monkeypatch):
    import checker.agency.jobs as jobs

    first, second = queued_job(app, users["a"], 1), queued_job(app, users["a"], 1)
    services = app.extensions["checker"]
    process_job(services.sessions, services.checker, first)
    real, calls = jobs._clients, []

    def stale_once(*args):  # the second job read the clients before the first one committed
        calls.append(1)
        return {} if len(calls) == 1 else real(*args)

    monkeypatch.setattr(jobs, "_clients", stale_once)
    process_job(services.sessions, services.checker, second)
    with services.sessions() as session:
        assert [session.get(Job, i).status for i in (first, second)] == ["done", "done"]
        assert len(session.scalars(select(Client)).all()) == 1
        assert len(session.scalars(select(ClientResult)).all()) == 2


def test_two_workers_on_one_job_store_each_row_once(app, users, monkeypatch):
    import checker.agency.jobs as jobs

    job = queued_job(app, users["a"], 6, bad=(2,))
    services = app.extensions["checker"]
    real, raced = jobs._verdicts, []

    def racing(checker, found, rows):  # while this worker checks its chunk, another one runs the whole job
        if not raced:
            raced.append(1)
            process_job(services.sessions, services.checker, job)
        return real(checker, found, rows)

    monkeypatch.setattr(jobs, "_verdicts", racing)
    process_job(services.sessions, services.checker, job, size=10)
    with services.sessions() as session:
        found = session.get(Job, job)
        assert (found.status, found.done, found.errors) == ("done", 6, 0)
        assert recount(session, job) == {"done": 6}
        numbers = list(session.scalars(select(ClientResult.row_number).where(ClientResult.job_id == job)))
        assert sorted(numbers) == [1, 2, 3, 4, 5, 6]


def test_a_chunk_whose_vectorised_verdicts_disagree_with_the_engine_is_never_stored(tmp_path, monkeypatch):
    from checker.engine import EngineMismatch

    app = make_app(tmp_path)
    user = add_user(app, "v@example.com", "V")
    job = queued_job(app, user, 4)
    real = jobs.compact_results

    def wrong(pack, profiles, as_of):
        results = real(pack, profiles, as_of)
        first = results[0]["results"][0]
        first["status"] = "eligible" if first["status"] != "eligible" else "ineligible"
        return results

    monkeypatch.setattr(jobs, "compact_results", wrong)
    monkeypatch.setattr(jobs.bulk, "check_chunk", lambda pack, rows, as_of: None)  # the row-by-row reading's check
    services = app.extensions["checker"]
    with pytest.raises(EngineMismatch):
        process_job(services.sessions, services.checker, job, size=4)
    with services.sessions() as session:
        assert recount(session, job) == {"pending": 4}
        assert not list(session.scalars(select(ClientResult.id).where(ClientResult.job_id == job)))
    shut(app)


def test_a_chunk_writes_its_rows_in_a_few_statements_whatever_its_size(app, users):
    """Rows, clients and results go in a handful of (executemany) statements, not one UPDATE per row and client."""
    from sqlalchemy import event

    job = queued_job(app, users["a"], 60, bad=(3,))
    services = app.extensions["checker"]
    statements: list[str] = []
    engine = services.sessions.kw["bind"]
    listener = lambda *args: statements.append(args[2])  # noqa: E731 - (conn, cursor, statement, ...)
    event.listen(engine, "before_cursor_execute", listener)
    try:
        process_job(services.sessions, services.checker, job, size=60, stop=after(1))
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    writes = [s for s in statements if s.lstrip().upper().startswith(("UPDATE", "INSERT"))]
    assert len(writes) <= 8, writes
    with services.sessions() as session:
        assert recount(session, job) == {"done": 60}
        rows = session.scalars(select(JobRow).where(JobRow.job_id == job).order_by(JobRow.number)).all()
        assert all(r.client_id is not None for r in rows) and rows[2].problems and not rows[0].problems
        clients = {c.key: c for c in session.scalars(select(Client))}
        assert clients["c3"].answers["rd_expense_wan"] == "x" and clients["c60"].name == "c60"
        assert session.scalar(select(func.count()).select_from(ClientResult).where(ClientResult.job_id == job)) == 60


@pytest.mark.parametrize("rulepack", ["same", "other"])
def test_a_job_cancelled_between_its_claim_and_its_start_stays_cancelled(app, users, rulepack):
    """A worker read the job queued; the agency cancels it before the worker's start commits: nothing is undone."""
    job = queued_job(app, users["a"], 3)
    services = app.extensions["checker"]
    version = services.pack.version if rulepack == "same" else "another-pack"
    with services.sessions() as worker:
        held = worker.get(Job, job)  # claimed: the worker holds the job as it read it
        assert held.status == "queued"
        with services.sessions() as agency:
            assert jobs.cancel_job(agency, agency.get(Job, job))
            agency.commit()
        assert jobs._start(worker, job, version) is False
        del held
    process_job(services.sessions, services.checker, job)
    with services.sessions() as session:
        found = session.get(Job, job)
        assert (found.status, found.message, found.done) == ("cancelled", "cancelled by user", 0)
        assert recount(session, job) == {"pending": 3}


def test_a_queued_job_still_starts(app, users):
    job = queued_job(app, users["a"], 2)
    services = app.extensions["checker"]
    with services.sessions() as session:
        assert jobs._start(session, job, services.pack.version) is True
        assert session.get(Job, job).status == "running"


def test_a_finished_job_keeps_the_answers_of_rows_with_problems_and_forgets_the_ones_its_clients_hold(app, users):
    """Clean rows' answers are stored once (in the client); a row with a bad cell keeps its text to be corrected, and
    a row whose client was given other answers (named again later) keeps its own."""
    rows = [Row(1, {**GOOD, "id": "c1", "rd_expense_wan": "x"}), Row(2, {**GOOD, "id": "c2", "rd_expense_wan": 120}),
            Row(3, {**GOOD, "id": "c3", "rd_expense_wan": 130}), Row(4, {**GOOD, "id": "c2", "rd_expense_wan": 140})]
    services = app.extensions["checker"]
    with services.sessions() as session:
        job = create_job(session, session.get(User, users["a"]), "twice.csv", rows, AS_OF, "zh", services.pack.version).id
        session.commit()
    process_job(services.sessions, services.checker, job, size=2)
    with services.sessions() as session:
        assert session.get(Job, job).status == "done"
        raw = dict(session.execute(select(JobRow.number, JobRow.raw).where(JobRow.job_id == job)).all())
        clients = {c.key: c.answers for c in session.scalars(select(Client))}
        answers = jobs.row_answers(session, job)
    assert raw[1]["rd_expense_wan"] == "x" and raw[2]["rd_expense_wan"] == 120
    assert raw[3] == {} and raw[4] == {}
    assert clients["c3"]["rd_expense_wan"] == 130 and clients["c2"]["rd_expense_wan"] == 140
    assert [answers[n]["rd_expense_wan"] for n in (1, 2, 3, 4)] == ["x", 120, 130, 140]  # nothing is lost


def test_forgetting_answers_of_an_unfinished_job_waits_for_its_end(app, users):
    job = queued_job(app, users["a"], 4)
    services = app.extensions["checker"]
    process_job(services.sessions, services.checker, job, size=2, stop=after(1))
    with services.sessions() as session:
        assert all(r for r in session.scalars(select(JobRow.raw).where(JobRow.job_id == job)))


def test_a_chunk_serialises_and_deflates_before_it_takes_the_write_lock(app, users, monkeypatch):
    """No JSON text is written and nothing deflated between a chunk's claim (its first write) and its commit: SQLite has
    one write lock for every page, so the chunk holds it only for its statements."""
    from sqlalchemy import event

    from checker.agency import stored, stored_answers

    job = queued_job(app, users["a"], 30, bad=(3,))
    services = app.extensions["checker"]
    inside, work = [False], []
    claim, dumps, deflate = jobs._claim, json.dumps, stored.deflate
    monkeypatch.setattr(jobs, "_claim", lambda *a: (inside.__setitem__(0, True), claim(*a))[1])
    for module, name, real in ((json, "dumps", dumps), (stored, "deflate", deflate), (stored_answers, "deflate", deflate)):
        monkeypatch.setattr(module, name, lambda *a, _real=real, _name=name, **k: (
            work.append(_name) if inside[0] else None, _real(*a, **k))[1])
    engine = services.sessions.kw["bind"]
    done = lambda *args: inside.__setitem__(0, False)  # noqa: E731
    event.listen(engine, "commit", done)
    try:
        process_job(services.sessions, services.checker, job, size=10, stop=after(3))
    finally:
        event.remove(engine, "commit", done)
    assert work == []
    with services.sessions() as session:
        assert recount(session, job) == {"done": 30}
        clients = {c.key: c for c in session.scalars(select(Client))}
        assert clients["c3"].answers["rd_expense_wan"] == "x" and clients["c30"].answers["id"] == "c30"
        assert all(r.result["results"] for r in session.scalars(select(ClientResult).where(ClientResult.job_id == job)))
