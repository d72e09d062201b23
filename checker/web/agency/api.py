"""JSON API for agencies: check one profile, submit and poll batches, list measures (token auth)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, g, jsonify, request, url_for
from sqlalchemy import select

from checker.agency.accounts import owned, token_check
from checker.agency.jobs import cancel_job, create_job
from checker.agency.models import Job
from checker.agency.results import job_items, job_problems
from checker.agency.uploads import UploadError
from checker.batch import Row
from checker.intake import read_profile
from checker.profile import ProfileError
from checker.web.agency.common import get_owned, job_from_file, setting, state
from checker.web.agency.openapi import openapi_document
from checker.web.agency.views import progress_of
from checker.web.services import db, pack, services

bp = Blueprint("agency_api", __name__, url_prefix="/api/v1")
PUBLIC = {"agency_api.openapi"}
TOKEN_REFUSALS = {"expired": "this API token has expired; create a new one on the tokens page",
                  "revoked": "this API token was revoked; create a new one on the tokens page"}


def error(status: int, code: str, message: str, **extra: Any):
    """A JSON error response."""
    return jsonify({"error": code, "message": message, **extra}), status


@bp.url_value_preprocessor
def _limits(_endpoint: str | None, _values: dict | None) -> None:
    """Allow batch submissions up to the upload limit."""
    if request.endpoint == "agency_api.submit_batch":
        request.max_content_length = setting("AGENCY_MAX_UPLOAD")


@bp.before_request
def _authenticate():
    """Every endpoint but the OpenAPI document needs an agency's bearer token."""
    if request.endpoint in PUBLIC:
        return None
    header = request.headers.get("Authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else ""
    found, why = token_check(db(), token)
    if found is None or found.role != "agency" or found.agency_id is None:
        reason = TOKEN_REFUSALS.get(why, "a valid agency API token is required")
        response, status = error(401, "unauthorized", reason)
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
        return response, status
    g.api_user = found
    return None


@bp.errorhandler(404)
def _not_found(_exc):
    return error(404, "not_found", "no such resource")


@bp.errorhandler(413)
def _too_large(_exc):
    return error(413, "too_large", "the request body is too large")


def _as_of(text: Any) -> dt.date | None:
    """An ISO date, today when absent, None when malformed."""
    if text in (None, ""):
        return dt.date.today()
    try:
        return dt.date.fromisoformat(str(text))
    except ValueError:
        return None


def _lang(text: Any) -> str:
    """zh or en."""
    return "en" if text == "en" else "zh"


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3 description of this API."""
    return jsonify(openapi_document(url_for("agency_api.openapi", _external=False).rsplit("/", 1)[0]))


@bp.get("/measures")
def measures():
    """The measures of the current rule pack."""
    items = [{"id": m.id, "title": {"zh": m.spec.title.zh, "en": m.spec.title.en}, "kind": m.spec.kind,
              "entities": list(m.spec.entities or [])} for m in pack().measures]
    return jsonify({"rulepack": pack().version, "measures": items})


@bp.post("/check")
def check():
    """Check one profile; the body is the profile, or {"profile": ..., "as_of": ..., "lang": ...}."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return error(400, "bad_request", "the body must be a JSON object")
    profile = body["profile"] if isinstance(body.get("profile"), dict) else body
    as_of = _as_of(body.get("as_of") if profile is not body else request.args.get("as_of"))
    if as_of is None:
        return error(400, "invalid_profile", "as_of must be YYYY-MM-DD", problems=[{"field": "as_of", "message": "not a date"}])
    lang = _lang(body.get("lang") if profile is not body else request.args.get("lang"))
    try:
        values = read_profile(pack(), profile, as_of)
    except ProfileError as exc:
        problems = [{"field": p.field, "message": p.message} for p in exc.problems]
        return error(400, "invalid_profile", "some answers are invalid", problems=problems)
    return jsonify(services().checker.check(values, as_of, lang).to_json())


def _rows(items: list[Any]) -> list[Row]:
    """API batch items as rows (non-objects become bad rows)."""
    return [Row(i, item) if isinstance(item, dict) else Row(i, {}, "each row must be a JSON object")
            for i, item in enumerate(items, 1)]


def _file_batch():
    """Queue a batch from an uploaded CSV/XLSX/JSONL file (multipart field 'file'; form fields as_of, lang)."""
    upload = request.files["file"]
    as_of = _as_of(request.form.get("as_of"))
    if as_of is None:
        return error(400, "bad_request", "as_of must be YYYY-MM-DD")
    try:
        job = job_from_file(upload, g.api_user, as_of, _lang(request.form.get("lang")))
    except UploadError as exc:
        db().rollback()
        return error(400, "bad_file", str(exc))
    return _queued(job)


def _queued(job: Job):
    """Commit a new job, hand it to the runner and answer 202 with its URL."""
    db().commit()
    state().runner.submit(job.id)
    db().refresh(job)
    url = url_for("agency_api.batch", job_id=job.id)
    return jsonify({**progress_of(job), "url": url}), 202, {"Location": url}


@bp.post("/batches")
def submit_batch():
    """Queue a batch: JSON {"rows": [profile, ...], "as_of": ..., "lang": ..., "name": ...}, or a multipart 'file'."""
    if "file" in request.files:
        return _file_batch()
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("rows"), list):
        return error(400, "bad_request", 'the body must be {"rows": [...]}')
    if len(body["rows"]) > setting("AGENCY_MAX_ROWS"):
        return error(400, "too_many_rows", f"at most {setting('AGENCY_MAX_ROWS')} rows")
    as_of = _as_of(body.get("as_of"))
    if as_of is None:
        return error(400, "bad_request", "as_of must be YYYY-MM-DD")
    job = create_job(db(), g.api_user, str(body.get("name") or "api"), _rows(body["rows"]), as_of,
                     _lang(body.get("lang")), pack().version)
    return _queued(job)


@bp.get("/batches")
def batches():
    """The agency's batches, newest first."""
    jobs = db().scalars(owned(select(Job), g.api_user).order_by(Job.id.desc()).limit(100))
    return jsonify({"batches": [progress_of(j) for j in jobs]})


@bp.get("/batches/<int:job_id>")
def batch(job_id: int):
    """A batch's progress, rejected rows and (paged by offset/limit) results."""
    job = get_owned(Job, job_id, g.api_user)
    offset = max(request.args.get("offset", 0, type=int), 0)
    limit = min(max(request.args.get("limit", 1000, type=int), 0), 5000)
    items = list(job_items(db(), job_id, limit, offset))
    results = [{"row": i.row, "client": i.key, **i.result} for i in items]
    problems = [{"row": r, "field": f, "message": m} for r, f, m in job_problems(db(), job_id)]
    return jsonify({**progress_of(job), "problems": problems, "results": results, "offset": offset, "limit": limit})


@bp.post("/batches/<int:job_id>/cancel")
def cancel_batch(job_id: int):
    """Cancel a batch that has not finished."""
    job = get_owned(Job, job_id, g.api_user)
    cancel_job(db(), job)
    db().commit()
    return jsonify(progress_of(job))
