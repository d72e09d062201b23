"""The self-assessment form, generated from the rule pack's field declarations."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Mapping, TypeVar

from flask_wtf import FlaskForm
from wtforms import Field, RadioField, SelectChoice, SelectField, StringField  # type: ignore[attr-defined]  # SelectChoice: WTForms 3.3, not in its stubs

from checker.rules.expr import Compare, Const, ExprError, Name, parse
from checker.rules.pack import RulePack
from checker.rules.schema import FieldDecl
from checker.web.i18n import pick, t

PREFIX = "q_"
T = TypeVar("T")


def filled(data: T | None) -> T:
    """The data of a form field whose DataRequired validator has passed (the stubs type every field's data optional)."""
    if data is None:
        raise ValueError("a required form field has no data: validate the form first")
    return data


@dataclass
class Question:
    """One question of the form: its declaration and its WTForms field."""

    decl: FieldDecl
    field: Field
    condition: str = ""

    @property
    def anchor(self) -> str:
        """The id of the question's block, for links from the results page."""
        return f"f-{self.decl.id}"


@dataclass
class SectionGroup:
    """The questions of one section, in declaration order."""

    id: str
    label: str
    questions: list[Question]


class CsrfForm(FlaskForm):
    """A form with only the CSRF token, for buttons that change data."""


class ProfileForm(FlaskForm):
    """Base of the generated forms: the check date; questions are added per pack."""

    as_of = StringField(render_kw={"type": "date"})


def _field(decl: FieldDecl) -> Field:
    """The WTForms field asking one declared question; '' always means don't know."""
    label = pick(decl.label)
    if decl.type == "bool":
        choices = [SelectChoice("true", t("yes")), SelectChoice("false", t("no")), SelectChoice("", t("unknown"))]
        return RadioField(label, choices=choices, default="", validate_choice=False)
    if decl.type == "enum":
        choices = [SelectChoice("", f"— {t('unknown')} —")] + [SelectChoice(c.value, pick(c.label)) for c in decl.values or ()]
        return SelectField(label, choices=choices, default="", validate_choice=False)
    kw: dict[str, Any] = {}
    if decl.type in ("int", "decimal"):
        kw = {"inputmode": "numeric" if decl.type == "int" else "decimal", "placeholder": t("unknown_blank")}
    elif decl.type == "date":
        kw = {"type": "date"}
    return StringField(label, render_kw=kw)


def form_class(pack: RulePack) -> type[ProfileForm]:
    """A form class with one field per declared profile field."""
    attrs = {PREFIX + fid: _field(decl) for fid, decl in pack.fields.items()}
    return type("GeneratedProfileForm", (ProfileForm,), attrs)


def make_form(pack: RulePack, answers: Mapping[str, Any] | None = None, as_of: dt.date | None = None) -> ProfileForm:
    """A bound form: from the request, or prefilled with saved answers."""
    cls = form_class(pack)
    if answers is None:
        return cls(data={"as_of": (as_of or dt.date.today()).isoformat()})
    data = {PREFIX + k: _as_input(v) for k, v in answers.items() if k in pack.fields}
    data["as_of"] = (as_of or dt.date.today()).isoformat()
    return cls(formdata=None, data=data)


def _as_input(value: Any) -> str:
    """A saved answer as the form shows it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def entity_choices(pack: RulePack) -> list[tuple[str, str]]:
    """The entity types the pack asks about, as (value, label)."""
    decl = pack.fields.get("entity_type")
    return [(c.value, pick(c.label)) for c in (decl.values or ())] if decl is not None else []


def questions(form: ProfileForm, pack: RulePack, entity: str | None = None) -> list[SectionGroup]:
    """The form's questions grouped by section, sections in order; only those for `entity` when given."""
    groups = {s.id: SectionGroup(s.id, pick(s.label), []) for s in sorted(pack.sections, key=lambda s: s.order)}
    for fid, decl in pack.fields.items():
        if entity and decl.entities is not None and entity not in decl.entities:
            continue
        group = groups.setdefault(decl.section, SectionGroup(decl.section, decl.section, []))
        group.questions.append(Question(decl, form[PREFIX + fid], condition_text(pack, decl.asked_when)))
    return [g for g in groups.values() if g.questions]


def condition_text(pack: RulePack, expr: str | None) -> str:
    """An asked_when condition in words: 'field: yes' or 'field: choice', else the expression itself."""
    if not expr:
        return ""
    try:
        node = parse(expr)
    except ExprError:
        return expr
    if isinstance(node, Name) and node.name in pack.fields:
        return f"{pick(pack.fields[node.name].label)} = {t('yes')}"
    if isinstance(node, Compare) and node.op == "==" and isinstance(node.left, Name) and isinstance(node.right, Const):
        decl = pack.fields.get(node.left.name)
        if decl is not None:
            labels = {c.value: pick(c.label) for c in decl.values or ()}
            return f"{pick(decl.label)} = {labels.get(str(node.right.value), node.right.value)}"
    return expr


def raw_answers(form: ProfileForm, pack: RulePack) -> dict[str, str]:
    """The submitted answers, by field id, without blanks (blank = don't know)."""
    raw = {}
    for fid in pack.fields:
        value = (form[PREFIX + fid].data or "").strip()
        if value:
            raw[fid] = value
    return raw
