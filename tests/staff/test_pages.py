"""Staff pages on the small fixture pack: access, the pack page, lint errors, uploads, dates, several workers."""

from __future__ import annotations

import io
import re

from sqlalchemy import select

from checker.staff import store
from checker.staff.models import PackVersion
from tests.staff.conftest import make_app, shut, sign_in
from tests.staff.util import preview, textarea
from tests.web.util import MINI_RULES


def test_staff_only(mini_app):
    anonymous = mini_app.test_client()
    response = anonymous.get("/staff/")
    assert response.status_code == 302 and "/agency/login" in response.headers["Location"]
    agency = mini_app.test_client()
    sign_in(agency, "a@example.com")
    for url in ("/staff/", "/staff/fields", "/staff/versions", "/staff/audit", "/staff/measures/grant-a/edit"):
        assert agency.get(url).status_code == 403, url
    assert agency.post("/staff/versions/1/rollback", data={"comment": "x"}).status_code == 403


def test_pack_page_states_periods_examples_fields_and_coverage(mini):
    page = mini.get("/staff/").get_data(as_text=True)
    row = re.search(r'<tr id="m-space-c".*?</tr>', page, re.S).group(0)
    assert "state-not_yet" in row and "2027-01-01" in row
    row = re.search(r'<tr id="m-grant-a".*?</tr>', page, re.S).group(0)
    assert "state-in_force" in row and "2030-12-31" in row and "entity_type" in row
    assert 'id="coverage"' in page
    fields = mini.get("/staff/fields").get_data(as_text=True)
    assert "grant-a" in re.search(r'<tr id="f-entity_type">.*?</tr>', fields, re.S).group(0)
    detail = mini.get("/staff/measures/grant-a").get_data(as_text=True)
    assert "id: grant-a" in detail and 'id="example-results"' in detail


def test_lint_errors_are_shown_with_line_and_key_and_never_go_live(mini_app, mini):
    text = textarea(mini.get("/staff/measures/grant-a/edit").get_data(as_text=True))
    broken = text.replace("kind: subsidy", "kind: gift") if "kind: subsidy" in text else text + "bogus: 1\n"
    location = mini.post("/staff/measures/grant-a/edit", data={"text": broken}).headers["Location"]
    page = mini.get(location).get_data(as_text=True)
    errors = re.search(r'<table id="errors">.*?</table>', page, re.S).group(0)
    assert re.search(r"rules/measures/demo/grant-a.yaml:\d+", errors)
    assert "<code>kind</code>" in errors or "<code>bogus</code>" in errors
    assert mini.post(location + "/publish", data={"comment": "try"}).status_code == 409
    assert mini_app.extensions["staff"].current().seq == 1


def test_upload_a_file_and_expired_measures_show_their_end(mini_app, mini):
    text = textarea(mini.get("/staff/measures/grant-a/edit").get_data(as_text=True))
    changed = text.replace("period: {from: 2020-01-01, to: 2030-12-31}", "period: {from: 2020-01-01, to: 2026-06-30}")
    assert changed != text
    data = {"text": "", "upload": (io.BytesIO(changed.encode()), "grant-a.yaml")}
    location = mini.post("/staff/measures/grant-a/edit", data=data, content_type="multipart/form-data").headers["Location"]
    assert 'id="no-errors"' in mini.get(location).get_data(as_text=True)
    preview(mini, location)
    assert mini.post(location + "/publish", data={"comment": "the programme ended"}).status_code == 302
    detail = mini.get("/staff/versions/2").get_data(as_text=True)
    assert "+period: {from: 2020-01-01, to: 2026-06-30}" in detail and "the programme ended" in detail
    assert "v1 (" in mini.get("/staff/versions/1").get_data(as_text=True)
    assert mini.get("/staff/versions/9").status_code == 404
    row = re.search(r'<tr id="m-grant-a".*?</tr>', mini.get("/staff/").get_data(as_text=True), re.S).group(0)
    assert "state-expired" in row and "2026-06-30" in row


def test_a_second_worker_converges_and_a_broken_version_never_goes_live(tmp_path, mini_app, mini):
    other = make_app(tmp_path, CHECKER_RULES=str(MINI_RULES), CHECKER_ENGINE="reference")
    try:
        text = textarea(mini.get("/staff/measures/grant-a/edit").get_data(as_text=True))
        location = mini.post("/staff/measures/grant-a/edit", data={"text": text + "# reviewed\n"}).headers["Location"]
        preview(mini, location)
        assert mini.post(location + "/publish", data={"comment": "reviewed"}).status_code == 302
        other.test_client().get("/")
        assert other.extensions["staff"].current().seq == 2
        assert other.extensions["checker"].pack.version == mini_app.extensions["checker"].pack.version
        with other.extensions["checker"].sessions() as session:
            files = dict(store.newest(session).files)
            files["measures/demo/grant-a.yaml"] = "id: [\n"
            session.add(PackVersion(seq=3, hash="broken", files=files, action="publish", author="x", comment="x"))
            session.commit()
        other.test_client().get("/")
        assert other.extensions["staff"].current().seq == 2
        assert other.test_client().get("/").status_code == 200
    finally:
        shut(other)


def test_restart_keeps_the_published_version(tmp_path, mini_app, mini):
    text = textarea(mini.get("/staff/measures/grant-a/edit").get_data(as_text=True))
    location = mini.post("/staff/measures/grant-a/edit", data={"text": text + "# v2\n"}).headers["Location"]
    preview(mini, location)
    assert mini.post(location + "/publish", data={"comment": "v2"}).status_code == 302
    again = make_app(tmp_path, CHECKER_RULES=str(MINI_RULES), CHECKER_ENGINE="reference")
    try:
        assert again.extensions["staff"].current().seq == 2
        with again.extensions["checker"].sessions() as session:
            assert len(session.scalars(select(PackVersion)).all()) == 2
    finally:
        shut(again)


def test_init_is_idempotent_and_pages_render_in_english(mini_app, mini):
    from checker.web.staff import init_app

    assert init_app(mini_app) is mini_app.extensions["staff"]
    page = mini.get("/staff/?lang=en").get_data(as_text=True)
    assert "Rule pack" in page and "Criterion coverage" in page
    for url in ("/staff/fields", "/staff/versions", "/staff/audit", "/staff/results", "/staff/static/staff.js"):
        response = mini.get(url)
        assert response.status_code == 200, url
        response.close()


def test_draft_shows_a_diff_and_can_be_discarded(mini_app, mini):
    text = textarea(mini.get("/staff/measures/grant-a/edit").get_data(as_text=True))
    location = mini.post("/staff/measures/grant-a/edit", data={"text": text + "# note\n"}).headers["Location"]
    page = mini.get(location).get_data(as_text=True)
    assert "+# note" in page and "live/measures/demo/grant-a.yaml" in page
    assert "grant-a" in mini.get("/staff/").get_data(as_text=True).split('id="drafts"')[1][:300]
    assert mini.post(location + "/discard").status_code == 302
    assert 'id="drafts"' not in mini.get("/staff/").get_data(as_text=True)
    assert mini.post(location + "/publish", data={"comment": "late"}).status_code == 409


def test_stored_results_list_links_their_version(mini_app, mini):
    import datetime as dt

    from checker.company.models import Assessment, StoredResult

    digest = mini_app.extensions["staff"].current().pack.version
    with mini_app.extensions["checker"].sessions() as session:
        result = {"results": [{"measure": "grant-a", "status": "eligible"}]}
        session.add(Assessment(name="Old Co", answers={}, results=[StoredResult(rulepack=digest, as_of=dt.date(2026, 6, 1),
                                                                                   result=result)]))
        session.commit()
    page = mini.get("/staff/results").get_data(as_text=True)
    assert f"v1 ({digest})" in page
    link = re.search(r'href="(/staff/results/assessment/\d+)"', page).group(1)
    shown = mini.get(link).get_data(as_text=True)
    assert f"v1 ({digest})" in shown and "eligible" in shown
    assert mini.get("/staff/results/nothing/1").status_code == 404


def test_without_git_rules_changed_on_disk_are_imported_unless_frozen(tmp_path, mini_app):
    import shutil

    rules = tmp_path / "copy" / "rules"
    shutil.copytree(MINI_RULES, rules)
    settings = {"CHECKER_RULES": str(rules), "CHECKER_ENGINE": "reference", "DATABASE_URL": f"sqlite:///{tmp_path / 'd.sqlite'}",
                "STAFF_RULES_GIT": False}
    first = make_app(tmp_path / "a", **settings)
    v1 = first.extensions["staff"].current().pack.version
    shut(first)
    path = rules / "measures" / "demo" / "grant-a.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "# deployed\n", encoding="utf-8")
    again = make_app(tmp_path / "b", STAFF_IMPORT_NEW_RULES=False, **settings)
    try:
        assert again.extensions["staff"].current().seq == 1
        assert again.extensions["checker"].pack.version == v1
    finally:
        shut(again)
    imported = make_app(tmp_path / "c", **settings)
    try:
        assert imported.extensions["staff"].current().seq == 2
        assert imported.extensions["checker"].pack.version != v1
    finally:
        shut(imported)


def test_unmigrated_database_keeps_the_disk_pack(tmp_path, caplog):
    application = make_app(tmp_path, CHECKER_RULES=str(MINI_RULES), CHECKER_ENGINE="reference", AUTO_MIGRATE=False)
    try:
        assert "staff tables missing" in caplog.text
        assert application.extensions["checker"].live is None
    finally:
        shut(application)
