"""A measure built from form rows, without typing expressions: each criterion is a field, an operator fitting the
field's type and a value, with its own clause and quote; an amount; a source; who applies; an optional window.

`build` returns the rule files ({path: text}) of a draft; every text typed into the form is JSON-quoted (see create.q),
so nothing typed can change the file's structure. The examples are generated at each criterion's boundary: one
eligible profile meeting every criterion, and for each criterion a profile that just misses it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from checker.i18n import N_
from checker.problems import ProblemError
from checker.rules.pack import RulePack
from checker.rules.schema import FieldDecl
from checker.staff import create
from checker.staff.store import Files

# The operators a field's type admits, in the order the form lists them.
OPERATORS: dict[str, tuple[str, ...]] = {
    "int": ("ge", "le", "eq", "between"), "decimal": ("ge", "le", "eq", "between"),
    "bool": ("yes", "no"), "enum": ("in",), "date": ("on", "before", "after"),
}
OPERATOR_KEYS = {op: f"staff.op.{op}" for ops in OPERATORS.values() for op in ops}
_LISTED = (N_("staff.op.ge"), N_("staff.op.le"), N_("staff.op.eq"), N_("staff.op.between"), N_("staff.op.yes"),
           N_("staff.op.no"), N_("staff.op.in"), N_("staff.op.on"), N_("staff.op.before"), N_("staff.op.after"))
# How a criterion's text says the operator: (zh, en) with {label}, {value}, {high} and {unit}.
_WORDS = {
    "ge": ("{label}不低于{value}{unit}", "{label} at least {value} {unit}"),
    "le": ("{label}不超过{value}{unit}", "{label} at most {value} {unit}"),
    "eq": ("{label}等于{value}{unit}", "{label} equal to {value} {unit}"),
    "between": ("{label}在{value}至{high}{unit}之间", "{label} between {value} and {high} {unit}"),
    "yes": ("{label}：是", "{label}: yes"), "no": ("{label}：否", "{label}: no"),
    "in": ("{label}为{value}之一", "{label} is one of {value}"), "in_one": ("{label}为{value}", "{label} is {value}"),
    "on": ("{label}为{value}", "{label} on {value}"),
    "before": ("{label}早于{value}", "{label} before {value}"),
    "after": ("{label}晚于{value}", "{label} after {value}"),
}
# The mark of a number no official text states (it names the number, as lint asks of an assumption).
INVENTED_ZH = "{text}：为估计值，未见正式文件"
INVENTED_EN = "{text}: an estimate, no official text states it"
AMOUNT_KINDS = ("none", "fixed", "rate", "parameter")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class BuildError(ProblemError):
    """A form row cannot become a rule: the problem names the row (1-based) and the fix."""


@dataclass
class Row:
    """One criterion as the form asks it."""

    field: str
    op: str
    values: list[str]  # one number or date; two for `between`; the chosen values for `in`; none for yes/no
    clause: str  # the article or clause the criterion comes from
    quote: str  # its words, quoted from the source
    text_zh: str = ""  # the condition in words; generated from the field's label when left empty
    invented: bool = False  # the threshold is not official: marked as an assumption
    invented_zh: str = ""


@dataclass
class Amount:
    """The benefit's amount: none, a fixed sum, a rate of a field with a cap, or a parameter (万元)."""

    kind: str = "none"
    money: str = "cash"
    value: str = ""  # the fixed sum, or the rate in percent
    field: str = ""  # the field the rate applies to
    cap: str = ""  # the cap: a number or a parameter's name (optional)
    parameter: str = ""
    clause: str = ""
    quote: str = ""
    invented: bool = False


@dataclass
class Spec:
    """Everything the creation form asks."""

    id: str
    folder: str
    title_zh: str
    title_en: str
    kind: str
    issuer_zh: str
    entities: list[str]
    applicant: str
    document: str  # a document's title (with 文号), or "" when the source is a seed
    article: str  # the document's article, or the seed's clause
    quote: str
    rows: list[Row]
    seed: str = ""
    url: str = ""
    amount: Amount = field(default_factory=Amount)
    benefit_zh: str = ""
    apply_zh: str = ""
    opens: str = ""
    closes: str = ""


@dataclass
class Built:
    """A criterion in YAML terms: its test and the values that meet and just miss it."""

    test: str
    text_zh: str
    text_en: str
    met: Any
    misses: list[Any]


def number(raw: str, row: int) -> Decimal:
    """A number typed in row `row` of the form (0: the amount); 5,000 and 5，000 read as 5000."""
    try:
        value = Decimal(raw.replace(",", "").replace("，", "").strip())
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite():
        if row == 0:
            raise BuildError(N_("staff.build.amount_number"), value=raw)
        raise BuildError(N_("staff.build.number"), row=row, value=raw)
    return value


def day(raw: str, row: int) -> dt.date:
    """A date typed in the form (ISO)."""
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError:
        raise BuildError(N_("staff.build.date"), row=row, value=raw) from None


def written(value: Decimal) -> str:
    """A number as the expression writes it: 100, 0.5 (never 1E+2)."""
    return format(value.normalize(), "f")


def _yaml_number(value: Decimal) -> int | float:
    """The number as a profile value."""
    return int(value) if value == value.to_integral_value() else float(value)


def _step(decl: FieldDecl) -> Decimal:
    """The smallest difference an answer of the field makes at a boundary."""
    return Decimal(1) if decl.type == "int" else Decimal("0.01")


def _bound(pack: RulePack, raw: str, n: int, on: dt.date) -> tuple[str, str, Decimal]:
    """A threshold typed in the form: a number, or a parameter's name (its value on the examples' date).

    Returns how the test writes it, how the criterion's text says it and the value examples are built around."""
    name = raw.strip()
    if _NAME.match(name):
        if name not in pack.parameters:
            raise BuildError(N_("staff.build.parameter"), name=name)
        return name, pack.parameters[name].decl.label.zh, Decimal(str(pack.parameters[name].value_on(on)))
    value = number(raw, n)
    return written(value), written(value), value


def _numeric(pack: RulePack, decl: FieldDecl, row: Row, n: int, on: dt.date) -> Built:
    """A number criterion: ≥, ≤, = or between (both ends included)."""
    step = _step(decl)
    raw = [v for v in row.values[: 2 if row.op == "between" else 1] if v.strip()]
    if len(raw) < (2 if row.op == "between" else 1):
        raise BuildError(N_("staff.build.value_missing"), row=n)
    bounds = [_bound(pack, v, n, on) for v in raw]
    values = [b[2] for b in bounds]
    low, name = values[0], decl.id
    if decl.type == "int" and any(v != v.to_integral_value() for v in values):
        raise BuildError(N_("staff.build.whole"), row=n, value=written(values[0]))
    if row.op == "between":
        high = values[1]
        if high < low:
            raise BuildError(N_("staff.build.between_order"), row=n, low=written(low), high=written(high))
        test, misses = f"{name} >= {bounds[0][0]} and {name} <= {bounds[1][0]}", [low - step, high + step]
    else:
        sign = {"ge": ">=", "le": "<=", "eq": "=="}[row.op]
        test, misses = f"{name} {sign} {bounds[0][0]}", [low - step if row.op == "ge" else low + step]
    if decl.min is not None:
        misses = [m for m in misses if m >= Decimal(str(decl.min))]
    if decl.max is not None:
        misses = [m for m in misses if m <= Decimal(str(decl.max))]
    if not misses:
        raise BuildError(N_("staff.build.always_met"), row=n, field=name)
    high_text = bounds[1][1] if row.op == "between" else ""
    return Built(test, *_words(decl, row.op, bounds[0][1], high_text), _yaml_number(low),
                 [_yaml_number(m) for m in misses])


def _words(decl: FieldDecl, op: str, value: str, high: str = "", value_en: str | None = None) -> tuple[str, str]:
    """The criterion's text in Chinese and English, from the field's label and unit."""
    out = []
    for i, language in enumerate(("zh", "en")):
        label = getattr(decl.label, language)
        unit = getattr(decl.unit, language) if decl.unit else ""
        shown = value_en if language == "en" and value_en is not None else value
        out.append(_WORDS[op][i].format(label=label, value=shown, high=high, unit=unit).strip())
    return out[0], out[1]


def _choice(decl: FieldDecl, row: Row, n: int) -> Built:
    """A choice criterion: the answer is one of the chosen values."""
    allowed = [c.value for c in decl.values or []]
    chosen = [v for v in allowed if v in row.values]
    unknown = [v for v in row.values if v not in allowed]
    if unknown:
        raise BuildError(N_("staff.build.not_a_choice"), row=n, value=unknown[0], field=decl.id)
    if not chosen:
        raise BuildError(N_("staff.build.value_missing"), row=n)
    left = [v for v in allowed if v not in chosen]
    if not left:
        raise BuildError(N_("staff.build.always_met"), row=n, field=decl.id)
    labels = {c.value: c.label for c in decl.values or []}
    zh = "、".join(labels[v].zh for v in chosen)
    en = ", ".join(labels[v].en for v in chosen)
    listed = ", ".join(f"'{v}'" for v in chosen)
    return Built(f"{decl.id} in [{listed}]", *_words(decl, "in" if len(chosen) > 1 else "in_one", zh, value_en=en),
                 chosen[0], [left[0]])


def _date(decl: FieldDecl, row: Row, n: int) -> Built:
    """A date criterion: on, before or after a day."""
    if not row.values or not row.values[0].strip():
        raise BuildError(N_("staff.build.value_missing"), row=n)
    when = day(row.values[0], n)
    one = dt.timedelta(days=1)
    sign, met, miss = {"on": ("==", when, when + one), "before": ("<", when - one, when),
                       "after": (">", when + one, when)}[row.op]
    return Built(f"{decl.id} {sign} date('{when.isoformat()}')", *_words(decl, row.op, when.isoformat()),
                 met, [miss])


def criterion(pack: RulePack, decl: FieldDecl, row: Row, n: int, on: dt.date) -> Built:
    """The test, texts and boundary values of row n (1-based) on its field."""
    if row.op not in OPERATORS.get(decl.type, ()):
        raise BuildError(N_("staff.build.operator"), row=n, field=decl.id, op=row.op)
    if decl.type == "bool":
        yes = row.op == "yes"
        return Built(decl.id if yes else f"not {decl.id}", *_words(decl, row.op, ""), yes, [not yes])
    if decl.type == "enum":
        return _choice(decl, row, n)
    if decl.type == "date":
        return _date(decl, row, n)
    return _numeric(pack, decl, row, n, on)


def amount_expression(pack: RulePack, amount: Amount) -> str | None:
    """The benefit's amount as an expression (万元), None when the form gives none."""
    if amount.kind == "none":
        return None
    if amount.kind == "fixed":
        return written(number(amount.value, 0))
    if amount.kind == "parameter":
        if amount.parameter not in pack.parameters:
            raise BuildError(N_("staff.build.parameter"), name=amount.parameter)
        return amount.parameter
    if amount.field not in pack.fields or pack.fields[amount.field].type not in ("int", "decimal"):
        raise BuildError(N_("staff.build.rate_field"), name=amount.field)
    rate = f"{written(number(amount.value, 0))}% * {amount.field}"
    cap = amount.cap.strip()
    if not cap:
        return rate
    if _NAME.match(cap):
        if cap not in pack.parameters:
            raise BuildError(N_("staff.build.parameter"), name=cap)
        return f"min({rate}, {cap})"
    return f"min({rate}, {written(number(cap, 0))})"


def _amount_words(pack: RulePack, amount: Amount) -> tuple[str, str]:
    """The benefit's text in Chinese and English when the officer wrote none: it states what the amount computes."""
    if amount.kind == "fixed":
        value = written(number(amount.value, 0))
        return f"给予{value}万元支持", f"Support of {value} (10k CNY)"
    if amount.kind == "parameter":
        label = pack.parameters[amount.parameter].decl.label
        return f"按{label.zh}给予支持", f"Support set by: {label.en}"
    if amount.kind == "rate":
        decl = pack.fields[amount.field]
        rate = written(number(amount.value, 0))
        zh, en = f"按{decl.label.zh}的{rate}%给予支持", f"{rate}% of {decl.label.en}"
        cap = amount.cap.strip()
        if cap and _NAME.match(cap):
            label = pack.parameters[cap].decl.label
            return zh + f"，最高不超过{label.zh}", en + f", capped at {label.en}"
        if cap:
            return zh + f"，最高{written(number(cap, 0))}万元", en + f", at most {written(number(cap, 0))} (10k CNY)"
        return zh, en
    return "", ""


def _source(spec: Spec, article: str, quote: str) -> str:
    """One source entry: the seed's clause or the document's article, with its quote."""
    if spec.seed:
        head = f"  - seed: {create.q(spec.seed)}\n    clause: {create.q(article)}\n"
    else:
        head = f"  - document: {create.q(spec.document)}\n    article: {create.q(article)}\n"
        if spec.url:
            head += f"    url: {create.q(spec.url)}\n"
    return head + f"    quote: {create.q(quote)}\n"


def _value(raw: Any) -> str:
    """A profile value as YAML: dates and booleans bare, text quoted, numbers as numbers."""
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, dt.date):
        return raw.isoformat()
    return create.q(raw)


def _rows(pack: RulePack, spec: Spec, on: dt.date) -> list[Built]:
    """Every row built, each field used once (a range is one row: between)."""
    if not spec.rows:
        raise BuildError(N_("staff.build.no_rows"))
    seen: set[str] = set()
    out = []
    for n, row in enumerate(spec.rows, 1):
        decl = pack.fields.get(row.field)
        if decl is None:
            raise BuildError(N_("staff.build.field"), row=n, name=row.field)
        if row.field in seen:
            raise BuildError(N_("staff.build.twice"), row=n, field=row.field)
        if not row.clause.strip() or not row.quote.strip():
            raise BuildError(N_("staff.build.clause"), row=n)
        seen.add(row.field)
        out.append(criterion(pack, decl, row, n, on))
    return out


def measure_text(pack: RulePack, spec: Spec, today: dt.date) -> str:
    """The measure's YAML file."""
    built = _rows(pack, spec, today)
    amount = amount_expression(pack, spec.amount)
    sources = _source(spec, spec.article, spec.quote)
    lines = []
    for n, (row, b) in enumerate(zip(spec.rows, built), 1):
        sources += _source(spec, row.clause, row.quote)
        zh = row.text_zh.strip() or b.text_zh
        lines += [f"  - id: c{n}", f"    clause: {create.q(row.clause)}",
                  f"    text: {create.text(zh, b.text_en if not row.text_zh.strip() else zh)}", f"    test: {create.q(b.test)}"]
        if row.invented:
            note = row.invented_zh.strip()
            marked = create.text(note or INVENTED_ZH.format(text=b.text_zh), note or INVENTED_EN.format(text=b.text_en))
            lines.append(f"    assumption: {marked}")
    benefit = ["benefit:"]
    if amount is not None:
        if spec.amount.quote.strip():
            sources += _source(spec, spec.amount.clause or spec.article, spec.amount.quote)
        zh, en = _amount_words(pack, spec.amount)
        given = spec.benefit_zh.strip()
        benefit += [f"  type: {spec.amount.money}", f"  text: {create.text(given or zh, given or en)}",
                    f"  amount: {create.q(amount)}"]
        if spec.amount.invented:
            benefit.append(f"  assumption: {create.text(INVENTED_ZH.format(text=zh), INVENTED_EN.format(text=en))}")
    else:
        mark = create.or_mark(spec.benefit_zh.strip(), "待补充：支持内容与金额", "To fill in: the support and its amount")
        benefit.append(f"  text: {mark}")
    base = {"entity_type": spec.entities[0], **{r.field: b.met for r, b in zip(spec.rows, built)}}
    examples = ["  - name: " + create.q("每项条件恰好满足的示例"),
                "    expect: {status: eligible, criteria: {" + ", ".join(f"c{n}: met" for n in range(1, len(built) + 1)) + "}}"]
    for n, (row, b) in enumerate(zip(spec.rows, built), 1):
        for miss in b.misses:
            examples += [f"  - name: {create.q(f'第{n}项条件差一点不满足（{_value(miss).strip(chr(34))}）')}",
                         f"    profile: {{{row.field}: {_value(miss)}}}",
                         f"    expect: {{status: ineligible, criteria: {{c{n}: not_met}}}}"]
    review = create.text("新建时按所引文件录入，尚未核实其有效期",
                         "Entered from the cited document when created; its period is not yet confirmed")
    return "\n".join([
        f"id: {spec.id}", f"title: {create.text(spec.title_zh, spec.title_en)}",
        f"summary: {create.text(spec.title_zh, spec.title_en)}", f"kind: {spec.kind}", f"applicant: {spec.applicant}",
        f"issuer: {create.text(spec.issuer_zh, spec.issuer_zh)}", f"entities: [{', '.join(spec.entities)}]",
        "source:", sources.rstrip("\n"), "criteria:", *lines, *benefit,
        f"apply: {create.or_mark(spec.apply_zh.strip(), '待补充：申报渠道与材料', 'To fill in: where and how to apply')}",
        f"example_as_of: {today.isoformat()}",
        "example_base: {" + ", ".join(f"{k}: {_value(v)}" for k, v in base.items()) + "}",
        "examples:", *examples, f"reviewed_on: {today.isoformat()}", f"review: {review}", ""])


def build(files: Files, pack: RulePack, spec: Spec, today: dt.date | None = None) -> Files:
    """The draft's files: the measure, its folder's index and, when given, its application window."""
    day_ = today or dt.date.today()
    body = measure_text(pack, spec, day_)
    out = create.new_measure_files(files, spec.folder, spec.id, body)
    if spec.opens and spec.closes:
        if spec.closes < spec.opens:
            raise BuildError(N_("staff.build.window"), opens=spec.opens, closes=spec.closes)
        out.update(create.add_window(files, spec.id, spec.opens, spec.closes, ""))
    return out
