"""Undo one publish: a later publish stays, the revert is a draft with its impact preview, an overlapping later
change is refused with the file named."""

from __future__ import annotations

import re

from tests.staff.test_git import editor, git, rules_of
from tests.staff.util import preview

GRANT = "measures/demo/grant-a.yaml"
RELIEF = "measures/demo/relief-b.yaml"


def _publish(client, measure: str, text: str, comment: str) -> None:
    location = client.post(f"/staff/measures/{measure}/edit", data={"text": text}).headers["Location"]
    preview(client, location)
    assert client.post(location + "/publish", data={"comment": comment}).status_code == 302


def _two_publishes(mini) -> tuple[str, str]:
    """v2 appends a line to grant-a, v3 one to relief-b; their texts."""
    grant = editor(mini, "/staff/measures/grant-a/edit")
    _publish(mini, "grant-a", grant + "# checked in v2\n", "v2 note")
    relief = editor(mini, "/staff/measures/relief-b/edit")
    _publish(mini, "relief-b", relief + "# checked in v3\n", "v3 note")
    return grant, relief


def test_reverting_one_publish_keeps_the_later_one(mini_app, mini):
    grant, relief = _two_publishes(mini)
    page = mini.get("/staff/versions/2").get_data(as_text=True)
    assert 'id="revert-form"' in page and 'action="/staff/versions/2/revert"' in page
    response = mini.post("/staff/versions/2/revert")
    assert response.status_code == 302
    draft = response.headers["Location"]
    assert 'id="needs-preview"' in mini.get(draft).get_data(as_text=True)
    refused = mini.post(draft + "/publish", data={"comment": "undo the v2 note"})
    assert refused.status_code == 409  # publishing needs the impact preview of exactly these texts
    preview(mini, draft)
    assert 'id="needs-preview"' not in mini.get(draft).get_data(as_text=True)
    assert mini.post(draft + "/publish", data={"comment": "undo the v2 note"}).status_code == 302
    rules = rules_of(mini_app)
    assert (rules / GRANT).read_text(encoding="utf-8") == grant
    assert (rules / RELIEF).read_text(encoding="utf-8") == relief + "# checked in v3\n"
    assert mini_app.extensions["staff"].current().seq == 4
    assert git(rules, "log", "-1", "--format=%s").strip() == "undo the v2 note"
    again = mini.post("/staff/versions/2/revert", follow_redirects=True)
    assert again.status_code == 409 and "v2 的改动已不在当前版本中，无需撤销" in again.get_data(as_text=True)


def test_a_later_overlapping_change_refuses_the_revert_and_names_the_file(mini_app, mini):
    grant = editor(mini, "/staff/measures/grant-a/edit")
    _publish(mini, "grant-a", grant + "# checked in v2\n", "v2 note")
    _publish(mini, "grant-a", grant + "# checked again in v3\n", "v3 note")
    refused = mini.post("/staff/versions/2/revert")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert re.search(r"无法撤销 v2：文件 measures/demo/grant-a.yaml 在这次发布之后又被修改", page)
    assert mini_app.extensions["staff"].current().seq == 3


def test_a_later_change_elsewhere_in_the_file_is_merged(mini_app, mini):
    grant = editor(mini, "/staff/measures/grant-a/edit")
    _publish(mini, "grant-a", "# header note of v2\n" + grant, "v2 header")
    _publish(mini, "grant-a", "# header note of v2\n" + grant + "# footer of v3\n", "v3 footer")
    draft = mini.post("/staff/versions/2/revert").headers["Location"]
    preview(mini, draft)
    assert mini.post(draft + "/publish", data={"comment": "drop the v2 header"}).status_code == 302
    assert (rules_of(mini_app) / GRANT).read_text(encoding="utf-8") == grant + "# footer of v3\n"


def test_reverting_a_new_measure_removes_its_file_and_keeps_a_later_publish(mini_app, mini):
    from tests.staff.test_create import FIELD, MEASURE, PARAMETER, _publish_form

    _publish_form(mini, "/staff/new/parameter", PARAMETER, "demo floor")
    _publish_form(mini, "/staff/new/field", FIELD, "the score")
    _publish_form(mini, "/staff/new/measure", MEASURE, "new demo measure")  # v4
    grant = editor(mini, "/staff/measures/grant-a/edit")
    _publish(mini, "grant-a", grant + "# later note\n", "v5 note")
    draft = mini.post("/staff/versions/4/revert").headers["Location"]
    page = mini.get(draft).get_data(as_text=True)
    assert "/dev/null" in page  # the diff shows the measure's file going
    preview(mini, draft)
    assert mini.post(draft + "/publish", data={"comment": "the demo measure was a mistake"}).status_code == 302
    rules = rules_of(mini_app)
    assert not (rules / "measures/demo/demo-new.yaml").exists()
    assert "demo-new" not in (rules / "measures/demo/index.yaml").read_text(encoding="utf-8")
    assert (rules / GRANT).read_text(encoding="utf-8") == grant + "# later note\n"
    assert "demo-new" not in mini_app.extensions["staff"].current().pack.index
