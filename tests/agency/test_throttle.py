"""Issue 12 item 9: failed sign-ins are throttled per account (with backoff) and per address, separately, with the
counts kept in the shared database (every server process sees the same ones, a restart forgets none)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from checker.accounts.models import LoginFailure
from checker.accounts.throttle import Policy, Throttle
from checker.db import make_engine, make_sessions
from tests.agency.conftest import PASSWORD, make_app, shut


@pytest.fixture
def clock(monkeypatch):
    """A settable wall clock for the throttle."""
    now = [1_800_000_000.0]
    monkeypatch.setattr("checker.accounts.throttle.time.time", lambda: now[0])
    return now


@pytest.fixture
def sessions(tmp_path):
    """Sessions on a database holding only the failed sign-in table."""
    engine = make_engine(f"sqlite:///{tmp_path / 'throttle.sqlite'}")
    LoginFailure.__table__.create(engine)
    yield make_sessions(engine)
    engine.dispose()


def _login(client, email: str, password: str, address: str = "127.0.0.1"):
    """POST the sign-in form from an address."""
    return client.post("/agency/login", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": address})


def test_ten_wrong_passwords_for_one_user_do_not_lock_others_behind_the_same_address(app, users, clock):
    client = app.test_client()
    codes = [_login(client, "a@example.com", f"guess-{i}").status_code for i in range(10)]
    assert codes[:5] == [401] * 5 and 429 in codes  # the account backs off after its free failures
    assert _login(app.test_client(), "b@example.com", PASSWORD).status_code == 302
    assert _login(app.test_client(), "staff@example.com", PASSWORD).status_code == 302


def test_a_backed_off_account_is_refused_even_with_the_right_password_until_its_delay_passes(app, users, clock):
    client = app.test_client()
    for i in range(7):
        _login(client, "a@example.com", f"guess-{i}")
        clock[0] += 0.5
    refused = _login(client, "a@example.com", PASSWORD, "198.51.100.7")  # another address does not help
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    clock[0] += 900
    assert _login(client, "a@example.com", PASSWORD).status_code == 302


def test_the_account_delay_doubles_with_each_failure_and_is_capped(sessions, clock):
    throttle = Throttle(sessions, Policy(account_free=3, base_delay=2, max_delay=30))
    assert [throttle.admit("acct", "ip")[0] for _ in range(3)] == [0, 0, 0]  # the free failures, each counted
    refusals = []
    while len(refusals) < 6:
        wait, counted = throttle.admit("acct", "ip")
        assert (wait > 0) == (counted is None)  # a refused attempt is not counted
        if wait:
            refusals.append(round(wait))
            clock[0] += wait
    assert refusals == [2, 4, 8, 16, 30, 30]
    throttle.succeed("acct")
    assert throttle.admit("acct", "ip")[0] == 0


def test_an_address_spraying_many_accounts_waits_for_its_window(sessions, clock):
    throttle = Throttle(sessions, Policy(address_limit=4, address_window=60))
    assert [throttle.admit(f"user{n}", "203.0.113.5")[0] for n in range(4)] == [0, 0, 0, 0]
    assert throttle.admit("someone-else", "203.0.113.5") == (pytest.approx(60), None)
    assert throttle.admit("someone-else", "203.0.113.6")[0] == 0
    clock[0] += 61
    assert throttle.admit("someone-else", "203.0.113.5")[0] == 0


def test_the_policy_reads_the_app_config():
    policy = Policy.from_config({"LOGIN_ACCOUNT_FREE": "3", "LOGIN_ADDRESS_LIMIT": 7, "LOGIN_MAX_DELAY": "60"})
    assert (policy.account_free, policy.address_limit, policy.max_delay, policy.base_delay) == (3, 7, 60.0, 1.0)


def test_one_throttle_only_flask_limiter_no_longer_counts_sign_ins(app, users, clock):
    client = app.test_client()
    for n in range(12):  # twelve accounts, one failure each: under the address limit, so never 429
        assert _login(client, f"user{n}@example.com", "wrong").status_code == 401


def test_the_policy_can_come_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("LOGIN_ACCOUNT_FREE", "2")
    tuned = make_app(tmp_path)
    try:
        assert tuned.extensions["accounts"].throttle.policy.account_free == 2
    finally:
        shut(tuned)


def test_two_app_instances_on_one_database_share_the_count_and_a_restart_keeps_it(tmp_path, app, users, clock):
    second = make_app(tmp_path)  # another server process: the same database file, its own throttle object
    try:
        codes = [_login((app, second)[n % 2].test_client(), "a@example.com", f"guess-{n}").status_code for n in range(8)]
        assert codes == [401] * 5 + [429] * 3  # failures counted across both instances, not five free on each
        assert _login(second.test_client(), "a@example.com", PASSWORD).status_code == 429
        assert _login(second.test_client(), "b@example.com", PASSWORD).status_code == 302  # another user, same address
    finally:
        shut(second)
    restarted = make_app(tmp_path)
    try:
        assert _login(restarted.test_client(), "a@example.com", PASSWORD).status_code == 429  # a restart forgets nothing
    finally:
        shut(restarted)


def test_failures_older_than_every_window_are_pruned(sessions, clock):
    throttle = Throttle(sessions, Policy(account_window=100, address_window=50))
    for n in range(3):
        throttle.admit(f"user{n}", "203.0.113.5")  # admitted, so counted until a success takes it back
    clock[0] += 101
    throttle.admit("late", "203.0.113.6")
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(LoginFailure)) == 2  # only the late one's two rows
