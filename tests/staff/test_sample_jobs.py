"""Sample and registry impact jobs stopped by staff: a cancel is never undone (not by a start or a chunk that read the
job before it), the page shows the partial result as partial with a way to start again, only staff with the form's
CSRF token may cancel; registry rows are named in the page's language; a JSONL sample reads as its CSV."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from checker.batch import read_rows
from checker.jobs import run
from checker.staff import drafts, registry, sample_impact
from checker.staff.sample_models import SampleImpact
from checker.web.services import uploads_folder
from tests.accounts import PASSWORD, add_user, sign_in
from tests.staff.test_sample_impact import HTE, _draft, _job, _packs, sample_csv, shorten_hte
from tests.web.util import AS_OF


def _registry_job(app: Flask, n: int = 2500, draft: bool = True) -> int:
    """A queued registry job of n profiles (chunks of 1,000) over a draft shortening hte-tax-rate's certificate."""
    snap = app.extensions["staff"].current()
    path = drafts.measure_path(snap.files, HTE)
    changes = {path: shorten_hte(snap.files[path])}
    with app.extensions["checker"].sessions() as session:
        draft_id = drafts.start_draft(session, snap.files, path, changes[path], "staff@example.com").id if draft else None
        job = sample_impact.start_sample(session, snap.seq, dt.date.fromisoformat(AS_OF), draft_id, changes, "registry",
                                         n=n, seed=3, size=1000)
        session.commit()
        return job.id


def _run(app: Flask, job_id: int, chunks: int | None = None) -> bool:
    """Run the job (stopping after this many chunks when given), as its runner would."""
    services = app.extensions["checker"]
    calls = iter(range(10**6))
    stop = (lambda: next(calls) >= chunks) if chunks is not None else (lambda: False)
    return sample_impact.run_sample(services.sessions, job_id, services.seeds, uploads_folder(app), "reference", stop)


def _pair(app: Flask, job_id: int) -> sample_impact.Pair:
    """The checkers a worker of the job compares with."""
    services = app.extensions["checker"]
    with services.sessions() as session:
        packs = sample_impact.packs(session, session.get(SampleImpact, job_id), services.seeds, lambda seq: None)
    return sample_impact.pair_of(*packs, "reference")


def _cancel(app: Flask, model: Any, job_id: int) -> None:
    """Cancel the job from another session, as the cancel button's request does."""
    with app.extensions["checker"].sessions() as other:
        assert run.cancel(other, model, job_id)
        other.commit()


def cancel_on_read(app: Flask, session: Session, model: Any, job_id: int, nth: int) -> list[int]:
    """Make the session's nth read of the job cancel it from another session just after the read (the window between
    a worker's read and its write); the list fills with the read's number once the cancel happened."""
    real, reads, fired = session.get, iter(range(1, 100)), []

    def get(entity: Any, ident: Any, *args: Any, **kwargs: Any) -> Any:
        found = real(entity, ident, *args, **kwargs)
        if entity is model and ident == job_id and next(reads) == nth:
            _cancel(app, model, job_id)
            fired.append(nth)
        return found

    session.get = get  # type: ignore[method-assign]
    return fired


@pytest.fixture
def staff_of(chunked: Flask):
    """A staff client of the chunked app."""
    add_user(chunked, "staff@example.com", None, "staff")
    client = chunked.test_client()
    sign_in(client, "staff@example.com")
    return client


def test_a_cancel_between_the_read_and_the_start_stays_cancelled(chunked):
    job_id = _registry_job(chunked)
    pair = _pair(chunked, job_id)
    services = chunked.extensions["checker"]
    try:
        with services.sessions() as session:
            fired = cancel_on_read(chunked, session, SampleImpact, job_id, 1)
            started = sample_impact._start(session, job_id, pair, "reference", 0)
    finally:
        pair.close()
    assert fired == [1]
    assert _job(chunked, job_id).status == "cancelled"  # not flipped back to running
    assert not started
    assert _run(chunked, job_id)  # a worker picking it up later does nothing either
    assert (_job(chunked, job_id).status, _job(chunked, job_id).done) == ("cancelled", 0)


def test_a_chunk_finishing_after_a_cancel_stores_nothing(chunked):
    job_id = _registry_job(chunked)
    assert not _run(chunked, job_id, chunks=1)
    assert (_job(chunked, job_id).status, _job(chunked, job_id).done) == ("running", 1000)
    partial = _job(chunked, job_id)
    services = chunked.extensions["checker"]
    pair = _pair(chunked, job_id)
    source = sample_impact.Source(partial, uploads_folder(chunked), pair.after.pack, 1000)
    try:
        with services.sessions() as session:
            fired = cancel_on_read(chunked, session, SampleImpact, job_id, 2)  # after the chunk is compared
            more = sample_impact._chunk(session, pair, source, job_id)
    finally:
        pair.close()
    assert fired == [2]
    job = _job(chunked, job_id)
    assert (job.status, job.done, job.compared) == ("cancelled", 1000, 1000)  # what it held when cancelled
    assert (job.counts, job.money) == (partial.counts, partial.money)
    assert not more


def test_a_chunk_in_flight_when_cancelled_stores_nothing(chunked, monkeypatch):
    job_id = _registry_job(chunked)
    real = sample_impact.compare

    def compare_then_cancel(*args: Any) -> Any:
        _cancel(chunked, SampleImpact, job_id)
        return real(*args)

    monkeypatch.setattr(sample_impact, "compare", compare_then_cancel)
    assert _run(chunked, job_id)
    assert (_job(chunked, job_id).status, _job(chunked, job_id).done, _job(chunked, job_id).counts) == ("cancelled", 0, {})


def test_cancel_sample_stops_an_unfinished_job_only(chunked):
    running, done = _registry_job(chunked), _registry_job(chunked, n=500)
    assert _run(chunked, done)
    with chunked.extensions["checker"].sessions() as session:
        jobs = [session.get(SampleImpact, i) for i in (running, done)]
        assert [sample_impact.cancel_sample(session, job) for job in jobs] == [True, False]
        session.commit()
        assert [job.status for job in jobs] == ["cancelled", "done"]  # the objects read the stored state again


def test_the_cancel_button_stops_a_running_job_and_the_page_shows_the_partial_result(chunked, staff_of):
    job_id = _registry_job(chunked)
    assert not _run(chunked, job_id, chunks=1)
    page = staff_of.get(f"/staff/sample-impacts/{job_id}").get_data(as_text=True)
    assert f'action="/staff/sample-impacts/{job_id}/cancel"' in page and 'id="impact-summary"' not in page
    response = staff_of.post(f"/staff/sample-impacts/{job_id}/cancel", follow_redirects=True)
    page = response.get_data(as_text=True)
    job = _job(chunked, job_id)
    assert (job.status, job.done, job.total) == ("cancelled", 1000, 2500)
    assert "/cancel" not in page  # nothing left to cancel
    assert 'data-status="cancelled">已取消</strong>' in page and "cancelled by user" not in page
    assert "已取消：以下仅是前 1,000 行（共 2,500 行）的部分结果" in page
    assert '<dd id="n-rows">1,000</dd>' in page
    assert f'<dd id="n-lost">{job.count("no_longer_eligible")}</dd>' in page and job.count("no_longer_eligible") > 0
    restart = re.search(r'<a id="sample-restart" href="([^"]+)"', page).group(1)
    assert restart.startswith(f"/staff/drafts/{job.draft_id}/impact?") and "n=2500" in restart and "seed=3" in restart
    form = staff_of.get(restart.replace("&amp;", "&")).get_data(as_text=True)
    assert re.search(r'id="registry-n"[^>]*value="2500"', form) and re.search(r'id="registry-seed"[^>]*value="3"', form)


def test_a_finished_job_has_no_cancel_and_is_not_changed_by_one(chunked, staff_of):
    job_id = _registry_job(chunked, n=500)
    assert _run(chunked, job_id)
    page = staff_of.get(f"/staff/sample-impacts/{job_id}").get_data(as_text=True)
    assert "/cancel" not in page and "部分结果" not in page and 'id="sample-restart"' not in page
    staff_of.post(f"/staff/sample-impacts/{job_id}/cancel")
    assert (_job(chunked, job_id).status, _job(chunked, job_id).done) == ("done", 500)


def _signed_in(app: Flask, email: str) -> tuple[Any, str]:
    """A client signed in through the login form with CSRF on, and its session's form token."""
    client = app.test_client()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/agency/login").get_data(as_text=True)).group(1)
    response = client.post("/agency/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    return client, token


def test_a_cancel_needs_the_forms_csrf_token_and_a_staff_member(csrf_app):
    job_id = _registry_job(csrf_app)
    agency, agency_token = _signed_in(csrf_app, "a@example.com")
    assert agency.post(f"/staff/sample-impacts/{job_id}/cancel", data={"csrf_token": agency_token}).status_code in (302, 403)
    staff, _ = _signed_in(csrf_app, "staff@example.com")
    assert staff.post(f"/staff/sample-impacts/{job_id}/cancel").status_code == 400  # no token
    assert _job(csrf_app, job_id).status == "queued"
    page = staff.get(f"/staff/sample-impacts/{job_id}").get_data(as_text=True)
    token = re.search(r'<form[^>]*id="sample-cancel">\s*<input id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)"',
                      page).group(1)
    assert staff.post(f"/staff/sample-impacts/{job_id}/cancel", data={"csrf_token": token}).status_code == 302
    assert _job(csrf_app, job_id).status == "cancelled"


def test_registry_rows_are_named_in_the_pages_language(chunked, staff_of):
    job_id = _registry_job(chunked, n=2000)
    assert _run(chunked, job_id)
    top = _job(chunked, job_id).money["companies"]["top"]
    assert top and all(registry.row_number(c["company"]) is not None for c in top)
    first = registry.row_number(top[0]["company"])
    assert registry.company(first) == top[0]["company"]  # the stored name (as `checker impact` prints it) is kept
    zh = staff_of.get(f"/staff/sample-impacts/{job_id}").get_data(as_text=True)
    en = staff_of.get(f"/staff/sample-impacts/{job_id}?lang=en").get_data(as_text=True)
    assert f"<td>生成的企业 #{first}</td>" in zh and f"<td>Generated company #{first}</td>" in en
    assert "registry #" not in zh + en


def test_row_number_reads_only_registry_names():
    assert [registry.row_number(registry.company(n)) for n in (0, 7, 999_999)] == [0, 7, 999_999]
    assert [registry.row_number(name) for name in ("3 · 北京样本科技有限公司0", "registry #", "registry #12a")] == \
        [None, None, None]


def as_jsonl(data: bytes) -> bytes:
    """The CSV's rows as JSON lines keyed by the same Chinese headers, the cells as typed."""
    import csv

    rows = list(csv.reader(io.StringIO(data.decode("gb18030"))))
    return "".join(json.dumps(dict(zip(rows[0], cells)), ensure_ascii=False) + "\n" for cells in rows[1:]).encode()


def test_a_jsonl_sample_gives_the_report_of_its_csv(app, staff, tmp_path):
    draft_id = _draft(app, staff)
    data = sample_csv(_packs(app, draft_id)[1])
    (tmp_path / "s.jsonl").write_bytes(as_jsonl(data))
    assert len(list(read_rows(tmp_path / "s.jsonl"))) == 8
    jobs = []
    for name, body in (("sample.csv", data), ("sample.jsonl", as_jsonl(data))):
        response = staff.post(f"/staff/drafts/{draft_id}/impact/file", content_type="multipart/form-data",
                              data={"upload": (io.BytesIO(body), name), "as_of": AS_OF})
        jobs.append(_job(app, int(response.headers["Location"].rsplit("/", 1)[1])))
    csv_job, jsonl_job = jobs
    assert jsonl_job.status == "done" and jsonl_job.counts and jsonl_job.suffix == ".jsonl"
    assert [b["row"] for b in csv_job.bad] == [7]  # the row Excel shows (the header is row 1)
    assert (jsonl_job.done, jsonl_job.bad_rows, [b["row"] for b in jsonl_job.bad]) == (8, 1, [6])  # its line
    assert jsonl_job.counts == csv_job.counts and jsonl_job.money["types"] == csv_job.money["types"]
    renumbered = [{**c, "company": re.sub(r"^\d+", lambda m: str(int(m.group()) - 1), c["company"])}
                  for c in csv_job.money["companies"]["top"]]
    assert renumbered and jsonl_job.money["companies"]["top"] == renumbered
