"""Engine-neutral, typed objects of a loaded rule pack."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any, Literal, TypedDict, Union

from checker.rules.expr import Node, names
from checker.rules.parameters import Parameter, fill
from checker.rules.schema import AllOf, AnyOf, CrossCheck, Derived, FieldDecl, Logic, MeasureFile, Section, Text
from checker.rules.typecheck import NameType
from checker.rules.windows import Window

# ("ref", id) | ("all", (...)) | ("any", (...)) | ("not", tree)
LogicTree = Union[
    tuple[Literal["ref"], str],
    tuple[Literal["all", "any"], tuple["LogicTree", ...]],
    tuple[Literal["not"], "LogicTree"],
]


class Folder(TypedDict):
    """A folder of measures, from its index.yaml."""

    title: Text
    description: Text
    measures: list[str]


@dataclass(frozen=True)
class Criterion:
    """One named condition of a measure, with its parsed test."""

    id: str
    text: Text
    test: Node
    show: Node | None
    clause: str | None
    assumption: Text | None
    line: int
    fields: tuple[str, ...] = ()  # profile fields the test reads, through derived values
    display: str = "none"  # how to show value/threshold: number | date | value | none


@dataclass(frozen=True)
class Measure:
    """A support measure ready for the engines."""

    spec: MeasureFile
    file: str
    criteria: tuple[Criterion, ...]
    logic: LogicTree
    amount: Node | None
    reads: frozenset[str]
    lines: dict[tuple[Any, ...], int] = field(default_factory=dict, compare=False, repr=False)
    derived_reads: tuple[str, ...] = ()
    held: tuple[Node, Node, Node] | None = None  # (test, since, until) when the profile shows it is held
    condition: tuple[Node, Node] | None = None  # (test, until) when an eligible result holds only on a condition

    @property
    def intention(self) -> bool:
        """A policy intention: a notice beside the results, never a measure to apply for."""
        return self.spec.nature == "intention"

    def line(self, *loc: object) -> int:
        """The line in the rule file of a key path such as ('examples', 2)."""
        for cut in range(len(loc), -1, -1):
            if tuple(loc[:cut]) in self.lines:
                return self.lines[tuple(loc[:cut])]
        return 1

    @property
    def id(self) -> str:
        """The measure id."""
        return self.spec.id

    @property
    def period_confirmed(self) -> bool:
        """Whether the period is known: an end date, or a dated official document confirming it still applies."""
        period = self.spec.period
        return period is not None and (period.end is not None or period.confirmed_on is not None)

    def in_force(self, as_of: dt.date) -> bool:
        """Whether as_of falls within the measure's period of force."""
        period = self.spec.period
        if period is None:
            return True
        if period.start and as_of < period.start:
            return False
        return not (period.end and as_of > period.end)


@dataclass(frozen=True)
class DerivedValue:
    """A shared derived value and its parsed expression."""

    spec: Derived
    expr: Node


@dataclass(frozen=True)
class Check:
    """A cross-field consistency check on profiles."""

    spec: CrossCheck
    test: Node


@dataclass
class RulePack:
    """Everything loaded from rules/: fields, derived values, checks and measures."""

    fields: dict[str, FieldDecl]
    sections: list[Section]
    derived: dict[str, DerivedValue]
    checks: list[Check]
    measures: list[Measure]
    version: str
    folders: dict[str, Folder] = field(default_factory=dict)
    types: dict[str, NameType] = field(default_factory=dict)
    index: dict[str, Measure] = field(default_factory=dict)
    parameters: dict[str, Parameter] = field(default_factory=dict)
    windows: dict[str, tuple[Window, ...]] = field(default_factory=dict)  # by measure id
    files: dict[str, str] = field(default_factory=dict, repr=False, compare=False)  # the rule files read, by path

    def measure(self, measure_id: str) -> Measure:
        """The measure with this id (KeyError if none)."""
        if measure_id not in self.index:
            self.index = {m.id: m for m in self.measures}
        return self.index[measure_id]

    def benefit_text(self, measure: Measure, lang: str, as_of: dt.date) -> str:
        """A measure's benefit text in a language, each {parameter} filled with its value on the check date."""
        return fill(getattr(measure.spec.benefit.text, lang, None) or measure.spec.benefit.text.zh, self.parameters, as_of)

    def domain(self, name: str) -> tuple[float, float]:
        """The range a numeric field can take when it is not answered."""
        decl = self.fields.get(name)
        if decl is None or decl.type == "date":
            return (-math.inf, math.inf)
        low = decl.min if decl.min is not None else -math.inf
        high = decl.max if decl.max is not None else math.inf
        return (low, high)

    def field_closure(self, node: Node) -> tuple[str, ...]:
        """The profile fields an expression reads, directly or through derived values."""
        found: set[str] = set()
        todo = list(names(node))
        while todo:
            name = todo.pop()
            if name in self.derived:
                todo.extend(names(self.derived[name].expr))
            elif name in self.fields:
                found.add(name)
        return tuple(sorted(found))


def logic_refs(tree: LogicTree) -> list[str]:
    """Every criterion id a logic tree names, in order."""
    if tree[0] == "ref":
        return [tree[1]]
    if tree[0] == "not":
        return logic_refs(tree[1])
    return [ref for child in tree[1] for ref in logic_refs(child)]


def build_logic(raw: Logic | None, criteria: list[str]) -> LogicTree:
    """Normalise a schema logic object (default: all criteria) into a tuple tree."""
    if raw is None:
        return ("all", tuple(("ref", c) for c in criteria))
    if isinstance(raw, str):
        return ("ref", raw)
    if isinstance(raw, AllOf):
        return ("all", tuple(build_logic(c, criteria) for c in raw.all))
    if isinstance(raw, AnyOf):
        return ("any", tuple(build_logic(c, criteria) for c in raw.any))
    return ("not", build_logic(raw.not_, criteria))
