"""Issue 12 item 9: failed sign-ins are throttled per account (with backoff) and per address, separately."""

from __future__ import annotations

import pytest

from checker.agency.throttle import Policy, Throttle
from tests.agency.conftest import PASSWORD


@pytest.fixture
def clock(monkeypatch):
    """A settable monotonic clock for the throttle."""
    now = [1000.0]
    monkeypatch.setattr("checker.agency.throttle.time.monotonic", lambda: now[0])
    return now


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


def test_the_account_delay_doubles_with_each_failure_and_is_capped():
    throttle = Throttle(Policy(account_free=3, base_delay=2, max_delay=30))
    waits = []
    for _ in range(9):
        throttle.fail("acct", "ip")
        waits.append(round(throttle.wait("acct", "ip")))
    assert waits == [0, 0, 2, 4, 8, 16, 30, 30, 30]
    throttle.succeed("acct")
    assert throttle.wait("acct", "ip") == 0


def test_an_address_spraying_many_accounts_waits_for_its_window(clock):
    throttle = Throttle(Policy(address_limit=4, address_window=60))
    for n in range(4):
        throttle.fail(f"user{n}", "203.0.113.5")
    assert throttle.wait("someone-else", "203.0.113.5") == pytest.approx(60)
    assert throttle.wait("someone-else", "203.0.113.6") == 0
    clock[0] += 61
    assert throttle.wait("someone-else", "203.0.113.5") == 0


def test_the_policy_reads_the_app_config():
    policy = Policy.from_config({"LOGIN_ACCOUNT_FREE": "3", "LOGIN_ADDRESS_LIMIT": 7, "LOGIN_MAX_DELAY": "60"})
    assert (policy.account_free, policy.address_limit, policy.max_delay, policy.base_delay) == (3, 7, 60.0, 1.0)


def test_one_throttle_only_flask_limiter_no_longer_counts_sign_ins(app, users, clock):
    client = app.test_client()
    for n in range(12):  # twelve accounts, one failure each: under the address limit, so never 429
        assert _login(client, f"user{n}@example.com", "wrong").status_code == 401


def test_the_policy_can_come_from_the_environment(tmp_path, monkeypatch):
    from tests.agency.conftest import make_app, shut

    monkeypatch.setenv("LOGIN_ACCOUNT_FREE", "2")
    tuned = make_app(tmp_path)
    try:
        assert tuned.extensions["agency"].throttle.policy.account_free == 2
    finally:
        shut(tuned)
