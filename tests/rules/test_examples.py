"""Every example embedded in a rule file is a test, on both engines: the one place the suite runs them all
(scripts/test.sh runs `checker rules lint`, which parses every example's answers, but not `checker rules test`)."""

from __future__ import annotations

import pytest

from checker.rules.examples import run_all


@pytest.mark.parametrize("engine", ["durable", "reference"])
def test_every_embedded_example_passes(engine, durable, reference):
    checker = durable if engine == "durable" else reference
    outcomes = run_all(checker)
    failed = [f"{o.file} examples[{o.index}] {o.name}: {'; '.join(o.failures)}" for o in outcomes if o.failures]
    assert len(outcomes) == sum(len(m.spec.examples) for m in checker.pack.measures)
    assert failed == [], f"{len(failed)} of {len(outcomes)} examples fail on {engine}:\n" + "\n".join(failed)


def test_every_measure_has_examples_on_both_sides(pack):
    for measure in pack.measures:
        statuses = {e.expect.status for e in measure.spec.examples}
        assert {"eligible", "ineligible"} <= statuses, measure.id
