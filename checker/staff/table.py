"""A measure's criteria as a read-only decision table (criterion, field, operator, threshold, source), as DMN tools show;
each row cites its own clause, and a last row gives the benefit and its amount."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from checker.rules.expr import Compare, Const, InSet, Name, Node, Not, names, render
from checker.rules.numbers import literals, stated_numbers
from checker.rules.pack import Criterion, Measure, RulePack
from checker.rules.parameters import fill
from checker.rules.schema import Source, Text

BENEFIT = "benefit"  # the id of the benefit row
SENTENCE, PHRASE = "；;。", "；;。，,"  # where a quote is cut into sentences, and those into phrases
SHORT = 60  # a sentence longer than this is cut into phrases to find a number's own
_ITEM = re.compile(r"[（(][一二三四五六七八九十]+[）)]$")  # a clause's item marker, as 第十一条（四） ends


@dataclass(frozen=True)
class Cited:
    """A source as a row cites it: the document's (or the seed's) title, the clause and the quote; `general` when the
    criterion names no clause or number of its own, so the measure's first source stands for it."""

    title: str
    clause: str
    quote: str
    general: bool = False


@dataclass(frozen=True)
class Row:
    """One criterion (or the benefit) as a table row; `parameter` and `since` name the parameter a threshold comes from."""

    criterion: str
    text_zh: str
    text_en: str
    field: str
    label: Text | None
    unit: Text | None
    op: str
    threshold: str
    parameter: str
    since: str
    source: Cited | None
    kind: str = "criterion"  # or "benefit"
    threshold_text: Text | None = None  # the threshold in words: yes/no, a choice's label

    @property
    def threshold_note(self) -> str:
        """The parameter and the date of its value, as the CLI and older pages name it."""
        return f"{self.parameter} (from {self.since})" if self.parameter else ""
    @property
    def shown(self) -> Text | None:
        """The threshold as an officer reads it: yes/no for a flag, a choice's label, else as written (None: none)."""
        if self.threshold_text is not None or not self.threshold:
            return self.threshold_text
        return Text(zh=self.threshold, en=self.threshold)


_YES_NO = {"true": Text(zh="是", en="yes"), "false": Text(zh="否", en="no")}


def _constant(value: object) -> str:
    """A constant as the table writes it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return format(value, "g") if isinstance(value, float) else str(value)


def _choice(pack: RulePack, field: str, values: list[str]) -> Text | None:
    """The labels of an enum field's values (北京 for beijing), joined; None when the field has no such choices."""
    decl = pack.fields.get(field)
    labels = {c.value: c.label for c in (decl.values or ())} if decl is not None else {}
    if not values or not all(v in labels for v in values):
        return None
    return Text(zh="、".join(labels[v].zh for v in values), en=", ".join(labels[v].en for v in values))


def _row_parts(test: Node, pack: RulePack, as_of: dt.date) -> tuple[str, str, str, str, str, Text | None]:
    """Field, operator, threshold, its parameter and that value's date, and the threshold in words."""
    if isinstance(test, Compare):
        field = render(test.left)
        if isinstance(test.right, Name) and test.right.name in pack.parameters:
            entry = pack.parameters[test.right.name].entry_on(as_of)
            return field, test.op, format(entry.value, "g"), test.right.name, entry.start.isoformat(), None
        value = _constant(test.right.value) if isinstance(test.right, Const) else render(test.right)
        words = _choice(pack, field, [value]) if isinstance(test.right, Const) else None
        return field, test.op, value, "", "", words or _YES_NO.get(value)
    if isinstance(test, InSet):
        field, values = render(test.operand), [str(v) for v in test.values]
        return field, "not in" if test.negated else "in", ", ".join(values), "", "", _choice(pack, field, values)
    if isinstance(test, Name):
        return test.name, "==", "true", "", "", _YES_NO["true"]
    if isinstance(test, Not) and isinstance(test.operand, Name):
        return test.operand.name, "==", "false", "", "", _YES_NO["false"]
    return render(test), "", "", "", "", None


def _label(pack: RulePack, name: str) -> tuple[Text | None, Text | None]:
    """A field's (or derived value's) label and unit, if it is one."""
    if name in pack.fields:
        return pack.fields[name].label, pack.fields[name].unit
    if name in pack.derived:
        return pack.derived[name].spec.label, pack.derived[name].spec.unit
    return None, None


def excerpt(quote: str, clause: str | None, numbers: set[float]) -> str:
    """The sentence of a quote that is the row's own: the one with the clause's item marker （四）, else the one that
    states one of its numbers, else the whole quote."""
    item = _ITEM.search(clause or "")
    for piece in _split(quote, SENTENCE) if item else ():
        if item and item.group(0) in piece:
            return piece[piece.index(item.group(0)):]
    for marks in (SENTENCE, PHRASE) if numbers else ():
        for piece in _split(quote, marks):
            if numbers & stated_numbers(piece) and (len(piece) <= SHORT or marks == PHRASE):
                return piece
    return quote


def _split(text: str, marks: str) -> list[str]:
    """A text cut after each of these marks that is outside brackets (an aside such as (指…,以下同) stays whole)."""
    pieces, depth, start = [], 0, 0
    for at, char in enumerate(text):
        depth += (char in "(（") - (char in ")）")
        if char in marks and depth <= 0:
            pieces.append(text[start:at + 1])
            start = at + 1
    return [p.strip() for p in pieces + [text[start:]] if p.strip()]


def cite(source: Source, titles: dict[str, str], clause: str | None = None, general: bool = False,
         numbers: set[float] | None = None) -> Cited:
    """A source as a row cites it: a seed by its document's title, the quote cut to the row's own sentence."""
    title = source.document or titles.get(str(source.seed), f"seed {source.seed}")
    quote = excerpt(source.quote or "", clause, numbers or set())
    return Cited(title, clause or source.article or source.clause or "", quote, general)


def _numbers(node: Node, pack: RulePack, as_of: dt.date) -> set[float]:
    """The numbers a test or amount compares with (constants and parameter values), 0 and 1 aside."""
    found = set(literals(node)) | {pack.parameters[n].value_on(as_of) for n in names(node) if n in pack.parameters}
    return found - {0.0, 1.0}


def row_source(measure: Measure, node: Node, clause: str | None, pack: RulePack, as_of: dt.date,
               titles: dict[str, str]) -> Cited | None:
    """The source of one row: the source of its clause, else the parameter's dated source, else the source quoting
    its number, else the measure's first source (marked general)."""
    sources = measure.spec.source
    wanted = _numbers(node, pack, as_of)
    for source in sources if clause else ():
        own = source.article or source.clause or ""
        if own and clause and (clause.startswith(own) or own.startswith(clause)):
            return cite(source, titles, clause, numbers=wanted)
    for name in sorted(names(node) & pack.parameters.keys()):
        return cite(pack.parameters[name].entry_on(as_of).source, titles, numbers=wanted)
    for source in sources:
        if wanted and wanted & stated_numbers(source.quote or ""):
            return cite(source, titles, clause, numbers=wanted)
    return cite(sources[0], titles, clause, general=not clause) if sources else None


def _criterion_row(pack: RulePack, measure: Measure, crit: Criterion, as_of: dt.date, titles: dict[str, str]) -> Row:
    """One criterion as a row."""
    field, op, threshold, parameter, since, words = _row_parts(crit.test, pack, as_of)
    label, unit = _label(pack, field)
    source = row_source(measure, crit.test, crit.clause, pack, as_of, titles)
    return Row(crit.id, crit.text.zh, crit.text.en, field, label, unit, op, threshold, parameter, since, source,
               threshold_text=words)


def _benefit_row(pack: RulePack, measure: Measure, as_of: dt.date, titles: dict[str, str]) -> Row:
    """The benefit as the last row: its text (parameters filled in) and its amount in 万元, with the source quoting it."""
    text = measure.spec.benefit.text
    amount = measure.amount
    read = sorted(names(amount) & pack.parameters.keys()) if amount is not None else []
    entry = pack.parameters[read[0]].entry_on(as_of) if read else None
    source = row_source(measure, amount, None, pack, as_of, titles) if amount is not None else (
        cite(measure.spec.source[0], titles, general=True) if measure.spec.source else None)
    return Row(BENEFIT, fill(text.zh, pack.parameters, as_of), fill(text.en, pack.parameters, as_of), "", None,
               Text(zh="万元", en="10k CNY") if amount is not None else None, "", render(amount) if amount is not None else "",
               read[0] if read else "", entry.start.isoformat() if entry else "", source, kind=BENEFIT)


def decision_table(pack: RulePack, measure: Measure, as_of: dt.date, titles: dict[str, str] | None = None) -> list[Row]:
    """Every criterion of the measure as a row, then the benefit; thresholds from parameters take their value on as_of.
    `titles` names seed documents by number (seeds/coverage)."""
    titles = titles or {}
    rows = [_criterion_row(pack, measure, crit, as_of, titles) for crit in measure.criteria]
    return rows + [_benefit_row(pack, measure, as_of, titles)]


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


def version_tables(pack: RulePack, measure_id: str, today: dt.date, titles: dict[str, str] | None = None) -> list[VersionTable]:
    """Every dated version of a measure, oldest first, each table with parameter values of a day inside the version."""
    found = pack.versions.get(measure_id, (pack.measure(measure_id),))
    current = pack.at(today).measure(measure_id)
    tables = []
    for version in found:
        start, end = version.version or (None, None)
        day = today if version.covers(today) else (end or start or today)
        tables.append(VersionTable(version, start, end, decision_table(pack, version, day, titles), version is current))
    return tables
