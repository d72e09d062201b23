"""The shared job machinery on a job kind of its own (two toy tables, no agency or staff code): leases re-queue an
expired chunk once, a heartbeat keeps a lease, cancel and fail keep their message, prune drops only old ended jobs,
and the chunk loop stops and resumes."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import ForeignKey, String, UniqueConstraint, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from checker.db import make_engine, make_sessions
from checker.jobs import leases, run
from checker.jobs.models import JobMixin, LeaseMixin
from checker.jobs.runners import InlineRunner, Runners, ThreadRunner
from checker.models import utcnow


class ToyBase(DeclarativeBase):
    """Tables of these tests only (not the app's metadata)."""


class Toy(JobMixin, ToyBase):
    """A job kind that counts to `total`, a step of `done` per chunk."""

    __tablename__ = "toy_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(20), default="")


class ToyLease(LeaseMixin, ToyBase):
    """The toy kind's chunk leases."""

    __tablename__ = "toy_lease"
    __table_args__ = (UniqueConstraint("job_id", "first_row", "last_row"),)

    job_id: Mapped[int] = mapped_column(ForeignKey("toy_job.id", ondelete="CASCADE"), index=True)


TABLES = leases.Tables(lease=ToyLease, job=Toy)
FAST = leases.Timings(lease=60, heartbeat=0.05, sweep=0.05)


@pytest.fixture
def sessions(tmp_path) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(f"sqlite:///{tmp_path / 'toy.sqlite'}")
    ToyBase.metadata.create_all(engine)
    yield make_sessions(engine)
    engine.dispose()


def add(sessions: sessionmaker[Session], status: str = "queued", total: int = 3, **values) -> int:
    """A stored toy job; its id."""
    with sessions() as session:
        job = Toy(status=status, total=total, done=0, **values)
        session.add(job)
        session.commit()
        return job.id


def get(sessions: sessionmaker[Session], job_id: int) -> Toy:
    """The job as stored now."""
    with sessions() as session:
        found = session.get(Toy, job_id)
        assert found is not None
        return found


def start(job_id: int):
    """The toy kind's start step: mark it running unless it has ended."""
    def step(session: Session) -> bool:
        job = session.get(Toy, job_id)
        if job is None or job.finished:
            return False
        job.status = "running"
        session.commit()
        return True
    return step


def chunk(job_id: int, seen: list[int]):
    """The toy kind's chunk step: one more done while running, finished at total."""
    def step(session: Session) -> bool:
        job = session.get(Toy, job_id)
        if job is None or job.status != "running":
            return False
        if job.done >= job.total:
            run.finish(session, Toy, job_id)
            return False
        job.done += 1
        seen.append(job.done)
        session.commit()
        return True
    return step


def expire(sessions: sessionmaker[Session], job_id: int) -> None:
    """Move the job's leases into the past, as if their worker died."""
    with sessions() as session:
        session.execute(update(ToyLease).where(ToyLease.job_id == job_id).values(expires_at=utcnow() - dt.timedelta(seconds=1)))
        session.commit()


def test_the_mixin_gives_every_kind_the_shared_columns_and_finished() -> None:
    assert {"status", "total", "done", "message", "created_at", "finished_at"} <= set(Toy.__table__.columns.keys())
    assert [Toy(status=s).finished for s in ("queued", "running", "done", "cancelled", "failed")] == [
        False, False, True, True, True]


def test_an_expired_lease_is_sent_again_once_by_two_sweepers(sessions) -> None:
    job = add(sessions, "running")
    with sessions() as session:
        leases.queue(session, TABLES, job, [(1, 5), (6, 10)])
    held = leases.take(sessions, TABLES, job, 1, 5, "w1", FAST)
    assert held is not None and leases.take(sessions, TABLES, job, 6, 10, "w1", FAST) is not None
    assert leases.take(sessions, TABLES, job, 11, 20, "w1", FAST) is None  # never queued
    expire(sessions, job)
    sent: list[tuple[int, int, int]] = []
    first = leases.requeue_expired(sessions, TABLES, lambda *c: sent.append(c))
    second = leases.requeue_expired(sessions, TABLES, lambda *c: sent.append(c))
    assert sorted(sent) == [(job, 1, 5), (job, 6, 10)] and second == [] and len(first) == 2
    with sessions() as session:
        rows = session.scalars(select(ToyLease).order_by(ToyLease.first_row)).all()
        assert [(r.state, r.requeued, r.worker) for r in rows] == [("queued", 1, None), ("queued", 1, None)]
    assert held.renew() is False  # the stale holder's lease is gone


def test_a_heartbeat_keeps_a_short_lease_from_expiring(sessions) -> None:
    job = add(sessions, "running")
    with sessions() as session:
        leases.queue(session, TABLES, job, [(1, 5)])
    short = leases.Timings(lease=0.4, heartbeat=0.05, sweep=0.05)
    held = leases.take(sessions, TABLES, job, 1, 5, "w1", short)
    assert held is not None
    with held:
        time.sleep(0.8)  # twice the lease: only the heartbeat keeps it
        assert leases.requeue_expired(sessions, TABLES, lambda *c: None) == []
    with sessions() as session:
        assert session.scalars(select(ToyLease)).all() == []  # released once the chunk is stored


def test_an_expired_lease_of_an_ended_job_is_dropped_not_sent(sessions) -> None:
    job = add(sessions, "running")
    with sessions() as session:
        leases.queue(session, TABLES, job, [(1, 5)])
    assert leases.take(sessions, TABLES, job, 1, 5, "w1", FAST) is not None
    with sessions() as session:
        assert run.cancel(session, Toy, job)
        session.commit()
    expire(sessions, job)
    assert leases.requeue_expired(sessions, TABLES, lambda *c: pytest.fail("sent a chunk of a cancelled job")) == []
    with sessions() as session:
        assert session.scalars(select(ToyLease)).all() == []


def test_the_sweeper_thread_requeues_an_expired_lease(sessions) -> None:
    job = add(sessions, "running")
    with sessions() as session:
        leases.queue(session, TABLES, job, [(1, 5)])
    assert leases.take(sessions, TABLES, job, 1, 5, "w1", FAST) is not None
    expire(sessions, job)
    sent: list[tuple[int, int, int]] = []
    sweeper = leases.Sweeper(sessions, TABLES, lambda *c: sent.append(c), FAST).start()
    try:
        for _ in range(100):
            if sent:
                break
            time.sleep(0.02)
    finally:
        sweeper.stop()
    assert sent == [(job, 1, 5)]


def test_run_goes_a_chunk_per_session_to_the_end_and_marks_it_done(sessions) -> None:
    job = add(sessions, total=3)
    seen: list[int] = []
    assert run.run(sessions, start(job), chunk(job, seen)) is True
    found = get(sessions, job)
    assert (found.status, found.done, seen) == ("done", 3, [1, 2, 3]) and found.finished_at is not None
    assert found.progress() == {"id": job, "status": "done", "done": 3, "total": 3, "finished": True, "message": ""}


def test_run_stops_when_asked_and_resumes_where_it_was(sessions) -> None:
    job = add(sessions, total=4)
    seen: list[int] = []
    asked = iter([False, False, True])
    assert run.run(sessions, start(job), chunk(job, seen), lambda: next(asked)) is False
    assert (get(sessions, job).status, seen) == ("running", [1, 2])
    assert get(sessions, job).progress() == {"id": job, "status": "running", "done": 2, "total": 4, "finished": False,
                                             "message": ""}
    assert run.pending(sessions(), Toy) == [job]
    assert run.run(sessions, start(job), chunk(job, seen)) is True
    assert (get(sessions, job).status, seen) == ("done", [1, 2, 3, 4])


def test_a_job_that_has_ended_is_not_started_again(sessions) -> None:
    job = add(sessions, "done")
    seen: list[int] = []
    assert run.run(sessions, start(job), chunk(job, seen)) is True and seen == []


def test_cancel_stops_a_running_job_once_and_a_chunk_in_flight_stores_nothing(sessions) -> None:
    job = add(sessions, total=5)
    seen: list[int] = []
    asked = iter([False, True])
    run.run(sessions, start(job), chunk(job, seen), lambda: next(asked))
    with sessions() as session:
        assert run.cancel(session, Toy, job) is True
        assert run.cancel(session, Toy, job) is False  # already stopped
        session.commit()
    assert run.run(sessions, start(job), chunk(job, seen)) is True
    found = get(sessions, job)
    assert (found.status, found.done, found.message, seen) == ("cancelled", 1, "cancelled by user", [1])
    assert run.pending(sessions(), Toy) == []


def test_cancel_leaves_an_ended_job_as_it_was(sessions) -> None:
    job = add(sessions, "failed", message="boom")
    with sessions() as session:
        assert run.cancel(session, Toy, job) is False
        session.commit()
    assert (get(sessions, job).status, get(sessions, job).message) == ("failed", "boom")


def test_fail_keeps_the_message_and_does_not_overwrite_an_ended_job(sessions) -> None:
    running, done = add(sessions, "running"), add(sessions, "done")
    assert run.fail(sessions, Toy, running, "EngineMismatch: " + "x" * 600) is True
    found = get(sessions, running)
    assert found.status == "failed" and found.message == ("EngineMismatch: " + "x" * 600)[:500]
    assert found.finished_at is not None
    assert run.fail(sessions, Toy, done, "late") is True
    assert (get(sessions, done).status, get(sessions, done).message) == ("done", "")
    assert run.fail(sessions, Toy, running, "second") and get(sessions, running).message.startswith("EngineMismatch")


def test_fail_retries_while_the_database_refuses_writes(sessions, monkeypatch) -> None:
    job = add(sessions, "running")
    refusals = [2]
    waits: list[float] = []

    def flaky() -> Session:
        if refusals[0]:
            refusals[0] -= 1
            raise OperationalError("UPDATE", {}, Exception("database is locked"))
        return sessions()

    monkeypatch.setattr(run, "backoff_wait", waits.append)
    assert run.fail(flaky, Toy, job, "boom", attempts=2, backoff=0.1) is False  # type: ignore[arg-type]
    assert (get(sessions, job).status, waits) == ("running", [0.1, 0.2])
    refusals[0] = 1
    assert run.fail(flaky, Toy, job, "boom", attempts=3, backoff=0.1) is True  # type: ignore[arg-type]
    assert (get(sessions, job).status, get(sessions, job).message) == ("failed", "boom")


def test_prune_drops_only_jobs_that_ended_before_the_cutoff(sessions) -> None:
    now = utcnow()
    old = add(sessions, "done", finished_at=now - dt.timedelta(days=31))
    failed_old = add(sessions, "failed", finished_at=now - dt.timedelta(days=40))
    recent = add(sessions, "done", finished_at=now - dt.timedelta(days=29))
    running = add(sessions, "running", created_at=now - dt.timedelta(days=90))
    with sessions() as session:
        assert run.prune(session, Toy, dt.timedelta(days=30), now) == 2
        session.commit()
        assert sorted(session.scalars(select(Toy.id))) == sorted([recent, running])
    assert {old, failed_old}.isdisjoint({recent, running})


def test_the_factory_picks_inline_thread_or_the_kinds_celery() -> None:
    work = lambda job_id, stop: True  # noqa: E731
    celery_made: list[str] = []

    def celery(broker: str) -> InlineRunner:
        celery_made.append(broker)
        return InlineRunner(work)

    assert isinstance(Runners("inline").make(work, "toy"), InlineRunner)
    thread = Runners().make(work, "toy-jobs")
    assert isinstance(thread, ThreadRunner) and thread.name == "toy-jobs"
    assert isinstance(Runners("thread", "redis://x").make(work, "toy"), ThreadRunner)  # a kind without tasks
    Runners("thread", "redis://x").make(work, "toy", celery)
    assert celery_made == ["redis://x"]
    assert Runners.from_config({"AGENCY_RUNNER": "inline", "CHECKER_BROKER_URL": "redis://y"}) == Runners("inline", "redis://y")
    assert not Runners().may_start_threads(thread) and Runners(background=True).may_start_threads(thread)
    assert Runners().may_start_threads(InlineRunner(work))


def test_the_thread_runner_runs_a_kinds_work_to_its_end(sessions) -> None:
    job = add(sessions, total=2)
    seen: list[int] = []
    runner = ThreadRunner(lambda job_id, stop: run.run(sessions, start(job_id), chunk(job_id, seen), stop), name="toy")
    try:
        runner.submit(job)
        assert runner.idle(10)
    finally:
        runner.stop()
    assert (get(sessions, job).status, seen) == ("done", [1, 2])
