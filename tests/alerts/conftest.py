"""Fixtures of the alert tests: a local SMTP sink (aiosmtpd on loopback) and an app whose mails go to it."""

from __future__ import annotations

import socket
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Iterator

import pytest
from aiosmtpd.controller import Controller
from flask import Flask

from checker.alerts.mailer import SmtpMailer
from tests.accounts import add_user, shut, sign_in
from tests.staff.conftest import make_app
from tests.web.util import MINI_RULES


class Sink:
    """An SMTP server's handler that keeps every message it is given."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        return "250 OK"


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def sink() -> Iterator[tuple[Sink, int]]:
    """A running SMTP sink on loopback and its port."""
    handler, port = Sink(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


@pytest.fixture
def app(tmp_path, sink) -> Iterator[Flask]:
    """The staff features on the fixture pack, its alert mails sent through SMTP to the sink."""
    application = make_app(tmp_path, CHECKER_RULES=str(MINI_RULES), CHECKER_ENGINE="reference",
                           ALERTS_MAILER=SmtpMailer("127.0.0.1", sink[1], sender="alerts@example.com"),
                           CHECKER_BASE_URL="https://checker.example.cn")
    add_user(application, "staff@example.com", None, "staff")
    yield application
    shut(application)


@pytest.fixture
def staff(app):
    """A signed-in staff client."""
    client = app.test_client()
    sign_in(client, "staff@example.com")
    return client


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch) -> None:
    """Fast password hashes in tests (production keeps scrypt)."""
    monkeypatch.setattr("checker.accounts.users.HASH_METHOD", "pbkdf2:sha256:1000")
