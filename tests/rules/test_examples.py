"""Every example embedded in a rule file is a test: on durable-rules (production) and on the reference walker (oracle),
and the examples of each measure reach both sides of every criterion. The one place the suite runs them all
(scripts/test.sh runs `checker rules lint`, which parses every example, not `checker rules test`)."""

from __future__ import annotations

import pytest

from checker import config
from checker.rules.loader import load_pack
from checker.ruletest import measure_checker, run_example, run_measure, run_pack

_PACK = load_pack(config.rules_dir())
VERSIONS = {m.label: m for m in _PACK.every_version()}  # a dated version as id@from


@pytest.mark.parametrize("engine", ["durable", "reference"])
@pytest.mark.parametrize("label", list(VERSIONS))
def test_embedded_examples(engine, label):
    outcomes, gaps = run_measure(_PACK, VERSIONS[label], engine)
    assert [(o.file, o.index, o.name, o.failures) for o in outcomes if not o.passed] == []
    assert len(outcomes) == len(VERSIONS[label].spec.examples)
    assert gaps == []  # every criterion met by one example and not met by another


def test_every_version_of_every_measure_has_examples_on_both_sides():
    assert "specialised-sme@2026-04-01" in VERSIONS and "specialised-sme@2022-06-01" in VERSIONS
    for measure in VERSIONS.values():
        statuses = {e.expect.status for e in measure.spec.examples}
        assert {"eligible", "ineligible"} <= statuses, measure.id


def test_examples_run_on_durable_rules_unless_told_otherwise(monkeypatch):
    engines = []
    real = measure_checker.__wrapped__

    def spy(pack, measure, engine="durable"):
        engines.append(engine)
        return real(pack, measure, engine)

    monkeypatch.setattr("checker.ruletest.measure_checker", __import__("contextlib").contextmanager(spy))
    run_pack(_PACK, measures=_PACK.measures[:2])
    assert engines == ["durable", "durable"]


def test_a_measure_alone_gives_the_verdicts_of_the_whole_pack(durable):
    measure = _PACK.measures[0]
    alone, _ = run_measure(_PACK, measure)
    whole = [run_example(durable, durable.pack.measure(measure.id), i) for i in range(len(measure.spec.examples))]
    assert [(o.index, o.failures) for o in alone] == [(o.index, o.failures) for o in whole]
