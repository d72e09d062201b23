"""Helpers of the alert tests: a company that saves its assessment, subscribes and confirms; staff publishes."""

from __future__ import annotations

import datetime as dt
import re
from email.message import EmailMessage

from checker.web.alerts import sweep_now
from tests.staff.util import preview, textarea
from tests.web.util import as_form, token_of

# R&D 120 with 2 of 10 staff in R&D: grant-a is 可申报 at the fixture's 100 threshold, 不符合 at 150.
COMPANY = {"name": "甲科技", "entity_type": "enterprise", "rd_expense_wan": 120, "employees": 10, "tech_staff": 2}
FUTURE_CALL = {"opens": "2027-03-01", "closes": "2027-04-30", "url": "https://example.gov.cn/call-2027"}


def save(client, profile: dict = COMPANY) -> str:
    """Check a profile through the public form; its saved result's token."""
    response = client.post("/", data=as_form(profile))
    assert response.status_code == 302, response.data[:300]
    return token_of(response.headers["Location"])


def link(mail: EmailMessage, kind: str) -> str:
    """The path of the confirm or unsubscribe link in a mail's text."""
    found = re.search(rf"https://checker\.example\.cn(/alerts/{kind}/[A-Za-z0-9_-]+)", mail.get_content())
    assert found, mail.get_content()
    return found.group(1)


def subscribe_and_confirm(app, client, sink, token: str, address: str = "boss@example.com",
                          lang: str = "") -> EmailMessage:
    """Leave an address on the saved result, send the confirmation mail and confirm it; that mail."""
    before = len(sink.messages)
    query = f"?lang={lang}" if lang else ""
    assert client.post(f"/a/{token}/alerts{query}", data={"email": address}).status_code == 302
    sweep_now(app)
    mails = sink.messages[before:]
    assert len(mails) == 1 and mails[0]["To"] == address
    page = client.get(link(mails[0], "confirm"))
    assert page.status_code == 200 and 'id="alert-button"' in page.get_data(as_text=True)  # a GET confirms nothing
    assert client.post(link(mails[0], "confirm")).status_code == 200
    return mails[0]


def raised(text: str) -> str:
    """grant-a's YAML with its R&D threshold raised from 100 to 150 万元 (examples moved with it)."""
    swaps = [('test: "rd_expense_wan >= 100"', 'test: "rd_expense_wan >= 150"\n'
              '    assumption: {zh: 拟将门槛提高到150万元, en: Proposed 1.5 M CNY}'),
             ("rd_expense_wan: 100,", "rd_expense_wan: 150,"),
             ("{rd_expense_wan: 99}", "{rd_expense_wan: 149}"), ("amount_wan: 10}", "amount_wan: 15}"),
             ("研发费用恰为100万元符合", "研发费用恰为150万元符合"), ("研发费用99万元不符合", "研发费用149万元不符合")]
    for old, new in swaps:
        assert old in text, old
        text = text.replace(old, new)
    return text


def raise_grant_threshold(staff) -> None:
    """Publish grant-a with its R&D threshold raised from 100 to 150 万元 through the staff editor."""
    text = textarea(staff.get("/staff/measures/grant-a/edit").get_data(as_text=True))
    publish(staff, staff.post("/staff/measures/grant-a/edit", data={"text": raised(text)}), "threshold raised to 150")


def add_call(staff, call: dict = FUTURE_CALL) -> None:
    """Publish a call for applications of grant-a."""
    publish(staff, staff.post("/staff/measures/grant-a/window", data=call), "2027 call published")


def publish(staff, response, comment: str) -> None:
    """Publish the draft a staff form just saved."""
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    preview(staff, response.headers["Location"])  # publishing requires an impact preview of the texts
    published = staff.post(response.headers["Location"] + "/publish", data={"comment": comment})
    assert published.status_code == 302, published.get_data(as_text=True)[-1500:]


def day(text: str) -> dt.date:
    """A date from ISO text."""
    return dt.date.fromisoformat(text)
