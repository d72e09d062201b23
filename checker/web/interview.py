"""The guided interview: which questions to ask next, given the answers so far.

A question is worth asking only while some measure the applicant could still qualify for (status
`undetermined`) names it in `missing`; questions are ranked by how many such measures they hold up.
An answer of "don't know" is kept as "" so the question is not asked again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from checker.engine import Checker
from checker.engine.conditions import holds
from checker.rules import credit_code
from checker.rules.expr import ExprError
from checker.rules.pack import Measure, RulePack
from checker.web import pledge
from checker.web.answer import concerns
from checker.web.validate import applies, asked, check_all, parse_answers

FIRST_STEP = ("credit_code", "entity_type")
STEP_SIZE = 5


@dataclass
class Progress:
    """Where an interview stands: questions answered, and the open ones ranked by measures held up."""

    answered: int
    known: int
    open_fields: list[tuple[str, int]] = field(default_factory=list)

    @property
    def done(self) -> bool:
        """Whether no remaining question can change a verdict."""
        return not self.open_fields

    @property
    def percent(self) -> int:
        """A rough share of the way done, for the progress bar."""
        total = self.answered + len(self.open_fields)
        return 100 if total == 0 else round(100 * self.answered / total)


def given(answers: dict[str, str]) -> dict[str, str]:
    """The answers with a value (not "don't know")."""
    return {k: v for k, v in answers.items() if v != ""}


def values_of(pack: RulePack, answers: dict[str, str], as_of: dt.date) -> dict[str, Any]:
    """The typed values of valid answers (an invalid one counts as not given)."""
    raw = given(answers)
    parsed = parse_answers(pack, raw)
    checked = check_all(pack, raw, as_of, parsed)
    if checked.errors:  # again without the rejected answers, each still parsed only once
        good = {k: v for k, v in checked.raw.items() if k not in checked.errors}
        checked = check_all(pack, good, as_of, ({k: v for k, v in parsed[0].items() if k in good}, {}))
    return checked.values


def open_fields(pack: RulePack, checker: Checker, answers: dict[str, str], as_of: dt.date) -> list[tuple[str, int]]:
    """Unasked questions that could still change a verdict, with how many measures each holds up.

    Ranked by how many measures an answer settles: a measure waiting on n answers counts 1/n for each.
    """
    values = values_of(pack, answers, as_of)
    result = checker.check(values, as_of).to_json()
    counts: dict[str, int] = {}
    weights: dict[str, float] = {}
    dated = pack.at(as_of)
    for item in result["results"]:
        measure = dated.measure(item["measure"])
        if item["status"] != "undetermined" or not concerns(measure, values) or held(pack, measure, item, values, as_of):
            continue
        fids = [f for f in item.get("missing", []) if _askable(pack, f, answers, values, as_of)]
        for fid in fids:
            counts[fid] = counts.get(fid, 0) + 1
            weights[fid] = weights.get(fid, 0.0) + 1 / len(fids)
    order = {fid: i for i, fid in enumerate(pack.fields)}
    ranked = sorted(counts, key=lambda f: (-counts[f], -round(weights[f], 6), order[f]))
    return [(fid, counts[fid]) for fid in ranked]


def held(pack: RulePack, measure: Measure, item: dict[str, Any], values: dict[str, Any], as_of: dt.date) -> bool:
    """Whether the applicant already holds this recognition: the result's `held`, else the measure's held test."""
    if item.get("held"):
        return True
    spec = getattr(measure.spec, "held", None)
    if spec is None:
        return False
    try:
        return holds(pack, spec.test, values, as_of) is True
    except (ExprError, KeyError, TypeError):
        return False


def _askable(pack: RulePack, fid: str, answers: dict[str, str], values: dict[str, Any], as_of: dt.date) -> bool:
    """Whether a question is declared, not yet answered, and asked of this applicant given the answers."""
    decl = pack.fields.get(fid)
    if decl is None or fid in answers:
        return False
    return applies(decl, credit_code.applicant_kinds(values)) and asked(pack, decl, values, as_of)


def progress(pack: RulePack, checker: Checker, answers: dict[str, str], as_of: dt.date) -> Progress:
    """The interview's progress with these answers."""
    return Progress(len(answers), len(given(answers)), open_fields(pack, checker, answers, as_of))


def next_step(pack: RulePack, checker: Checker, answers: dict[str, str], as_of: dt.date,
              size: int = STEP_SIZE) -> list[str]:
    """The questions of the next step: the basic facts first, then the most decisive open questions."""
    first = [f for f in FIRST_STEP if f in pack.fields and f not in answers]
    if first:
        return first
    follow = follow_ups(pack, answers)
    return follow + [fid for fid, _n in open_fields(pack, checker, answers, as_of)[:size - len(follow)]]


def follow_ups(pack: RulePack, answers: dict[str, str]) -> list[str]:
    """Questions asked after an answer that leaves an estimate open: the planned loan when no interest is paid yet."""
    if answers.get(pledge.PAID) not in ("", "0") or answers.get("core_ip") == "false":
        return []
    return [f for f in (pledge.LOAN, pledge.RATE) if f in pack.fields and f not in answers]
