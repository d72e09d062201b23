"""Sending one mail: through SMTP when MAIL_SERVER is set (the standard library), else only to the log.

Settings (app config, else the environment): MAIL_SERVER, MAIL_PORT (25), MAIL_USERNAME, MAIL_PASSWORD,
MAIL_USE_TLS=1 (STARTTLS) or MAIL_USE_SSL=1, MAIL_FROM (the sender address), MAIL_TIMEOUT (10 s).
"""

from __future__ import annotations

import logging
import os
import smtplib
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any, Protocol

log = logging.getLogger(__name__)
DEFAULT_FROM = "no-reply@localhost"


@dataclass(frozen=True)
class Mail:
    """What one mail says and where it goes; `unsubscribe` is the one-click (RFC 8058) link, if any."""

    to: str
    subject: str
    body: str
    unsubscribe: str | None = None


class Mailer(Protocol):
    """Something that sends a mail or raises OSError / smtplib.SMTPException."""

    def send(self, mail: Mail) -> None:
        """Send one mail."""


def message(mail: Mail, sender: str) -> EmailMessage:
    """The mail as a MIME message in UTF-8, with List-Unsubscribe and List-Unsubscribe-Post when it has a link."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = mail.to
    msg["Subject"] = mail.subject
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "localhost")
    if mail.unsubscribe:
        msg["List-Unsubscribe"] = f"<{mail.unsubscribe}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg.set_content(mail.body, charset="utf-8")
    return msg


@dataclass(frozen=True)
class SmtpMailer:
    """Sends through one SMTP server (a new connection per mail: the sweep sends few)."""

    host: str
    port: int = 25
    username: str = ""
    password: str = ""
    starttls: bool = False
    ssl: bool = False
    sender: str = DEFAULT_FROM
    timeout: float = 10.0

    def send(self, mail: Mail) -> None:
        """Send one mail; an SMTP or network error propagates (the caller retries later)."""
        kind = smtplib.SMTP_SSL if self.ssl else smtplib.SMTP
        with kind(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password)
            smtp.send_message(message(mail, self.sender))


@dataclass(frozen=True)
class LogMailer:
    """The default without MAIL_SERVER: the mail is written to the log (the address masked), nothing is sent."""

    sender: str = DEFAULT_FROM

    def send(self, mail: Mail) -> None:
        """Log the mail instead of sending it."""
        log.warning("mail not sent (MAIL_SERVER unset) to %s: %s\n%s", mask(mail.to), mail.subject, mail.body)


def mask(address: str) -> str:
    """An address with most of its local part hidden, for logs: a***@example.com."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"


def _setting(config: Mapping[str, Any], name: str, default: str = "") -> str:
    """A mail setting: the app config, else the environment, else the default."""
    value = config.get(name)
    return str(value) if value not in (None, "") else os.environ.get(name, default)


def mailer_from(config: Mapping[str, Any]) -> SmtpMailer | LogMailer:
    """The mailer the settings ask for: SMTP when MAIL_SERVER is set, else the log-only one."""
    sender = _setting(config, "MAIL_FROM", DEFAULT_FROM)
    host = _setting(config, "MAIL_SERVER")
    if not host:
        return LogMailer(sender)
    return SmtpMailer(host, int(_setting(config, "MAIL_PORT", "25")), _setting(config, "MAIL_USERNAME"),
                      _setting(config, "MAIL_PASSWORD"), _setting(config, "MAIL_USE_TLS") == "1",
                      _setting(config, "MAIL_USE_SSL") == "1", sender, float(_setting(config, "MAIL_TIMEOUT", "10")))
