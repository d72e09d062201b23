"""The CLI matrix (`checker batch IN.csv -o OUT.csv`) tells what `checker check` tells (answer v2): a held measure is
已获得, an eligible but unconfirmed one is 可申报（向主管部门核实）, and only counted results enter the 可申报 count
and the money by type, which equals the check's totals (a deduction counts by the tax it saves)."""

from __future__ import annotations

import csv
import json

from click.testing import CliRunner

from checker.cli import main
from checker.engine.answer import counts_as_eligible
from checker.sheets.verdicts import titles, word
from tests.answer.test_real_pack import AS_OF, raw_example, yes_to_everything


def _matrix(tmp_path, pack, profiles: list[dict]) -> list[dict[str, str]]:
    src, out = tmp_path / "in.jsonl", tmp_path / "out.csv"
    src.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in profiles), encoding="utf-8")
    result = CliRunner().invoke(main, ["batch", str(src), "-o", str(out), "--as-of", AS_OF.isoformat(), "--no-progress"])
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def _checked(tmp_path, profile: dict) -> dict:
    src = tmp_path / "one.json"
    src.write_text(json.dumps(profile, ensure_ascii=False), encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(src), "--as-of", AS_OF.isoformat(), "--format", "json"])
    return json.loads(result.output)


def test_the_matrix_counts_and_sums_what_the_check_counts(tmp_path, pack):
    profiles = [{**raw_example(), "id": "plain"}, {**yes_to_everything(pack), "id": "eager"}]
    lines = {line[word("client", "zh")]: line for line in _matrix(tmp_path, pack, profiles)}
    names = titles(pack, "zh")
    for profile in profiles:
        answer, line = _checked(tmp_path, profile), lines[profile["id"]]
        assert int(line[word("count", "zh")]) == sum(counts_as_eligible(r) for r in answer["results"]), profile["id"]
        for kind, key in (("cash", "cash_wan"), ("tax_saving", "tax_saving_wan"), ("financing", "financing_wan")):
            cell = line[word(kind, "zh")]
            assert (float(cell) if cell not in ("", "—") else 0.0) == answer["totals"][key], (profile["id"], kind)
        for r in answer["results"]:
            cell = line[names[r["measure"]]]
            if r.get("held"):
                assert cell == "已获得", (profile["id"], r["measure"])
            elif r["status"] == "eligible" and r["currency"] == "unconfirmed":
                assert cell == "可申报（向主管部门核实）", (profile["id"], r["measure"])
            elif r["status"] == "eligible":
                assert cell == "可申报", (profile["id"], r["measure"])


def test_the_matrix_marks_the_held_certificate_and_the_unconfirmed_measures(tmp_path, pack):
    (line,) = _matrix(tmp_path, pack, [{**yes_to_everything(pack), "id": "eager"}])
    names = titles(pack, "zh")
    assert line[names["hte-recognition"]] == "已获得"  # certified 2024-10-30, valid until 2027-10-30
    unconfirmed = [m.id for m in pack.measures if not m.period_confirmed and not m.intention and m.id in names]
    assert unconfirmed and any(line[names[m]] == "可申报（向主管部门核实）" for m in unconfirmed)
