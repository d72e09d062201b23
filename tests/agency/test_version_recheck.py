"""Agency clients last checked before a dated standard took effect are re-checked on the day, with a change report."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from checker import config
from checker.accounts.models import User
from checker.agency.jobs import create_job, process_job
from checker.agency.models import ClientResult
from checker.agency.recheck import run_recheck, version_sweep
from checker.agency.recheck_models import Recheck, RecheckChange
from checker.batch import Row
from tests.agency.conftest import add_user, make_app, shut
from tests.agency.util import GOOD

BEFORE = "2026-03-15"  # under the 2022 专精特新 standard; the 2026 one takes effect on 2026-04-01
NICHE = {"niche_market_years": 2, "revenue_wan": 1200, "rd_expense_wan": 150, "specialised_score": 70}


def test_agency_clients_checked_before_the_change_are_rechecked_on_the_day(tmp_path):
    app = make_app(tmp_path, CHECKER_RULES=str(config.rules_dir()))
    svc = app.extensions["checker"]
    user = add_user(app, "niche@example.com")
    rows = [Row(1, {**GOOD, "id": "niche", **NICHE})]
    with svc.sessions() as session:
        job = create_job(session, session.get(User, user), "old.csv", rows, dt.date.fromisoformat(BEFORE), "zh",
                         svc.pack.version).id
        session.commit()
    process_job(svc.sessions, svc.checker, job)
    today = dt.date(2026, 12, 3)
    with svc.sessions() as session:
        queued = version_sweep(session, svc.pack, today)
        session.commit()
        assert len(queued) == 1 and session.get(Recheck, queued[0]).reason == "version"
    run_recheck(svc.sessions, svc.checker, queued[0])
    with svc.sessions() as session:
        newest = session.scalars(select(ClientResult).order_by(ClientResult.id.desc())).first()
        assert newest.as_of == session.get(Recheck, queued[0]).created_at.date()
        moved = {(c.measure, c.before, c.after) for c in session.scalars(select(RecheckChange))}
        assert ("specialised-sme", "eligible", "ineligible") in moved
        assert version_sweep(session, svc.pack, today) == []  # checked on its day: nothing more to do
    shut(app)
