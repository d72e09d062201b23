"""Schemathesis over the API's own OpenAPI document: every answer JSON, documented and conforming (fixed seed, bounded)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, seed, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.agency.conftest import add_token, add_user, make_app, shut

EXAMPLES = 25  # an operation; the whole run stays well under a minute on two shared cores


FOLDER = Path(tempfile.mkdtemp(prefix="schemathesis-"))
APP = make_app(FOLDER)  # built at import: schemathesis reads the served document when the tests are collected
TOKEN = add_token(APP, add_user(APP, "a@example.com", "A"))
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", APP)


@pytest.fixture(scope="module", autouse=True)
def _close_app():
    """Shut the module's app and remove its database after the run."""
    yield
    shut(APP)
    shutil.rmtree(FOLDER, ignore_errors=True)


# Answers and uploaded files are parsed leniently and checked against the rules, so a schema-valid answer can
# still be refused with a documented 400 naming the field or the file; every other check runs in full.
FREE_TEXT = {("POST", "/api/v1/check"), ("POST", "/api/v1/batches")}


@schema.parametrize()
@seed(20261130)
@settings(max_examples=EXAMPLES, deadline=None, derandomize=False,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_the_api_keeps_to_its_document(case):
    excluded = [positive_data_acceptance] if (case.method.upper(), case.operation.full_path) in FREE_TEXT else []
    case.call_and_validate(headers={"Authorization": f"Bearer {TOKEN}"}, excluded_checks=excluded)
