"""Currency as data: every measure is reviewed, `rules lint` requires it (and --strict-currency a recent one),
`rules currency` lists reviews, old sources, superseded documents and programmes with no window."""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner

from checker.cli import main
from tests.rules.test_lint_fixtures import make_pack

MEASURE = "measures/demo/demo-measure.yaml"
REVIEW = "reviewed_on: 2026-12-03\nreview: {zh: 复核, en: reviewed}\nsource_year: 2021\n"


def _cli(rules: Path, *args: str):
    return CliRunner().invoke(main, ["--rules", str(rules), *args], catch_exceptions=False)


def _reviewed(tmp_path: Path, extra: str = REVIEW) -> Path:
    rules = make_pack(tmp_path)
    path = rules / MEASURE
    path.write_text(path.read_text(encoding="utf-8") + extra, encoding="utf-8")
    return rules


def test_every_measure_of_the_pack_records_its_review(pack):
    missing = [m.id for m in pack.measures if m.spec.reviewed_on is None or m.spec.review is None]
    assert missing == []
    assert all(m.spec.source_year for m in pack.measures)


def test_lint_requires_reviewed_on_with_file_and_line(tmp_path):
    result = _cli(make_pack(tmp_path), "rules", "lint", "--as-of", "2026-12-03", "--lang", "en")
    assert result.exit_code == 1
    assert re.search(r"rules/measures/demo/demo-measure\.yaml:1: reviewed_on: 'reviewed_on' is missing", result.output)


def test_strict_currency_fails_a_measure_not_reviewed_for_a_year(tmp_path):
    rules = _reviewed(tmp_path)
    assert _cli(rules, "rules", "lint", "--as-of", "2027-12-04").exit_code == 0  # without the flag: only required
    assert _cli(rules, "rules", "lint", "--strict-currency", "--as-of", "2027-12-03").exit_code == 0  # 365 days: ok
    late = _cli(rules, "rules", "lint", "--strict-currency", "--as-of", "2027-12-04", "--lang", "en")
    assert late.exit_code == 1
    assert "demo-measure.yaml:31: reviewed_on: not reviewed for 366 days (reviewed_on 2026-12-03)" in late.output


def test_currency_json_lists_old_sources_superseded_documents_and_missing_windows(tmp_path):
    rules = _reviewed(tmp_path, REVIEW + "superseded_by: {document: 测试办法2026年修订版, from: 2026-04-01}\n")
    data = json.loads(_cli(rules, "rules", "currency", "--format", "json", "--as-of", "2026-12-03").output)
    assert [r["measure"] for r in data["by_review"]] == ["demo-measure"]
    assert data["by_review"][0]["review"] == {"zh": "复核", "en": "reviewed"}
    assert data["superseded"] == [{"measure": "demo-measure", "document": "测试办法2026年修订版", "from": "2026-04-01"}]
    assert data["no_window"] == ["demo-measure"] and data["stale"] == []
    assert data["old_sources"] == []  # 2021 is not more than five years before 2026
    later = json.loads(_cli(rules, "rules", "currency", "--format", "json", "--as-of", "2028-01-02").output)
    assert later["old_sources"] == ["demo-measure"] and later["stale"] == ["demo-measure"]


def test_currency_text_on_the_real_pack(pack):
    result = CliRunner().invoke(main, ["rules", "currency", "--as-of", "2026-12-03"], catch_exceptions=False)
    assert result.exit_code == 0
    text = result.output
    for heading in ("by last review", "sources older than five years", "superseded documents", "no application window"):
        assert heading in text
    old = text[text.index("sources older than five years"):text.index("superseded documents")]
    assert "2014 hd-brand" in old and "2016 jjj-coop-fund" in old and "small-low-profit" not in old
    windowless = text[text.index("no application window"):]
    expected = [m.id for m in pack.measures if not m.intention and not pack.windows.get(m.id)]
    assert [line.strip() for line in windowless.splitlines()[1:] if line.strip()] == expected
