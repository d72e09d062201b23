"""The JSON API: token auth, check one profile, batches, measures, the OpenAPI document, CSRF exemption."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from openapi_spec_validator import validate

from checker.web.agency.openapi import openapi_document
from tests.agency.conftest import PASSWORD, add_token, add_user, make_app, shut, sign_in
from tests.agency.util import GOOD, csv_bytes, upload


@pytest.fixture
def token(app, users) -> str:
    """Agency A's API token."""
    return add_token(app, users["a"])


@pytest.fixture
def api(app, token):
    """A test client and agency A's authorisation header."""
    return app.test_client(), {"Authorization": f"Bearer {token}"}


def test_every_endpoint_needs_a_valid_token(app, users):
    client = app.test_client()
    for method, url in (("get", "/api/v1/measures"), ("post", "/api/v1/check"), ("post", "/api/v1/batches"),
                        ("get", "/api/v1/batches"), ("get", "/api/v1/batches/1")):
        for headers in ({}, {"Authorization": "Bearer pc_wrong"}, {"Authorization": "Basic eDp5"}):
            response = getattr(client, method)(url, headers=headers, json={})
            assert response.status_code == 401, (url, headers)
            assert response.json["error"] == "unauthorized" and "Bearer" in response.headers["WWW-Authenticate"]


def test_tokens_are_stored_hashed_and_staff_tokens_refused(app, users, token):
    from sqlalchemy import select

    from checker.accounts.models import ApiToken

    with app.extensions["checker"].sessions() as session:
        digests = list(session.scalars(select(ApiToken.digest)))
    assert token not in digests and len(digests[0]) == 64
    staff = add_token(app, users["staff"])
    assert app.test_client().get("/api/v1/measures", headers={"Authorization": f"Bearer {staff}"}).status_code == 401


def test_check_returns_the_cli_shape(app, api):
    client, headers = api
    response = client.post("/api/v1/check?as_of=2026-06-01", headers=headers, json=GOOD)
    assert response.status_code == 200
    services = app.extensions["checker"]
    values = {k: v for k, v in GOOD.items() if k != "id"}
    expected = services.checker.check(values, dt.date(2026, 6, 1)).to_json()
    assert response.json == expected | {"backend": services.checker.backend}
    wrapped = client.post("/api/v1/check", headers=headers, json={"profile": GOOD, "as_of": "2026-06-01", "lang": "en"})
    assert wrapped.json["results"][0]["benefit"]["text"] == "10% of R&D expense"


def test_check_reports_field_errors(api):
    client, headers = api
    response = client.post("/api/v1/check", headers=headers, json={**GOOD, "employees": "many", "tech_staff": -1})
    assert response.status_code == 400 and response.json["error"] == "invalid_profile"
    assert {p["field"] for p in response.json["problems"]} == {"employees", "tech_staff"}
    assert client.post("/api/v1/check", headers=headers, data="not json").status_code == 400
    assert client.post("/api/v1/check", headers=headers, json=[1, 2]).status_code == 400
    bad_date = client.post("/api/v1/check?as_of=yesterday", headers=headers, json=GOOD)
    assert bad_date.status_code == 400 and bad_date.json["problems"][0]["field"] == "as_of"


def test_measures(app, api):
    client, headers = api
    body = client.get("/api/v1/measures", headers=headers).json
    assert body["rulepack"] == app.extensions["checker"].pack.version
    assert [m["id"] for m in body["measures"]] == ["grant-a", "relief-b", "space-c"]
    assert body["measures"][0]["title"] == {"zh": "研发补助甲", "en": "R&D grant A"}


def test_submit_and_poll_a_batch(api):
    client, headers = api
    rows = [GOOD, {**GOOD, "id": "c2", "rd_expense_wan": "?!"}, "not an object"]
    response = client.post("/api/v1/batches", headers=headers, json={"rows": rows, "as_of": "2026-06-01", "name": "api.json"})
    assert response.status_code == 202 and response.headers["Location"] == response.json["url"]
    batch = client.get(response.json["url"], headers=headers).json
    assert batch["status"] == "done" and (batch["total"], batch["done"], batch["errors"]) == (3, 3, 1)
    assert batch["problems"] == [{"row": 2, "field": "rd_expense_wan", "message": "'?!' is not a number",
                                  "code": "problem.not_a_number", "params": {"value": "?!"}, "client": "c2",
                                  "name": "c2"},
                                 {"row": 3, "field": "row", "message": "each row must be a JSON object",
                                  "code": "problem.row_not_object", "params": {}, "client": "job1-row3",
                                  "name": "job1-row3"}]
    assert [(r["row"], r["client"]) for r in batch["results"]] == [(1, "c1"), (2, "c2")]  # a bad cell is read as unknown
    assert {"rulepack", "as_of", "results"} <= set(batch["results"][0])
    assert client.get(response.json["url"] + "?offset=2", headers=headers).json["results"] == []
    listed = client.get("/api/v1/batches", headers=headers).json["batches"]
    assert [b["id"] for b in listed] == [batch["id"]]
    assert client.post(f"/api/v1/batches/{batch['id']}/cancel", headers=headers).json["status"] == "done"
    assert client.get("/api/v1/batches/999", headers=headers).status_code == 404


def test_batch_input_errors(app, api):
    client, headers = api
    assert client.post("/api/v1/batches", headers=headers, json={"rows": "x"}).status_code == 400
    assert client.post("/api/v1/batches", headers=headers, json={"rows": [], "as_of": "2026-13-01"}).status_code == 400


def test_openapi_document_is_valid_and_public(app):
    response = app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    validate(response.json)
    validate(openapi_document())
    assert set(response.json["paths"]) == {"/measures", "/check", "/batches", "/batches/{job_id}", "/batches/{job_id}/cancel"}


def test_openapi_paths_match_the_routes(app):
    routes = {r.rule.removeprefix("/api/v1").replace("<int:job_id>", "{job_id}") for r in app.url_map.iter_rules()
              if r.rule.startswith("/api/v1") and not r.rule.endswith("openapi.json")}
    assert routes == set(openapi_document()["paths"])


def test_api_is_csrf_exempt_but_the_web_forms_are_not(tmp_path):
    application = make_app(tmp_path, WTF_CSRF_ENABLED=True, TESTING=False)
    try:
        user = add_user(application, "a@example.com", "A")
        token = add_token(application, user)
        client = application.test_client()
        response = client.post("/api/v1/check", headers={"Authorization": f"Bearer {token}"}, json=GOOD)
        assert response.status_code == 200
        assert client.post("/agency/login", data={"email": "a@example.com", "password": PASSWORD}).status_code == 400
        page = client.get("/agency/login").get_data(as_text=True)
        csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        data = {"email": "a@example.com", "password": PASSWORD, "csrf_token": csrf}
        assert client.post("/agency/login", data=data).status_code == 302
        assert upload(client, "a.csv", csv_bytes([GOOD])).status_code == 400
    finally:
        shut(application)


def test_init_app_is_idempotent(app):
    from checker.web.agency import init_app

    assert init_app(app) is app.extensions["agency"]
    assert sum(1 for name in app.blueprints if name.startswith("agency")) == 2


def test_signed_in_session_does_not_authenticate_the_api(app, users):
    client = app.test_client()
    sign_in(client, "a@example.com")
    assert client.get("/api/v1/measures").status_code == 401


def test_init_app_on_an_unmigrated_database_starts(tmp_path, caplog):
    application = make_app(tmp_path, AUTO_MIGRATE=False)
    try:
        assert "agency" in application.extensions
        assert "agency tables missing" in caplog.text
    finally:
        shut(application)


def test_submit_a_batch_as_a_file(api):
    import io

    client, headers = api
    data = {"file": (io.BytesIO(csv_bytes([GOOD, {**GOOD, "id": "c2", "employees": "x"}])), "c.csv"), "as_of": "2026-06-01"}
    response = client.post("/api/v1/batches", headers=headers, data=data, content_type="multipart/form-data")
    assert response.status_code == 202
    batch = client.get(response.json["url"], headers=headers).json
    assert (batch["status"], batch["checked"], batch["errors"]) == ("done", 2, 0)
    bad = client.post("/api/v1/batches", headers=headers, content_type="multipart/form-data",
                      data={"file": (io.BytesIO(b"not a zip"), "c.xlsx")})
    assert bad.status_code == 400 and bad.json["error"] == "bad_file"


def test_every_api_answer_is_json_with_a_documented_status(api):
    client, headers = api
    assert client.post("/api/v1/batches", headers=headers, json={"rows": [GOOD]}).json["id"] == 1
    cases = [("get", "/api/v1/batches/1?offset=99999999999999999999999", 400, "bad_request"),
             ("get", "/api/v1/batches/1?offset=true", 400, "bad_request"),
             ("get", "/api/v1/batches/1?limit=5001", 400, "bad_request"),
             ("get", "/api/v1/batches/null,null", 404, "not_found"),
             ("get", "/api/v1/batches/99999999999999999999", 404, "not_found"),
             ("get", "/api/v1/nothing/here", 404, "not_found"),
             ("get", "/api/v1/batches/1/cancel", 405, "method_not_allowed"),
             ("delete", "/api/v1/measures", 405, "method_not_allowed")]
    for method, url, status, code in cases:
        response = getattr(client, method)(url, headers=headers)
        assert (response.status_code, response.mimetype, response.json["error"]) == (status, "application/json", code), url
    assert client.get("/api/v1/batches/1/cancel", headers=headers).headers["Allow"] == "OPTIONS, POST"
    assert app_page_404_is_still_html(client)


def app_page_404_is_still_html(client) -> bool:
    """Pages outside the API keep their HTML error page."""
    response = client.get("/no/such/page")
    return response.status_code == 404 and response.mimetype == "text/html"


def test_requests_outside_the_document_are_refused(api):
    client, headers = api
    post = lambda url, body, **kw: client.post(url, headers=headers, json=body, **kw)  # noqa: E731
    assert post("/api/v1/batches", {"rows": []}).json["message"].startswith("rows: from 1 to")
    assert post("/api/v1/batches", {"rows": [GOOD], "as_of": "6939-06-13"}).status_code == 400
    assert post("/api/v1/batches", {"rows": [GOOD], "as_of": None}).status_code == 400
    assert post("/api/v1/batches", {"rows": [GOOD], "colour": "red"}).status_code == 400
    assert post("/api/v1/check?lang=null", {}).json["problems"] == [{"field": "lang", "message": "lang: must be zh or en"}]
    assert post("/api/v1/check?as_of=", GOOD).status_code == 400
    assert post("/api/v1/check", {"profile": GOOD, "extra": 1}).json["message"].endswith("unknown keys: extra")
    assert post("/api/v1/check", {"profile": GOOD, "as_of": "2026-06-01", "lang": "en"}).status_code == 200
    assert post("/api/v1/check", {**GOOD, "colour": "red"}).json["problems"] == [
        {"field": "colour", "message": "unknown field", "code": "problem.unknown_field", "params": {}}]


def test_a_multipart_batch_without_a_file_suffix_names_its_format(api):
    import io

    client, headers = api
    data = {"file": (io.BytesIO(csv_bytes([GOOD])), "clients"), "format": "csv", "as_of": "2026-06-01"}
    response = client.post("/api/v1/batches", headers=headers, data=data, content_type="multipart/form-data")
    assert response.status_code == 202 and client.get(response.json["url"], headers=headers).json["checked"] == 1
    data = {"file": (io.BytesIO(b"x"), "clients"), "format": "pdf"}
    response = client.post("/api/v1/batches", headers=headers, data=data, content_type="multipart/form-data")
    assert response.status_code == 400 and response.json["problems"][0]["field"] == "format"


def test_the_served_document_names_the_pack_fields_and_the_row_limit(app):
    document = app.test_client().get("/api/v1/openapi.json").json
    validate(document)
    check = document["paths"]["/check"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    profile = check["oneOf"][1]
    assert profile["additionalProperties"] is False
    assert set(profile["properties"]) == {"id", *app.extensions["checker"].pack.fields}
    rows = document["paths"]["/batches"]["post"]["requestBody"]["content"]["application/json"]["schema"]["properties"]["rows"]
    assert (rows["minItems"], rows["maxItems"]) == (1, 100_000)


def test_check_accepts_exactly_the_documented_answers(app, api):
    client, headers = api
    post = lambda body: client.post("/api/v1/check?as_of=2026-06-01", headers=headers, json=body)  # noqa: E731
    for field, value in (("has_cert", "是"), ("has_cert", 1), ("employees", True), ("employees", "1,200"),
                         ("employees", 2.5), ("entity_type", "企业"), ("cert_on", "2021/11/7"), ("employees", -1)):
        refused = post({**GOOD, field: value})  # spreadsheet spellings belong to uploads; JSON answers are typed
        assert refused.status_code == 400 and refused.json["error"] == "invalid_profile", (field, value)
        assert [p["field"] for p in refused.json["problems"]] == [field]
    assert post({**GOOD, "entity_type": None, "has_cert": False, "cert_on": "2021-11-07"}).status_code == 200
    inconsistent = post({**GOOD, "employees": 5, "tech_staff": 9})  # well formed, but a consistency check fails
    assert inconsistent.status_code == 422 and inconsistent.json["error"] == "inconsistent_profile"
    assert inconsistent.json["problems"][0]["field"] == "tech_staff"
    wrong_digit = post({**GOOD, "credit_code": "91110108MA01ABCDE0"})
    assert wrong_digit.status_code == 422 and wrong_digit.json["problems"][0]["field"] == "credit_code"
    assert post({**GOOD, "credit_code": "91110108ma01abcde0"}).status_code == 400  # the document's pattern is upper case
    document = client.get("/api/v1/openapi.json").json
    check = document["paths"]["/check"]["post"]
    profile = check["requestBody"]["content"]["application/json"]["schema"]["oneOf"][1]["properties"]
    assert profile["employees"] | {"type": "integer", "minimum": 0, "nullable": True} == profile["employees"]
    assert profile["entity_type"]["enum"] == ["enterprise", "incubator", None] and "422" in check["responses"]
