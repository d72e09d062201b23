"""The impact preview counts amounts, not only verdicts: a cap raised from a date moves money on stored profiles
without changing any verdict, per money type, per measure and per company, at the preview's check date."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert

from checker.accounts.users import get_agency
from checker.agency.models import Client
from checker.staff import drafts
from checker.staff.impact_job import start_impact
from checker.staff.impact_models import ImpactJob
from checker.staff.models import Draft

PARAMETERS = "parameters/subsidy.yaml"
MEASURE = "zgc-ip-pledge-subsidy"
PLEDGE = {"entity_type": "enterprise", "province": "beijing", "revenue_wan": 8000, "hpi_industry": True,
          "core_ip": True}
NEW_VALUE = """      - from: 2027-01-01
        value: 80
        source:
          document: 《关于调整中关村知识产权质押贷款贴息上限的通知》（2026年12月）
          article: 第一条
          quote: 对单家企业年度利息补贴不超过80万元
"""


def raised_cap(text: str) -> str:
    """subsidy.yaml with the IP-pledge cap raised from 50 to 80 万元 from 2027-01-01."""
    anchor = "t20210914_2492450.html\n"
    assert text.count(anchor) == 1
    return text.replace(anchor, anchor + NEW_VALUE)


def _store_clients(app) -> None:
    """Three clients: interest 200 (capped: 50, then 80), interest 60 (24 either way), not in Beijing."""
    with app.extensions["checker"].sessions() as session:
        agency = get_agency(session, "Agency A")
        profiles = {"Capped": {**PLEDGE, "ip_pledge_interest_paid_wan": 200},
                    "Small": {**PLEDGE, "ip_pledge_interest_paid_wan": 60},
                    "Elsewhere": {**PLEDGE, "province": "tianjin", "ip_pledge_interest_paid_wan": 200}}
        session.execute(insert(Client), [{"agency_id": agency.id, "key": name, "name": name, "answers": answers}
                                         for name, answers in profiles.items()])
        session.commit()


def dated_example(text: str) -> str:
    """The measure's YAML with an example checked after the new value (lint asks for one), first of its examples."""
    example = """examples:
  - name: 2027年起付息200万元贴息封顶80万元
    as_of: 2027-06-01
    profile: {ip_pledge_interest_paid_wan: 200}
    expect: {status: eligible, amount_wan: 80}
"""
    assert "\nexamples:\n" in text
    return text.replace("\nexamples:\n", "\n" + example, 1)


def _draft(app) -> int:
    """A draft raising the cap from 2027 (the parameter and an example of the measure dated after it)."""
    files = app.extensions["staff"].current().files
    path = drafts.measure_path(files, MEASURE)
    with app.extensions["checker"].sessions() as session:
        found = drafts.start_draft(session, files, PARAMETERS, raised_cap(files[PARAMETERS]), "staff@example.com")
        found.changes = {**found.changes, path: dated_example(files[path])}
        session.commit()
        return found.id


def _run(app, draft_id: int, as_of: dt.date) -> ImpactJob:
    """Start the preview at a date and run it inline to the end."""
    from checker.web.staff.impacts import KEY

    with app.extensions["checker"].sessions() as session:
        draft = session.get(Draft, draft_id)
        job = start_impact(session, app.extensions["staff"].current().seq, as_of, draft_id, dict(draft.changes))
        session.commit()
        job_id = job.id
    app.extensions[KEY].submit(job_id)
    with app.extensions["checker"].sessions() as session:
        found = session.get(ImpactJob, job_id)
        session.expunge(found)
        return found


def test_a_cap_raised_from_a_date_shows_the_money_after_that_date(app, users):
    _store_clients(app)
    draft_id = _draft(app)
    after = _run(app, draft_id, dt.date(2027, 6, 1))
    assert after.status == "done", after.message
    assert after.changed == 0  # no verdict moves: only the amount
    types = dict(after.money_types())
    assert types["cash_wan"]["after"] - types["cash_wan"]["before"] == 30
    assert (types["cash_wan"]["changed"], types["cash_wan"]["gained"], types["cash_wan"]["lost"]) == (1, 1, 0)
    measures = dict(after.money_measures())
    assert list(measures) == [MEASURE]
    assert (measures[MEASURE]["before"], measures[MEASURE]["after"]) == (74, 104)  # 50 + 24 → 80 + 24
    companies = after.money_companies()
    assert (companies["gained"], companies["lost"]) == (1, 0)
    assert [(c["company"], c["delta"], c["types"]) for c in companies["top"]] == [
        ("Agency A / Capped", 30, {"cash_wan": [50, 80]})]
    before = _run(app, draft_id, dt.date(2026, 12, 31))  # the day before the new value: nothing moves
    assert dict(before.money_types())["cash_wan"]["changed"] == 0 and before.money_companies()["top"] == []


def test_the_page_shows_the_money_table_and_the_date_it_checked(app, staff):
    _store_clients(app)
    draft_id = _draft(app)
    page = staff.get(f"/staff/drafts/{draft_id}/impact?as_of=2027-06-01").get_data(as_text=True)
    assert 'id="impact-as-of"' in page and "2027-06-01" in page.split('id="impact-as-of"')[1][:120]
    table = page.split('id="money-by-type"')[1].split("</table>")[0]
    assert 'data-type="cash_wan"' in table and "74.00" in table and "104.00" in table and "+30.00" in table
    assert MEASURE in page.split('id="money-by-measure"')[1].split("</table>")[0]
    assert "Agency A / Capped" in page.split('id="money-top"')[1].split("</table>")[0]
    assert 'id="impact-chart"' in page
    by_measure = page.split('id="by-measure"')[1].split("</table>")[0]  # no verdict moved: said, not an empty table
    assert 'id="no-verdict-change"' in by_measure and by_measure.count("<tr") == 2
