"""Issue 12 item 8: the sign-in's next= never leaves the site and never fails on control characters."""

from __future__ import annotations

import pytest

from checker.web.redirects import safe_next
from tests.agency.conftest import PASSWORD

HOSTILE = ["/\t/evil.test", "/\n/x", "/\r\n/x", "//evil.test", "/\\evil.test", "https://evil.test/", "/ /evil.test",
           "\t//evil.test", "/\x00/x", "/\x7f/x", "javascript:alert(1)", "", None, "/" + "a" * 3000]


@pytest.mark.parametrize("target", HOSTILE)
def test_safe_next_refuses_anything_but_a_plain_local_path(target):
    assert safe_next(target, "/home") == "/home"


@pytest.mark.parametrize("target", ["/agency/jobs/3", "/staff/", "/agency/?lang=en", "/a%09b"])
def test_safe_next_keeps_a_local_path(target):
    assert safe_next(target, "/home") == target


@pytest.mark.parametrize("query", ["/%09/evil.test", "/%0A/x", "/%0D%0A/x", "%09//evil.test", "/%5C/evil.test"])
def test_login_with_a_hostile_next_lands_on_the_dashboard(app, users, query):
    with app.test_client() as client:
        response = client.post(f"/agency/login?next={query}", data={"email": "a@example.com", "password": PASSWORD})
        assert response.status_code == 302
        assert response.headers["Location"] == "/agency/"


def test_login_keeps_a_local_next(app, users):
    with app.test_client() as client:
        response = client.post("/agency/login?next=/agency/portfolio", data={"email": "a@example.com", "password": PASSWORD})
        assert response.headers["Location"] == "/agency/portfolio"


def test_staff_without_next_land_on_the_staff_area(app, users):
    with app.test_client() as client:
        response = client.post("/agency/login", data={"email": "staff@example.com", "password": PASSWORD})
        assert response.headers["Location"] == "/staff/"
