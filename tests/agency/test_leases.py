"""Chunk leases: an expired lease is sent again exactly once, a renewed one never, and a stale holder cannot renew."""

from __future__ import annotations

import datetime as dt
import threading

from sqlalchemy import select, update

from checker.agency import leases
from checker.agency.models import ChunkLease, Job
from checker.models import utcnow
from tests.agency.conftest import add_token, add_user, make_app, shut
from tests.agency.util import GOOD

FAST = leases.Timings(lease=60, heartbeat=0.05, sweep=0.05)


def running_job(app) -> int:
    """A job marked running (its rows checked inline; only its leases matter here)."""
    token = add_token(app, add_user(app, "a@example.com", "A"))
    response = app.test_client().post("/api/v1/batches", headers={"Authorization": f"Bearer {token}"},
                                      json={"rows": [GOOD], "as_of": "2026-06-01"})
    job_id = response.json["id"]
    with app.extensions["checker"].sessions() as session:
        session.execute(update(Job).where(Job.id == job_id).values(status="running", finished_at=None))
        session.commit()
    return job_id


def expire(app, job_id: int) -> None:
    """Move every lease of the job into the past, as if its worker died a while ago."""
    with app.extensions["checker"].sessions() as session:
        session.execute(update(ChunkLease).where(ChunkLease.job_id == job_id)
                        .values(expires_at=utcnow() - dt.timedelta(seconds=1)))
        session.commit()


def test_two_sweepers_send_an_expired_chunk_once(tmp_path):
    app = make_app(tmp_path)
    try:
        sessions, job_id = app.extensions["checker"].sessions, running_job(app)
        with sessions() as session:
            leases.queue(session, job_id, [(1, 5), (6, 10)])
        held = leases.take(sessions, job_id, 1, 5, "w1", FAST)
        assert held is not None and leases.take(sessions, job_id, 6, 10, "w1", FAST) is not None
        expire(app, job_id)
        sent: list[tuple[int, int, int]] = []
        start = threading.Barrier(4)

        def sweep() -> None:
            start.wait()
            leases.requeue_expired(sessions, lambda *chunk: sent.append(chunk))

        threads = [threading.Thread(target=sweep) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(sent) == [(job_id, 1, 5), (job_id, 6, 10)]
        assert leases.requeue_expired(sessions, lambda *chunk: sent.append(chunk)) == []
        assert not held.renew()  # the dead holder's lease is no longer its own
        with sessions() as session:
            assert {(lease.state, lease.requeued) for lease in session.scalars(select(ChunkLease))} == {("queued", 1)}
    finally:
        shut(app)


def test_a_heartbeat_keeps_a_short_lease_alive_and_release_drops_it(tmp_path):
    app = make_app(tmp_path)
    try:
        sessions, job_id = app.extensions["checker"].sessions, running_job(app)
        with sessions() as session:
            leases.queue(session, job_id, [(1, 5)])
        short = leases.Timings(lease=0.3, heartbeat=0.05, sweep=0.05)
        held = leases.take(sessions, job_id, 1, 5, "w1", short)
        assert held is not None
        sent: list[tuple[int, int, int]] = []
        with held:
            for _ in range(10):  # ten sweeps over a second: three lease lengths, each renewed in time
                threading.Event().wait(0.1)
                leases.requeue_expired(sessions, lambda *chunk: sent.append(chunk))
        assert sent == []
        with sessions() as session:
            assert session.scalars(select(ChunkLease)).first() is None
    finally:
        shut(app)


def test_a_finished_jobs_expired_lease_is_dropped_not_sent(tmp_path):
    app = make_app(tmp_path)
    try:
        sessions, job_id = app.extensions["checker"].sessions, running_job(app)
        with sessions() as session:
            leases.queue(session, job_id, [(1, 5)])
            session.execute(update(Job).where(Job.id == job_id).values(status="cancelled"))
            session.commit()
        assert leases.take(sessions, job_id, 1, 5, "w1", FAST) is not None
        expire(app, job_id)
        assert leases.requeue_expired(sessions, lambda *chunk: None) == []
        with sessions() as session:
            assert session.scalars(select(ChunkLease)).first() is None
    finally:
        shut(app)
