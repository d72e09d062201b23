"""The CLI matrix's fast paths say exactly what the slower general ones say."""

from __future__ import annotations

import datetime as dt
import json
import random

import pytest

from checker.batch import NAME_KEY, ROW_KEY, flat_check, flat_row, matrix_line, verdicts_of
from checker.engine.vector import matrix_rows
from checker.rules.profile import parse_profile
from checker.sheets.verdicts import matrix, titles
from tests.conftest import ROOT

AS_OF = dt.date(2026, 6, 1)


def _profiles(pack, n: int) -> list[dict]:
    """n variations of the example company: figures scaled, a fifth of the answers dropped."""
    base, _ = parse_profile(json.loads((ROOT / "examples" / "haidian-software.json").read_text(encoding="utf-8")), pack.fields)
    rng = random.Random(5)
    out = []
    for _ in range(n):
        factor = rng.choice([0.01, 0.3, 1, 4])
        out.append({k: (round(v * factor) if isinstance(v, int) and not isinstance(v, bool) else v)
                    for k, v in base.items() if k == "entity_type" or rng.random() > 0.2})
    return out


def test_a_flat_row_read_from_the_result_objects_equals_the_one_read_from_its_json(durable):
    for profile in _profiles(durable.pack, 12):
        result = durable.check(profile, AS_OF)
        assert flat_check("c1", result) == flat_row({"id": "c1", **result.to_json()})


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_matrix_line_equals_the_matrix_sheet_line_of_the_rows_verdicts(pack, lang):
    profiles = _profiles(pack, 40)
    rows = matrix_rows(pack, profiles, [f"c{i}" for i in range(len(profiles))], AS_OF)
    extras = ["联系人", "as_of", "备注:x"]
    rows = [{**r, ROW_KEY: i + 1, NAME_KEY: None if i % 3 else f"公司{i}", "联系人": "张三" if i % 2 else None,
             "as_of": r["as_of"]} for i, r in enumerate(rows)]
    rows[0][f"{pack.measures[0].id}:amount_wan"] = None  # an eligible amount unknown shows as "—"
    names = titles(pack, lang)
    expected = list(matrix((verdicts_of(r, pack) for r in rows), names, lang, pack, extras).rows)
    assert [matrix_line(names, lang, pack, extras)(r) for r in rows] == expected


def test_stored_results_built_inline_equal_answer_stored_item_of_every_column(pack):
    from checker.engine import answer
    from checker.engine.vector import answer_columns, compact_results

    profiles = _profiles(pack, 30)
    columns = answer_columns(pack, profiles, AS_OF)
    expected = [[answer.stored_item(c.measure.id, c.matrix["status"][row], c.matrix["amount_wan"][row],
                                    c.matrix["failed"][row], c.matrix["missing"][row].split(" ") if c.matrix["missing"][row]
                                    else [], c.matrix["held"][row], c.currency, c.measure.spec.applicant, c.saving[row])
                 for c in columns] for row in range(len(profiles))]
    assert [r["results"] for r in compact_results(pack, profiles, AS_OF)] == expected
