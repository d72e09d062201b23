"""One source of truth: the rules folder is a git repository; publishes are commits, commits are publishes."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from sqlalchemy import select

from checker.rules.loader import load_pack
from checker.staff import store
from checker.staff.models import AuditEntry, PackVersion
from tests.staff.conftest import make_app, shut
from tests.staff.util import preview, textarea

PATH = "measures/demo/grant-a.yaml"


def git(rules: Path, *args: str) -> str:
    """Run git in the rules folder as an officer would; its output."""
    cmd = ["git", "-c", "user.name=Officer", "-c", "user.email=officer@example.com", *args]
    return subprocess.run(cmd, cwd=rules, check=True, capture_output=True, text=True).stdout


def rules_of(app) -> Path:
    """The app's rules folder (a private git-backed copy)."""
    return Path(app.config["CHECKER_RULES"])


def editor(client, url: str) -> str:
    """The editor's text as a browser submits it."""
    return textarea(client.get(url).get_data(as_text=True)).replace("\r\n", "\n").lstrip("\n")


def publish(client, text: str, comment: str):
    """Save a draft of grant-a with this text and publish it; the publish response."""
    location = client.post("/staff/measures/grant-a/edit", data={"text": text}).headers["Location"]
    preview(client, location)
    return client.post(location + "/publish", data={"comment": comment})


def versions(app) -> list[PackVersion]:
    with app.extensions["checker"].sessions() as session:
        return list(session.scalars(select(PackVersion).order_by(PackVersion.seq)))


def test_publish_commits_the_file_and_a_restart_keeps_it_live(tmp_path, mini_app, mini):
    rules = rules_of(mini_app)
    text = editor(mini, "/staff/measures/grant-a/edit")
    edited = text.replace("criteria:\n", "criteria:  # checked with MIIT\n", 1)
    assert edited != text
    assert publish(mini, edited, "confirmed with the MIIT notice").status_code == 302
    assert (rules / PATH).read_text(encoding="utf-8") == edited
    log = git(rules, "log", "-1", "--format=%ae|%s", "--", PATH).strip()
    assert log == "staff@example.com|confirmed with the MIIT notice"
    assert git(rules, "status", "--porcelain", "--", ".") == ""
    live = mini_app.extensions["staff"].current()
    assert live.seq == 2 and versions(mini_app)[-1].commit == git(rules, "rev-parse", "HEAD").strip()
    assert load_pack(rules).version == live.pack.version  # the CLI's lint/test/check read what is live

    again = make_app(tmp_path, CHECKER_RULES=str(rules), CHECKER_ENGINE="reference")
    try:
        assert again.extensions["staff"].current().seq == 2
        assert again.extensions["checker"].pack.version == live.pack.version
        assert len(versions(again)) == 2
    finally:
        shut(again)


def test_a_file_edited_on_disk_refuses_the_conflicting_draft_with_a_diff(mini_app, mini):
    rules = rules_of(mini_app)
    text = editor(mini, "/staff/measures/grant-a/edit")
    location = mini.post("/staff/measures/grant-a/edit", data={"text": text + "# browser edit\n"}).headers["Location"]
    on_disk = (rules / PATH).read_text(encoding="utf-8") + "# officer edit in a text editor\n"
    (rules / PATH).write_text(on_disk, encoding="utf-8")
    head = git(rules, "rev-parse", "HEAD")
    refused = mini.post(location + "/publish", data={"comment": "browser change"})
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    conflict = re.search(r'<details id="conflict".*?</details>', page, re.S).group(0)
    assert "+# officer edit in a text editor" in conflict
    assert "changed on disk" in page
    assert (rules / PATH).read_text(encoding="utf-8") == on_disk  # the officer's edit is not overwritten
    assert git(rules, "rev-parse", "HEAD") == head and mini_app.extensions["staff"].current().seq == 1
    assert "# browser edit" in textarea(page)  # and the draft's text is kept
    with mini_app.extensions["checker"].sessions() as session:
        refusals = session.scalars(select(AuditEntry).where(AuditEntry.action == "refused")).all()
        saves = session.scalars(select(AuditEntry).where(AuditEntry.action == "draft_saved")).all()
    assert len(refusals) == 1 and "changed on disk" in refusals[0].comment and refusals[0].author == "staff@example.com"
    assert len(saves) == 1


def test_an_officers_commit_goes_live_and_a_broken_one_is_refused(mini_app, mini):
    rules = rules_of(mini_app)
    target = rules / PATH
    target.write_text(target.read_text(encoding="utf-8") + "# officer\n", encoding="utf-8")
    git(rules, "commit", "-qam", "officer: note")
    mini.get("/staff/")
    live = mini_app.extensions["staff"].current()
    assert live.seq == 2 and live.files[PATH].endswith("# officer\n")
    newest = versions(mini_app)[-1]
    assert (newest.author, newest.comment, newest.action) == ("officer@example.com", "officer: note", "import")

    target.write_text("id: [\n", encoding="utf-8")
    git(rules, "commit", "-qam", "officer: oops")
    assert mini.get("/staff/").status_code == 200
    assert mini_app.extensions["staff"].current().seq == 2  # the last good pack stays live
    with mini_app.extensions["checker"].sessions() as session:
        refused = session.scalars(select(AuditEntry).where(AuditEntry.action == "refused")).one()
    assert refused.author == "officer@example.com" and "grant-a.yaml" in refused.comment


def test_rollback_is_a_commit_of_the_earlier_files(mini_app, mini):
    rules = rules_of(mini_app)
    original = (rules / PATH).read_text(encoding="utf-8")
    assert publish(mini, editor(mini, "/staff/measures/grant-a/edit") + "# v2\n", "v2").status_code == 302
    assert (rules / PATH).read_text(encoding="utf-8").endswith("# v2\n")
    assert mini.post("/staff/versions/1/rollback", data={"comment": "v2 was wrong"}).status_code == 302
    assert (rules / PATH).read_text(encoding="utf-8") == original
    assert git(rules, "log", "-1", "--format=%ae|%s").strip() == "staff@example.com|back to v1: v2 was wrong"
    with mini_app.extensions["checker"].sessions() as session:
        assert store.newest(session).files == store.by_seq(session, 1).files


def test_a_rules_folder_outside_any_repository_becomes_one(tmp_path):
    import shutil

    from tests.web.util import MINI_RULES

    rules = tmp_path / "outside" / "rules"
    shutil.copytree(MINI_RULES, rules)
    application = make_app(tmp_path, CHECKER_RULES=str(rules), CHECKER_ENGINE="reference")
    try:
        assert (rules / ".git").is_dir()
        assert PATH in git(rules, "ls-files")
        assert versions(application)[0].commit == git(rules, "rev-parse", "HEAD").strip()
    finally:
        shut(application)


def test_uncommitted_edits_are_never_live_even_after_a_restart(tmp_path, mini_app, mini):
    rules = rules_of(mini_app)
    live = mini_app.extensions["staff"].current()
    (rules / PATH).write_text((rules / PATH).read_text(encoding="utf-8") + "# half-done edit\n", encoding="utf-8")
    mini.get("/staff/")
    assert mini_app.extensions["staff"].current().seq == live.seq
    again = make_app(tmp_path, CHECKER_RULES=str(rules), CHECKER_ENGINE="reference")
    try:
        assert again.extensions["staff"].current().seq == live.seq
        assert again.extensions["checker"].pack.version == live.pack.version
    finally:
        shut(again)


def test_a_broken_head_on_a_fresh_database_serves_the_folder_as_it_is(tmp_path):
    import shutil

    from tests.web.util import MINI_RULES

    rules = tmp_path / "fresh" / "rules"
    shutil.copytree(MINI_RULES, rules)
    git(rules, "init", "-q")
    good = (rules / PATH).read_text(encoding="utf-8")
    (rules / PATH).write_text("id: [\n", encoding="utf-8")
    git(rules, "add", "-A")
    git(rules, "commit", "-qm", "broken")
    (rules / PATH).write_text(good, encoding="utf-8")  # fixed on disk, not yet committed
    application = make_app(tmp_path, CHECKER_RULES=str(rules), CHECKER_ENGINE="reference")
    try:
        live = application.extensions["staff"].current()
        assert live.seq == 1 and live.files[PATH] == good
        assert application.test_client().get("/").status_code == 200
    finally:
        shut(application)


def test_version_pages_read_the_files_from_git(mini_app, mini):
    rules = rules_of(mini_app)
    assert publish(mini, editor(mini, "/staff/measures/grant-a/edit") + "# v2\n", "v2").status_code == 302
    sha = git(rules, "rev-parse", "HEAD").strip()
    with mini_app.extensions["checker"].sessions() as session:  # the stored copy differs: the page must show git's
        version = store.by_seq(session, 2)
        version.files = {**version.files, PATH: version.files[PATH] + "# stored copy only\n"}
        session.commit()
    page = mini.get("/staff/versions/2").get_data(as_text=True)
    assert "+# v2" in page and "stored copy only" not in page and sha[:10] in page


def test_a_poll_during_a_publish_leaves_the_commit_to_the_publisher(mini_app, mini):
    rules = rules_of(mini_app)
    holder = mini_app.extensions["staff"]
    target = rules / PATH
    target.write_text(target.read_text(encoding="utf-8") + "# committed, being recorded\n", encoding="utf-8")
    git(rules, "commit", "-qam", "in flight")
    with holder.repo.locked():  # another worker is publishing this commit
        holder.sync_git()
        assert len(versions(mini_app)) == 1
    holder.sync_git()
    assert len(versions(mini_app)) == 2
