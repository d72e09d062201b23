"""A dated value whose period has begun changes only as a correction with a reason: lint (against the committed
files) and publish refuse a silent rewrite with file:line and how to record the correction."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess

from click.testing import CliRunner

from checker.cli import main
from checker.staff import drafts
from checker.staff.history import rewrites
from tests.staff.test_git import git
from tests.staff.util import preview
from tests.web.util import ROOT

SUBSIDY = "parameters/subsidy.yaml"
TAX = "parameters/tax.yaml"
TODAY = dt.date(2026, 12, 3)
CORRECTION = "        corrections: [{on: 2026-12-03, reason: 原值抄录错误, previous: 50}]\n"


def _files() -> dict[str, str]:
    return {SUBSIDY: (ROOT / "rules" / SUBSIDY).read_text(encoding="utf-8")}


def _rewrite(text: str, old: str = "        value: 50\n", new: str = "        value: 80\n") -> str:
    assert text.count(old) == 1
    return text.replace(old, new)


def test_a_started_value_changed_without_a_correction_is_refused_with_file_and_line():
    old = _files()
    errors = rewrites(old, {SUBSIDY: _rewrite(old[SUBSIDY])}, TODAY)
    assert [f"{e.file}:{e.line}" for e in errors] == ["rules/parameters/subsidy.yaml:8"]
    assert str(errors[0]).startswith(
        "rules/parameters/subsidy.yaml:8: zgc_ip_pledge_subsidy_cap_wan.values[0].value: the value of "
        "zgc_ip_pledge_subsidy_cap_wan from 2021-03-01 has been in force since then and cannot change from 50 to 80 "
        "silently. If it was wrong, keep value: 80 and record the correction under it: corrections: "
        "[{on: 2026-12-03, reason: \"why it was wrong\", previous: 50}]")
    assert "记录更正 corrections" in errors[0].problem.text("zh")


def test_a_recorded_correction_a_future_value_and_a_new_entry_pass():
    old = _files()
    corrected = _rewrite(old[SUBSIDY], "        value: 50\n", "        value: 80\n" + CORRECTION)
    assert rewrites(old, {SUBSIDY: corrected}, TODAY) == []
    future = _rewrite(old[SUBSIDY], "      - from: 2021-03-01", "      - from: 2027-03-01")
    assert rewrites(old, {SUBSIDY: future}, dt.date(2021, 1, 1)) == []  # not begun yet on that day
    wrong_reason = _rewrite(old[SUBSIDY], "        value: 50\n", "        value: 80\n" + CORRECTION.replace("50}", "60}"))
    assert len(rewrites(old, {SUBSIDY: wrong_reason}, TODAY)) == 1  # `previous` must be the number replaced


def test_moving_or_removing_a_started_value_is_refused():
    old = _files()
    moved = _rewrite(old[SUBSIDY], "      - from: 2021-03-01", "      - from: 2021-04-01")
    [error] = rewrites(old, {SUBSIDY: moved}, TODAY)
    assert f"{error.file}:{error.line}" == "rules/parameters/subsidy.yaml:6"
    assert "cannot be removed or have its date moved" in str(error)


def _repo(tmp_path):
    """A committed copy of the project's rules (seeds beside them)."""
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    (tmp_path / "seeds").symlink_to(ROOT / "seeds", target_is_directory=True)
    subprocess.run(["git", "init", "-q"], cwd=rules, check=True)
    git(rules, "add", "-A")
    git(rules, "commit", "-qm", "rules")
    return rules


def test_checker_rules_lint_compares_with_the_last_commit(tmp_path):
    rules = _repo(tmp_path)
    path = rules / TAX
    path.write_text(_rewrite(path.read_text(encoding="utf-8"), "        value: 100\n", "        value: 120\n"), encoding="utf-8")
    result = CliRunner().invoke(main, ["--rules", str(rules), "rules", "lint", "--lang", "en"])
    assert result.exit_code == 1
    assert "rules/parameters/tax.yaml:9: small_low_profit_taxable_income_max_wan.values[0].value: the value of " \
        "small_low_profit_taxable_income_max_wan from 2018-01-01 has been in force" in result.output
    git(rules, "commit", "-qam", "rewritten")  # committed: lint compares with HEAD, the server refuses it on publish
    assert CliRunner().invoke(main, ["--rules", str(rules), "rules", "lint"]).exit_code == 0


def test_outside_git_lint_says_it_skips_the_history_check(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    (tmp_path / "seeds").symlink_to(ROOT / "seeds", target_is_directory=True)
    result = CliRunner().invoke(main, ["--rules", str(rules), "rules", "lint", "--lang", "en"])
    assert result.exit_code == 0 and "not in a git repository" in result.output


def test_publish_refuses_a_rewrite_and_accepts_the_correction(app, staff):
    files = app.extensions["staff"].current().files
    old = files[TAX]
    rewritten = _rewrite(old, "        value: 100\n", "        value: 120\n")
    with app.extensions["checker"].sessions() as session:
        silent = drafts.start_draft(session, files, TAX, rewritten, "staff@example.com")
        corrected = drafts.start_draft(session, files, TAX, rewritten.replace(
            "        value: 120\n", "        value: 120\n" + CORRECTION.replace("50}", "100}"), 1), "staff@example.com")
        session.commit()
        ids = silent.id, corrected.id
    refused = staff.post(f"/staff/drafts/{ids[0]}/publish", data={"comment": "fix the 2018 limit"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 409 and "rules/parameters/tax.yaml:9" in page and "corrections: [{on:" in page
    preview(staff, f"/staff/drafts/{ids[1]}")
    published = staff.post(f"/staff/drafts/{ids[1]}/publish", data={"comment": "the 2018 limit was mistyped"})
    assert published.status_code == 302, published.get_data(as_text=True)[-1500:]
    fields = staff.get("/staff/fields").get_data(as_text=True)
    assert "原值抄录错误" in fields and 'class="correction"' in fields


def test_a_correction_draft_links_its_impact_at_a_date_inside_the_corrected_period(app, staff):
    files = app.extensions["staff"].current().files
    corrected = _rewrite(files[TAX], "        value: 100\n", "        value: 120\n" + CORRECTION.replace("50}", "100}"))
    with app.extensions["checker"].sessions() as session:
        draft_id = drafts.start_draft(session, files, TAX, corrected, "staff@example.com").id
        session.commit()
    page = staff.get(f"/staff/drafts/{draft_id}").get_data(as_text=True)
    links = page.split('id="correction-impacts"')[1].split("</ul>")[0]
    assert f"/staff/drafts/{draft_id}/impact?as_of=2018-01-01" in links and "small_low_profit_taxable_income_max_wan" in links
    impact = staff.get(f"/staff/drafts/{draft_id}/impact?as_of=2018-01-01").get_data(as_text=True)
    assert "2018-01-01" in impact.split('id="impact-as-of"')[1][:120]


def test_an_editor_commit_rewriting_a_started_value_is_refused_and_the_live_pack_kept(app, staff):
    from sqlalchemy import select

    from checker.staff.models import AuditEntry
    from tests.staff.test_git import rules_of

    rules = rules_of(app)
    path = rules / TAX
    path.write_text(_rewrite(path.read_text(encoding="utf-8"), "        value: 100\n", "        value: 120\n"), encoding="utf-8")
    git(rules, "commit", "-qam", "officer: 2018 limit")
    assert staff.get("/staff/").status_code == 200
    assert app.extensions["staff"].current().seq == 1
    with app.extensions["checker"].sessions() as session:
        refused = session.scalars(select(AuditEntry).where(AuditEntry.action == "refused")).one()
    assert "rules/parameters/tax.yaml:9" in refused.comment and "corrections" in refused.comment
