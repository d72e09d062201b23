"""A refused publish keeps the draft's text; saving never stores an empty file (issue 12 item 14)."""

from __future__ import annotations

import pytest

from checker.staff.models import Draft
from tests.staff.util import preview, textarea


def _editor(html: str) -> str:
    """The editor's text as the browser submits it (WTForms opens a textarea with a newline)."""
    return textarea(html).replace("\r\n", "\n").lstrip("\n")


def _draft_text(app, location: str) -> str:
    with app.extensions["checker"].sessions() as session:
        found = session.get(Draft, int(location.rstrip("/").rsplit("/", 1)[1]))
        return next(iter(found.changes.values()))


@pytest.mark.parametrize("comment, broken", [("try it", True), ("", False)], ids=["lint-error", "empty-reason"])
def test_refused_publish_keeps_the_text_in_the_editor(mini_app, mini, comment, broken):
    text = _editor(mini.get("/staff/measures/grant-a/edit").get_data(as_text=True))
    edited = text + ("bogus: 1\n" if broken else "# reviewed\n")
    location = mini.post("/staff/measures/grant-a/edit", data={"text": edited}).headers["Location"]
    refused = mini.post(location + "/publish", data={"comment": comment})
    assert refused.status_code == 409
    assert _editor(refused.get_data(as_text=True)) == edited
    said = "校验错误 rules/measures/demo/grant-a.yaml" if broken else "必须填写修改原因"
    assert said in refused.get_data(as_text=True)
    assert _draft_text(mini_app, location) == edited


def test_saving_an_empty_text_is_refused_and_keeps_the_draft(mini_app, mini):
    text = _editor(mini.get("/staff/measures/grant-a/edit").get_data(as_text=True))
    location = mini.post("/staff/measures/grant-a/edit", data={"text": text + "# a\n"}).headers["Location"]
    response = mini.post(location, data={"text": "  \n"})
    assert response.status_code == 400
    assert _draft_text(mini_app, location) == text + "# a\n"
    assert _editor(response.get_data(as_text=True)) == text + "# a\n"


def test_lint_errors_are_in_the_pages_language_with_did_you_mean(mini):
    text = _editor(mini.get("/staff/measures/grant-a/edit").get_data(as_text=True))
    assert "rd_expense_wan >= 100" in text
    typo = text.replace("rd_expense_wan >= 100", "rd_expens_wan >= 100", 1)
    location = mini.post("/staff/measures/grant-a/edit", data={"text": typo}).headers["Location"]
    page = mini.get(location).get_data(as_text=True)
    assert "未知字段 &#39;rd_expens_wan&#39;，是否想写 &#39;rd_expense_wan&#39;？" in page
    english = mini.get(location + "?lang=en").get_data(as_text=True)
    assert "unknown field &#39;rd_expens_wan&#39;; did you mean &#39;rd_expense_wan&#39;?" in english


def test_staff_sign_in_lands_on_the_staff_area_and_others_get_a_clear_403(mini_app):
    from tests.staff.conftest import sign_in

    staff = mini_app.test_client()
    sign_in(staff, "staff@example.com")
    landing = staff.get("/agency/", follow_redirects=True)
    assert landing.request.path == "/staff/" and 'id="measures"' in landing.get_data(as_text=True)
    agency = mini_app.test_client()
    sign_in(agency, "a@example.com")
    refused = agency.get("/staff/")
    assert refused.status_code == 403 and "无权访问此页面" in refused.get_data(as_text=True)
    assert "You may not see this page" in agency.get("/staff/?lang=en").get_data(as_text=True)


def test_the_pack_index_searches_and_filters(mini):
    def shown(query: str) -> list[str]:
        import re

        page = mini.get("/staff/" + query).get_data(as_text=True)
        return re.findall(r'<tr id="m-([\w-]+)"', page)

    assert shown("") == ["grant-a", "relief-b", "space-c"]
    assert shown("?q=grant") == ["grant-a"]
    assert shown("?q=incubator_area_m2") == ["space-c"]
    assert shown("?state=not_yet") == ["space-c"]
    assert shown("?folder=nowhere") == []
    assert set(shown("?problems=1")) == {"grant-a", "relief-b", "space-c"}  # each has a coverage gap in the fixture


def test_rollback_shows_its_impact_and_diff_before_anything_changes(mini_app, mini):
    text = _editor(mini.get("/staff/measures/grant-a/edit").get_data(as_text=True))
    location = mini.post("/staff/measures/grant-a/edit", data={"text": text + "# v2\n"}).headers["Location"]
    preview(mini, location)
    assert mini.post(location + "/publish", data={"comment": "v2"}).status_code == 302
    versions = mini.get("/staff/versions").get_data(as_text=True)
    assert 'href="/staff/versions/1/rollback"' in versions and 'action="/staff/versions/1/rollback"' not in versions
    page = mini.get("/staff/versions/1/rollback?as_of=2026-06-01").get_data(as_text=True)
    assert 'id="impact-summary"' in page and "-# v2" in page and 'id="rollback-form"' in page
    assert mini_app.extensions["staff"].current().seq == 2
    assert mini.post("/staff/versions/1/rollback", data={"comment": "undo"}).status_code == 302
    assert mini_app.extensions["staff"].current().seq == 3
