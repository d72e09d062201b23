"""Each broken fixture breaks the base pack one way; lint must name file, line, key and reason."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from checker.rules.loader import RulePackError, load_pack

FIXTURES = Path(__file__).parent / "fixtures"
BROKEN = sorted((FIXTURES / "broken").glob("*.yaml"))


def make_pack(tmp_path: Path) -> Path:
    """A copy of the base pack (and its seed) that a test may break."""
    shutil.copytree(FIXTURES / "base", tmp_path / "rules")
    shutil.copytree(FIXTURES / "seeds", tmp_path / "seeds")
    return tmp_path / "rules"


def header(path: Path) -> tuple[str, str]:
    """The target file and the expected 'line: message' of a broken fixture."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return lines[0].removeprefix("# target: "), lines[1].removeprefix("# expect: ")


def test_the_base_pack_is_clean(tmp_path):
    pack = load_pack(make_pack(tmp_path))
    assert [m.id for m in pack.measures] == ["demo-measure"]


@pytest.mark.parametrize("fixture", BROKEN, ids=[p.stem for p in BROKEN])
def test_lint_rejects_broken_fixture_with_file_and_line(tmp_path, fixture):
    rules = make_pack(tmp_path)
    target, expected = header(fixture)
    shutil.copy(fixture, rules / target)
    with pytest.raises(RulePackError) as caught:
        load_pack(rules)
    messages = [str(e) for e in caught.value.errors]
    wanted = f"rules/{target}:{expected}"
    assert any(m.startswith(wanted) for m in messages), messages


def test_lint_reports_every_error_not_just_the_first(tmp_path):
    rules = make_pack(tmp_path)
    path = rules / "measures/demo/demo-measure.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("rd_expense_wan >= 100", "rd_expense_yuan >= 100").replace("kind: subsidy", "kind: subsidy\ncolour: red")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RulePackError) as caught:
        load_pack(rules)
    assert len(caught.value.errors) >= 1
    assert any("colour" in str(e) for e in caught.value.errors)
