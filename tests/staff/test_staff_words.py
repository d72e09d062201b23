"""Staff pages say refusals, conflicts and the audit log in the page's language (issue 22 item 9)."""

from __future__ import annotations

import re

from tests.staff.test_git import PATH, git, rules_of
from tests.staff.test_refusals import _editor


def _audit_rows(client, lang: str = "zh") -> list[str]:
    """The 'why' cells of the audit page, newest first."""
    page = client.get(f"/staff/audit?lang={lang}").get_data(as_text=True)
    return [re.sub(r"<[^>]+>", "", row[-1]) for row in re.findall(r"<tr>((?:<td.*?</td>)+)</tr>", page)
            for row in [re.findall(r"<td[^>]*>(.*?)</td>", row)]]


def test_a_refused_publish_is_in_the_audit_log_in_the_readers_language(mini):
    text = _editor(mini.get("/staff/measures/grant-a/edit").get_data(as_text=True))
    location = mini.post("/staff/measures/grant-a/edit", data={"text": text + "bogus: 1\n"}).headers["Location"]
    draft = location.rstrip("/").rsplit("/", 1)[1]
    assert mini.post(location + "/publish", data={"comment": "try"}).status_code == 409
    chinese = _audit_rows(mini)
    assert chinese[0].startswith(f"草稿 #{draft} 发布被拒绝：") and "rules/measures/demo/grant-a.yaml" in chinese[0]
    assert "publish refused" not in chinese[0] and "unknown key" not in chinese[0]
    assert chinese[1] == f"草稿 #{draft} 已创建"
    english = _audit_rows(mini, "en")
    assert english[0].startswith(f"draft #{draft}: publish refused: ") and "unknown key &#39;bogus&#39;" in english[0]
    assert english[1] == f"draft #{draft} started"


def test_a_person_s_own_comment_stays_as_written(mini):
    from checker.staff import store

    assert store.read_note("按2026年通知更新") is None
    assert store.read_note('{"code": broken') is None


def test_a_refused_disk_commit_is_named_in_the_pages_language(mini_app, mini):
    rules = rules_of(mini_app)
    target = rules / PATH
    target.write_text(target.read_text(encoding="utf-8").replace("kind: subsidy", "kind: gift"), encoding="utf-8")
    git(rules, "commit", "-qam", "officer: oops")
    page = mini.get("/staff/").get_data(as_text=True)
    banner = re.search(r'<div class="flash error" id="rules-refused".*?</div>', page, re.S).group(0)
    assert "rules/measures/demo/grant-a.yaml:4 kind：只能是以下之一：" in banner and "Input should be" not in banner
    english = mini.get("/staff/?lang=en").get_data(as_text=True)
    english_banner = re.search(r'<div class="flash error" id="rules-refused".*?</div>', english, re.S).group(0)
    assert "rules/measures/demo/grant-a.yaml:4: kind: " in english_banner and "只能是" not in english_banner
    assert "commit" in _audit_rows(mini, "en")[0] and "规则提交" in _audit_rows(mini)[0]


def test_a_draft_whose_file_changed_since_says_so_in_the_pages_language(mini):
    text = _editor(mini.get("/staff/measures/grant-a/edit").get_data(as_text=True))
    first = mini.post("/staff/measures/grant-a/edit", data={"text": text + "# first\n"}).headers["Location"]
    second = mini.post("/staff/measures/grant-a/edit", data={"text": text + "# second\n"}).headers["Location"]
    from tests.staff.util import preview

    preview(mini, first)
    assert mini.post(first + "/publish", data={"comment": "first"}).status_code == 302
    page = mini.get(second).get_data(as_text=True)
    assert "measures/demo/grant-a.yaml 在草稿开始后已有新的提交或发布" in page and "changed (a commit" not in page
    assert "(编辑中)" in page and "<summary>差异</summary>" in page
    english = mini.get(second + "?lang=en").get_data(as_text=True)
    assert "measures/demo/grant-a.yaml changed (a commit or a publish) since this draft began" in english


def test_a_version_and_its_rollback_page_name_the_diff_and_action_in_chinese(mini):
    version = mini.get("/staff/versions/1").get_data(as_text=True)
    assert "<h2>差异 (" in version and "<h2>diff" not in version and "导入 <small>import</small>" in version
    rollback = mini.get("/staff/versions/1/rollback").get_data(as_text=True)
    assert "<h2>差异</h2>" in rollback and "<h2>diff</h2>" not in rollback
    assert "<h2>diff (" in mini.get("/staff/versions/1?lang=en").get_data(as_text=True)
