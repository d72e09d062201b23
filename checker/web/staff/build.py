"""The measure-creation form: criteria built from rows (field, operator, value), an amount, a source, who applies and
a window, without typing expressions or YAML; a YAML preview (linted), then a draft.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from flask import render_template, request
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import URL, DataRequired, Length, Optional, Regexp

from checker.i18n import N_
from checker.rules.pack import RulePack
from checker.rules.schema import APPLICANTS, ENTITY_TYPES, KINDS, MONEY_TYPES
from checker.staff import builder, drafts
from checker.web.forms import entity_choices, filled
from checker.web.i18n import current_lang, pick, t
from checker.web.staff.common import bp, seeds, snapshot, staff_required
from checker.web.staff.create import MEASURE_ID, TEXT, _draft
from checker.web.staff.strings import lint_message

ROWS = 5  # criterion rows the form offers (empty ones are left out)
# Choice labels built at run time, listed for `pybabel extract`.
_KEYS = (N_("staff.applicant.company"), N_("staff.applicant.staff"), N_("staff.applicant.institution"),
         N_("staff.amount_kind.none"), N_("staff.amount_kind.fixed"), N_("staff.amount_kind.rate"),
         N_("staff.amount_kind.parameter"))


class CriterionForm(Form):
    """One criterion row: field, operator, value(s) or choices, its clause and quote."""

    field = SelectField("field", validators=[Optional()], validate_choice=False)  # the builder names a wrong one
    op = SelectField("op", validators=[Optional()], validate_choice=False)
    value = StringField("value", validators=[Optional(), Length(max=40)])
    value_2 = StringField("value_2", validators=[Optional(), Length(max=40)])
    choices = SelectMultipleField("choices", validators=[Optional()], validate_choice=False)
    clause = StringField("clause", validators=[Optional(), Length(max=100)])
    quote = TextAreaField("quote", validators=[Optional(), Length(max=2000)])
    text_zh = StringField("text_zh", validators=[Optional(), Length(max=300)])
    invented = BooleanField("invented")


class BuildForm(FlaskForm):
    """The whole measure."""

    id = StringField("id", validators=MEASURE_ID)
    folder = SelectField("folder")
    title_zh = StringField("title_zh", validators=TEXT)
    title_en = StringField("title_en", validators=TEXT)
    kind = SelectField("kind")
    issuer_zh = StringField("issuer_zh", validators=TEXT)
    entities = SelectMultipleField("entities", validators=[DataRequired()])
    applicant = SelectField("applicant")
    seed = SelectField("seed", validators=[Optional()], validate_choice=False)
    document = StringField("document", validators=[Optional(), Length(max=300)])
    article = StringField("article", validators=TEXT)
    quote = TextAreaField("quote", validators=[DataRequired(), Length(max=2000)])
    url = StringField("url", validators=[Optional(), URL()])
    criteria = FieldList(FormField(CriterionForm), min_entries=ROWS, max_entries=ROWS)
    amount_kind = SelectField("amount_kind")
    money = SelectField("money")
    amount_value = StringField("amount_value", validators=[Optional(), Length(max=40)])
    amount_field = SelectField("amount_field", validators=[Optional()], validate_choice=False)
    amount_cap = StringField("amount_cap", validators=[Optional(), Length(max=80), Regexp(r"^[a-z0-9_.,，]*$")])
    amount_parameter = SelectField("amount_parameter", validators=[Optional()], validate_choice=False)
    amount_clause = StringField("amount_clause", validators=[Optional(), Length(max=100)])
    amount_quote = TextAreaField("amount_quote", validators=[Optional(), Length(max=2000)])
    amount_invented = BooleanField("amount_invented")
    benefit_zh = TextAreaField("benefit_zh", validators=[Optional(), Length(max=1000)])
    apply_zh = TextAreaField("apply_zh", validators=[Optional(), Length(max=1000)])
    opens = DateField("opens", validators=[Optional()])
    closes = DateField("closes", validators=[Optional()])


def _seed_choices(folder: Path) -> list[tuple[str, str]]:
    """The seed texts quotes can come from: number and title (the first line naming a document)."""
    out = [("", "—")]
    for path in sorted(folder.glob("[0-9]*_*.txt")):
        lines = [x.strip() for x in path.read_text(encoding="utf-8").splitlines() if "《" in x]
        out.append((path.name.split("_")[0], f"{path.name.split('_')[0]} · {(lines or [path.stem])[0][:40]}"))
    return out


def _field_label(pack: RulePack, name: str) -> str:
    """A field as the form lists it: its label in the page's language and its name."""
    return f"{pick(pack.fields[name].label)} · {name}"


def _labelled(prefix: str, codes: Any) -> list[tuple[str, str]]:
    """Codes as (code, label in the page's language): the label is the catalogue text prefix + code."""
    return [(code, t(prefix + code)) for code in codes]


def _choose(form: BuildForm, pack: RulePack) -> dict[str, str]:
    """Fill the form's lists from the live pack; the type of every field a row may use."""
    types: dict[str, str] = {n: d.type for n, d in pack.fields.items() if d.type in builder.OPERATORS}
    fields = sorted(types, key=lambda n: (pack.fields[n].section, n))
    form.folder.choices = [(f, f) for f in sorted(pack.folders)]
    labels = dict(entity_choices(pack))
    form.entities.choices = [(e, f"{labels[e]} · {e}" if e in labels else e) for e in ENTITY_TYPES]
    form.kind.choices = _labelled("kind_", KINDS)
    form.applicant.choices = _labelled("staff.applicant.", APPLICANTS)
    form.amount_kind.choices = _labelled("staff.amount_kind.", builder.AMOUNT_KINDS)
    form.money.choices = _labelled("money_", [m for m in MONEY_TYPES if m != "deduction"])
    form.seed.choices = _seed_choices(seeds())
    numeric = [n for n in fields if types[n] in ("int", "decimal")]
    form.amount_field.choices = [("", "—")] + [(n, _field_label(pack, n)) for n in numeric]
    form.amount_parameter.choices = [("", "—")] + [(p, f"{pick(v.decl.label)} · {p}") for p, v in sorted(pack.parameters.items())]
    ops = [(op, t(key)) for op, key in builder.OPERATOR_KEYS.items()]
    values = {pick(pack.fields[n].label): [(f"{n}={c.value}", pick(c.label)) for c in pack.fields[n].values or []]
              for n in fields if types[n] == "enum"}
    for entry in form.criteria:
        row: CriterionForm = entry.form
        row.field.choices = [("", "—")] + [(n, _field_label(pack, n)) for n in fields]
        row.op.choices = ops
        row.choices.choices = values
    return types


def _row(entry: Any) -> builder.Row | None:
    """A criterion row of the form, None when left empty."""
    data = entry.data
    if not data["field"]:
        return None
    chosen = [c.split("=", 1)[1] for c in data["choices"] or [] if c.split("=", 1)[0] == data["field"]]
    values = chosen if data["op"] == "in" else [data["value"] or "", data["value_2"] or ""]
    return builder.Row(data["field"], data["op"], values, (data["clause"] or "").strip(), (data["quote"] or "").strip(),
                       (data["text_zh"] or "").strip(), bool(data["invented"]))


def _day(value: dt.date | None) -> str:
    """A date of the form as ISO text ('' when empty)."""
    return value.isoformat() if value else ""


def spec_of(form: BuildForm) -> builder.Spec:
    """What the validated form asks, as the builder's spec."""
    rows = [r for r in (_row(e) for e in form.criteria) if r is not None]
    amount = builder.Amount(form.amount_kind.data, form.money.data, form.amount_value.data or "", form.amount_field.data or "",
                            form.amount_cap.data or "", form.amount_parameter.data or "", (form.amount_clause.data or "").strip(),
                            (form.amount_quote.data or "").strip(), bool(form.amount_invented.data))
    return builder.Spec(filled(form.id.data), form.folder.data, filled(form.title_zh.data), filled(form.title_en.data),
                        form.kind.data, filled(form.issuer_zh.data), list(filled(form.entities.data)), form.applicant.data,
                        (form.document.data or "").strip(), filled(form.article.data).strip(), filled(form.quote.data).strip(),
                        rows, form.seed.data or "", form.url.data or "", amount, (form.benefit_zh.data or "").strip(),
                        (form.apply_zh.data or "").strip(), _day(form.opens.data), _day(form.closes.data))


def _preview(changes: dict[str, str]) -> dict[str, Any]:
    """The generated files and what lint, the examples and coverage say of them."""
    snap = snapshot()
    checked = drafts.check_files(snap.files, drafts.compose(snap.files, changes), seeds())
    problems = [f"{e.file}:{e.line}: {lint_message(e)}" for e in checked.errors]
    problems += [f"{o.measure} · {o.name}" for o in checked.failing]
    problems += [f"{m} · {c} · {side}" for m, c, side in checked.new_gaps]
    return {"files": changes, "problems": problems}


@bp.route("/new/measure", methods=["GET", "POST"])
@staff_required
def new_measure():
    """A new measure built from rows (no expressions typed): preview its YAML, then save it as a draft."""
    pack = snapshot().pack
    form = BuildForm()
    types = _choose(form, pack)
    preview = None
    if form.validate_on_submit():
        if form.id.data in pack.index:
            form.id.errors = [t("staff.exists")]
        elif not form.document.data and not form.seed.data:
            form.document.errors = [t("staff.build.source")]
        else:
            try:
                changes = builder.build(snapshot().files, pack, spec_of(form))
            except builder.BuildError as exc:
                form.form_errors.append(exc.problem.text(current_lang()))
            else:
                if request.form.get("action") != "preview":
                    return _draft(changes, filled(form.id.data))
                preview = _preview(changes)
    status = 400 if form.is_submitted() and preview is None else 200
    return render_template("staff/new_measure.html", form=form, title=t("staff.new_measure"), types=types,
                           ops=builder.OPERATORS, preview=preview), status
