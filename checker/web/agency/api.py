"""JSON API for agencies: check one profile, submit and poll batches, list measures (token auth)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, current_app, g, jsonify, request, url_for
from sqlalchemy import select
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from checker.accounts.tokens import token_check
from checker.accounts.users import owned
from checker.agency.jobs import cancel_job, create_job, fail_job, workers
from checker.agency.models import Job
from checker.agency.receive import store_rows
from checker.agency.results import job_items, job_problems
from checker.agency.uploads import UploadError
from checker.batch import Row
from checker.engine.answer import counts_as_eligible
from checker.intake import read_profile
from checker.problems import Problem
from checker.rules.profile import ProfileError
from checker.sheets.verdicts import ClientVerdicts, money
from checker.web import limits
from checker.web.agency import apiargs, apiprofile
from checker.web.agency.common import get_owned, job_from_file, setting, state
from checker.web.agency.openapi import openapi_document
from checker.web.agency.views import progress_of, too_large_text
from checker.web.services import db, pack, services

bp = Blueprint("agency_api", __name__, url_prefix="/api/v1")
PUBLIC = {"agency_api.openapi"}
BATCH_KEYS = {"rows", "as_of", "lang", "name"}
FILE_FORMATS = ("csv", "xlsx", "jsonl")
CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 413: "too_large", 415: "unsupported_media_type"}
MEDIA_TYPES = {"agency_api.check": ("application/json",),
               "agency_api.submit_batch": ("application/json", "multipart/form-data")}
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
    wait = limits.auth_failure_wait(current_app)
    if wait:  # this address failed too often: refused before any token is looked up
        response, status = error(429, "rate_limited", "too many failed API token authentications from this address")
        response.headers["Retry-After"] = str(wait)
        return response, status
    header = request.headers.get("Authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else ""
    found, why = token_check(db(), token)
    if found is None or found.role != "agency" or found.agency_id is None:
        limits.auth_failed(current_app)
        reason = TOKEN_REFUSALS.get(why, "a valid agency API token is required")
        response, status = error(401, "unauthorized", reason)
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
        return response, status
    g.api_user = found
    return _media_type()


def _media_type():
    """A 415 when a POST names a Content-Type its operation does not read (no Content-Type: the body is tried as JSON)."""
    allowed = MEDIA_TYPES.get(request.endpoint or "")
    if allowed is None or not request.mimetype or request.mimetype in allowed:
        return None
    return error(415, "unsupported_media_type", f"Content-Type must be {' or '.join(allowed)}, not {request.mimetype}")


@bp.errorhandler(404)
def _not_found(_exc):
    return error(404, "not_found", "no such resource")


@bp.errorhandler(413)
def _too_large(_exc):
    """The body is over the limit: said in Chinese (English with ?lang=en), with the limit in bytes."""
    lang = "en" if request.args.get("lang") == "en" else "zh"
    return error(413, "too_large", too_large_text(lang), max_bytes=request.max_content_length)


def bad_argument(exc: apiargs.BadArgument):
    """A 400 naming the argument."""
    return error(400, "bad_request", str(exc), problems=[{"field": exc.name, "message": str(exc)}])


def json_errors(app: Flask) -> None:
    """Answer every error under /api/ as JSON (unknown routes, wrong methods...), other paths as before."""
    for code in (400, 404, 405, 413):
        previous = app.error_handler_spec.get(None, {}).get(code, {})
        fallback = next(iter(previous.values()), None)

        def handle(exc: HTTPException, fallback: Any = fallback):
            if request.path.startswith("/api/"):
                response = error(exc.code or 500, CODES.get(exc.code or 500, "error"), exc.description or exc.name)
                if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
                    response[0].headers["Allow"] = ", ".join(sorted(exc.valid_methods))
                return response
            return fallback(exc) if fallback is not None else exc

        app.register_error_handler(code, handle)


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3 description of this API."""
    base = url_for("agency_api.openapi", _external=False).rsplit("/", 1)[0]
    return jsonify(openapi_document(base, pack(), setting("AGENCY_MAX_ROWS")))


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
    try:
        as_of, lang = apiargs.as_of(apiargs.get(request.args, "as_of")), apiargs.lang(apiargs.get(request.args, "lang"))
        if "profile" in body:
            extra = sorted(set(body) - {"profile", "as_of", "lang"})
            if extra or not isinstance(body["profile"], dict):
                return error(400, "bad_request", 'the body is {"profile": {...}, "as_of": ..., "lang": ...}'
                             + (f"; unknown keys: {', '.join(extra)}" if extra else ""))
            as_of = apiargs.as_of(body["as_of"]) if "as_of" in body else as_of
            lang = apiargs.lang(body["lang"]) if "lang" in body else lang
    except apiargs.BadArgument as exc:
        return bad_argument(exc)
    profile = body.get("profile", body)
    refused = apiprofile.profile_problems(pack(), profile)
    if refused:
        return error(400, "invalid_profile", "some answers are not what the API document allows", problems=refused)
    try:
        values = read_profile(pack(), profile, as_of)
    except ProfileError as exc:  # well formed, but a check digit or a consistency check fails
        problems = [{"field": p.field, **p.problem.to_json()} for p in exc.problems]
        return error(422, "inconsistent_profile", "some answers contradict each other", problems=problems)
    checker = services().checker
    return jsonify({**checker.check(values, as_of, lang).to_json(), "backend": checker.backend})


def _rows(items: list[Any]) -> list[Row]:
    """API batch items as rows (non-objects become bad rows)."""
    return [Row(i, item) if isinstance(item, dict) else Row(i, {}, Problem("problem.row_not_object"))
            for i, item in enumerate(items, 1)]


def _file_batch():
    """Queue a batch from an uploaded CSV/XLSX/JSONL file (multipart field 'file'; form fields as_of, lang, format)."""
    upload = request.files["file"]
    try:
        as_of, lang = apiargs.as_of(apiargs.get(request.form, "as_of")), apiargs.lang(apiargs.get(request.form, "lang"))
        kind = request.form.get("format")
        if kind is not None and kind not in FILE_FORMATS:
            raise apiargs.BadArgument("format", f"must be one of {', '.join(FILE_FORMATS)}")
    except apiargs.BadArgument as exc:
        return bad_argument(exc)
    if kind and Path(upload.filename or "").suffix.lower() != f".{kind}":
        upload.filename = f"{Path(upload.filename or 'upload').stem or 'upload'}.{kind}"
    try:
        job = job_from_file(upload, g.api_user, as_of, lang)
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
    if not isinstance(body, dict) or not isinstance(body.get("rows"), list) or set(body) - BATCH_KEYS:
        return error(400, "bad_request", 'the body must be {"rows": [...], "as_of": ..., "lang": ..., "name": ...}')
    if not body["rows"] or len(body["rows"]) > setting("AGENCY_MAX_ROWS"):
        return error(400, "too_many_rows" if body["rows"] else "bad_request",
                     f"rows: from 1 to {setting('AGENCY_MAX_ROWS')} rows")
    name = body.get("name", "api")
    if not isinstance(name, str) or len(name) > 255:
        return error(400, "bad_request", "name: a text of at most 255 characters")
    try:
        as_of, lang = apiargs.as_of(apiargs.get(body, "as_of")), apiargs.lang(apiargs.get(body, "lang"))
    except apiargs.BadArgument as exc:
        return bad_argument(exc)
    job = create_job(db(), g.api_user, name or "api", (), as_of, lang, pack().version)
    db().commit()  # the job first, then its rows in short transactions: a large batch never holds the write lock long
    try:
        store_rows(services().sessions, job.id, _rows(body["rows"]))
    except Exception:
        fail_job(services().sessions, job.id, "the rows could not be stored")
        raise
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
    try:
        offset = apiargs.count(apiargs.get(request.args, "offset"), "offset", 0, apiargs.MAX_OFFSET)
        limit = apiargs.count(apiargs.get(request.args, "limit"), "limit", 1000, apiargs.MAX_LIMIT)
    except apiargs.BadArgument as exc:
        return bad_argument(exc)
    items = list(job_items(db(), job_id, limit, offset))
    results = [stored_result(i) for i in items]
    problems = [{"row": p.row, "field": p.field, "client": p.client, "name": p.name, **p.problem.to_json()}
                for p in job_problems(db(), job_id)]
    return jsonify({**progress_of(job), "problems": problems, "results": results, "offset": offset, "limit": limit,
                    "workers": workers(db(), job_id)})


def stored_result(item: ClientVerdicts) -> dict[str, Any]:
    """A client's stored result as the API gives it, with the 可申报 count and money by type of every other output
    (answer.counts_as_eligible) and, per measure, whether it is counted. money_wan is the one money figure (the stored
    totals of one tax scenario), so the stored totals themselves, which older rows lack, are not repeated."""
    count, sums, _ = money(pack(), item.result)
    results = [{**r, "counted": counts_as_eligible(r)} for r in item.result.get("results", [])]
    kept = {k: v for k, v in item.result.items() if k != "totals"}
    return {"row": item.row, "client": item.key, **kept, "results": results, "eligible_count": count,
            "money_wan": sums, "backend": item.backend}


@bp.post("/batches/<int:job_id>/cancel")
def cancel_batch(job_id: int):
    """Cancel a batch that has not finished."""
    job = get_owned(Job, job_id, g.api_user)
    cancel_job(db(), job)
    db().commit()
    return jsonify(progress_of(job))
