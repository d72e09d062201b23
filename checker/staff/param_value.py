"""A new value of an existing parameter from a date ("从某日起新值"): the dated entry written into its file (the value
before it then ends the day before), and, when asked, an example of a measure reading it checked on that date —
lint wants every dated value after the first tested by such an example.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re

import yaml

from checker.engine import Checker
from checker.i18n import N_
from checker.intake import read_profile
from checker.problems import ProblemError
from checker.rules.examples import example_as_of, example_profile
from checker.rules.pack import Measure, RulePack
from checker.rules.parameters import ParamValue
from checker.staff import create, drafts
from checker.staff.store import Files


class ValueRefused(ProblemError):
    """The new value cannot be added: the problem names the date or value and the fix."""


@dataclasses.dataclass(frozen=True)
class Period:
    """One value of a parameter and the days it is in force (`end` None: open-ended)."""

    start: dt.date
    end: dt.date | None
    value: float


def periods(pack: RulePack, name: str) -> list[Period]:
    """The parameter's values, each ending the day before the next one starts."""
    values = pack.parameters[name].decl.values
    ends = [v.start - dt.timedelta(days=1) for v in values[1:]] + [None]
    return [Period(v.start, end, v.value) for v, end in zip(values, ends)]


def _block(lines: list[str], name: str) -> tuple[int, int, str]:
    """The parameter's lines [start, end) in its file and the indentation of its value entries."""
    start = next((i for i, line in enumerate(lines) if re.match(rf"^\s*- id: {re.escape(name)}\s*$", line)), None)
    if start is None:
        raise ValueRefused(N_("staff.value.not_found"), name=name)
    item = len(lines[start]) - len(lines[start].lstrip())
    end = start + 1
    while end < len(lines) and (not lines[end].strip() or len(lines[end]) - len(lines[end].lstrip()) > item):
        end += 1
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1
    entry = next((re.match(r"^(\s*)- from:", line) for line in lines[start:end] if re.match(r"^\s*- from:", line)), None)
    return start, end, entry.group(1) if entry else " " * (item + 4)


def parameter_path(files: Files, name: str) -> str:
    """The file of the pack that declares the parameter."""
    declared = re.compile(rf"^\s*- id: {re.escape(name)}\s*$", re.M)
    found = next((p for p, text in sorted(files.items()) if p.startswith("parameters/") and declared.search(text)), None)
    if found is None:
        raise ValueRefused(N_("staff.value.not_found"), name=name)
    return found


def add_value(text: str, pack: RulePack, name: str, value: create.DatedValue, reason: str) -> str:
    """The parameter file's text with the value from its date appended to the parameter's values."""
    if name not in pack.parameters:
        raise ValueRefused(N_("staff.value.not_found"), name=name)
    last = pack.parameters[name].decl.values[-1]
    start = dt.date.fromisoformat(value.start)
    if start <= last.start:
        raise ValueRefused(N_("staff.value.not_after"), date=value.start, last=last.start.isoformat())
    if value.value == last.value:
        raise ValueRefused(N_("staff.value.same"), value=create.q(value.value), last=last.start.isoformat())
    lines = text.split("\n")
    _, end, indent = _block(lines, name)
    source = (f"{{document: {create.q(value.document)}, article: {create.q(value.article)}, quote: {create.q(value.quote)}"
              + (f", url: {create.q(value.url)}" if value.url else "") + "}")
    entry = [f"{indent}- from: {value.start}", f"{indent}  value: {create.q(value.value)}", f"{indent}  source: {source}"]
    if reason:
        entry.append(f"{indent}  note: {create.text(reason, reason)}")
    return "\n".join(lines[:end] + entry + lines[end:])


def tested_after(pack: RulePack, name: str, day: dt.date) -> list[str]:
    """The measures reading the parameter with an example checked on or after the day."""
    return [m.id for m in pack.measures if name in m.reads
            and any(example_as_of(m, e) >= day for e in m.spec.examples)]


def _outcome(checker: Checker, measure: Measure, index: int, day: dt.date) -> dict[str, object]:
    """What an example's profile gets on the day: its status and, when computed, its amount."""
    example = measure.spec.examples[index]
    verdict = checker.check(read_profile(checker.pack, example_profile(measure, example), day), day).verdict(measure.id)
    found: dict[str, object] = {"status": verdict.status}
    if verdict.amount_wan is not None:
        amount = round(verdict.amount_wan, 4)
        found["amount_wan"] = int(amount) if amount == int(amount) else amount
    return found


def add_example(text: str, live: RulePack, draft: RulePack, measure_id: str, day: dt.date) -> str:
    """The measure file's text with an example checked on the day: a copy of the first example whose outcome the new
    value changes (else the first eligible one), expecting what the draft says then, named so the officer checks it."""
    measure = draft.measure(measure_id)
    if measure_id in draft.versions or not re.search(r"^examples:\s*$", text, re.M):
        raise ValueRefused(N_("staff.value.no_example"), measure=measure_id)
    before, after = Checker(live, "reference"), Checker(draft, "reference")
    eligible = [i for i, e in enumerate(measure.spec.examples) if e.expect.status == "eligible"]
    outcomes = {i: _outcome(after, measure, i, day) for i in eligible}
    moved = [i for i in eligible if outcomes[i] != _outcome(before, live.measure(measure_id), i, day)]
    if not eligible:
        raise ValueRefused(N_("staff.value.no_example"), measure=measure_id)
    index = (moved or eligible)[0]
    example = measure.spec.examples[index]
    raw = yaml.safe_load(text)["examples"][index].get("profile") or {}
    named = f"{day.isoformat()}起的新值（由“{example.name}”复制，请核对）"
    lines = [f"  - name: {create.q(named)}", f"    as_of: {day.isoformat()}"]
    if raw:
        lines.append(f"    profile: {json.dumps(raw, ensure_ascii=False, default=str)}")
    lines.append(f"    expect: {json.dumps(outcomes[index], ensure_ascii=False)}")
    return _append_example(text, lines)


def _append_example(text: str, entry: list[str]) -> str:
    """The text with the entry after the last item of the top-level `examples:` list."""
    lines = text.rstrip("\n").split("\n")
    start = next(i for i, line in enumerate(lines) if re.match(r"^examples:\s*$", line))
    end = start + 1
    while end < len(lines) and (not lines[end].strip() or lines[end][0] in " -#"):
        end += 1
    while not lines[end - 1].strip():
        end -= 1
    indent = re.match(r"^(\s*)-", next((x for x in lines[start + 1:end] if x.lstrip().startswith("-")), "  -"))
    pad = indent.group(1) if indent else "  "
    shifted = [pad + x[2:] if x.startswith("  ") else x for x in entry]
    return "\n".join(lines[:end] + shifted + lines[end:]) + "\n"


def with_value(pack: RulePack, name: str, value: create.DatedValue) -> RulePack:
    """The pack with the parameter's new value, in memory (to compute what an example gets with it)."""
    parameter = pack.parameters[name]
    entry = ParamValue.model_validate({"from": value.start, "value": value.value, "source": {
        "document": value.document, "article": value.article, "quote": value.quote}})
    decl = parameter.decl.model_copy(update={"values": [*parameter.decl.values, entry]})
    return dataclasses.replace(pack, parameters={**pack.parameters, name: dataclasses.replace(parameter, decl=decl)})


def new_value(files: Files, pack: RulePack, name: str, value: create.DatedValue, reason: str,
              example_for: str | None = None) -> Files:
    """The draft's changes: the parameter's file with the new value and, when asked, an example of that measure
    checked on the value's first day (its expectation computed with the new value)."""
    if name not in pack.parameters:
        raise ValueRefused(N_("staff.value.not_found"), name=name)
    path = parameter_path(files, name)
    changes = {path: add_value(files[path], pack, name, value, reason)}
    if example_for is None:
        return changes
    draft = with_value(pack, name, value)  # the draft does not load yet: lint wants the example being added
    measure_path = drafts.measure_path(files, example_for) or ""
    day = dt.date.fromisoformat(value.start)
    return {**changes, measure_path: add_example(files[measure_path], pack, draft, example_for, day)}
