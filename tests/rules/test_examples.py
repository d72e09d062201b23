"""Every example embedded in a rule file is a test, on both engines."""

from __future__ import annotations

import pytest

from checker import config
from checker.rules.examples import run_example
from checker.rules.loader import load_pack

_PACK = load_pack(config.rules_dir())
CASES = [(m.id, i, e.name) for m in _PACK.measures for i, e in enumerate(m.spec.examples)]


@pytest.mark.parametrize("engine", ["durable", "reference"])
@pytest.mark.parametrize(("measure_id", "index", "name"), CASES, ids=[f"{m}:{n}" for m, _, n in CASES])
def test_embedded_example(engine, measure_id, index, name, durable, reference):
    checker = durable if engine == "durable" else reference
    outcome = run_example(checker, checker.pack.measure(measure_id), index)
    assert outcome.failures == [], f"{outcome.file} examples[{index}] {name}"


def test_every_measure_has_examples_on_both_sides():
    for measure in _PACK.measures:
        statuses = {e.expect.status for e in measure.spec.examples}
        assert {"eligible", "ineligible"} <= statuses, measure.id
