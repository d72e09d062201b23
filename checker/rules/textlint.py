"""Lint of what a measure says in words: no placeholder left from the creation form, criterion texts that are more
than their expression, benefit texts whose amounts come from the parameter they state, and dated parameter values
that an example checks.

A benefit text may write `{parameter_id}`: pages fill it with the parameter's value on the check date
(parameters.fill), so a new dated value never leaves the old number beside the new amount.
"""

from __future__ import annotations

import re

from checker.problems import Problem
from checker.rules import expr as ex
from checker.rules.examples import example_as_of
from checker.rules.numbers import literals, stated_numbers
from checker.rules.pack import Measure, RulePack
from checker.rules.parameters import number_text, placeholders
from checker.rules.schema import Text
from checker.rules.yamlsrc import RuleError

# How the creation form and officers mark a text still to write (compared without case and spaces).
PLACEHOLDER_MARKS = ("待补充", "待填写", "待完善内容", "tofillin", "todo", "tbd", "xxx")
_SPACES = re.compile(r"[\s\"'`]+")
_WAN = re.compile(r"(\d+(?:\.\d+)?)\s*万元")


def _squash(text: str) -> str:
    """A text without spaces and quotes, lower case: how placeholders and expressions are compared."""
    return _SPACES.sub("", text).lower()


def is_placeholder(text: str) -> bool:
    """Whether a text is (or begins with) a to-fill-in mark."""
    squashed = _squash(text).lstrip("【[(（")
    return any(squashed.startswith(mark) for mark in PLACEHOLDER_MARKS)


def _texts(measure: Measure) -> list[tuple[tuple[str | int, ...], Text]]:
    """Every bilingual text of a measure a page shows, with its key path."""
    spec = measure.spec
    found: list[tuple[tuple[str | int, ...], Text | None]] = [
        (("title",), spec.title), (("summary",), spec.summary), (("benefit", "text"), spec.benefit.text),
        (("apply",), spec.apply)]
    found += [(("criteria", i, "text"), c.text) for i, c in enumerate(spec.criteria)]
    return [(loc, text) for loc, text in found if isinstance(text, Text)]


def _path(loc: tuple[str | int, ...]) -> str:
    """A key path such as criteria[0].text."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def placeholder_errors(measure: Measure) -> list[RuleError]:
    """Texts still holding a to-fill-in mark (the creation form writes 待补充：… where the officer must write)."""
    errors = []
    for loc, text in _texts(measure):
        for lang in ("zh", "en"):
            value = getattr(text, lang)
            if is_placeholder(value):
                errors.append(RuleError(measure.file, measure.line(*loc, lang), f"{_path(loc)}.{lang}",
                                        Problem("lint.placeholder_text", {"text": value[:60]})))
    return errors


def criterion_text_errors(measure: Measure) -> list[RuleError]:
    """Criteria whose text only repeats their test expression (an applicant cannot read `revenue_wan <= 20000`)."""
    errors = []
    for i, criterion in enumerate(measure.spec.criteria):
        test = _squash(criterion.test)
        for lang in ("zh", "en"):
            if _squash(getattr(criterion.text, lang)) == test:
                errors.append(RuleError(measure.file, measure.line("criteria", i, "text", lang),
                                        f"criteria[{i}].text.{lang}",
                                        Problem("lint.criterion_text_is_test", {"test": criterion.test})))
    return errors


def benefit_text_errors(pack: RulePack, measure: Measure) -> list[RuleError]:
    """A benefit text that names an unknown {parameter}, or writes out a number its amount reads from a parameter."""
    text = measure.spec.benefit.text
    errors = []
    read = sorted(ex.names(measure.amount) & pack.parameters.keys()) if measure.amount is not None else []
    for lang in ("zh", "en"):
        value = getattr(text, lang)
        line, key = measure.line("benefit", "text", lang), f"benefit.text.{lang}"
        for name in placeholders(value):
            if name not in pack.parameters:
                errors.append(RuleError(measure.file, line, key, Problem(
                    "lint.text_placeholder_unknown", {"name": name, "known": ", ".join(sorted(pack.parameters)) or "—"})))
        stated = stated_numbers(re.sub(r"\{[a-z0-9_]+\}", " ", value))
        for name in read:
            values = [v.value for v in pack.parameters[name].decl.values]
            written = sorted({v for v in values if v in stated and v not in (0.0, 1.0)})
            if written and name not in placeholders(value):
                errors.append(RuleError(measure.file, line, key, Problem("lint.benefit_text_stale", {
                    "number": number_text(written[0]), "name": name,
                    "values": ", ".join(f"{number_text(v.value)} ({v.start})" for v in pack.parameters[name].decl.values)})))
    return errors + _amount_mismatch(measure, read)


def _amount_mismatch(measure: Measure, read: list[str]) -> list[RuleError]:
    """A fixed amount the Chinese benefit text states in 万元 that the amount expression does not contain."""
    if measure.amount is None or read:
        return []
    written = set(literals(measure.amount))
    stated = [float(n) for n in _WAN.findall(measure.spec.benefit.text.zh)]
    if not written or not stated or any(n in written for n in stated):
        return []
    return [RuleError(measure.file, measure.line("benefit", "text", "zh"), "benefit.text.zh", Problem(
        "lint.benefit_text_amount", {"number": number_text(stated[0]), "amount": measure.spec.benefit.amount or ""}))]


def parameter_example_errors(pack: RulePack) -> list[RuleError]:
    """Each dated value after a parameter's first needs an example, of a measure that reads it, checked on or after
    its date (else nothing shows the new value works)."""
    errors = []
    for name, parameter in sorted(pack.parameters.items()):
        readers = [m for m in pack.measures if name in m.reads]
        if not readers:
            continue
        dates = [example_as_of(m, e) for m in readers for e in m.spec.examples]
        for index, value in enumerate(parameter.decl.values[1:], start=1):
            if not any(d >= value.start for d in dates):
                errors.append(RuleError(parameter.file, parameter.value_line(index), f"{name}.values[{index}]", Problem(
                    "lint.parameter_value_untested", {"name": name, "date": value.start.isoformat(),
                                                      "measures": ", ".join(m.id for m in readers)})))
    return errors


def lint_texts(pack: RulePack) -> list[RuleError]:
    """Every text problem of the pack's measures and parameters."""
    errors: list[RuleError] = []
    for measure in pack.measures:
        errors += placeholder_errors(measure) + criterion_text_errors(measure) + benefit_text_errors(pack, measure)
    return errors + parameter_example_errors(pack)
