"""A measure's criteria as a read-only decision table (criterion, field, operator, threshold, source), as DMN tools show."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from checker.rules.expr import Compare, Const, InSet, Name, Node, Not, render
from checker.rules.pack import Measure, RulePack


@dataclass(frozen=True)
class Row:
    """One criterion as a table row; `threshold_note` names the parameter a threshold comes from."""

    criterion: str
    text_zh: str
    text_en: str
    field: str
    op: str
    threshold: str
    threshold_note: str
    source: str


def _value(node: Node, pack: RulePack, as_of: dt.date) -> tuple[str, str]:
    """A threshold as shown, and the parameter (with its date) it comes from."""
    if isinstance(node, Const):
        value = node.value
        if isinstance(value, bool):
            return ("true" if value else "false"), ""
        return (format(value, "g") if isinstance(value, float) else str(value)), ""
    if isinstance(node, Name) and node.name in pack.parameters:
        entry = pack.parameters[node.name].entry_on(as_of)
        return format(entry.value, "g"), f"{node.name} (from {entry.start.isoformat()})"
    return render(node), ""


def _row_parts(test: Node, pack: RulePack, as_of: dt.date) -> tuple[str, str, str, str]:
    if isinstance(test, Compare):
        threshold, note = _value(test.right, pack, as_of)
        return render(test.left), test.op, threshold, note
    if isinstance(test, InSet):
        return render(test.operand), "not in" if test.negated else "in", ", ".join(map(str, test.values)), ""
    if isinstance(test, Name):
        return test.name, "==", "true", ""
    if isinstance(test, Not) and isinstance(test.operand, Name):
        return test.operand.name, "==", "false", ""
    return render(test), "", "", ""


def decision_table(pack: RulePack, measure: Measure, as_of: dt.date) -> list[Row]:
    """Every criterion of the measure as a row; thresholds from parameters take their value on as_of."""
    cited = [s.document or f"seed {s.seed}" for s in measure.spec.source]
    rows = []
    for crit in measure.criteria:
        field, op, threshold, note = _row_parts(crit.test, pack, as_of)
        source = crit.clause or "; ".join(cited)
        rows.append(Row(crit.id, crit.text.zh, crit.text.en, field, op, threshold, note, source))
    return rows


@dataclass(frozen=True)
class VersionTable:
    """One dated version of a measure beside the others: its dates, sources and decision table."""

    measure: Measure
    start: dt.date | None
    end: dt.date | None
    rows: list[Row]
    current: bool  # in force on the day the page is shown

    @property
    def suffix(self) -> str:
        """A suffix that keeps element ids unique across versions ('' for the version in force)."""
        return "" if self.current else f"-{self.start.isoformat() if self.start else 'first'}"


def version_tables(pack: RulePack, measure_id: str, today: dt.date) -> list[VersionTable]:
    """Every dated version of a measure, oldest first, each table with parameter values of a day inside the version."""
    found = pack.versions.get(measure_id, (pack.measure(measure_id),))
    current = pack.at(today).measure(measure_id)
    tables = []
    for version in found:
        start, end = version.version or (None, None)
        day = today if version.covers(today) else (end or start or today)
        tables.append(VersionTable(version, start, end, decision_table(pack, version, day), version is current))
    return tables
