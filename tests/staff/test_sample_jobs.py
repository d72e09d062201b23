"""Sample and registry impact jobs stopped by staff: a cancel is never undone (not by a start or a chunk that read the
job before it)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from checker.jobs import run
from checker.staff import drafts, sample_impact
from checker.staff.sample_models import SampleImpact
from checker.web.services import uploads_folder
from tests.accounts import add_user, sign_in
from tests.staff.test_sample_impact import HTE, _job, shorten_hte
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
