"""A restart after a broken commit serves the last good version and says loudly which commit it refused."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from checker.cli import main
from checker.rules.loader import RulePackError, load_pack
from tests.staff.conftest import make_app, shut, sign_in
from tests.staff.test_git import PATH, git, rules_of
from tests.web.util import MINI_RULES, ROOT

PROFILE = {"employees": 10}


def break_head(rules: Path) -> str:
    """Commit a rule file that does not parse, as an officer might; the commit id."""
    (rules / PATH).write_text("id: [\n", encoding="utf-8")
    git(rules, "commit", "-qam", "officer: oops")
    return git(rules, "rev-parse", "HEAD").strip()


def test_a_restart_after_a_broken_commit_serves_the_last_good_version_and_says_so(tmp_path, mini_app, mini, caplog):
    rules, good = rules_of(mini_app), mini_app.extensions["staff"].current()
    broken = break_head(rules)
    caplog.set_level(logging.ERROR)
    again = make_app(tmp_path, CHECKER_RULES=str(rules), CHECKER_ENGINE="reference")
    try:
        assert again.extensions["staff"].current().pack.version == good.pack.version
        assert again.extensions["checker"].pack.version == good.pack.version
        assert again.test_client().get("/").status_code == 200  # the public form answers
        health = again.test_client().get("/health").json
        assert health["status"] == "ok" and health["rulepack"] == good.pack.version
        assert health["rules_refused"]["commit"] == broken and health["rules_refused"]["errors"] >= 1
        assert "grant-a.yaml" in health["rules_refused"]["first_errors"][0]
        assert any(broken[:10] in r.getMessage() and "do not load" in r.getMessage() for r in caplog.records)
        staff = again.test_client()
        sign_in(staff, "staff@example.com")
        page = staff.get("/staff/").get_data(as_text=True)
        assert 'id="rules-refused"' in page and broken[:10] in page and "grant-a.yaml" in page
    finally:
        shut(again)


def test_on_a_fresh_database_the_newest_commit_that_loads_is_served(tmp_path):
    rules = tmp_path / "fresh" / "rules"
    shutil.copytree(MINI_RULES, rules)
    git(rules, "init", "-q")
    git(rules, "add", "-A")
    git(rules, "commit", "-qm", "good")
    good = load_pack(rules).version
    broken = break_head(rules)
    application = make_app(tmp_path, CHECKER_RULES=str(rules), CHECKER_ENGINE="reference")
    try:
        assert application.extensions["checker"].pack.version == good
        assert application.extensions["staff"].current().pack.version == good
        assert application.extensions["checker"].refused.commit == broken
        assert application.test_client().get("/health").json["rules_refused"]["commit"] == broken
    finally:
        shut(application)


def test_the_banner_goes_once_a_good_commit_follows(mini_app, mini):
    rules = rules_of(mini_app)
    broken = break_head(rules)
    assert broken[:10] in mini.get("/staff/").get_data(as_text=True)
    git(rules, "revert", "--no-edit", "HEAD")
    page = mini.get("/staff/").get_data(as_text=True)
    assert 'id="rules-refused"' not in page
    assert mini.get("/health").json["rules_refused"] is None


def test_without_a_repository_a_broken_folder_serves_the_newest_published_version(tmp_path):
    rules = tmp_path / "plain" / "rules"
    shutil.copytree(MINI_RULES, rules)
    first = make_app(tmp_path, CHECKER_RULES=str(rules), CHECKER_ENGINE="reference", STAFF_RULES_GIT=False)
    good = first.extensions["staff"].current().pack.version
    shut(first)
    (rules / PATH).write_text("id: [\n", encoding="utf-8")
    with pytest.raises(RulePackError):
        load_pack(rules)
    again = make_app(tmp_path, CHECKER_RULES=str(rules), CHECKER_ENGINE="reference", STAFF_RULES_GIT=False,
                     DATABASE_URL=first.config["DATABASE_URL"])
    try:
        assert again.extensions["checker"].pack.version == good
        assert again.test_client().get("/health").json["rules_refused"]["commit"] == ""
    finally:
        shut(again)


def test_checker_check_names_the_version_it_uses_and_a_refused_commit(tmp_path):
    rules = tmp_path / "cli" / "rules"
    shutil.copytree(MINI_RULES, rules)
    git(rules, "init", "-q")
    git(rules, "add", "-A")
    git(rules, "commit", "-qm", "good")
    good, sha = load_pack(rules).version, git(rules, "rev-parse", "HEAD").strip()
    profile = tmp_path / "p.json"
    profile.write_text(json.dumps(PROFILE), encoding="utf-8")
    runner = CliRunner()
    fine = runner.invoke(main, ["--rules", str(rules), "check", str(profile), "--as-of", "2026-06-01"])
    assert fine.exit_code == 0, fine.output
    assert f"rule pack {good} from {rules}, commit {sha[:10]}" in fine.stderr
    broken = break_head(rules)
    text = runner.invoke(main, ["--rules", str(rules), "check", str(profile), "--as-of", "2026-06-01"])
    assert text.exit_code == 0, text.output
    assert f"REFUSED: rules {broken[:10]} do not load" in text.stderr and "grant-a.yaml" in text.stderr
    assert f"rule pack {good} from {rules}, last good commit {sha[:10]}" in text.stderr
    data = runner.invoke(main, ["--rules", str(rules), "check", str(profile), "--as-of", "2026-06-01", "--format", "json"])
    assert json.loads(data.stdout)["rulepack"] == good and "REFUSED" in data.stderr


def test_rules_outside_the_checkout_find_the_checkouts_seeds(tmp_path, monkeypatch):
    monkeypatch.delenv("CHECKER_SEEDS", raising=False)
    monkeypatch.delenv("STAFF_SEEDS", raising=False)
    rules = tmp_path / "elsewhere" / "rules"
    shutil.copytree(ROOT / "rules", rules)
    assert load_pack(rules).version == load_pack(ROOT / "rules").version


def test_a_seeds_folder_without_the_texts_is_named_in_every_error(tmp_path, monkeypatch):
    rules, empty = tmp_path / "elsewhere" / "rules", tmp_path / "no-texts"
    shutil.copytree(ROOT / "rules", rules)
    empty.mkdir()
    monkeypatch.setenv("CHECKER_SEEDS", str(empty))
    with pytest.raises(RulePackError) as caught:
        load_pack(rules)
    seeds = [str(e) for e in caught.value.errors if "seed" in str(e)]
    assert seeds and all(str(empty) in e for e in seeds)
