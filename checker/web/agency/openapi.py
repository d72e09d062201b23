"""The OpenAPI 3 description of the agency API, written by hand."""

from __future__ import annotations

from typing import Any

from checker.web.agency.apiprofile import profile_schema

STR: dict[str, Any] = {"type": "string"}
INT: dict[str, Any] = {"type": "integer"}
NUMBER_OR_NULL: dict[str, Any] = {"type": "number", "nullable": True}
MONEY = ("cash", "tax_saving", "financing")  # money_wan of a stored result: known sums by type (null: none known)
DATE: dict[str, Any] = {"type": "string", "format": "date"}
ANY_OBJECT: dict[str, Any] = {"type": "object", "additionalProperties": True}
AS_OF: dict[str, Any] = {"type": "string", "format": "date", "pattern": r"^20[0-9]{2}-[0-9]{2}-[0-9]{2}$",
                         "description": "a date from 2000-01-01 to 2099-12-31 (default today)"}
LANG: dict[str, Any] = {"type": "string", "enum": ["zh", "en"]}
BACKEND: dict[str, Any] = {"type": "string", "nullable": True, "example": "vector+durable-sample",
                           "description": "what decided the verdicts: durable (durable-rules, single checks) or "
                                          "vector+durable-sample (numpy over the batch, a sample re-checked by "
                                          "durable-rules); null for results stored before backends were recorded"}
CHECK_NOTE = ("Each answer is its JSON type within the field's bounds, or null for unknown; anything else is a 400 "
              "invalid_profile naming the field. A 422 inconsistent_profile names answers the schema allows but that "
              "contradict each other (the pack's consistency checks) or a credit code whose check digit is wrong.")
BATCH_NOTE = ("JSON rows are read like an uploaded file (lenient cells): a bad cell or a row that is not an object "
              "becomes a row problem of the batch, never a refusal. A multipart file is saved, its first row read "
              "(a file unreadable as its format, CSV, XLSX or JSONL, is a 400 bad_file) and the 202 answered; the "
              "job runner then reads its rows (status queued, total growing), and a file unreadable further on "
              "fails the job with the reason in its message. A body over the upload limit (AGENCY_MAX_UPLOAD, "
              "200 MB by default) is a 413 too_large, its message in Chinese (English with ?lang=en).")


def ref(name: str) -> dict[str, Any]:
    """A reference to a component schema."""
    return {"$ref": f"#/components/schemas/{name}"}


def arr(items: dict[str, Any]) -> dict[str, Any]:
    """An array schema."""
    return {"type": "array", "items": items}


def obj(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    """An object schema."""
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return schema


def enum(*values: str) -> dict[str, Any]:
    """A string enumeration."""
    return {"type": "string", "enum": list(values)}


def schemas() -> dict[str, Any]:
    """The component schemas."""
    benefit = obj({"amount_wan": {"type": "number", "nullable": True}, "text": STR})
    version = {**obj({"from": {**DATE, "nullable": True}, "to": {**DATE, "nullable": True}}, ["from", "to"]),
               "description": "the dated version of the measure that decided (to inclusive; null: open); "
                              "only on a measure whose rule file has dated versions"}
    return {
        "Error": obj({"error": STR, "message": STR, "problems": arr(ref("Problem"))}, ["error", "message"]),
        "Problem": obj({"row": INT, "field": STR, "client": STR, "name": STR, "message": STR, "code": STR,
                        "params": {"type": "object"}},
                       ["field", "message"]),
        "Criterion": obj({"id": STR, "status": enum("met", "not_met", "unknown"), "value": {}, "threshold": {},
                          "missing": arr(STR)}),
        "MeasureResult": obj({"measure": STR, "status": enum("eligible", "undetermined", "ineligible"),
                              "criteria": arr(ref("Criterion")), "missing": arr(STR), "benefit": benefit,
                              "values": ANY_OBJECT, "version": version},
                             ["measure", "status", "criteria", "missing", "benefit"]),
        "CheckResult": obj({"rulepack": STR, "backend": BACKEND, "as_of": DATE, "results": arr(ref("MeasureResult"))},
                           ["rulepack", "as_of", "results"]),
        "Progress": obj({"id": INT, "status": enum("queued", "running", "done", "cancelled", "failed"), "total": INT,
                         "done": INT, "errors": INT, "checked": INT, "percent": {"type": "number"},
                         "finished": {"type": "boolean"}, "rulepack": STR, "backend": BACKEND, "as_of": DATE,
                         "message": STR, "url": STR},
                        ["id", "status", "total", "done", "errors"]),
        "StoredResult": obj({"row": INT, "client": STR, "rulepack": STR, "backend": BACKEND, "as_of": DATE,
                             "eligible_count": INT, "money_wan": obj({k: NUMBER_OR_NULL for k in MONEY}),
                             "results": arr(obj({
            "measure": STR, "status": enum("eligible", "undetermined", "ineligible"),
            "amount_wan": NUMBER_OR_NULL, "tax_saving_wan": NUMBER_OR_NULL, "currency": STR,
            "applicant": STR, "held": {"type": "object"}, "counted": {"type": "boolean"},
            "failed": arr(STR), "missing": arr(STR)},
            ["measure", "status", "amount_wan", "counted"]))}, ["rulepack", "as_of", "results", "eligible_count"]),
        "Batch": {"allOf": [ref("Progress"), obj({
            "problems": arr(ref("Problem")),
            "results": arr(ref("StoredResult")),
            "offset": INT, "limit": INT,
            "workers": arr(obj({"worker": STR, "backend": BACKEND, "chunks": INT, "rows": INT},
                               ["worker", "chunks", "rows"]))})]},
    }


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    """A JSON response or body of a schema."""
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERRORS = {  # what each error status means here, and the `error` codes it carries
    "400": "bad_request (a malformed body or argument, named in `problems`), invalid_profile (an answer the schema does "
           "not allow, per field), bad_file (an upload that cannot be read as CSV, XLSX or JSONL) or too_many_rows",
    "401": "unauthorized: no valid agency API token (missing, unknown, expired or revoked)",
    "404": "not_found: no such batch of this agency",
    "413": "too_large: the body exceeds the size limit (uploads: the upload limit)",
    "415": "unsupported_media_type: the Content-Type is not one this operation reads",
    "422": "inconsistent_profile: well-formed answers that contradict each other or a wrong check digit",
    "429": "rate_limited: too many calls with this token (API_RATE_LIMIT), or too many failed token authentications from "
           "this client address (API_AUTH_FAIL_LIMIT); retry after Retry-After seconds",
}
HEADERS = {"401": {"WWW-Authenticate": {"description": "the bearer scheme", "required": True, "schema": STR}},
           "429": {"Retry-After": {"description": "seconds to wait before calling again", "required": True,
                                   "schema": {**INT, "minimum": 1}}}}


def _errors(*codes: str) -> dict[str, Any]:
    """Error responses: each status with its meaning, the JSON Error body and its headers; 401 and 429 always."""
    out = {}
    for code in sorted({*codes, "401", "429"}):
        out[code] = _json(ref("Error"), ERRORS[code])
        if code in HEADERS:
            out[code]["headers"] = HEADERS[code]
    return out


def _paths(pack: Any = None, max_rows: int = 100_000) -> dict[str, Any]:
    """Every operation of the API."""
    job_id = {"name": "job_id", "in": "path", "required": True, "schema": {**INT, "minimum": 0, "maximum": 2**31 - 1}}
    query = [{"name": "as_of", "in": "query", "schema": AS_OF}, {"name": "lang", "in": "query", "schema": LANG}]
    page = [{"name": "offset", "in": "query", "schema": {**INT, "minimum": 0, "maximum": 2**31 - 1}},
            {"name": "limit", "in": "query", "schema": {**INT, "minimum": 0, "maximum": 5000}}]
    rows = {"type": "array", "minItems": 1, "maxItems": max_rows,
            "items": {"description": "a profile object; anything else is stored as a rejected row"}}
    batch_body = {**obj({"rows": rows, "as_of": AS_OF, "lang": LANG, "name": {**STR, "maxLength": 255}}, ["rows"]),
                  "additionalProperties": False}
    profile = profile_schema(pack)
    envelope = {**obj({"profile": profile, "as_of": AS_OF, "lang": LANG}, ["profile"]), "additionalProperties": False}
    check_body = {"oneOf": [envelope, profile]} if pack is not None else ANY_OBJECT
    upload = obj({"file": {"type": "string", "format": "binary"}, "as_of": AS_OF, "lang": LANG,
                  "format": {**enum("csv", "xlsx", "jsonl"), "description": "the file's format when its name has no suffix"}},
                 ["file"])
    measures = obj({"rulepack": STR, "measures": arr({"type": "object"})})
    return {
        "/measures": {"get": {"operationId": "listMeasures", "summary": "Measures of the current rule pack",
                              "responses": {"200": _json(measures, "measures"), **_errors()}}},
        "/check": {"post": {"operationId": "checkProfile", "summary": "Check one profile (the CLI's check JSON)",
                            "parameters": query,
                            "requestBody": {"required": True, "content": {"application/json": {"schema": check_body}}},
                            "description": CHECK_NOTE,
                            "responses": {"200": _json(ref("CheckResult"), "verdicts"), **_errors("400", "413", "415", "422")}}},
        "/batches": {
            "post": {"operationId": "submitBatch", "summary": "Queue a batch of profiles",
                     "requestBody": {"required": True, "content": {
                         "application/json": {"schema": batch_body},
                         "multipart/form-data": {"schema": upload}}},
                     "description": BATCH_NOTE,
                     "responses": {"202": _json(ref("Progress"), "queued"), **_errors("400", "413", "415")}},
            "get": {"operationId": "listBatches", "summary": "The agency's batches",
                    "responses": {"200": _json(obj({"batches": arr(ref("Progress"))}), "batches"), **_errors()}}},
        "/batches/{job_id}": {"get": {"operationId": "getBatch", "summary": "Progress, problems and results of a batch",
                                      "parameters": [job_id, *page],
                                      "responses": {"200": _json(ref("Batch"), "the batch"), **_errors("400", "404")}}},
        "/batches/{job_id}/cancel": {"post": {
            "operationId": "cancelBatch", "summary": "Cancel a batch", "parameters": [job_id],
            "responses": {"200": _json(ref("Progress"), "cancelled"), **_errors("404")}}},
    }


def openapi_document(base: str = "/api/v1", pack: Any = None, max_rows: int = 100_000) -> dict[str, Any]:
    """The OpenAPI 3.0 document; base is the server URL prefix; with a pack, profiles name its fields exactly."""
    return {
        "openapi": "3.0.3",
        "info": {"title": "Policy checker agency API", "version": "1.0.0",
                 "description": "Check company profiles against the Beijing / Zhongguancun / Haidian rule pack."},
        "servers": [{"url": base}],
        "security": [{"bearer": []}],
        "paths": _paths(pack, max_rows),
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}, "schemas": schemas()},
    }
