"""Schemathesis over the API's own OpenAPI document: every answer JSON, documented and conforming (fixed seed, bounded)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, seed, settings
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.agency.conftest import add_token, add_user, make_app, shut

EXAMPLES = 25  # an operation; the whole run stays well under a minute on two shared cores
LIMITED_EXAMPLES = 6  # an operation, against an app whose API limit is 3 calls a minute


FOLDER = Path(tempfile.mkdtemp(prefix="schemathesis-"))
# Built at import: schemathesis reads the served document when the tests are collected. Its missing-auth check calls
# every operation without a token from one address and wants 401 each time; the per-address limit of failed token
# authentications (a documented 429, tested in tests/hardening/test_input_and_token_limits.py) is set out of its way.
APP = make_app(FOLDER, API_RATE_LIMIT="100000 per minute", API_AUTH_FAIL_LIMIT="100000 per minute")
TOKEN = add_token(APP, add_user(APP, "a@example.com", "A"))
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", APP)
LIMITED = make_app(FOLDER / "limited", API_RATE_LIMIT="3 per minute", RATELIMIT_ENABLED=True)
LIMITED_TOKEN = add_token(LIMITED, add_user(LIMITED, "a@example.com", "A"))
limited_schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", LIMITED)
load_all_checks()
ALL_CHECKS = [c for c in CHECKS.get_all() if c is not positive_data_acceptance]  # every built-in check


@pytest.fixture(scope="module", autouse=True)
def _close_app():
    """Shut the module's apps and remove their databases after the run."""
    yield
    shut(APP)
    shut(LIMITED)
    shutil.rmtree(FOLDER, ignore_errors=True)


# Every operation runs every check, positive data acceptance included, with two precise allowances the document
# states: /check answers 422 (not 400) to well-formed answers that break a consistency check or a credit code's
# check digit, which no JSON schema can express; a multipart file's bytes are opaque to the schema, so a file that
# cannot be read as CSV/XLSX/JSONL is a documented 400 bad_file (JSON batches are checked in full).
CONSISTENCY = {"credit_code", *(field for check in APP.extensions["checker"].pack.checks for field in check.spec.fields)}


def accepted_when_well_formed(ctx, response, case):
    """Schema-valid requests are accepted; on /check a 422 may only name answers of a consistency check."""
    if case.media_type == "multipart/form-data" or case.meta is None or not case.meta.generation.mode.is_positive:
        return None
    if response.status_code == 422 and (case.method.upper(), case.operation.full_path) == ("POST", "/api/v1/check"):
        body = response.json()
        assert body["error"] == "inconsistent_profile" and {p["field"] for p in body["problems"]} <= CONSISTENCY, body
        return None
    return positive_data_acceptance(ctx, response, case)


@schema.parametrize()
@seed(20261130)
@settings(max_examples=EXAMPLES, deadline=None, derandomize=False,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_the_api_keeps_to_its_document(case):
    case.call_and_validate(headers={"Authorization": f"Bearer {TOKEN}"}, checks=ALL_CHECKS,
                           additional_checks=[accepted_when_well_formed])


@limited_schema.parametrize()
@seed(20261203)
@settings(max_examples=LIMITED_EXAMPLES, deadline=None, derandomize=False,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_a_rate_limited_api_keeps_to_its_document(case):
    """Past its limit every operation answers the documented JSON 429 with a Retry-After header."""
    case.call_and_validate(headers={"Authorization": f"Bearer {LIMITED_TOKEN}"}, checks=ALL_CHECKS)
