"""Dated parameters (rules/parameters/*.yaml): a threshold or rate with a value, and its source, per start date.

A check as of a date reads each parameter's value in force on that date (the earliest value before the
first date), injected as a constant before evaluation, so every engine treats it like an answered number.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from pydantic import Field, model_validator

from checker.problems import ProblemError
from checker.rules.schema import ID_PATTERN, Source, Strict, Text


class ParamValue(Strict):
    """One value of a parameter, in force from a date, with the document that set it."""

    start: dt.date = Field(alias="from")
    value: float
    source: Source
    note: Text | None = None


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


def describe(parameter: Parameter) -> list[dict[str, Any]]:
    """The dated values as rows for pages: from, value, source."""
    out = []
    for value in parameter.decl.values:
        source = value.source
        cite = source.document or f"seed {source.seed}"
        out.append({"from": value.start, "value": value.value, "source": f"{cite} {source.article or source.clause or ''}",
                    "url": source.url})
    return out
