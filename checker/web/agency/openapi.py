"""The OpenAPI 3 description of the agency API, written by hand."""

from __future__ import annotations

from typing import Any

ERROR = {"type": "object", "required": ["error", "message"],
         "properties": {"error": {"type": "string"}, "message": {"type": "string"},
                        "problems": {"type": "array", "items": {"$ref": "#/components/schemas/Problem"}}}}
PROBLEM = {"type": "object", "required": ["field", "message"],
           "properties": {"row": {"type": "integer"}, "field": {"type": "string"}, "message": {"type": "string"}}}
CRITERION = {"type": "object", "properties": {"id": {"type": "string"}, "status": {"type": "string", "enum": ["met", "not_met", "unknown"]},
                                              "value": {}, "threshold": {}, "missing": {"type": "array", "items": {"type": "string"}}}}
MEASURE_RESULT = {
    "type": "object", "required": ["measure", "status", "criteria", "missing", "benefit"],
    "properties": {
        "measure": {"type": "string"},
        "status": {"type": "string", "enum": ["eligible", "undetermined", "ineligible"]},
        "criteria": {"type": "array", "items": {"$ref": "#/components/schemas/Criterion"}},
        "missing": {"type": "array", "items": {"type": "string"}},
        "benefit": {"type": "object", "properties": {"amount_wan": {"type": "number", "nullable": True}, "text": {"type": "string"}}},
        "values": {"type": "object", "additionalProperties": True},
    }}
CHECK_RESULT = {"type": "object", "required": ["rulepack", "as_of", "results"],
                "properties": {"rulepack": {"type": "string"}, "as_of": {"type": "string", "format": "date"},
                               "results": {"type": "array", "items": {"$ref": "#/components/schemas/MeasureResult"}}}}
PROGRESS = {"type": "object", "required": ["id", "status", "total", "done", "errors"],
            "properties": {"id": {"type": "integer"},
                           "status": {"type": "string", "enum": ["queued", "running", "done", "cancelled", "failed"]},
                           "total": {"type": "integer"}, "done": {"type": "integer"}, "errors": {"type": "integer"},
                           "checked": {"type": "integer"}, "percent": {"type": "number"}, "finished": {"type": "boolean"},
                           "rulepack": {"type": "string"}, "as_of": {"type": "string", "format": "date"},
                           "message": {"type": "string"}, "url": {"type": "string"}}}
BATCH = {"allOf": [{"$ref": "#/components/schemas/Progress"}, {"type": "object", "properties": {
    "problems": {"type": "array", "items": {"$ref": "#/components/schemas/Problem"}},
    "results": {"type": "array", "items": {"allOf": [{"$ref": "#/components/schemas/CheckResult"}, {"type": "object", "properties": {
        "row": {"type": "integer"}, "client": {"type": "string"}}}]}},
    "offset": {"type": "integer"}, "limit": {"type": "integer"}}}]}


def _json(schema: str, description: str) -> dict[str, Any]:
    """A JSON response of a component schema."""
    return {"description": description, "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}


def _errors(*codes: str) -> dict[str, Any]:
    """Error responses."""
    return {code: _json("Error", "error") for code in codes}


def _paths() -> dict[str, Any]:
    """Every operation of the API."""
    job_id = {"name": "job_id", "in": "path", "required": True, "schema": {"type": "integer"}}
    profile_body = {"required": True, "content": {"application/json": {"schema": {"type": "object", "additionalProperties": True}}}}
    batch_body = {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": ["rows"],
        "properties": {"rows": {"type": "array", "items": {"type": "object", "additionalProperties": True}},
                       "as_of": {"type": "string", "format": "date"}, "lang": {"type": "string", "enum": ["zh", "en"]},
                       "name": {"type": "string"}}}}}}
    return {
        "/measures": {"get": {"operationId": "listMeasures", "summary": "Measures of the current rule pack",
                              "responses": {"200": {"description": "measures", "content": {"application/json": {"schema": {
                                  "type": "object", "properties": {"rulepack": {"type": "string"},
                                                                   "measures": {"type": "array", "items": {"type": "object"}}}}}}},
                                            **_errors("401")}}},
        "/check": {"post": {"operationId": "checkProfile", "summary": "Check one profile (the CLI's check JSON)",
                            "parameters": [{"name": "as_of", "in": "query", "schema": {"type": "string", "format": "date"}},
                                           {"name": "lang", "in": "query", "schema": {"type": "string", "enum": ["zh", "en"]}}],
                            "requestBody": profile_body,
                            "responses": {"200": _json("CheckResult", "verdicts"), **_errors("400", "401")}}},
        "/batches": {
            "post": {"operationId": "submitBatch", "summary": "Queue a batch of profiles", "requestBody": batch_body,
                     "responses": {"202": _json("Progress", "queued"), **_errors("400", "401", "413")}},
            "get": {"operationId": "listBatches", "summary": "The agency's batches",
                    "responses": {"200": {"description": "batches", "content": {"application/json": {"schema": {
                        "type": "object", "properties": {"batches": {"type": "array", "items": {"$ref": "#/components/schemas/Progress"}}}}}}},
                        **_errors("401")}}},
        "/batches/{job_id}": {"get": {"operationId": "getBatch", "summary": "Progress, problems and results of a batch",
                                      "parameters": [job_id, {"name": "offset", "in": "query", "schema": {"type": "integer"}},
                                                     {"name": "limit", "in": "query", "schema": {"type": "integer"}}],
                                      "responses": {"200": _json("Batch", "the batch"), **_errors("401", "404")}}},
        "/batches/{job_id}/cancel": {"post": {"operationId": "cancelBatch", "summary": "Cancel a batch", "parameters": [job_id],
                                              "responses": {"200": _json("Progress", "cancelled"), **_errors("401", "404")}}},
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
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": ERROR, "Problem": PROBLEM, "Criterion": CRITERION, "MeasureResult": MEASURE_RESULT,
                        "CheckResult": CHECK_RESULT, "Progress": PROGRESS, "Batch": BATCH},
        },
    }
