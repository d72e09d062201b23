"""Every page leads to the agency area; only staff see the rule-pack area."""

from __future__ import annotations

import re


def test_navigation_links_the_agency_area_but_not_the_staff_area_for_visitors(client):
    page = client.get("/").get_data(as_text=True)
    assert 'href="/agency/"' in page and "服务机构" in page
    assert 'href="/staff/"' not in page


def test_staff_users_see_the_rule_pack_area(app, client):
    from checker.accounts.users import create_user
    from checker.web.services import services

    with app.app_context(), services().sessions() as session:
        create_user(session, "staff@example.com", "a-long-staff-password", None, "staff")
        session.commit()
    page = client.get("/agency/login").get_data(as_text=True)
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    token = found.group(1) if found else ""
    client.post("/agency/login", data={"email": "staff@example.com", "password": "a-long-staff-password", "csrf_token": token})
    assert 'href="/staff/"' in client.get("/").get_data(as_text=True)
