"""The API contract: RATELIMIT_ENABLED=false turns the API limit off; a 429 is JSON with Retry-After; 415 documented."""

from __future__ import annotations

import pytest

from tests.agency.conftest import add_token, add_user, make_app, shut


def codes(app, calls: int) -> list[int]:
    """The statuses of `calls` API calls with one token."""
    token = add_token(app, add_user(app, "a@example.com", "Agency A"))
    client = app.test_client()
    return [client.get("/api/v1/measures", headers={"Authorization": f"Bearer {token}"}).status_code for _ in range(calls)]


@pytest.mark.parametrize("value", [False, "false", "0"])
def test_the_setting_turns_the_api_limit_off(tmp_path, value):
    app = make_app(tmp_path, API_RATE_LIMIT="2 per minute", RATELIMIT_ENABLED=value)
    try:
        assert codes(app, 4) == [200] * 4
    finally:
        shut(app)


@pytest.mark.parametrize("value", ["false", "off", "0", "no"])
def test_the_environment_turns_the_api_limit_off(tmp_path, monkeypatch, value):
    monkeypatch.setenv("RATELIMIT_ENABLED", value)
    app = make_app(tmp_path, API_RATE_LIMIT="2 per minute")
    try:
        assert codes(app, 4) == [200] * 4
    finally:
        shut(app)


def test_left_on_the_limit_answers_a_documented_json_429(tmp_path, monkeypatch):
    monkeypatch.setenv("RATELIMIT_ENABLED", "true")
    app = make_app(tmp_path, API_RATE_LIMIT="2 per minute")
    try:
        assert codes(app, 3) == [200, 200, 429]
        document = app.test_client().get("/api/v1/openapi.json").json
        for path, operations in document["paths"].items():
            for method, operation in operations.items():
                limited = operation["responses"].get("429")
                assert limited is not None, f"{method} {path} does not document 429"
                assert "Retry-After" in limited["headers"], f"{method} {path}: 429 without Retry-After"
    finally:
        shut(app)


def test_a_body_of_another_media_type_is_a_documented_415(tmp_path):
    app = make_app(tmp_path)
    try:
        token = add_token(app, add_user(app, "a@example.com", "Agency A"))
        client, auth = app.test_client(), {"Authorization": f"Bearer {token}"}
        for url in ("/api/v1/check", "/api/v1/batches"):
            refused = client.post(url, headers=auth, data="employees=3", content_type="text/plain")
            assert refused.status_code == 415 and refused.json["error"] == "unsupported_media_type", url
            assert "application/json" in refused.json["message"] and "text/plain" in refused.json["message"]
        assert client.post("/api/v1/check", headers=auth, data="not json").status_code == 400  # no type: read as JSON
        document = client.get("/api/v1/openapi.json").json["paths"]
        assert "415" in document["/check"]["post"]["responses"] and "415" in document["/batches"]["post"]["responses"]
    finally:
        shut(app)
