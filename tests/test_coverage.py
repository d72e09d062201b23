"""Every numbered clause of every seed maps to measures or to a reason it is not an applicant measure."""

from __future__ import annotations

import re

import pytest
import yaml

from checker import config

SEEDS = config.rules_dir().parent / "seeds"
NUMERALS = "一二三四五六七八九十"
TOP = re.compile(rf"^\s*([{NUMERALS}]+)、")
PAREN = re.compile(rf"^\s*[\(（]([{NUMERALS}]+)[\)）]")
ITEM = re.compile(r"^\s*(\d+)[\.．]")


def seed_ids() -> list[str]:
    return sorted(p.name.split("_")[0] for p in SEEDS.glob("*_*.txt"))


def coverage(seed: str) -> list[dict]:
    path = SEEDS / "coverage" / f"{seed}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert data["seed"] == seed
    return data["clauses"]


def numbered_clauses(seed: str) -> list[tuple[str, str]]:
    """(what a label must contain, where it is) for each numbered heading and item of a seed."""
    text = next(SEEDS.glob(f"{seed}_*.txt")).read_text(encoding="utf-8")
    found, top, heading = [], "", ""
    for line in text.splitlines():
        if match := TOP.match(line):
            top = match.group(1)
            found.append((top, line[:30]))
        elif match := PAREN.match(line):
            found.append((f"({match.group(1)})", line[:30]))
        elif match := ITEM.match(line):
            found.append((match.group(1), line[:30]))
        elif line.strip() and len(line.strip()) < 40 and not top:
            heading = line.strip()
    del heading
    return found


def _token(label: str, needle: str) -> bool:
    label = label.replace("（", "(").replace("）", ")")
    if needle.isdigit():
        return re.search(rf"(?<!\d){needle}(?!\d)", label) is not None
    return needle in label


@pytest.mark.parametrize("seed", seed_ids())
def test_every_clause_entry_names_existing_measures_or_a_reason(seed, pack):
    ids = {m.id for m in pack.measures}
    for entry in coverage(seed):
        measures, reason = entry.get("measures") or [], (entry.get("reason") or "").strip()
        assert measures or reason, f"{seed} {entry['clause']}: neither measures nor a reason"
        unknown = [m for m in measures if m not in ids]
        assert not unknown, f"{seed} {entry['clause']}: unknown measures {unknown}"


@pytest.mark.parametrize("seed", seed_ids())
def test_every_numbered_clause_of_the_seed_is_mapped(seed):
    labels = [str(entry["clause"]) for entry in coverage(seed)]
    for needle, where in numbered_clauses(seed):
        assert any(_token(label, needle) for label in labels), f"seed {seed}: clause {needle!r} ({where}…) is not mapped"


def test_every_measure_citing_a_seed_appears_in_that_seeds_coverage(pack):
    mapped = {seed: {m for e in coverage(seed) for m in (e.get("measures") or [])} for seed in seed_ids()}
    for measure in pack.measures:
        for source in measure.spec.source:
            if source.seed and source.seed in mapped and measure.id not in mapped[source.seed]:
                pytest.fail(f"{measure.id} cites seed {source.seed} {source.clause} but the coverage map omits it")


def test_coverage_md_is_generated_from_the_maps_and_up_to_date(pack):
    from checker.rules.coverage import render_markdown

    current = (SEEDS / "COVERAGE.md").read_text(encoding="utf-8")
    assert current == render_markdown(pack, SEEDS), "run: checker rules coverage > seeds/COVERAGE.md"
    assert "| 三、10 |" in current and "`zgc-ip-pledge-subsidy`" in current
