"""The impact preview as a background job: the same counts as the in-request walk over every stored profile,
progress per chunk, resumed after a restart, malformed profiles counted, finished reports reused."""

from __future__ import annotations

import datetime as dt
import itertools

from sqlalchemy import insert, select

from checker.accounts.users import get_agency
from checker.agency.models import Client
from checker.company.models import Assessment
from checker.engine import BATCH_BACKEND, Checker
from checker.staff import drafts
from checker.staff.impact_job import compare, narrow, packs, pair_of, run_impact, start_impact
from checker.staff.impact_models import ImpactJob
from tests.accounts import shut
from tests.staff import impact_oracle as impact
from tests.staff.conftest import make_app
from tests.staff.util import BORDERLINE, MEASURE, raise_threshold

AS_OF = dt.date(2026, 6, 1)


def _draft_files(app) -> dict[str, str]:
    """The R&D-ratio threshold raised to 4% (texts of the changed file only)."""
    files = app.extensions["staff"].current().files
    path = drafts.measure_path(files, MEASURE)
    return {path: raise_threshold(files[path])}


def _profile(i: int) -> dict:
    """A spread of profiles: eligible at 3% and not at 4%, eligible at both, at neither, with open questions."""
    rd = (60, 100, 110, 200)[i % 4]
    answers = {**BORDERLINE, "rd_expense_wan": rd, "revenue_wan": 2600 + (i * 37) % 1000}
    if i % 7 == 0:
        answers.pop("specialised_score")
    return answers


def _store(app, clients: int, assessments: int = 0, extra: list | None = None) -> None:
    """Many agency clients (and saved assessments) in bulk."""
    with app.extensions["checker"].sessions() as session:
        agency = get_agency(session, "Agency A")
        rows = [{"agency_id": agency.id, "key": f"c{i}", "name": f"Client {i}", "answers": _profile(i)}
                for i in range(clients)]
        rows += [{"agency_id": agency.id, "key": f"bad{i}", "name": f"Bad {i}", "answers": answers}
                 for i, answers in enumerate(extra or [])]
        session.execute(insert(Client), rows)
        if assessments:
            session.execute(insert(Assessment), [{"token": f"t{i}", "name": f"Co {i}", "answers": _profile(i + 1)}
                                                 for i in range(assessments)])
        session.commit()


def _start(app, as_of: dt.date = AS_OF) -> int:
    with app.extensions["checker"].sessions() as session:
        job = start_impact(session, app.extensions["staff"].current().seq, as_of, draft_files=_draft_files(app))
        session.commit()
        return job.id


def _job(app, job_id: int) -> ImpactJob:
    with app.extensions["checker"].sessions() as session:
        found = session.get(ImpactJob, job_id)
        session.expunge(found)
        return found


def _reference(app, job_id: int) -> impact.Impact:
    """The old in-request answer: reference-walker checkers over every stored profile."""
    seeds = app.extensions["staff"].seeds
    with app.extensions["checker"].sessions() as session:
        before, after, changed = packs(session, session.get(ImpactJob, job_id), seeds)
        live, draft = Checker(narrow(before, changed), "reference"), Checker(narrow(after, changed), "reference")
        try:
            return impact.impact(live, draft, impact.stored_profiles(session), AS_OF)
        finally:
            live.close()
            draft.close()


def test_job_over_many_profiles_counts_what_the_reference_walk_counts(app, users):
    _store(app, 1200, assessments=30, extra=[["not", "a", "dict"], {"revenue_wan": {"x": 1}}, "text", None])
    job_id = _start(app)
    sessions, seeds = app.extensions["checker"].sessions, app.extensions["staff"].seeds
    run_impact(sessions, job_id, seeds, "durable", size=50)
    job, ref = _job(app, job_id), _reference(app, job_id)
    assert job.status == "done" and job.total == job.done == ref.profiles == 1234
    assert job.unreadable == ref.unreadable == 4
    assert job.changed == len(ref.changes) > 100
    for kind in ("newly_eligible", "no_longer_eligible", "other"):
        assert job.count(kind) == ref.count(kind), kind
    assert job.by_measure() == {m: dict(c) for m, c in ref.by_measure().items()}
    assert job.companies_total == len(ref.companies)
    assert len(job.rows) == min(500, job.changed)
    assert [(r["company"], r["measure"], r["kind"]) for r in job.rows[:3]] == [
        (c.company, c.measure, c.kind) for c in ref.changes[:3]]
    assert job.backend == BATCH_BACKEND == "vector+durable-sample"
    assert job.before_version and job.after_version and job.before_version != job.after_version


def test_progress_advances_per_chunk_and_a_stopped_job_resumes(app, users):
    _store(app, 300)
    job_id = _start(app)
    sessions, seeds = app.extensions["checker"].sessions, app.extensions["staff"].seeds
    seen = []
    calls = itertools.count()

    def stop() -> bool:
        seen.append(_job(app, job_id).done)
        return next(calls) >= 3

    assert run_impact(sessions, job_id, seeds, "reference", size=40, stop=stop) is False  # work left: its runner queues it again
    assert seen == [0, 40, 80, 120]
    halted = _job(app, job_id)
    assert halted.status == "running" and halted.done == 120 and halted.after_client > 0
    assert run_impact(sessions, job_id, seeds, "reference", size=40) is True
    resumed, ref = _job(app, job_id), _reference(app, job_id)
    assert resumed.status == "done" and resumed.done == 300 == ref.profiles
    assert resumed.changed == len(ref.changes) and resumed.companies_total == len(ref.companies)


def test_a_restarted_server_finishes_the_job_or_fails_it_with_a_message(tmp_path, app, users):
    _store(app, 200)
    job_id = _start(app)
    sessions, seeds = app.extensions["checker"].sessions, app.extensions["staff"].seeds
    run_impact(sessions, job_id, seeds, "reference", size=50, stop=iter([False, True]).__next__)
    assert _job(app, job_id).done == 50
    with sessions() as session:
        lost = start_impact(session, 99, AS_OF, draft_files={})  # compares against a version never recorded
        session.commit()
        lost_id = lost.id
    again = make_app(tmp_path, app.config["CHECKER_PACK"])  # a restart on the same database: resumes inline
    try:
        assert _job(again, job_id).status == "done" and _job(again, job_id).done == 200
        failed = _job(again, lost_id)
        assert failed.status == "failed" and "v99 is not recorded" in failed.message
    finally:
        shut(again)


def test_the_page_polls_the_job_then_shows_the_report_and_reuses_it(app, users, staff):
    _store(app, 120)
    submitted = []

    class Later:  # a runner that keeps the job queued until the test runs it
        def submit(self, job_id: int) -> None:
            submitted.append(job_id)

        def stop(self) -> None:
            pass

    app.extensions["staff_impact"] = Later()
    files = app.extensions["staff"].current().files
    text = raise_threshold(files[drafts.measure_path(files, MEASURE)])
    url = staff.post(f"/staff/measures/{MEASURE}/edit", data={"text": text}).headers["Location"] + "/impact?as_of=2026-06-01"
    page = staff.get(url).get_data(as_text=True)
    assert 'data-finished="false"' in page and '<meta http-equiv="refresh" content="3">' in page
    assert 'id="impact-reload"' in page and 'id="impact-summary"' not in page
    job_id = submitted[0]
    status = staff.get(f"/staff/impact-jobs/{job_id}.json").get_json()
    assert status == {"id": job_id, "status": "queued", "done": 0, "total": 120, "finished": False, "message": ""}
    run_impact(app.extensions["checker"].sessions, job_id, app.extensions["staff"].seeds, "reference", size=50)
    assert staff.get(f"/staff/impact-jobs/{job_id}.json").get_json()["finished"] is True
    page = staff.get(url).get_data(as_text=True)
    job = _job(app, job_id)
    assert 'data-finished="true"' in page and "http-equiv" not in page
    assert f'id="n-lost">{job.count("no_longer_eligible")}<' in page and job.count("no_longer_eligible") > 0
    title = app.extensions["staff"].current().pack.measure(MEASURE).spec.title.zh
    assert f'<td title="{MEASURE}">{title}</td><td data-status="eligible">可申报</td>' in page  # not ids and codes
    assert submitted == [job_id]  # the finished report is reused, not recomputed
    staff.get(url.replace("2026-06-01", "2026-07-01"))
    with app.extensions["checker"].sessions() as session:
        assert len(session.scalars(select(ImpactJob)).all()) == 2
    assert staff.get("/staff/impact-jobs/99999.json").status_code == 404


def test_profiles_are_read_under_both_packs_unless_only_measures_changed(pack):
    shared = pair_of(pack, pack, ["fields/company.yaml"], "reference")
    only_measures = pair_of(pack, pack, [MEASURE], "reference")
    try:
        assert not shared.same_fields and len(shared.after.pack.measures) == len(pack.measures)
        assert only_measures.same_fields and [m.id for m in only_measures.after.pack.measures] == [MEASURE]
        profiles = [("ok", BORDERLINE), ("bad", {"revenue_wan": "abc"}), ("list", [1])]
        assert compare(shared, profiles, AS_OF) == (2, [])
        assert compare(only_measures, profiles, AS_OF) == (2, [])
    finally:
        shared.close()
        only_measures.close()


def test_finished_previews_older_than_thirty_days_are_pruned_when_a_new_one_starts(app):
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with app.extensions["checker"].sessions() as session:
        ends = [("done", 40), ("failed", 31), ("done", 10), ("running", None)]
        jobs = [start_impact(session, 1, dt.date(2026, 1, 1 + n), draft_files={"x": str(n)}) for n in range(len(ends))]
        for job, (status, ended) in zip(jobs, ends):
            job.status, job.finished_at = status, (now - dt.timedelta(days=ended)) if ended is not None else None
        session.commit()
        ids = [job.id for job in jobs]
        start_impact(session, 1, dt.date(2026, 2, 1), draft_files={"x": "new"})
        session.commit()
        kept = set(session.scalars(select(ImpactJob.id)))
    assert ids[0] not in kept and ids[1] not in kept and {ids[2], ids[3]} <= kept and len(kept) == 3


def test_a_job_ended_between_the_read_and_the_start_stays_ended(app, users):
    from checker.staff import impact_job
    from tests.staff.test_sample_jobs import cancel_on_read

    _store(app, 3)
    job_id = _start(app)
    with app.extensions["checker"].sessions() as session:
        before, after, _ = packs(session, session.get(ImpactJob, job_id), app.extensions["staff"].seeds)
    with app.extensions["checker"].sessions() as session:
        fired = cancel_on_read(app, session, ImpactJob, job_id, 1)
        started = impact_job._start(session, job_id, before, after, "reference")
    assert fired == [1]
    assert (_job(app, job_id).status, _job(app, job_id).before_version) == ("cancelled", "")  # not running again
    assert not started
    assert run_impact(app.extensions["checker"].sessions, job_id, app.extensions["staff"].seeds, "reference")
    assert (_job(app, job_id).status, _job(app, job_id).done) == ("cancelled", 0)
