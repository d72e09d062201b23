"""The OpenAPI 3 description of the agency API, written by hand."""

from __future__ import annotations

from typing import Any

STR: dict[str, Any] = {"type": "string"}
INT: dict[str, Any] = {"type": "integer"}
DATE: dict[str, Any] = {"type": "string", "format": "date"}
ANY_OBJECT: dict[str, Any] = {"type": "object", "additionalProperties": True}


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
    return {
        "Error": obj({"error": STR, "message": STR, "problems": arr(ref("Problem"))}, ["error", "message"]),
        "Problem": obj({"row": INT, "field": STR, "message": STR}, ["field", "message"]),
        "Criterion": obj({"id": STR, "status": enum("met", "not_met", "unknown"), "value": {}, "threshold": {},
                          "missing": arr(STR)}),
        "MeasureResult": obj({"measure": STR, "status": enum("eligible", "undetermined", "ineligible"),
                              "criteria": arr(ref("Criterion")), "missing": arr(STR), "benefit": benefit,
                              "values": ANY_OBJECT}, ["measure", "status", "criteria", "missing", "benefit"]),
        "CheckResult": obj({"rulepack": STR, "as_of": DATE, "results": arr(ref("MeasureResult"))},
                           ["rulepack", "as_of", "results"]),
        "Progress": obj({"id": INT, "status": enum("queued", "running", "done", "cancelled", "failed"), "total": INT,
                         "done": INT, "errors": INT, "checked": INT, "percent": {"type": "number"},
                         "finished": {"type": "boolean"}, "rulepack": STR, "as_of": DATE, "message": STR, "url": STR},
                        ["id", "status", "total", "done", "errors"]),
        "StoredResult": obj({"row": INT, "client": STR, "rulepack": STR, "as_of": DATE, "results": arr(obj({
            "measure": STR, "status": enum("eligible", "undetermined", "ineligible"),
            "amount_wan": {"type": "number", "nullable": True}, "failed": arr(STR), "missing": arr(STR)},
            ["measure", "status", "amount_wan"]))}, ["rulepack", "as_of", "results"]),
        "Batch": {"allOf": [ref("Progress"), obj({
            "problems": arr(ref("Problem")),
            "results": arr(ref("StoredResult")),
            "offset": INT, "limit": INT})]},
    }


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    """A JSON response or body of a schema."""
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: str) -> dict[str, Any]:
    """Error responses."""
    return {code: _json(ref("Error"), "error") for code in codes}


def _paths() -> dict[str, Any]:
    """Every operation of the API."""
    job_id = {"name": "job_id", "in": "path", "required": True, "schema": INT}
    query = [{"name": "as_of", "in": "query", "schema": DATE}, {"name": "lang", "in": "query", "schema": enum("zh", "en")}]
    page = [{"name": "offset", "in": "query", "schema": INT}, {"name": "limit", "in": "query", "schema": INT}]
    batch_body = obj({"rows": arr(ANY_OBJECT), "as_of": DATE, "lang": enum("zh", "en"), "name": STR}, ["rows"])
    measures = obj({"rulepack": STR, "measures": arr({"type": "object"})})
    return {
        "/measures": {"get": {"operationId": "listMeasures", "summary": "Measures of the current rule pack",
                              "responses": {"200": _json(measures, "measures"), **_errors("401")}}},
        "/check": {"post": {"operationId": "checkProfile", "summary": "Check one profile (the CLI's check JSON)",
                            "parameters": query,
                            "requestBody": {"required": True, "content": {"application/json": {"schema": ANY_OBJECT}}},
                            "responses": {"200": _json(ref("CheckResult"), "verdicts"), **_errors("400", "401")}}},
        "/batches": {
            "post": {"operationId": "submitBatch", "summary": "Queue a batch of profiles",
                     "requestBody": {"required": True, "content": {
                         "application/json": {"schema": batch_body},
                         "multipart/form-data": {"schema": obj({"file": {"type": "string", "format": "binary"}, "as_of": DATE,
                                                                "lang": enum("zh", "en")}, ["file"])}}},
                     "responses": {"202": _json(ref("Progress"), "queued"), **_errors("400", "401", "413")}},
            "get": {"operationId": "listBatches", "summary": "The agency's batches",
                    "responses": {"200": _json(obj({"batches": arr(ref("Progress"))}), "batches"), **_errors("401")}}},
        "/batches/{job_id}": {"get": {"operationId": "getBatch", "summary": "Progress, problems and results of a batch",
                                      "parameters": [job_id, *page],
                                      "responses": {"200": _json(ref("Batch"), "the batch"), **_errors("401", "404")}}},
        "/batches/{job_id}/cancel": {"post": {
            "operationId": "cancelBatch", "summary": "Cancel a batch", "parameters": [job_id],
            "responses": {"200": _json(ref("Progress"), "cancelled"), **_errors("401", "404")}}},
    }


def openapi_document(base: str = "/api/v1") -> dict[str, Any]:
    """The OpenAPI 3.0 document; base is the server URL prefix."""
    return {
        "openapi": "3.0.3",
        "info": {"title": "Policy checker agency API", "version": "1.0.0",
                 "description": "Check company profiles against the Beijing / Zhongguancun / Haidian rule pack."},
        "servers": [{"url": base}],
        "security": [{"bearer": []}],
        "paths": _paths(),
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}, "schemas": schemas()},
    }
