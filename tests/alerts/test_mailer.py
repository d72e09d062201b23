"""The mailer: SMTP only when MAIL_SERVER is set (else the log), RFC 8058 headers, UTF-8 Chinese text."""

from __future__ import annotations

import logging

from checker.alerts.mailer import LogMailer, Mail, SmtpMailer, mailer_from, message
from checker.alerts.service import valid_address


def test_without_mail_server_mails_are_only_logged(monkeypatch, caplog):
    monkeypatch.delenv("MAIL_SERVER", raising=False)
    mailer = mailer_from({})
    assert isinstance(mailer, LogMailer)
    with caplog.at_level(logging.WARNING, logger="checker.alerts.mailer"):
        mailer.send(Mail("boss@example.com", "主题", "正文"))
    assert "b***@example.com" in caplog.text and "boss@" not in caplog.text


def test_the_environment_configures_smtp(monkeypatch):
    for name, value in {"MAIL_SERVER": "smtp.example.cn", "MAIL_PORT": "587", "MAIL_USE_TLS": "1",
                        "MAIL_USERNAME": "u", "MAIL_PASSWORD": "p", "MAIL_FROM": "alerts@example.cn"}.items():
        monkeypatch.setenv(name, value)
    assert mailer_from({}) == SmtpMailer("smtp.example.cn", 587, "u", "p", True, False, "alerts@example.cn")


def test_a_mail_with_an_unsubscribe_link_carries_the_one_click_headers():
    msg = message(Mail("a@example.com", "规则更新", "研发补助甲：可申报 → 不符合", "https://x.cn/alerts/unsubscribe/t"),
                  "alerts@x.cn")
    assert msg["List-Unsubscribe"] == "<https://x.cn/alerts/unsubscribe/t>"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert msg.get_content() == "研发补助甲：可申报 → 不符合\n" and msg.get_content_charset() == "utf-8"
    assert "List-Unsubscribe" not in message(Mail("a@example.com", "s", "b"), "alerts@x.cn")


def test_addresses_are_checked():
    assert valid_address("  Boss@Example.COM ") == "Boss@example.com"
    for bad in ("", "boss", "boss@localhost", "a b@example.com", "<a@example.com>", "a@example.com\nBcc: c@d.com",
                "x" * 65 + "@example.com"):
        assert valid_address(bad) is None, bad
