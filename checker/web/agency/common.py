"""Shared pieces of the agency views: the job runner, the signed-in user, owned lookups."""

from __future__ import annotations

import datetime as dt
import functools
import logging
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from flask import Flask, abort, current_app, redirect, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from checker import config
from checker.accounts.models import User
from checker.accounts.users import owned
from checker.agency import webhooks
from checker.agency.jobs import create_job
from checker.agency.models import Job
from checker.agency.receive import read_waiting
from checker.agency.report_zips import ZipBuilder
from checker.agency.uploads import UploadError, peek, upload_path, waiting_upload
from checker.agency.work import batch_work
from checker.batch import FORMATS
from checker.db import private_folder
from checker.engine import Checker
from checker.jobs.runners import JobRunner, runners
from checker.web.services import Services, db, pack, uploads_folder

log = logging.getLogger(__name__)
M = TypeVar("M")
MAX_ID = 2**31 - 1


@dataclass
class AgencyState:
    """What the agency blueprints share: the job runner and the report zips."""

    runner: JobRunner
    zips: ZipBuilder


def setting(name: str) -> Any:
    """A setting of the current app (checker.config reads it: the app config, else the environment, else the default)."""
    return config.setting(name, current_app.config)


def make_runner(app: Flask, services: Services) -> JobRunner:
    """The batch jobs' runner from the app's factory: Celery when CHECKER_BROKER_URL is set, else 'thread' (default) or
    'inline' (during the request); what it runs is checker.agency.work.batch_work."""
    chunk = config.setting("AGENCY_CHUNK", app.config)
    dispatch = webhook_dispatch(app, services)
    read = reader(app, services)
    exports = exports_folder(app)

    def celery(broker: str) -> JobRunner:
        """More than one machine: chunk tasks for `checker worker` processes."""
        from checker.agency.distributed import CeleryRunner, make_celery

        folder = uploads_folder(app)
        return CeleryRunner(make_celery(broker), services.sessions, lambda: live_checker(services).pack.version, chunk,
                            read=lambda job_id: read(job_id, live_checker(services).pack),
                            waiting=lambda job_id: waiting_upload(folder, job_id) is not None)

    work = batch_work(services.sessions, lambda: services.lease(fresh=True), read, exports, dispatch, chunk)
    return runners(app).make(work, "agency-jobs", celery)


def webhook_dispatch(app: Flask, services: Services) -> webhooks.Dispatch:
    """How first webhook attempts are made: on threads of their own (inline when jobs run inline, in tests)."""
    allow = config.setting("AGENCY_WEBHOOK_PRIVATE", app.config)
    if runners(app).inline:
        return webhooks.inline(services.sessions, allow)
    return webhooks.in_thread(services.sessions, allow)


def reader(app: Flask, services: Services) -> Callable[[int, Any], bool]:
    """How the runner reads a job's received file into rows (in its own thread, outside the request)."""
    folder = uploads_folder(app)
    max_rows = config.setting("AGENCY_MAX_ROWS", app.config)
    max_uncompressed = config.setting("AGENCY_MAX_UNCOMPRESSED", app.config)
    return lambda job_id, pack: read_waiting(services.sessions, folder, job_id, pack, max_rows, max_uncompressed)


def exports_folder(app: Flask) -> Path:
    """Where finished jobs' workbooks and report zips are kept (AGENCY_EXPORTS, else instance/exports)."""
    return Path(config.setting("AGENCY_EXPORTS", app.config) or Path(app.instance_path) / "exports")


def live_checker(services: Services) -> Checker:
    """The checker of the newest published rule pack (asked of the database now); a job holds it with `services.lease`."""
    if services.live is not None:
        return services.live.refresh(force=True).checker
    return services.checker


def state() -> AgencyState:
    """The current app's agency state."""
    return current_app.extensions["agency"]


def user() -> User:
    """The signed-in user."""
    return current_user._get_current_object()


def agency_id() -> int:
    """The signed-in user's agency (every agency_required view has one)."""
    found = user().agency_id
    if found is None:
        abort(403)
    return found


def agency_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Only signed-in users of an agency may see the view."""
    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if user().role == "staff":  # staff sign in through the same form: their area is /staff/
            return redirect(url_for("staff.index"))
        if user().role != "agency" or user().agency_id is None:
            abort(403)
        return view(*args, **kwargs)

    return login_required(wrapped)


def get_owned(model: type[M], ident: int, who: User | None = None) -> M:
    """The record of this id if it belongs to the user's agency, else 404."""
    if not 0 <= ident <= MAX_ID:  # no such record, and beyond what the database's integer holds
        abort(404)
    query = select(model).where(model.id == ident)  # type: ignore[attr-defined]  # M: any model with an id column
    found = db().scalars(owned(query, who or user())).first()
    if found is None:
        abort(404)
    return found


def job_from_file(upload: Any, owner: User, as_of: dt.date, lang: str) -> Job:
    """Save an uploaded file where the runner reads it and queue its job (no row is read here; the caller commits).

    Only its first row is read now, so a file unreadable as a whole is refused at once (UploadError).
    """
    suffix = Path(upload.filename or "").suffix.lower()
    if suffix not in FORMATS:
        raise UploadError(f"use one of {', '.join(FORMATS)}")
    folder = uploads_folder(current_app)
    private_folder(folder)
    handle, temporary = tempfile.mkstemp(dir=folder, suffix=".part")
    os.close(handle)
    try:
        upload.save(temporary)
        upload.close()  # the form's spooled copy is not needed once saved aside
        received = Path(temporary).with_suffix(suffix)
        os.replace(temporary, received)
        temporary = str(received)
        peek(received, pack(), setting("AGENCY_MAX_UNCOMPRESSED"))
        job = create_job(db(), owner, upload.filename or "upload", (), as_of, lang, pack().version)
        os.replace(temporary, upload_path(folder, job.id, suffix))
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return job
