"""Issue 20 item 6: check-and-count of a sign-in attempt is one atomic step (parallel guesses get no more than the
free failures), a known device signs in through a backoff others caused (never past the address limit), and
common or trivially weak passwords are refused wherever passwords are set."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import pytest
from click.testing import CliRunner
from itsdangerous import URLSafeTimedSerializer

from checker.accounts.models import LoginFailure
from checker.accounts.throttle import Policy, Throttle
from checker.accounts.users import AccountError, seed_admin, weak_password
from checker.cli import main
from checker.db import make_engine, make_sessions
from checker.web.accounts.devices import COOKIE
from tests.hardening.conftest import PASSWORD, add_user, make_app, serve, shut, stop

GUESSES = 20


def _post(base: str, email: str, password: str) -> int:
    """POST the sign-in form to a served app; the status code (redirects not followed)."""
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    request = urllib.request.Request(base + "/agency/login", method="POST",
                                     data=urlencode({"email": email, "password": password}).encode())
    try:
        return urllib.request.build_opener(NoRedirect).open(request, timeout=60).status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_parallel_wrong_passwords_get_no_more_than_the_free_guesses(tmp_path, cheap_hashes):
    app = make_app(tmp_path)
    add_user(app, "a@example.com")
    base, server, thread = serve(app, threads=GUESSES)
    try:
        barrier = threading.Barrier(GUESSES)

        def guess(n: int) -> int:
            barrier.wait()
            return _post(base, "a@example.com", f"wrong-guess-{n}")

        with ThreadPoolExecutor(GUESSES) as pool:
            codes = list(pool.map(guess, range(GUESSES)))
        free = Policy().account_free
        assert sorted(codes) == [401] * free + [429] * (GUESSES - free), codes
    finally:
        stop(server, thread)
        shut(app)


def test_admit_checks_and_counts_at_once_across_threads(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'throttle.sqlite'}")
    LoginFailure.__table__.create(engine)
    throttle = Throttle(make_sessions(engine), Policy(account_free=3))
    barrier = threading.Barrier(12)

    def attempt(_n: int) -> float:
        barrier.wait()
        return throttle.admit("acct", "192.0.2.1")[0]

    try:
        with ThreadPoolExecutor(12) as pool:
            waits = list(pool.map(attempt, range(12)))
        assert sum(w == 0 for w in waits) == 3 and all(w > 0 for w in waits if w)
    finally:
        engine.dispose()


@pytest.fixture
def clock(monkeypatch):
    """A settable wall clock for the throttle."""
    now = [1_800_000_000.0]
    monkeypatch.setattr("checker.accounts.throttle.time.time", lambda: now[0])
    return now


def _login(client, password: str, address: str = "127.0.0.1", email: str = "a@example.com"):
    return client.post("/agency/login", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": address})


def _back_off(app, clock, address: str = "203.0.113.9") -> None:
    """Someone else guesses the account's password from elsewhere until it is backed off for a while."""
    attacker = app.test_client()
    for n in range(10):
        clock[0] += 100  # each guess once the previous delay (at most 16 s here) has passed: all ten count
        assert _login(attacker, f"guess-{n}", address).status_code == 401
    clock[0] += 1


def test_a_known_device_signs_in_through_a_backoff_others_caused(app, clock):
    add_user(app, "a@example.com")
    mine = app.test_client()
    assert _login(mine, PASSWORD).status_code == 302 and mine.get_cookie(COOKIE) is not None
    mine.post("/agency/logout")
    _back_off(app, clock)
    refused = _login(app.test_client(), PASSWORD)  # a browser that never signed in waits, even with the password
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 1
    forged = app.test_client()
    forged.set_cookie(COOKIE, URLSafeTimedSerializer("another-key", salt="known-device").dumps(
        {"d": "0123456789abcdef", "a": []}))
    assert _login(forged, PASSWORD).status_code == 429  # a cookie not signed by this server is no known device
    assert _login(mine, PASSWORD).status_code == 302  # the real user's own browser gets in
    mine.post("/agency/logout")
    codes = [_login(mine, f"typo-{n}").status_code for n in range(7)]
    assert codes[:5] == [401] * 5 and codes[5:] == [429, 429]  # the device has a backoff of its own


def test_a_known_device_is_still_held_by_the_address_limit(app, clock):
    add_user(app, "a@example.com")
    mine = app.test_client()
    assert _login(mine, PASSWORD).status_code == 302
    mine.post("/agency/logout")
    for n in range(Throttle(None, Policy()).policy.address_limit):  # spraying other accounts from the same address
        _login(app.test_client(), "wrong-password", email=f"user{n}@example.com")
    assert _login(mine, PASSWORD).status_code == 429
    assert _login(mine, PASSWORD, "198.51.100.1").status_code == 302  # from another address it signs in


def test_a_known_device_of_one_account_is_not_one_of_another(app, clock):
    add_user(app, "a@example.com")
    add_user(app, "b@example.com", "Agency B")
    mine = app.test_client()
    assert _login(mine, PASSWORD).status_code == 302
    mine.post("/agency/logout")
    attacker = app.test_client()
    for n in range(10):
        clock[0] += 100
        _login(attacker, f"guess-{n}", "203.0.113.9", "b@example.com")
    clock[0] += 1
    assert _login(mine, PASSWORD, email="b@example.com").status_code == 429


@pytest.mark.parametrize("password", ["password1234", "1234567890", "qwertyuiop123", "zhongguancun2026",
                                      "Haidian@2026", "aaaaaaaaaaaa", "a.exampleuser1"])
def test_common_and_trivially_weak_passwords_are_refused(password):
    assert weak_password(password, "a.exampleuser@example.com") == "account.password_weak"


def test_strong_passwords_pass_and_short_ones_say_so():
    assert weak_password("tulip-anvil-ocean-sprint", "a@example.com") is None
    assert weak_password(PASSWORD, "a@example.com") is None
    assert weak_password("x7#Kq", "a@example.com") == "account.password_short"


def test_users_add_and_the_seeded_admin_refuse_a_weak_password_in_chinese(tmp_path, monkeypatch, app):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'app.sqlite'}")
    monkeypatch.setenv("SECRET_KEY", "test-secret")
    weak = CliRunner().invoke(main, ["users", "add", "t@example.com", "--agency", "A", "--password", "password1234"])
    assert weak.exit_code == 1 and "密码太容易被猜中" in weak.output
    with app.extensions["checker"].sessions() as session, pytest.raises(AccountError, match="密码太容易被猜中"):
        seed_admin(session, {"AGENCY_ADMIN_EMAIL": "boss@example.com", "AGENCY_ADMIN_PASSWORD": "Password123!"})
