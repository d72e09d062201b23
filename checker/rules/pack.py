"""Engine-neutral, typed objects of a loaded rule pack."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field, replace
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
    version: tuple[dt.date | None, dt.date | None] | None = None  # (from, to) both inclusive, when the file has `versions:`
    moved: dict[Any, tuple[Any, ...]] = field(default_factory=dict, compare=False, repr=False)  # keys read from a version block

    @property
    def label(self) -> str:
        """The id, with the first day of the version for a dated one (specialised-sme@2026-04-01)."""
        start = self.version[0] if self.version else None
        return f"{self.id}@{start.isoformat()}" if start else self.id

    def key(self, *loc: object) -> str:
        """A key path such as examples[2].as_of as written in the file (under `versions[i]` for a version's own key)."""
        full = self.moved.get(loc[0], ()) + tuple(loc) if loc else ()
        return "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else str(p)) for i, p in enumerate(full))

    def version_json(self) -> dict[str, str | None] | None:
        """The dated version that decides, as the result JSON names it ({from, to}, to inclusive), or None."""
        if self.version is None:
            return None
        start, end = self.version
        return {"from": start.isoformat() if start else None, "to": end.isoformat() if end else None}

    def covers(self, as_of: dt.date) -> bool:
        """Whether this version's dates include as_of (always true for an undated measure)."""
        if self.version is None:
            return True
        start, end = self.version
        return (start is None or start <= as_of) and (end is None or as_of <= end)

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
    versions: dict[str, tuple[Measure, ...]] = field(default_factory=dict, repr=False)  # every dated version, oldest first
    _dated: dict[tuple[int, ...], RulePack] = field(init=False, default_factory=dict, repr=False, compare=False)
    _closures: dict[int, tuple[Node, tuple[str, ...]]] = field(init=False, default_factory=dict, repr=False,
                                                                compare=False)

    def at(self, as_of: dt.date) -> RulePack:
        """The pack as it stood on as_of: each versioned measure replaced by its version in force then (cached)."""
        picks = {m.id: pick_version(self.versions[m.id], as_of) for m in self.measures if m.id in self.versions}
        if all(self.versions[mid][i] is self.measure(mid) for mid, i in picks.items()):
            return self
        key = tuple(picks.values())
        found = self._dated.get(key)
        if found is None:  # setdefault: threads building the same segment at once all get the first one
            swapped = [self.versions[m.id][picks[m.id]] if m.id in picks else m for m in self.measures]
            found = self._dated.setdefault(key, replace(self, measures=swapped, index={m.id: m for m in swapped}))
        return found

    def dated(self, as_of: str | dt.date | None) -> RulePack:
        """pack.at for a stored result's as_of (ISO text or date); the pack itself when there is none or it is unreadable."""
        if isinstance(as_of, str):
            try:
                as_of = dt.date.fromisoformat(as_of)
            except ValueError:
                return self
        return self.at(as_of) if isinstance(as_of, dt.date) else self

    def version_changes(self, after: dt.date, until: dt.date) -> list[tuple[Measure, dt.date]]:
        """Dated versions that took effect after `after` and on or before `until`: (the new version, its first day)."""
        found = []
        for versions in self.versions.values():
            for version in versions[1:]:
                start = version.version[0] if version.version else None
                if start is not None and after < start <= until:
                    found.append((version, start))
        return sorted(found, key=lambda pair: (pair[1], pair[0].id))

    def every_version(self) -> list[Measure]:
        """Every measure and every dated version of one, in pack order."""
        return [v for m in self.measures for v in self.versions.get(m.id, (m,))]

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
        """The profile fields an expression reads, directly or through derived values (found once per node)."""
        hit = self._closures.get(id(node))
        if hit is None or hit[0] is not node:
            hit = self._closures[id(node)] = (node, self._field_closure(node))
        return hit[1]

    def _field_closure(self, node: Node) -> tuple[str, ...]:
        found: set[str] = set()
        todo = list(names(node))
        while todo:
            name = todo.pop()
            if name in self.derived:
                todo.extend(names(self.derived[name].expr))
            elif name in self.fields:
                found.add(name)
        return tuple(sorted(found))


def pick_version(versions: tuple[Measure, ...], as_of: dt.date) -> int:
    """The index of the version in force on as_of: the one covering it, else the first (before) or last (after)."""
    for i, version in enumerate(versions):
        if version.covers(as_of):
            return i
    first = versions[0].version
    return 0 if first is not None and first[0] is not None and as_of < first[0] else len(versions) - 1


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
