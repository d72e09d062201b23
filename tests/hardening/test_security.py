"""Security: CSRF on every form, cookie flags, headers on every page, rate limits, secrets from the environment, hashes."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask import Flask, jsonify, request, url_for
from sqlalchemy import select
from werkzeug.security import check_password_hash

from checker.accounts.models import ApiToken, User
from checker.accounts.tokens import _digest
from checker.accounts.users import create_user
from checker.agency.models import Client
from checker.agency.recheck import start_recheck
from checker.company.models import Assessment
from tests.hardening.conftest import PASSWORD, add_token, add_user, make_app, shut
from tests.web.util import as_form

ROOT = Path(__file__).resolve().parents[2]
HTML_BLUEPRINTS = ("assess", "measures", "agency")
QUERIES = {"assess.code_facts": {"code": "91110108MA01A2B3CF"}}  # GET endpoints that answer only with a query
GOOD = {"entity_type": "enterprise", "rd_expense_wan": 200, "employees": 20, "tech_staff": 5}


class Forms(HTMLParser):
    """Every <form> of a page: method, action and the names of its fields."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self._open: dict | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "form":
            self._open = {"method": (found.get("method") or "get").lower(), "action": found.get("action") or "", "fields": {}}
            self.forms.append(self._open)
        elif tag in ("input", "select", "textarea", "button") and self._open is not None and found.get("name"):
            self._open["fields"][found["name"]] = found.get("value") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._open = None


def forms_of(html: str) -> list[dict]:
    """The forms of a page."""
    parser = Forms()
    parser.feed(html)
    return parser.forms


def token_on(client, url: str) -> str:
    """The CSRF token of the first post form of a page."""
    posts = [f for f in forms_of(client.get(url).get_data(as_text=True)) if f["method"] == "post"]
    return posts[0]["fields"]["csrf_token"]


def assert_secure_headers(response, where: str) -> None:
    """CSP without inline script, framing refused, a referrer policy and nosniff."""
    csp = response.headers.get("Content-Security-Policy", "")
    script = next((d for d in csp.split(";") if d.strip().startswith(("script-src", "default-src"))), "")
    assert script and "'unsafe-inline'" not in csp.split("script-src")[-1].split(";")[0], (where, csp)
    assert "frame-ancestors 'none'" in csp or response.headers.get("X-Frame-Options") in ("DENY", "SAMEORIGIN"), where
    assert response.headers.get("Referrer-Policy"), where
    assert response.headers.get("X-Content-Type-Options") == "nosniff", where


@pytest.fixture
def signed_in(csrf_app: Flask):
    """A client of the CSRF-protected app signed in as an agency user who has an assessment, a job and a client."""
    token = add_token(csrf_app, add_user(csrf_app, "a@example.com"))
    client = csrf_app.test_client()
    response = client.post("/agency/login", data={"email": "a@example.com", "password": PASSWORD,
                                                  "csrf_token": token_on(client, "/agency/login")})
    assert response.status_code == 302, response.data[:300]
    response = client.post("/", data={**as_form(GOOD), "csrf_token": token_on(client, "/")})
    assert response.status_code == 302, response.data[:300]
    csv = b"id,entity_type,rd_expense_wan,employees,tech_staff\nc1,enterprise,200,20,5\n"
    response = client.post("/agency/upload", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(csv), "c.csv"), "as_of": "2026-06-01",
                                 "csrf_token": token_on(client, "/agency/")})
    assert response.status_code == 302, response.data[:300]
    with csrf_app.extensions["checker"].sessions() as session:
        ids = {"token": session.scalars(select(Assessment.token)).one(), "client_id": session.scalars(select(Client.id)).one(),
               "job_id": int(response.headers["Location"].rstrip("/").split("/")[-1]),
               "measure_id": csrf_app.extensions["checker"].pack.measures[0].id, "fmt": "csv",
               "token_id": session.scalars(select(ApiToken.id).where(ApiToken.digest == _digest(token))).one()}
        agency_id = session.get(Client, ids["client_id"]).agency_id
        ids["recheck_id"] = start_recheck(session, agency_id, csrf_app.extensions["checker"].pack.version).id
        session.commit()
    return client, ids


def _urls(app: Flask, method: str, ids: dict) -> list[tuple[str, str]]:
    """(endpoint, URL) of every route of the HTML blueprints taking this method, filled with known ids."""
    found = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if rule.endpoint.split(".")[0] in HTML_BLUEPRINTS and method in (rule.methods or ()):
                query = QUERIES.get(rule.endpoint, {}) if method == "GET" else {}
                found.append((rule.endpoint, url_for(rule.endpoint, **{a: ids[a] for a in rule.arguments}, **query)))
    return sorted(found)


def test_every_post_form_carries_a_csrf_token_and_every_post_route_refuses_a_request_without_one(csrf_app, signed_in):
    client, ids = signed_in
    pages, posts, blueprints = 0, [], set()
    for endpoint, url in _urls(csrf_app, "GET", ids):
        response = client.get(url)
        response.close()  # streamed downloads keep a database session until closed
        assert response.status_code in (200, 302), (url, response.status_code)
        assert_secure_headers(response, url)
        if response.mimetype == "text/html" and response.status_code == 200:
            pages += 1
            blueprints.add(endpoint.split(".")[0])
            for form in forms_of(response.get_data(as_text=True)):
                if form["method"] == "post":
                    assert form["fields"].get("csrf_token"), (url, form)
                    posts.append((url, form))
    assert blueprints == set(HTML_BLUEPRINTS) and pages >= 8
    assert {f["action"] or u for u, f in posts} >= {"/agency/logout", "/agency/upload", "/agency/tokens",
                                                    "/agency/portfolio/recheck", "/", f"/a/{ids['token']}/delete"}
    for url, form in posts:  # each form posted as the page would, minus its token
        target = form["action"] or url
        data = {k: v for k, v in form["fields"].items() if k != "csrf_token"}
        response = client.post(target, data=data)
        assert response.status_code == 400, (target, response.status_code)
        assert_secure_headers(response, target)
    post_routes = _urls(csrf_app, "POST", ids)
    assert len(post_routes) >= 8
    for _endpoint, url in post_routes:
        assert client.post(url, data={}).status_code == 400, url
    with csrf_app.extensions["checker"].sessions() as session:  # nothing was deleted or signed out by the refused posts
        assert session.scalars(select(Assessment.token)).one() == ids["token"]
    assert client.get("/agency/").status_code == 200


def test_api_posts_need_a_token_not_a_csrf_field(csrf_app):
    token = add_token(csrf_app, add_user(csrf_app, "api@example.com"))
    response = csrf_app.test_client().post("/api/v1/check?as_of=2026-06-01", json=GOOD,
                                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and response.json["results"]
    assert_secure_headers(response, "/api/v1/check")


def test_headers_on_error_pages_health_and_static(app):
    client = app.test_client()
    for url in ("/no/such/page", "/health", "/api/v1/measures", "/api/v1/openapi.json", "/measures/no-such-measure",
                "/static/app.js", "/static/style.css"):
        with client.get(url) as response:
            assert_secure_headers(response, url)


def test_session_cookie_is_httponly_and_lax_and_not_secure_over_plain_http(app):
    cookie = app.test_client().get("/?lang=en").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert "Strict-Transport-Security" not in app.test_client().get("/").headers


def test_behind_tls_cookies_are_secure_and_proxy_headers_are_trusted(tmp_path, cheap_hashes, monkeypatch):
    monkeypatch.setenv("CHECKER_BEHIND_TLS", "1")
    tls = make_app(tmp_path)
    tls.add_url_rule("/_whoami", "whoami", lambda: jsonify(scheme=request.scheme, remote=request.remote_addr,
                                                           url=url_for("assess.new", _external=True)))
    try:
        headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9", "X-Forwarded-Host": "checker.example"}
        response = tls.test_client().get("/?lang=en", headers=headers)
        cookie = response.headers["Set-Cookie"]
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert response.headers["Strict-Transport-Security"].startswith("max-age=")
        seen = tls.test_client().get("/_whoami", headers=headers, environ_base={"REMOTE_ADDR": "10.0.0.1"}).json
        assert seen == {"scheme": "https", "remote": "203.0.113.9", "url": "https://checker.example/"}
    finally:
        shut(tls)


def test_an_address_failing_across_many_accounts_is_refused_with_429(app):
    add_user(app, "a@example.com")
    add_user(app, "b@example.com", "Agency B")
    client = app.test_client()
    limit = app.extensions["accounts"].throttle.policy.address_limit
    statuses = [client.post("/agency/login", data={"email": f"user{i}@example.com", "password": f"wrong-{i}"}).status_code
                for i in range(limit)]
    next_one = client.post("/agency/login", data={"email": "a@example.com", "password": "wrong-again"})
    assert statuses == [401] * limit and next_one.status_code == 429
    assert int(next_one.headers["Retry-After"]) > 0 and "登录失败次数过多" in next_one.get_data(as_text=True)
    blocked = client.post("/agency/login", data={"email": "a@example.com", "password": PASSWORD})
    assert blocked.status_code == 429  # even the right password, from this address, for now
    other = app.test_client()  # another address is not blocked, and successful sign-ins do not count
    for _ in range(12):
        response = other.post("/agency/login", data={"email": "b@example.com", "password": PASSWORD},
                              environ_base={"REMOTE_ADDR": "127.0.0.2"})
        assert response.status_code == 302


def test_api_calls_are_limited_per_token(tmp_path, cheap_hashes):
    limited = make_app(tmp_path, API_RATE_LIMIT="5 per minute")
    try:
        first, second = (add_token(limited, add_user(limited, f"{n}@example.com", f"Agency {n}")) for n in "ab")
        client = limited.test_client()
        codes = [client.get("/api/v1/measures", headers={"Authorization": f"Bearer {first}"}).status_code for _ in range(6)]
        assert codes == [200] * 5 + [429]
        refused = client.get("/api/v1/measures", headers={"Authorization": f"Bearer {first}"})
        assert refused.json["error"] == "rate_limited" and refused.headers["Retry-After"]
        assert client.get("/api/v1/measures", headers={"Authorization": f"Bearer {second}"}).status_code == 200
        assert client.get("/api/v1/openapi.json").status_code == 200
    finally:
        shut(limited)


SECRET_LITERAL = re.compile(r"""(SECRET_KEY|secret_key)\W{0,4}\s*[:=]\s*(b?["'][^"']+["'])""")


def test_no_secret_key_is_hard_coded_in_the_code():
    offenders = []
    for path in sorted((ROOT / "checker").rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if SECRET_LITERAL.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offenders, offenders


def test_the_secret_key_comes_from_the_environment(tmp_path, monkeypatch):
    from checker.web.settings import settings

    monkeypatch.setenv("SECRET_KEY", "from-the-environment-0123456789")
    assert settings(tmp_path, {})["SECRET_KEY"] == "from-the-environment-0123456789"
    monkeypatch.delenv("SECRET_KEY")
    generated = settings(tmp_path, {})["SECRET_KEY"]  # else random, kept private in the instance folder
    assert len(generated) >= 32 and generated == settings(tmp_path, {})["SECRET_KEY"]
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_passwords_are_stored_hashed_with_scrypt(app):
    with app.extensions["checker"].sessions() as session:
        import checker.accounts.users as accounts

        assert accounts.HASH_METHOD == "pbkdf2:sha256:1000"  # the fixture's cheap hashes; production default below
        user = create_user(session, "h@example.com", "a long secret password", "Agency H")
        session.commit()
        stored = session.scalars(select(User.password_hash).where(User.id == user.id)).one()
    assert stored != "a long secret password" and "a long secret password" not in stored
    assert check_password_hash(stored, "a long secret password") and not check_password_hash(stored, "a long secret passwore")
    source = (ROOT / "checker" / "accounts" / "users.py").read_text(encoding="utf-8")
    assert re.search(r'^HASH_METHOD = "scrypt"', source, re.M)
