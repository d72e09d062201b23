"""The unquoted-number lint: which numbers a quote states, and which test numbers it accepts."""

from __future__ import annotations

import pytest

from checker import config
from checker.rules.loader import load_pack
from checker.rules.numbers import _accepted, stated_numbers


@pytest.mark.parametrize(("text", "value"), [
    ("年收入在2亿元及以下", 20000),
    ("贷款实际利息的40%给予企业贴息支持", 0.40),
    ("年度利息补贴不超过50万元", 50),
    ("资产总额不超过5000万元", 5000),
    ("注册成立一年以上", 1),
    ("有效期为三年", 3),
    ("营业收入1,000万元以上", 1000),
])
def test_a_quote_states_its_numbers_in_rule_units(text, value):
    assert any(abs(s - value) < 1e-9 for s in stated_numbers(text))


def test_a_number_absent_from_the_quote_is_not_stated():
    assert 300 not in stated_numbers("对研发投入较高的企业给予奖励")


def test_days_are_accepted_as_the_years_a_quote_states():
    stated = stated_numbers("注册成立一年以上")
    assert _accepted(365, stated)
    assert not _accepted(366, stated)


def test_a_saving_between_two_quoted_rates_is_accepted_but_not_between_amounts():
    assert _accepted(0.10, stated_numbers("减按15%的税率；税率为25%"))
    assert not _accepted(100, stated_numbers("不超过300万元、不超过200万元"))


def test_none_and_at_least_one_are_structural():
    assert _accepted(0, set()) and _accepted(1, set())
    assert not _accepted(2, set())


def test_the_real_pack_quotes_the_ip_pledge_numbers():
    measure = load_pack(config.rules_dir()).measure("zgc-ip-pledge-subsidy")
    quoted = " ".join(s.quote or "" for s in measure.spec.source)
    assert {0.40, 50.0, 20000.0} <= stated_numbers(quoted)
