"""Impact previews on the staff pages: started (or reused) as background jobs, followed by polling a small status."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, abort, current_app, jsonify

from checker.jobs.runners import JobRunner, runners
from checker.rules.pack import RulePack
from checker.staff.impact_job import impact_work, pending_impacts
from checker.staff.impact_models import ImpactJob
from checker.web.services import Services, db, resume_jobs
from checker.web.staff.common import bp, staff_required

KEY = "staff_impact"


def make_impact_runner(app: Flask, services: Services, seeds: Path) -> JobRunner:
    """The runner of impact jobs (the app's checker.jobs runner factory; no Celery tasks): inline or a thread."""
    engine = app.config["CHECKER_ENGINE"]
    size = int(app.config.get("STAFF_IMPACT_CHUNK", 500))
    work = impact_work(services.sessions, seeds, engine, size, lambda seq: live_pack(services, seq))
    return runners(app).make(work, "staff-impacts")


def live_pack(services: Services, seq: int) -> RulePack | None:
    """The live pack when it is this version (already loaded), else None."""
    snap = services.live.current() if services.live is not None else None
    return snap.pack if snap is not None and snap.seq == seq else None


def init_impacts(app: Flask, services: Services, seeds: Path) -> None:
    """Give the app its impact runner and resume the jobs a stopped server left unfinished."""
    runner = app.extensions[KEY] = make_impact_runner(app, services, seeds)
    resume_jobs(app, services, runner, pending_impacts)


def follow(job: ImpactJob) -> ImpactJob:
    """Commit the job, hand it to the runner unless it has ended, and read it again (an inline run has moved it)."""
    db().commit()
    if not job.finished:
        current_app.extensions[KEY].submit(job.id)
        db().refresh(job)
    return job


@bp.get("/impact-jobs/<int:job_id>.json")
@staff_required
def impact_progress(job_id: int):
    """An impact job's status and progress, for the page's polling."""
    found = db().get(ImpactJob, job_id) if 0 <= job_id <= 2**31 - 1 else None
    if found is None:
        abort(404)
    return jsonify(found.progress())
