"""Dated parameters (rules/parameters/*.yaml): a threshold or rate with a value, and its source, per start date.

A check as of a date reads each parameter's value in force on that date (the earliest value before the
first date), injected as a constant before evaluation, so every engine treats it like an answered number.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from pydantic import Field, model_validator

from checker.problems import ProblemError
from checker.rules.schema import ID_PATTERN, Source, Strict, Text


class Correction(Strict):
    """A change to a value whose period had already begun: when, why, and the value it replaced."""

    on: dt.date
    reason: str = Field(min_length=4)
    previous: float


class ParamValue(Strict):
    """One value of a parameter, in force from a date, with the document that set it (and any corrections)."""

    start: dt.date = Field(alias="from")
    value: float
    source: Source
    note: Text | None = None
    corrections: list[Correction] = []


class ParameterDecl(Strict):
    """A named number that changes over time (a limit, a rate, a cap)."""

    id: str = Field(pattern=ID_PATTERN)
    label: Text
    unit: Text | None = None
    description: Text | None = None
    values: list[ParamValue] = Field(min_length=1)

    @model_validator(mode="after")
    def _dates_ascend(self) -> ParameterDecl:
        dates = [v.start for v in self.values]
        if dates != sorted(set(dates)):
            raise ProblemError("lint.rule.values_order")
        return self


class ParametersFile(Strict):
    parameters: list[ParameterDecl]


@dataclass(frozen=True)
class Parameter:
    """A loaded parameter and the file and line it is declared at."""

    decl: ParameterDecl
    file: str
    line: int
    value_lines: tuple[int, ...] = ()  # the line of each dated value

    def value_line(self, index: int) -> int:
        """The file line of the index-th dated value (the parameter's line when unknown)."""
        return self.value_lines[index] if index < len(self.value_lines) else self.line

    def entry_on(self, as_of: dt.date) -> ParamValue:
        """The value in force on a date (the earliest one before the first start date)."""
        found = self.decl.values[0]
        for value in self.decl.values:
            if value.start <= as_of:
                found = value
        return found

    def value_on(self, as_of: dt.date) -> float:
        """The number in force on a date."""
        return self.entry_on(as_of).value


def values_on(parameters: dict[str, Parameter], as_of: dt.date) -> dict[str, float]:
    """Every parameter's number in force on a date."""
    return {name: p.value_on(as_of) for name, p in parameters.items()}


_PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*)\}")


def placeholders(text: str) -> list[str]:
    """The {name} placeholders of a rule text, in order."""
    return _PLACEHOLDER.findall(text)


def number_text(value: float) -> str:
    """A parameter value as a text states it: 50, 0.4, 2.5 (no trailing .0)."""
    return f"{value:g}" if abs(value) < 1e15 else str(value)


def fill(text: str, parameters: dict[str, Parameter], as_of: dt.date) -> str:
    """A rule text with each {parameter} replaced by its value on a date (unknown names left as written)."""
    def value(match: re.Match[str]) -> str:
        found = parameters.get(match.group(1))
        return match.group(0) if found is None else number_text(found.value_on(as_of))
    return _PLACEHOLDER.sub(value, text)


def describe(parameter: Parameter) -> list[dict[str, Any]]:
    """The dated values as rows for pages: from, value, source."""
    out = []
    for value in parameter.decl.values:
        source = value.source
        cite = source.document or f"seed {source.seed}"
        out.append({"from": value.start, "value": value.value, "source": f"{cite} {source.article or source.clause or ''}",
                    "url": source.url, "corrections": [c.model_dump() for c in value.corrections]})
    return out
