"""A draft's impact over an uploaded sample file or the generated registry: started here as a background job, its page
polls the progress and shows the report."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

from flask import Flask, abort, current_app, flash, jsonify, redirect, render_template, url_for

from checker import config
from checker.agency.uploads import UploadError, peek
from checker.batch import FORMATS
from checker.db import private_folder
from checker.i18n import N_
from checker.jobs.runners import JobRunner, runners
from checker.problems import Problem
from checker.staff import drafts, registry
from checker.staff.models import Draft
from checker.staff.sample_impact import (
    cancel_sample,
    pending_samples,
    prune,
    sample_path,
    sample_work,
    start_sample,
)
from checker.staff.sample_models import SampleImpact
from checker.web.i18n import current_lang, pick, t
from checker.web.services import Services, db, resume_jobs, uploads_folder
from checker.web.staff.common import bp, seeds, snapshot, staff_required
from checker.web.staff.forms import ButtonForm, RegistryForm, SampleFileForm
from checker.web.staff.impacts import live_pack

KEY = "staff_samples"
FIELD_NAMES = {"upload": N_("staff.sample.field_upload"), "as_of": N_("staff.sample.field_as_of"),
               "n": N_("staff.sample.field_n"), "seed": N_("staff.sample.field_seed")}


def make_sample_runner(app: Flask, services: Services, seeds_folder: Path) -> JobRunner:
    """The runner of sample impact jobs (inline or a thread, as the app's other jobs)."""
    work = sample_work(services.sessions, seeds_folder, uploads_folder(app), app.config["CHECKER_ENGINE"],
                       lambda seq: live_pack(services, seq), config.setting("AGENCY_MAX_ROWS", app.config))
    return runners(app).make(work, "staff-samples")


def init_samples(app: Flask, services: Services, seeds_folder: Path) -> None:
    """Give the app its sample impact runner and resume the jobs a stopped server left unfinished."""
    runner = app.extensions[KEY] = make_sample_runner(app, services, seeds_folder)
    resume_jobs(app, services, runner, pending_samples)


def _draft_files(draft_id: int) -> tuple[Draft, dict[str, str | None]] | None:
    """An open draft whose texts load on top of the live pack, and those texts; None (with a message) otherwise."""
    found = db().get(Draft, draft_id) if 0 <= draft_id <= 2**31 - 1 else None
    if found is None:
        abort(404)
    files = snapshot().files
    if drafts.check_files(files, drafts.compose(files, found.changes), seeds()).pack is None:
        flash(t("staff.refused"))
        return None
    return found, dict(found.changes)


def _form_errors(form: SampleFileForm | RegistryForm) -> None:
    """Flash which fields of the form are wrong, in the page's language."""
    for name in form.errors:
        flash(t("staff.sample.bad_field", field=t(FIELD_NAMES[name]) if name in FIELD_NAMES else name))


def _valid_draft(form: SampleFileForm | RegistryForm, draft_id: int) -> tuple[Draft, dict[str, str | None]] | None:
    """The draft and its texts when the form is valid and the draft loads; None (with the messages flashed) otherwise."""
    if not form.validate_on_submit():
        _form_errors(form)
        return None
    return _draft_files(draft_id)


def _submit(job: SampleImpact):
    """Commit the job, hand it to the runner and go to its page."""
    db().commit()
    current_app.extensions[KEY].submit(job.id)
    return redirect(url_for("staff.sample_impact", job_id=job.id))


@bp.post("/drafts/<int:draft_id>/impact/file")
@staff_required
def impact_file(draft_id: int):
    """Start a preview over the uploaded sample file (kept outside the database, read by the runner)."""
    form = SampleFileForm()
    back = redirect(url_for("staff.draft_impact", draft_id=draft_id))
    found = _valid_draft(form, draft_id)
    if found is None:
        return back
    upload = form.upload.data
    suffix = Path(upload.filename or "").suffix.lower()
    folder = uploads_folder(current_app)
    private_folder(folder)
    handle, temporary = tempfile.mkstemp(dir=folder, suffix=suffix if suffix in FORMATS else ".part")
    os.close(handle)
    try:
        upload.save(temporary)
        peek(Path(temporary), snapshot().pack, config.setting("AGENCY_MAX_UNCOMPRESSED"))
        prune(db(), folder)
        job = start_sample(db(), snapshot().seq, form.as_of.data or dt.date.today(), found[0].id, found[1], "file",
                           filename=upload.filename or "", suffix=suffix)
        os.replace(temporary, sample_path(folder, job.id, suffix))
    except UploadError as exc:
        db().rollback()
        flash(t("staff.sample.unreadable", reason=str(exc)))
        return back
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return _submit(job)


@bp.post("/drafts/<int:draft_id>/impact/registry")
@staff_required
def impact_registry(draft_id: int):
    """Start a preview over N generated registry profiles."""
    form = RegistryForm()
    back = redirect(url_for("staff.draft_impact", draft_id=draft_id))
    found = _valid_draft(form, draft_id)
    if found is None:
        return back
    prune(db(), uploads_folder(current_app))
    size = int(current_app.config.get("STAFF_REGISTRY_CHUNK", 0))
    return _submit(start_sample(db(), snapshot().seq, form.as_of.data or dt.date.today(), found[0].id, found[1],
                                "registry", n=form.n.data or 0, seed=form.seed.data or 0, size=size))


def _job(job_id: int) -> SampleImpact:
    """The sample impact job of this id, else 404."""
    found = db().get(SampleImpact, job_id) if 0 <= job_id <= 2**31 - 1 else None
    if found is None:
        abort(404)
    return found


@bp.get("/sample-impacts/<int:job_id>")
@staff_required
def sample_impact(job_id: int):
    """A sample or registry preview: progress while it runs, then its report."""
    job = _job(job_id)
    fields, lang = snapshot().pack.fields, current_lang()
    bad = [(b["row"], pick(fields[b["column"]].label) if b["column"] in fields else b["column"],
            Problem.from_json(b["problem"]).text(lang)) for b in job.bad or []]
    return render_template("staff/sample_impact.html", report=job, bad=bad, cancel_form=ButtonForm(),
                           row_name=_row_name)


def _row_name(company: str) -> str:
    """How the report names a row: a generated company in the page's language, a sample file's row as stored."""
    number = registry.row_number(company)
    return company if number is None else t("staff.sample.registry_row", n=number)


@bp.post("/sample-impacts/<int:job_id>/cancel")
@staff_required
def cancel_sample_impact(job_id: int):
    """Stop a sample or registry preview that has not finished (what it compared so far stays, shown as partial)."""
    job = _job(job_id)
    if ButtonForm().validate_on_submit() and cancel_sample(db(), job):
        db().commit()
        flash(t("staff.sample.cancelled"))
    return redirect(url_for("staff.sample_impact", job_id=job_id))


@bp.get("/sample-impacts/<int:job_id>.json")
@staff_required
def sample_progress(job_id: int):
    """A sample impact job's status and progress, for the page's polling."""
    return jsonify(_job(job_id).progress())
