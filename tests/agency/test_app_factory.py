"""create_app does what it is told: building the app starts no background thread unless AGENCY_BACKGROUND asks."""

from __future__ import annotations

import threading

from checker.agency.models import Job, User
from tests.agency.conftest import add_user, make_app, shut
from tests.agency.test_jobs import queued_job


def _threads() -> set[str]:
    """Our background threads now running (flask-limiter's in-memory storage runs a timer of its own)."""
    return {t.name for t in threading.enumerate() if t.name.startswith("agency-")}


def test_building_the_app_starts_no_thread_unless_asked(tmp_path):
    first = make_app(tmp_path)
    job = queued_job(first, add_user(first, "a@example.com"), 3)  # left queued, as by a stopped server
    shut(first)
    before = _threads()
    quiet = make_app(tmp_path, AGENCY_RUNNER="thread")
    try:
        assert _threads() == before == set()
        with quiet.extensions["checker"].sessions() as session:
            assert session.get(Job, job).status == "queued" and session.get(User, 1) is not None
    finally:
        shut(quiet)
    busy = make_app(tmp_path, AGENCY_RUNNER="thread", AGENCY_BACKGROUND=True)
    try:
        assert {"agency-jobs", "agency-recheck-sweep"} <= _threads()
        assert busy.extensions["agency"].runner.idle(timeout=20)
        with busy.extensions["checker"].sessions() as session:
            assert session.get(Job, job).status == "done"
    finally:
        shut(busy)


def _kinds(app) -> dict[str, tuple[str, str]]:
    """Each job kind's runner: its class and (for a thread) its thread's name."""
    found = {"batch": app.extensions["agency"].runner, "recheck": app.extensions["agency_rechecks"],
             "impact": app.extensions["staff_impact"]}
    return {kind: (type(runner).__name__, getattr(runner, "name", "")) for kind, runner in found.items()}


def test_one_runner_factory_gives_every_job_kind_its_runner(tmp_path, monkeypatch):
    from checker.jobs.runners import Runners

    monkeypatch.delenv("CHECKER_BROKER_URL", raising=False)
    for mode, expected in (("inline", {"batch": ("InlineRunner", ""), "recheck": ("InlineRunner", ""),
                                       "impact": ("InlineRunner", "")}),
                           ("thread", {"batch": ("ThreadRunner", "agency-jobs"),
                                       "recheck": ("ThreadRunner", "agency-rechecks"),
                                       "impact": ("ThreadRunner", "staff-impacts")})):
        app = make_app(tmp_path / mode, AGENCY_RUNNER=mode)
        try:
            assert app.extensions["jobs"] == Runners(mode)
            assert _kinds(app) == expected
        finally:
            shut(app)
    celery = make_app(tmp_path / "celery", AGENCY_RUNNER="thread", CHECKER_BROKER_URL="redis://127.0.0.1:9/0")
    try:  # the kinds with Celery tasks go to the workers; impact previews have none and keep their thread
        assert _kinds(celery) == {"batch": ("CeleryRunner", ""), "recheck": ("CeleryRecheckRunner", ""),
                                  "impact": ("ThreadRunner", "staff-impacts")}
    finally:
        shut(celery)
