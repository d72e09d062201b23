"""create_app does what it is told: building the app starts no background thread unless AGENCY_BACKGROUND asks."""

from __future__ import annotations

import threading

from checker.accounts.models import User
from checker.agency.models import Job
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
