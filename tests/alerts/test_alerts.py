"""Alerts end to end through a local SMTP sink: confirm, a publish that changes a verdict, a window that opens,
one-click unsubscribe, and nothing for an address never confirmed (purged after a day)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from checker.alerts.mailer import SmtpMailer
from checker.alerts.models import AlertMail, AlertSubscription
from checker.models import utcnow
from checker.web.alerts import state, sweep_now
from tests.accounts import shut
from tests.alerts.conftest import free_port
from tests.alerts.util import FUTURE_CALL, add_call, day, link, raise_grant_threshold, raised, save, subscribe_and_confirm
from tests.staff.conftest import make_app
from tests.staff.test_git import git
from tests.web.util import MINI_RULES


def _count(app, model) -> int:
    with app.extensions["checker"].sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_a_publish_that_changes_a_verdict_sends_one_mail_with_a_one_click_unsubscribe(app, sink, staff):
    handler = sink[0]
    public = app.test_client()
    token = save(public)
    confirm_mail = subscribe_and_confirm(app, public, handler, token)
    assert "请在24小时内" in confirm_mail.get_content()
    sweep_now(app)
    assert len(handler.messages) == 1, "confirming sends nothing more"

    raise_grant_threshold(staff)
    sweep_now(app)
    sweep_now(app)
    assert len(handler.messages) == 2, [m["Subject"] for m in handler.messages]
    mail = handler.messages[1]
    assert mail["To"] == "boss@example.com" and "1项结论变化" in mail["Subject"]
    text = mail.get_content()
    assert "研发补助甲：可申报 → 不符合" in text and f"https://checker.example.cn/a/{token}" in text
    unsubscribe = link(mail, "unsubscribe")
    assert mail["List-Unsubscribe"] == f"<https://checker.example.cn{unsubscribe}>"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_window_opening_sends_one_mail_and_unsubscribing_stops_both_kinds(app, sink, staff):
    handler = sink[0]
    public = app.test_client()
    subscribe_and_confirm(app, public, handler, save(public))
    add_call(staff)
    sweep_now(app, today=day(FUTURE_CALL["opens"]) - dt.timedelta(days=1))
    assert len(handler.messages) == 1, "a publish that moves no verdict and a window not yet open send nothing"
    sweep_now(app, today=day(FUTURE_CALL["opens"]))
    sweep_now(app, today=day(FUTURE_CALL["opens"]) + dt.timedelta(days=1))
    assert len(handler.messages) == 2
    mail = handler.messages[1]
    assert "申报开始" in mail["Subject"]
    assert "研发补助甲：申报时间 2027-03-01 至 2027-04-30 https://example.gov.cn/call-2027" in mail.get_content()

    one_click = public.post(link(mail, "unsubscribe"), data={"List-Unsubscribe": "One-Click"})
    assert one_click.status_code == 200 and _count(app, AlertSubscription) == 0
    raise_grant_threshold(staff)
    add_call(staff, {"opens": "2027-09-01", "closes": "2027-09-30", "url": ""})
    sweep_now(app, today=dt.date(2027, 9, 1))
    assert len(handler.messages) == 2, "nothing after unsubscribing"


def test_an_unconfirmed_address_gets_nothing_but_its_confirmation_and_is_purged_after_a_day(app, sink, staff):
    handler = sink[0]
    public = app.test_client()
    token = save(public)
    assert public.post(f"/a/{token}/alerts", data={"email": "someone@example.com"}).status_code == 302
    sweep_now(app)
    assert len(handler.messages) == 1 and "确认" in handler.messages[0]["Subject"]
    raise_grant_threshold(staff)
    add_call(staff)
    sweep_now(app, today=day(FUTURE_CALL["opens"]))
    assert len(handler.messages) == 1
    sweep_now(app, now=utcnow() + dt.timedelta(hours=23))
    assert _count(app, AlertSubscription) == 1
    sweep_now(app, now=utcnow() + dt.timedelta(hours=25))
    assert _count(app, AlertSubscription) == 0 and _count(app, AlertMail) == 0
    assert public.get(link(handler.messages[0], "confirm")).status_code == 404


def test_a_link_older_than_a_day_does_not_confirm_even_before_the_purge(app, sink):
    public = app.test_client()
    token = save(public)
    public.post(f"/a/{token}/alerts", data={"email": "late@example.com"})
    sweep_now(app)
    with app.extensions["checker"].sessions() as session:
        sub = session.scalars(select(AlertSubscription)).one()
        sub.created_at -= dt.timedelta(hours=25)
        session.commit()
    assert public.post(link(sink[0].messages[0], "confirm")).status_code == 404
    with app.extensions["checker"].sessions() as session:
        assert session.scalars(select(AlertSubscription)).one().confirmed_at is None


def test_a_failed_smtp_send_is_retried_later_not_lost(app, sink):
    handler = sink[0]
    working = state(app).mailer
    state(app).mailer = SmtpMailer("127.0.0.1", free_port())  # nothing listens: connection refused
    public = app.test_client()
    public.post(f"/a/{save(public)}/alerts", data={"email": "boss@example.com"})
    sweep_now(app)
    with app.extensions["checker"].sessions() as session:
        mail = session.scalars(select(AlertMail)).one()
        assert (mail.status, mail.attempts) == ("pending", 1) and "Connection" in mail.last_error
    state(app).mailer = working
    sweep_now(app)
    assert handler.messages == [], "not before its retry delay"
    sweep_now(app, now=utcnow() + dt.timedelta(minutes=2))
    assert len(handler.messages) == 1
    with app.extensions["checker"].sessions() as session:
        assert session.scalars(select(AlertMail)).one().status == "sent"


def test_mails_are_in_english_when_subscribed_with_lang_en(app, sink, staff):
    handler = sink[0]
    public = app.test_client()
    token = save(public)
    confirm_mail = subscribe_and_confirm(app, public, handler, token, lang="en")
    assert confirm_mail["Subject"] == "Please confirm your policy alerts"
    raise_grant_threshold(staff)
    sweep_now(app)
    text = handler.messages[1].get_content()
    assert "R&D grant A: Eligible → Not eligible" in text and "1 verdict(s) changed" in handler.messages[1]["Subject"]
    assert "Unsubscribe in one click" in text


def test_the_subscribe_form_is_rate_limited(app, sink):
    app.config["ALERT_RATE_LIMIT"] = "2 per hour"
    public = app.test_client()
    token = save(public)
    codes = [public.post(f"/a/{token}/alerts", data={"email": f"x{i}@example.com"}).status_code for i in range(4)]
    assert codes == [302, 302, 429, 429]


def test_a_bad_address_is_refused_and_nothing_is_stored(app, sink):
    public = app.test_client()
    token = save(public)
    response = public.post(f"/a/{token}/alerts", data={"email": "not-an-address"}, follow_redirects=True)
    assert "请填写有效的电子邮箱地址" in response.get_data(as_text=True)
    assert _count(app, AlertSubscription) == 0


def test_a_rule_change_made_while_the_server_was_down_is_mailed_after_the_start(tmp_path, sink):
    handler = sink[0]
    first = make_app(tmp_path, CHECKER_RULES=str(MINI_RULES), CHECKER_ENGINE="reference",
                     ALERTS_MAILER=SmtpMailer("127.0.0.1", sink[1]), CHECKER_BASE_URL="https://checker.example.cn")
    public = first.test_client()
    token = save(public)
    assert f'action="/a/{token}/alerts"' in public.get(f"/a/{token}").get_data(as_text=True)
    subscribe_and_confirm(first, public, handler, token)
    shut(first)
    rules = tmp_path / "pack" / "rules"
    grant = rules / "measures" / "demo" / "grant-a.yaml"
    grant.write_text(raised(grant.read_text(encoding="utf-8")), encoding="utf-8")
    git(rules, "commit", "-qam", "threshold raised outside the browser")
    second = make_app(tmp_path, CHECKER_RULES=str(rules), CHECKER_ENGINE="reference",
                      ALERTS_MAILER=SmtpMailer("127.0.0.1", sink[1]), CHECKER_BASE_URL="https://checker.example.cn")
    try:
        sweep_now(second)
    finally:
        shut(second)
    assert len(handler.messages) == 2 and "研发补助甲：可申报 → 不符合" in handler.messages[1].get_content()
