"""A draft behind the committed rules is brought up to date by a three-way merge (conflicts marked, the officer's
text kept), its refusal names who changed the file, and a broken commit is repaired from its committed text."""

from __future__ import annotations

import re

from checker.problems import Problem
from checker.staff import drafts, sync
from checker.staff.models import Draft
from checker.staff.revert import merge_marked
from tests.staff.test_git import PATH, editor, git, publish, rules_of, versions
from tests.staff.util import preview, textarea

BASE = "a: 1\nb: 2\nc: 3\nd: 4\ne: 5\nf: 6\n"


def test_a_clean_merge_keeps_both_edits():
    mine = BASE.replace("b: 2", "b: 20")
    latest = BASE.replace("f: 6", "f: 60")
    text, lines = sync.merge_file(mine, BASE, latest)
    assert (text, lines) == (BASE.replace("b: 2", "b: 20").replace("f: 6", "f: 60"), [])


def test_overlapping_edits_are_marked_with_their_lines_and_keep_both_texts():
    mine = BASE.replace("c: 3", "c: 30")
    latest = BASE.replace("c: 3", "c: 33").replace("a: 1", "a: 11")
    text, lines = sync.merge_file(mine, BASE, latest)
    assert text is not None and "a: 11\n" in text  # the clean part of the other change is merged in
    assert lines == [3]
    body = text.splitlines()
    assert body[2] == "<<<<<<< draft" and body[3] == "c: 30" and "c: 33" in body[4:7] and ">>>>>>> latest" in body


def test_an_untouched_or_already_equal_file_takes_the_simple_side():
    assert sync.merge_file(BASE, BASE, "x: 1\n") == ("x: 1\n", [])  # the draft did not change it: take the latest
    assert sync.merge_file("x: 1\n", BASE, BASE) == ("x: 1\n", [])  # nothing new committed
    assert sync.merge_file("x: 1\n", BASE, "x: 1\n") == ("x: 1\n", [])  # the same edit on both sides


def test_merge_marked_counts_every_conflict():
    mine = BASE.replace("a: 1", "a: 10").replace("f: 6", "f: 60")
    latest = BASE.replace("a: 1", "a: 11").replace("f: 6", "f: 66")
    text, lines = merge_marked(mine, BASE, latest, sync.LABELS) or ("", [])
    assert len(lines) == 2 and all(text.splitlines()[n - 1].startswith("<<<<<<<") for n in lines)


def test_update_draft_rebases_only_the_files_behind():
    draft = Draft(changes={"x.yaml": BASE.replace("b: 2", "b: 20"), "y.yaml": "y: 2\n"},
                  bases={"x.yaml": BASE, "y.yaml": "y: 1\n"})
    live = {"x.yaml": BASE.replace("e: 5", "e: 50"), "y.yaml": "y: 1\n"}
    result = sync.update_draft(draft, live)
    assert result.merged == ["x.yaml"] and result.conflicts == {}
    assert draft.bases == {"x.yaml": live["x.yaml"], "y.yaml": "y: 1\n"}
    assert draft.changes["x.yaml"] == BASE.replace("b: 2", "b: 20").replace("e: 5", "e: 50")
    assert draft.changes["y.yaml"] == "y: 2\n" and sync.behind(live, draft) == []


def test_refusal_wording_in_both_languages():
    commit = Problem("refusal.live_commit", {"path": PATH, "subject": "officer: note"})
    assert commit.text("zh") == (f"{PATH} 在草稿开始后被编辑器之外的提交（officer: note）修改，为避免覆盖，拒绝发布。"
                                 "请点“把草稿更新到最新版本”")
    assert str(commit) == (f"{PATH} was changed by a commit outside the editor (officer: note) since this draft began; "
                           "publishing is refused so as not to overwrite it. Use “Bring the draft up to date”")
    published = Problem("refusal.live_published", {"path": PATH, "user": "b@example.com", "time": "2026-12-03 09:15"})
    assert published.text("zh") == (f"{PATH} 在草稿开始后已由 b@example.com 于 2026-12-03 09:15 发布修改，为避免覆盖，"
                                     "拒绝发布。请点“把草稿更新到最新版本”")
    assert str(published).startswith(f"{PATH} was published by b@example.com at 2026-12-03 09:15 since this draft began")
    broken = Problem("refusal.broken_pack", {"path": PATH, "where": f"{PATH}:8", "message": "bad", "message_zh": "坏"})
    assert broken.text("zh") == (f"已提交的规则在文件 {PATH} 中有错误（{PATH}:8：坏），整套规则无法加载，"
                                 "任何发布都被拒绝：请先修复该文件")
    assert str(broken) == (f"The committed rules are broken in file {PATH} ({PATH}:8: bad): nothing can be published "
                           "until that file is repaired")


def _text(page: str) -> str:
    """The editor's text as a browser submits it."""
    return textarea(page).replace("\r\n", "\n").lstrip("\n")


def _draft_of(client, text: str) -> str:
    """Save a draft of grant-a with this text; its URL."""
    return client.post("/staff/measures/grant-a/edit", data={"text": text}).headers["Location"]


def test_a_plain_commit_is_named_and_bringing_the_draft_up_to_date_lets_it_publish(mini_app, mini):
    rules = rules_of(mini_app)
    original = editor(mini, "/staff/measures/grant-a/edit")
    location = _draft_of(mini, original.replace("给予补助, en", "给予资金补助, en"))
    (rules / PATH).write_text(original.replace("向测试局申报", "向测试局政务窗口申报"), encoding="utf-8")
    git(rules, "commit", "-qam", "officer: new counter")
    preview(mini, location)
    refused = mini.post(location + "/publish", data={"comment": "wording"})
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert "changed by a commit outside the editor (officer: new counter)" in page and "已被他人发布修改" not in page
    assert 'id="update-draft"' in page

    done = mini.post(location + "/update", follow_redirects=True).get_data(as_text=True)
    assert f"草稿已更新到最新版本（{PATH}），保留了您的修改" in done
    merged = _text(done)
    assert "给予资金补助, en" in merged and "向测试局政务窗口申报" in merged and 'id="update-draft"' not in done
    assert mini.post(location + "/publish", data={"comment": "wording"}).status_code == 409  # a preview of these texts
    preview(mini, location)
    assert mini.post(location + "/publish", data={"comment": "wording"}).status_code == 302
    assert (rules / PATH).read_text(encoding="utf-8") == merged
    assert git(rules, "log", "-1", "--format=%ae|%s").strip() == "staff@example.com|wording"


def test_a_publish_by_another_officer_is_named_with_its_time(mini_app, mini):
    original = editor(mini, "/staff/measures/grant-a/edit")
    location = _draft_of(mini, original.replace("给予补助, en", "给予资金补助, en"))
    assert publish(mini, original.replace("向测试局申报", "向测试局窗口申报"), "counter").status_code == 302
    when = versions(mini_app)[-1].created_at.strftime("%Y-%m-%d %H:%M")
    preview(mini, location)
    page = mini.post(location + "/publish", data={"comment": "wording"}).get_data(as_text=True)
    assert f"was published by staff@example.com at {when} since this draft began" in page


def test_overlapping_edits_leave_markers_and_the_draft_publishes_once_resolved(mini_app, mini):
    rules = rules_of(mini_app)
    original = editor(mini, "/staff/measures/grant-a/edit")
    mine = original.replace("给予补助, en", "给予资金补助, en")
    location = _draft_of(mini, mine)
    (rules / PATH).write_text(original.replace("给予补助, en", "给予一次性补助, en"), encoding="utf-8")
    git(rules, "commit", "-qam", "officer: one-off")
    page = mini.post(location + "/update", follow_redirects=True).get_data(as_text=True)
    line = original.splitlines().index(next(x for x in original.splitlines() if x.startswith("summary:"))) + 1
    assert f"{PATH} 第 {line} 行与最新版本冲突" in page
    text = _text(page)
    assert "<<<<<<< draft\n" + mine.splitlines()[line - 1] in text and "给予一次性补助" in text  # nothing lost
    assert 'id="publish-blocked"' in page  # markers do not load; the lint says so instead of a YAML syntax error
    errors = re.search(r'<table id="errors">.*?</table>', page, re.S).group(0)
    assert f"{PATH}:{line}" in errors and f"第 {line} 行开始一处未解决的冲突" in errors and errors.count('class="error"') == 1
    resolved = re.sub(r"<<<<<<< draft\n(.*?)\n=======\n.*?\n>>>>>>> latest\n", r"\1\n", text, flags=re.S)
    assert mini.post(location, data={"text": resolved, "path": PATH}).status_code == 302
    preview(mini, location)
    assert mini.post(location + "/publish", data={"comment": "funding wording"}).status_code == 302
    assert "给予资金补助" in (rules / PATH).read_text(encoding="utf-8")


def test_a_broken_commit_is_named_for_other_publishes_and_repaired_from_its_committed_text(mini_app, mini):
    rules = rules_of(mini_app)
    good = (rules / PATH).read_text(encoding="utf-8")
    broken = good.replace("kind: subsidy", "kind: [subsidy")
    (rules / PATH).write_text(broken, encoding="utf-8")
    git(rules, "commit", "-qam", "officer: oops")
    index = mini.get("/staff/").get_data(as_text=True)
    assert f"/staff/repair?path={PATH}" in index and mini_app.extensions["staff"].current().seq == 1

    other = "measures/demo/relief-b.yaml"
    relief = editor(mini, "/staff/measures/relief-b/edit")
    location = mini.post("/staff/measures/relief-b/edit", data={"text": relief + "# note\n"}).headers["Location"]
    page = mini.post(location + "/publish", data={"comment": "note"}).get_data(as_text=True)
    assert f"The committed rules are broken in file {PATH} ({PATH}:" in page and f"repair?path={PATH}" in page
    assert f"{other}:" not in page

    assert f"repair?path={PATH}" in mini.get("/staff/measures/grant-a/edit").get_data(as_text=True)
    repair = mini.get(f"/staff/repair?path={PATH}").get_data(as_text=True)
    assert _text(repair) == broken and re.search(rf"{PATH}:\d+</a>", repair)
    fixed = mini.post(f"/staff/repair?path={PATH}", data={"text": good}).headers["Location"]
    assert 'id="no-errors"' in mini.get(fixed).get_data(as_text=True)
    preview(mini, fixed)
    assert mini.post(fixed + "/publish", data={"comment": "fix the kind"}).status_code == 302
    assert (rules / PATH).read_text(encoding="utf-8") == good
    assert mini_app.extensions["staff"].refused is None and mini_app.extensions["staff"].current().seq == 2
    assert "rules-refused" not in mini.get("/staff/").get_data(as_text=True)


def test_conflict_markers_are_named_by_line_in_the_lint():
    text = BASE.replace("c: 3", "<<<<<<< draft\nc: 30\n=======\nc: 33\n>>>>>>> latest")
    found = drafts.conflict_markers({"x.yaml": BASE}, {"x.yaml": text, "y.yaml": "<<<<<<< draft\n"})
    assert [(e.file, e.line) for e in found] == [("rules/x.yaml", 3), ("rules/y.yaml", 1)]
    assert str(found[0].problem) == ("Line 3 starts an unresolved conflict (your text after <<<<<<< draft, the latest "
                                     "one after =======, up to >>>>>>> latest): keep the right text and delete the three "
                                     "marker lines")
    assert drafts.conflict_markers({"y.yaml": "<<<<<<< draft\n"}, {"y.yaml": "<<<<<<< draft\n"}) == []  # unchanged files


def test_repairing_a_commit_that_rewrote_history_still_needs_the_correction(app, staff):
    from tests.staff.test_history import CORRECTION, TAX, _rewrite

    rules = rules_of(app)
    rewritten = _rewrite((rules / TAX).read_text(encoding="utf-8"), "        value: 100\n", "        value: 120\n")
    (rules / TAX).write_text(rewritten, encoding="utf-8")
    git(rules, "commit", "-qam", "officer: 2018 limit")
    assert f"/staff/repair?path={TAX}" in staff.get("/staff/").get_data(as_text=True)  # the pack loads, yet is refused
    repair = staff.get(f"/staff/repair?path={TAX}").get_data(as_text=True)
    assert _text(repair) == rewritten and f"{TAX}:9</a>" in repair

    kept = staff.post(f"/staff/repair?path={TAX}", data={"text": rewritten + "# checked\n"}).headers["Location"]
    preview(staff, kept)
    refused = staff.post(kept + "/publish", data={"comment": "keep 120"})
    assert refused.status_code == 409 and f"rules/{TAX}:9" in refused.get_data(as_text=True)
    fixed = rewritten.replace("        value: 120\n", "        value: 120\n" + CORRECTION.replace("50}", "100}"), 1)
    location = staff.post(f"/staff/repair?path={TAX}", data={"text": fixed}).headers["Location"]
    preview(staff, location)
    assert staff.post(location + "/publish", data={"comment": "the 2018 limit was mistyped"}).status_code == 302
    assert app.extensions["staff"].refused is None and "rules-refused" not in staff.get("/staff/").get_data(as_text=True)


def test_update_and_repair_wording_in_both_languages():
    from checker.i18n import translate

    assert translate("staff.update_draft", "zh") == "把草稿更新到最新版本"
    assert translate("staff.update_draft", "en") == "Bring the draft up to date"
    assert translate("staff.update_conflicts", "zh", path=PATH, lines="3, 9").startswith(
        f"草稿已更新到最新版本，但 {PATH} 第 3, 9 行与最新版本冲突：<<<<<<< draft 与 ======= 之间是您的文字")
    assert translate("staff.update_conflicts", "en", path=PATH, lines="3").startswith(
        f"The draft is up to date, but {PATH} line(s) 3 conflict with the latest version")
    assert translate("staff.updated", "en", paths=PATH) == (f"The draft is up to date ({PATH}) and keeps your edits; "
                                                            "preview its impact again before publishing.")
    assert translate("staff.repair_link", "zh", path=PATH) == f"打开已提交的 {PATH} 并修复"
    assert translate("staff.repair_link", "en", path=PATH) == f"Open the committed {PATH} and repair it"
    assert "last good version" in translate("staff.repair_intro", "en", path=PATH)
