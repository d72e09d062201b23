"""The checker command, driven through click's CliRunner as a script would."""

from __future__ import annotations

import csv
import json

import pytest
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook

from checker.cli import main
from tests.conftest import ROOT

EXAMPLE = ROOT / "examples/haidian-software.json"


@pytest.fixture
def run():
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(main, list(args), catch_exceptions=False)

    return invoke


def test_check_prints_the_json_shape_of_the_spec_with_every_measure(run, pack):
    result = run("check", str(EXAMPLE), "--as-of", "2026-06-01", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["as_of"] == "2026-06-01" and data["rulepack"] == pack.version
    assert sorted(r["measure"] for r in data["results"]) == sorted(m.id for m in pack.measures if not m.intention)
    hte = next(r for r in data["results"] if r["measure"] == "hte-recognition")
    assert hte["status"] == "eligible"
    ratio = next(c for c in hte["criteria"] if c["id"] == "tech-staff-ratio")
    assert ratio == {"id": "tech-staff-ratio", "status": "met", "value": 0.4, "threshold": 0.1, "missing": []}
    tax = next(r for r in data["results"] if r["measure"] == "hte-tax-rate")
    assert tax["benefit"]["amount_wan"] == 26


def test_check_text_report_in_chinese_and_english(run):
    zh = run("check", str(EXAMPLE), "--as-of", "2026-06-01")
    en = run("check", str(EXAMPLE), "--as-of", "2026-06-01", "--lang", "en")
    assert "[已获得] 高新技术企业认定 (hte-recognition)" in zh.output  # certificate of 2024-10-30 (answer version 2)
    assert "[already held] High-tech enterprise (HTE) recognition" in en.output
    assert "[可申报] 高新技术企业减按15%税率征收企业所得税" in zh.output
    assert "[eligible] 15% income tax rate for high-tech enterprises" in en.output


def test_a_bad_profile_names_the_field_and_exits_3(run, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"employees": -3, "tech_staff": "many", "colour": "red"}), encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(bad)])
    assert result.exit_code == 3
    assert "employees: must be at least 0" in result.output
    assert "tech_staff: 'many' is not a number" in result.output
    assert "colour: unknown field" in result.output


def test_a_yaml_profile_is_read_too(run, tmp_path):
    profile = tmp_path / "p.yaml"
    profile.write_text("entity_type: enterprise\nemployees: 10\n", encoding="utf-8")
    result = run("check", str(profile), "--as-of", "2026-06-01", "--format", "json")
    statuses = {r["measure"]: r["status"] for r in json.loads(result.output)["results"]}
    assert statuses["hte-recognition"] == "undetermined"


def test_cross_field_checks_reject_inconsistent_answers(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"employees": 10, "tech_staff": 11}), encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(bad)])
    assert result.exit_code == 3 and "tech_staff: Tech staff cannot exceed employees" in result.output


def test_batch_checks_good_rows_and_reports_every_bad_one(tmp_path):
    source = tmp_path / "in.jsonl"
    good = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    lines = [json.dumps({**good, "id": "A"}), "{not json", json.dumps({"employees": "x"}), json.dumps({**good, "id": "B"})]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(main, ["batch", str(source), "-o", str(out), "--as-of", "2026-06-01"])
    assert result.exit_code == 4
    assert "row 2: row: not valid JSON" in result.output and "row 3: employees" in result.output
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    # The unreadable line is left out; the bad cell makes only that answer unknown and row 3 is still checked.
    assert [r["id"] for r in rows] == ["A", 3, "B"]
    assert all(item["status"] != "eligible" or "employees" not in item["missing"] for item in rows[1]["results"])
    assert "3 checked, 2 rows with problems" in result.output


def test_batch_reads_gbk_csv_from_excel_and_writes_xlsx(tmp_path):
    source = tmp_path / "in.csv"
    text = "id,name,entity_type,employees,hte_certified\n1,北京示例科技有限公司,enterprise,20,是\n"
    source.write_bytes(text.encode("gbk"))
    out = tmp_path / "out.xlsx"
    result = CliRunner().invoke(main, ["batch", str(source), "-o", str(out), "--as-of", "2026-06-01"])
    assert result.exit_code == 0, result.output
    sheet = load_workbook(out).active
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["行号", "客户编号", "名称", "可申报项数"] and "高新技术企业认定" in header
    assert [c.value for c in sheet[2]][:3] == [2, "1", "北京示例科技有限公司"] and sheet.max_row == 2
    assert sheet.freeze_panes == "D2" and sheet.auto_filter.ref


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_batch_names_the_columns_it_did_not_read_with_the_closest_field_labels(tmp_path, suffix):
    """A WPS user's own header (成立日期 for 注册成立日期) leaves its answers unread: the batch says so, once, with the
    labels closest to it, and never guesses the field (the date stays unread, echoed as the user's column)."""
    header = ["客户编号", "企业（机构）名称", "成立日期", "联系人", "职工总数（年平均从业人数）"]
    rows = [["A1", "北京云算软件有限公司", "2021/11/7", "张三", "12"]]
    source = tmp_path / f"in{suffix}"
    if suffix == ".csv":
        source.write_bytes("\n".join(",".join(r) for r in [header, *rows]).encode("gbk"))
    else:
        book = Workbook()
        for r in [header, *rows]:
            book.active.append(r)
        book.save(source)
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(main, ["batch", str(source), "-o", str(out), "--as-of", "2026-06-01"])
    assert result.exit_code == 0, result.output
    note = [line for line in result.output.splitlines() if "not read as answers" in line]
    said = "columns not read as answers, kept as your own columns: 成立日期 (closest field: 注册成立日期), 联系人"
    assert note == [f"{source}: {said}"]
    line = json.loads(out.read_text(encoding="utf-8"))
    assert line["extra"] == {"成立日期": "2021/11/7", "联系人": "张三"}
    every = tmp_path / "claimed.csv"
    every.write_text("客户编号,注册成立日期\nA1,2021/11/7\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["batch", str(every), "-o", str(tmp_path / "o.csv"), "--as-of", "2026-06-01"])
    assert result.exit_code == 0 and "not read as answers" not in result.output


def test_batch_reads_xlsx(tmp_path):
    book = Workbook()
    book.active.append(["id", "entity_type", "employees", "registered_on"])
    book.active.append(["X1", "enterprise", 12, "2020-01-02"])
    book.active.append(["X2", "enterprise", -1, None])
    source = tmp_path / "in.xlsx"
    book.save(source)
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(main, ["batch", str(source), "-o", str(out), "--as-of", "2026-06-01"])
    assert result.exit_code == 4 and "row 3: employees: must be at least 0" in result.output
    results = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in results] == ["X1", "X2"]  # the bad cell is read as unknown, the client still checked


def test_batch_csv_output_neutralises_formula_cells(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"id": "=1+1", "entity_type": "enterprise"}) + "\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(main, ["batch", str(source), "-o", str(out), "--as-of", "2026-06-01"])
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert rows[0]["客户编号"] == "'=1+1"


@pytest.mark.parametrize("flag, shown", [("--progress", True), ("--no-progress", False)])
def test_batch_of_a_csv_read_a_column_at_a_time_shows_its_progress_when_asked(tmp_path, flag, shown):
    source = tmp_path / "in.csv"
    source.write_text("客户编号,employees\nc1,10\nc2,many\nc3,\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(main, ["batch", str(source), "-o", str(out), "--as-of", "2026-06-01", flag])
    assert result.exit_code == 4, result.output  # the bad cell is reported
    assert ("checking: 3 rows" in result.stderr) is shown
    assert "3 checked, 1 rows with problems" in result.stderr
    assert out.read_text(encoding="utf-8-sig").count("\n") == 4


def test_rules_list_json_names_every_measure_with_its_source(run, pack):
    items = json.loads(run("rules", "list", "--format", "json").output)
    assert [i["id"] for i in items] == [m.id for m in pack.measures]
    assert all(i["source"] and i["title"]["zh"] and i["kind"] for i in items)


def test_rules_lint_passes_on_the_project_pack(run):
    assert run("rules", "lint").exit_code == 0


def test_rules_test_runs_every_example_and_counts_them(tmp_path):
    # the project's 800 examples run once, in tests/rules/test_examples.py; the command is tried on a small pack
    from tests.rules.test_lint_fixtures import make_pack

    rules = make_pack(tmp_path)
    result = CliRunner().invoke(main, ["--rules", str(rules), "rules", "test", "--verbose"])
    assert result.exit_code == 0, result.output
    assert result.output.count("PASS ") == 2 and result.output.strip().endswith("2 passed, 0 failed")
    path = rules / "measures/demo/demo-measure.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("rd_expense_wan: 99}", "rd_expense_wan: 100}"), encoding="utf-8")
    failing = CliRunner().invoke(main, ["--rules", str(rules), "rules", "test"])
    assert failing.exit_code == 1 and "FAIL rules/measures/demo/demo-measure.yaml examples[1]" in failing.output
    assert "status: expected ineligible, got eligible" in failing.output and "1 passed, 1 failed" in failing.output


def test_rules_lint_on_a_broken_pack_exits_1_with_file_line(tmp_path):
    from tests.rules.test_lint_fixtures import make_pack

    rules = make_pack(tmp_path)
    path = rules / "measures/demo/demo-measure.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("kind: subsidy", "kind: subsidy\ncolour: red"), encoding="utf-8")
    result = CliRunner().invoke(main, ["--rules", str(rules), "rules", "lint"])
    assert result.exit_code == 1
    assert "measures/demo/demo-measure.yaml:5 colour：未知的键 'colour'" in result.output  # Chinese, as `check` by default
    assert result.output.rstrip().endswith("规则包中有 1 处错误（每行：文件:行号 键：问题与改法）")
    english = CliRunner().invoke(main, ["--rules", str(rules), "rules", "lint", "--lang", "en"])
    assert english.exit_code == 1
    assert "measures/demo/demo-measure.yaml:5: colour: unknown key 'colour'" in english.output
    assert english.output.rstrip().endswith("1 error(s) in the rule pack")


def test_rules_lint_says_the_fix_of_a_yaml_trap_in_chinese(tmp_path):
    from tests.rules.test_lint_fixtures import make_pack

    rules = make_pack(tmp_path)
    path = rules / "measures/demo/demo-measure.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('    test: "rd_expense_wan >= 100"', '     test: "rd_expense_wan >= 100"'), encoding="utf-8")
    result = CliRunner().invoke(main, ["--rules", str(rules), "rules", "lint"])
    assert result.exit_code == 1
    assert "demo-measure.yaml:20：这一行的缩进不对（5 个空格）：同一层的键要与上面的 text 对齐" in result.output


def test_bad_as_of_is_a_usage_error(run):
    result = CliRunner().invoke(main, ["check", str(EXAMPLE), "--as-of", "June"])
    assert result.exit_code == 2 and "not a date" in result.output


def test_rules_test_coverage_reports_and_enforces_its_minimum(tmp_path):
    from tests.rules.test_lint_fixtures import make_pack

    rules = make_pack(tmp_path)
    low = CliRunner().invoke(main, ["--rules", str(rules), "rules", "test", "--coverage"])
    assert low.exit_code == 1 and "uncovered: demo-measure criterion c1 never not_met" in low.output
    assert "criterion coverage: 3/4 sides reached (75.0%), minimum 100%" in low.output
    relaxed = CliRunner().invoke(main, ["--rules", str(rules), "rules", "test", "--coverage", "--min-coverage", "70"])
    assert relaxed.exit_code == 0
    path = rules / "measures/demo/demo-measure.yaml"
    extra = "  - name: 高校不符合\n    profile: {entity_type: university}\n    expect: {status: ineligible}\n"
    path.write_text(path.read_text(encoding="utf-8") + extra, encoding="utf-8")
    full = CliRunner().invoke(main, ["--rules", str(rules), "rules", "test", "--coverage"])
    assert full.exit_code == 0 and "4/4 sides reached (100.0%)" in full.output


def test_batch_matrix_by_the_vectorised_path_equals_the_full_results(tmp_path):
    good = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    lines = [json.dumps({**good, "id": f"C{i}", "employees": 100 + i, "tech_staff": 5 + i}) for i in range(60)]
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    fast, slow = tmp_path / "fast.csv", tmp_path / "slow.csv"
    for out, flag in ((fast, "--vector"), (slow, "--no-vector")):
        result = CliRunner().invoke(main, ["batch", str(source), "-o", str(out), "--as-of", "2026-06-01", flag])
        assert result.exit_code == 0, result.output
    assert fast.read_text(encoding="utf-8-sig") == slow.read_text(encoding="utf-8-sig")


def test_batch_stops_when_the_vectorised_path_disagrees_with_durable_rules(tmp_path, monkeypatch):
    import checker.batch_columnar as batch_columnar

    real = batch_columnar.evaluate

    def broken(*args, **kwargs):  # the columnar path turns the first row's verdict on one measure round
        found = real(*args, **kwargs)
        column = next(c for c in found.columns if c.measure.id == "hte-recognition")
        column.status[0] = 0 if column.status[0] == 2 else 2
        return found

    monkeypatch.setattr(batch_columnar, "evaluate", broken)
    source = tmp_path / "in.jsonl"
    source.write_text(EXAMPLE.read_text(encoding="utf-8").replace("\n", "") + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["batch", str(source), "-o", str(tmp_path / "out.csv"), "--as-of", "2026-06-01"])
    assert result.exit_code == 1 and "disagree on row id 1" in result.output


def test_a_csv_batch_stops_when_its_forked_sample_check_disagrees(tmp_path, monkeypatch):
    """A CSV read a column at a time: the engine's re-check runs in a forked process, and its disagreement still stops
    the batch (exit 1) before the chunk is written."""
    import checker.batch_table as batch_columnar  # the CSV matrix read a column at a time

    real = batch_columnar.evaluate

    def broken(*args, **kwargs):
        found = real(*args, **kwargs)
        column = next(c for c in found.columns if c.measure.id == "hte-recognition")
        column.status[0] = 0 if column.status[0] == 2 else 2
        return found

    monkeypatch.setattr(batch_columnar, "evaluate", broken)
    source, out = tmp_path / "in.csv", tmp_path / "out.csv"
    source.write_text("id,employees,district\nk1,20,海淀区\nk2,30,朝阳区\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["batch", str(source), "-o", str(out), "--as-of", "2026-06-01"])
    assert result.exit_code == 1 and "disagree on row id 'k1'" in result.output
    assert out.read_text(encoding="utf-8-sig").count("\n") == 1  # the header alone


def test_mutually_exclusive_measures_that_both_apply_are_reported_as_a_conflict(run, tmp_path):
    small = tmp_path / "small.json"
    small.write_text(json.dumps({**json.loads(EXAMPLE.read_text(encoding="utf-8")), "total_assets_wan": 4000}), encoding="utf-8")
    data = json.loads(run("check", str(small), "--as-of", "2026-06-01", "--format", "json").output)
    pairs = [c["measures"] for c in data["conflicts"]]
    assert ["hte-tax-rate", "small-low-profit"] in pairs
    assert ["hte-recognition", "tech-sme"] not in pairs  # unlocking is not a conflict
    text = run("check", str(small), "--as-of", "2026-06-01").output
    assert "不可同时享受: 高新技术企业减按15%税率征收企业所得税 / 小型微利企业所得税优惠" in text


def test_users_add_creates_a_staff_sign_in_and_refuses_a_short_password(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'app.sqlite'}")
    monkeypatch.setenv("SECRET_KEY", "test-secret")
    monkeypatch.setattr("checker.accounts.users.HASH_METHOD", "pbkdf2:sha256:1000")  # fast hashes, as elsewhere
    ok = CliRunner().invoke(main, ["users", "add", "s@example.com", "--role", "staff", "--password", "long-enough-pass"])
    assert ok.exit_code == 0, ok.output
    short = CliRunner().invoke(main, ["users", "add", "t@example.com", "--agency", "A", "--password", "x"])
    assert short.exit_code == 1 and "密码至少需要 10 个字符" in short.output
    again = CliRunner().invoke(main, ["users", "add", "s@example.com", "--role", "staff", "--password", "long-enough-pass"])
    assert again.exit_code == 1 and "already registered" in again.output


def test_user_and_token_commands_do_not_build_the_web_app(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'app.sqlite'}")

    def refuse(*_args, **_kwargs):
        raise AssertionError("the web app was built")

    monkeypatch.setattr("checker.web.create_app", refuse)
    monkeypatch.setattr("checker.accounts.users.HASH_METHOD", "pbkdf2:sha256:1000")
    added = CliRunner().invoke(main, ["users", "add", "a@example.com", "--agency", "A", "--password", "long-enough-pass"])
    assert added.exit_code == 0, added.output
    token = CliRunner().invoke(main, ["tokens", "create", "a@example.com", "--name", "ci"])
    assert token.exit_code == 0, token.output
    listed = CliRunner().invoke(main, ["tokens", "list"])
    assert listed.exit_code == 0 and "a@example.com\tci" in listed.output


@pytest.mark.parametrize("fails", [False, True])
def test_batch_runs_with_few_collections_and_restores_the_collector(tmp_path, monkeypatch, fails):
    """The batch runs with the cyclic collector relaxed and start-up's objects frozen; after it, finished or failed,
    the thresholds and the frozen set are as they were (tests and a server share the process)."""
    import gc

    from checker import batch_table

    seen = []
    real = batch_table.write_csv_matrix

    def spy(*args, **kwargs):
        seen.append((gc.get_threshold()[0], gc.get_freeze_count() > 0))
        if fails:
            raise batch_table.BatchFormatError("refused")
        return real(*args, **kwargs)

    monkeypatch.setattr(batch_table, "write_csv_matrix", spy)
    source = tmp_path / "in.csv"
    source.write_text("id,name,employees\n1,甲,20\n", encoding="utf-8")
    before, frozen = gc.get_threshold(), gc.get_freeze_count()
    result = CliRunner().invoke(main, ["batch", str(source), "-o", str(tmp_path / "out.csv"), "--as-of", "2026-06-01"])
    assert result.exit_code == (1 if fails else 0), result.output
    assert seen == [(200_000, True)]
    assert gc.get_threshold() == before and gc.get_freeze_count() == frozen


@pytest.mark.parametrize("block", [1000, 2])
def test_batch_problems_come_each_on_its_line_before_the_progress_and_the_summary(tmp_path, monkeypatch, block):
    """Problems are written a block of lines at a time, yet every one is there once, in row order, each chunk's
    before its progress line and all before the summary (whatever the block)."""
    import checker.cli as cli

    real = cli._ProblemLines.__init__
    monkeypatch.setattr(cli._ProblemLines, "__init__", lambda self, source: real(self, source, block))
    source = tmp_path / "in.csv"
    source.write_text("id,employees,tech_staff\n" + "".join(f"c{i},{'many' if i % 2 else 10},5\n" for i in range(7)),
                      encoding="utf-8")
    result = CliRunner().invoke(main, ["batch", str(source), "-o", str(tmp_path / "o.csv"), "--as-of", "2026-06-01",
                                       "--progress"])
    lines = result.output.splitlines()
    assert result.exit_code == 4
    assert lines == [f"{source}: row {n}: employees: 'many' is not a number" for n in (3, 5, 7)] + [
        "checking: 7 rows", f"7 checked, 3 rows with problems (bad cells read as unknown) -> {tmp_path / 'o.csv'}"]


def test_the_cli_freezes_what_is_alive_at_exit_once_whatever_the_commands_run(tmp_path, monkeypatch):
    """The process's last collection would scan every object start-up made (~0.05 s of a 1-row batch): gc.freeze is
    registered to run at exit, once however many commands run in the process."""
    import gc

    import checker.cli as cli

    registered = []
    monkeypatch.setattr(cli.atexit, "register", registered.append)
    cli._freeze_at_exit.cache_clear()
    source = tmp_path / "in.csv"
    source.write_text("id,name,employees\n1,甲,20\n", encoding="utf-8")
    for _ in range(2):
        result = CliRunner().invoke(main, ["batch", str(source), "-o", str(tmp_path / "out.csv"), "--as-of", "2026-06-01"])
        assert result.exit_code == 0, result.output
    assert registered == [gc.freeze]
