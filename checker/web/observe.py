"""Observability: one JSON log line per request, an X-Request-ID on every response, /health, and 500s naming the request."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys
import time
import uuid

from flask import Flask, Response, current_app, g, jsonify, request
from markupsafe import escape
from sqlalchemy import inspect, text
from werkzeug.exceptions import InternalServerError

log = logging.getLogger("checker.access")
REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")
HEADER = "X-Request-ID"


class JsonLines(logging.Formatter):
    """Each record as one JSON object: time, level, logger, message and the record's `fields`."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as a JSON line."""
        data = {"ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
                "level": record.levelname.lower(), "logger": record.name, "message": record.getMessage()}
        data.update(getattr(record, "fields", {}))
        return json.dumps(data, ensure_ascii=False, default=str)


class StderrHandler(logging.StreamHandler):
    """Writes to the current sys.stderr (not the one at start-up, which test runners swap)."""

    def emit(self, record: logging.LogRecord) -> None:
        """Write the record to today's stderr."""
        self.stream = sys.stderr
        super().emit(record)


def _install_handler() -> None:
    """Send access logs as JSON lines to stderr, once per process."""
    if not any(isinstance(h, StderrHandler) for h in log.handlers):
        handler = StderrHandler()
        handler.setFormatter(JsonLines())
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False


def request_id() -> str:
    """The current request's id."""
    return g.get("request_id", "")


def _start() -> None:
    """Take a well-formed incoming X-Request-ID or make one; start the clock."""
    incoming = request.headers.get(HEADER, "")
    g.request_id = incoming if REQUEST_ID.match(incoming) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _finish(response: Response) -> Response:
    """Return the request id and write the access line."""
    rid = g.get("request_id") or uuid.uuid4().hex
    response.headers[HEADER] = rid
    started = g.get("request_started")
    duration = round((time.perf_counter() - started) * 1000, 2) if started else None
    fields = {"request_id": rid, "method": request.method, "path": request.path, "status": response.status_code,
              "duration_ms": duration, "remote": request.remote_addr}
    log.info("request", extra={"fields": fields})
    return response


def _probe(engine) -> None:
    """Read, then write and roll back one row (the migration marker): raises when the database refuses either."""
    with engine.connect() as connection:
        connection.execute(text("SELECT 1")).scalar_one()
        if inspect(connection).has_table("alembic_version"):
            connection.execute(text("INSERT INTO alembic_version (version_num) VALUES ('health-probe')"))
        connection.rollback()


def health():
    """The database answers and accepts writes, and which rule pack is loaded; 503 when it does not."""
    services = current_app.extensions["checker"]
    refused = services.refused
    body = {"status": "ok", "database": "ok", "rulepack": services.pack.version, "measures": len(services.pack.measures),
            "rules_refused": refused.as_json() if refused is not None else None}
    try:
        _probe(services.engine)
    except Exception as exc:  # any failure to reach or write the database makes the instance unhealthy
        log.warning("health check failed", extra={"fields": {"request_id": request_id(), "error": type(exc).__name__}})
        body.update(status="unavailable", database=f"error: {type(exc).__name__}: {_first_line(exc)}")
        return jsonify(body), 503
    return jsonify(body)


def _first_line(exc: Exception) -> str:
    """The first line of an error's text, short (driver messages carry the statement after it)."""
    return str(getattr(exc, "orig", None) or exc).splitlines()[0][:200] if str(exc) else ""


def server_error(exc: InternalServerError):
    """A 500 that names the request id (JSON under /api/), logged as one JSON line."""
    original = getattr(exc, "original_exception", None) or exc
    rid = request_id()
    log.error("unhandled error", extra={"fields": {"request_id": rid, "path": request.path, "error": type(original).__name__}})
    if request.path.startswith("/api/"):
        return jsonify({"error": "server_error", "message": "the request failed; nothing was saved", "request_id": rid}), 500
    body = (f"<!doctype html><title>500</title><h1>500</h1><p class=\"error\">The request failed and nothing was saved. "
            f"Please try again. Reference: <code>{escape(rid)}</code></p>")
    return body, 500


def init_app(app: Flask) -> None:
    """Register the request-id and access-log hooks and the /health endpoint. Idempotent."""
    if app.extensions.get("observe"):
        return
    app.extensions["observe"] = True
    _install_handler()
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request(_finish)
    app.add_url_rule("/health", "health", health, methods=["GET"])
    app.register_error_handler(InternalServerError, server_error)
    limiter = app.extensions.get("checker_limiter")
    if limiter is not None:
        limiter.exempt(health)
