"""End to end: change specialised-sme's R&D-ratio threshold, lint, examples, impact, publish, live check, rollback."""

from __future__ import annotations

import re

from sqlalchemy import select

from checker.accounts.users import get_agency
from checker.agency.models import Client
from checker.company.models import StoredResult
from checker.staff.models import AuditEntry, PackVersion
from tests.staff.util import BORDERLINE, MEASURE, check_status, fix_examples, preview, raise_threshold, textarea


def _store_client(app) -> None:
    """An agency client whose answers the change affects."""
    with app.extensions["checker"].sessions() as session:
        agency = get_agency(session, "Agency A")
        session.add(Client(agency_id=agency.id, key="c1", name="Borderline Tech", answers=dict(BORDERLINE)))
        session.commit()


def _live_seq(app) -> int:
    return app.extensions["staff"].current().seq


def test_change_threshold_preview_publish_and_roll_back(app, staff):
    public = app.test_client()
    assert check_status(public, {**BORDERLINE, "name": "Borderline Ltd"}) == "eligible"
    _store_client(app)
    assert _live_seq(app) == 1

    page = staff.get("/staff/").get_data(as_text=True)
    assert MEASURE in page and "v1" in page
    text = textarea(staff.get(f"/staff/measures/{MEASURE}/edit").get_data(as_text=True))
    response = staff.post(f"/staff/measures/{MEASURE}/edit", data={"text": raise_threshold(text)})
    assert response.status_code == 302
    draft_url = response.headers["Location"]

    page = staff.get(draft_url).get_data(as_text=True)
    assert 'id="no-errors"' in page
    passing = len(re.findall(r"\n +- name: ", text)) - 2  # every example of both versions but the two 3% boundary ones
    assert re.search(rf"{passing} \S+ · 2 \S+", page), "two examples fail at 4%"
    assert "rd-ratio: expected met, got not_met" in page
    assert 'id="publish-blocked"' in page

    refused = staff.post(draft_url + "/publish", data={"comment": "MIIT raised the ratio"})
    assert refused.status_code == 409
    assert "example fails" in refused.get_data(as_text=True)
    assert _live_seq(app) == 1

    impact = staff.get(draft_url + "/impact?as_of=2026-06-01").get_data(as_text=True)
    assert re.search(r'id="n-lost">2<', impact), impact[:3000]
    assert re.search(r'id="n-newly">0<', impact)
    assert "Borderline Ltd" in impact and "Agency A / Borderline Tech" in impact

    assert staff.post(draft_url, data={"text": fix_examples(raise_threshold(text))}).status_code == 302
    page = staff.get(draft_url).get_data(as_text=True)
    assert 'id="no-errors"' in page and 'id="publish-blocked"' not in page
    assert staff.post(draft_url + "/publish", data={"comment": ""}).status_code == 409
    refused = staff.post(draft_url + "/publish", data={"comment": "MIIT raised the ratio to 4%"})
    assert refused.status_code == 409 and "发布前须先预览" in refused.get_data(as_text=True)  # the preview was of older texts
    preview(staff, draft_url)
    assert staff.post(draft_url + "/publish", data={"comment": "MIIT raised the ratio to 4%"}).status_code == 302
    assert _live_seq(app) == 2
    assert check_status(public, BORDERLINE) == "ineligible"

    audit = staff.get("/staff/audit").get_data(as_text=True)
    assert "staff@example.com" in audit and MEASURE in audit and "MIIT raised the ratio to 4%" in audit

    with app.extensions["checker"].sessions() as session:
        first = session.scalars(select(StoredResult).order_by(StoredResult.id)).first()
        versions = session.scalars(select(PackVersion).order_by(PackVersion.seq)).all()
    old = staff.get(f"/staff/results/assessment/{first.id}").get_data(as_text=True)
    assert f"v1 ({versions[0].hash})" in old and "eligible" in old

    response = staff.post("/staff/versions/1/rollback", data={"comment": "the notice was withdrawn"})
    assert response.status_code == 302
    assert _live_seq(app) == 3
    assert check_status(public, BORDERLINE) == "eligible"
    with app.extensions["checker"].sessions() as session:
        third = session.scalars(select(PackVersion).where(PackVersion.seq == 3)).one()
        assert third.hash == versions[0].hash and third.action == "rollback"
        rolled = session.scalars(select(AuditEntry).where(AuditEntry.action == "rollback")).all()
        assert [(e.measure, e.author) for e in rolled] == [(MEASURE, "staff@example.com")]
        assert "the notice was withdrawn" in rolled[0].comment


def test_rollback_needs_a_comment(app, staff):
    staff.post(f"/staff/measures/{MEASURE}/edit", data={"text": "id: specialised-sme\n"})
    response = staff.post("/staff/versions/1/rollback", data={"comment": " "})
    assert response.status_code == 303
    assert _live_seq(app) == 1
