"""The self-assessment: the form, saved assessments and their results."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from sqlalchemy import select

from checker.company import answers, purge, versions
from checker.company.models import Assessment, StoredResult
from checker.models import utcnow
from checker.problems import Problem
from checker.web import company_text, forms, pledge, results
from checker.web.i18n import current_lang, pick, t
from checker.web.services import db, pack, services
from checker.web.validate import parse_as_of

bp = Blueprint("assess", __name__)


@bp.app_context_processor
def _helpers() -> dict:
    """Template helpers of the company pages."""
    return {"money": company_text.money, "unit": company_text.unit}


def _load(token: str) -> Assessment:
    """The assessment with this token, or 404."""
    found = db().scalars(select(Assessment).where(Assessment.token == token)).first()
    if found is None:
        abort(404)
    return found


def _message(problem: Problem) -> str:
    """A validation problem in the page's language."""
    return problem.text(current_lang())


def _submitted(form: forms.ProfileForm) -> tuple[dict[str, str], dt.date, dict | None]:
    """Validate a posted form; return the relevant raw answers, the date and the values (None if invalid)."""
    valid = form.validate()
    as_of = parse_as_of(form.as_of.data)
    if as_of is None:
        form.as_of.errors = [t("bad_date")]
        valid = False
    as_of = as_of or dt.date.today()
    checked = answers.check(pack(), forms.raw_answers(form, pack()), as_of)
    raw, values, errors = checked.raw, checked.values, checked.errors
    for fid, messages in errors.items():
        target = form[forms.PREFIX + fid] if fid in pack().fields else form.as_of
        target.errors = list(target.errors) + [_message(m) for m in messages]
    for fid, messages in checked.warnings.items():  # shown beside the answer, which is kept
        form[forms.PREFIX + fid].warnings = [_message(m) for m in messages]
    return raw, as_of, values if valid and not errors else None


def _render_form(form: forms.ProfileForm, assessment: Assessment | None = None, status: int = 200, entity: str = ""):
    """The form page; with `entity`, only the questions for that entity type."""
    groups = forms.questions(form, pack(), entity)
    summary = [(q.decl.id, pick(q.decl.label), e) for g in groups for q in g.questions for e in q.field.errors]
    summary += [("as_of", t("as_of"), e) for e in form.as_of.errors]
    return render_template("assess/form.html", form=form, groups=groups, assessment=assessment, entity=entity,
                           entities=forms.entity_choices(pack()), has_errors=bool(summary), summary=summary), status


def _new_version(previous: Assessment, raw: dict[str, str], values: dict, as_of: dt.date) -> Assessment:
    """A new version with its own link; the previous one stays as it was."""
    return versions.new_version(db(), services().checker, previous, raw, values, as_of, current_lang())


def _result(assessment: Assessment, stored: StoredResult) -> dict:
    """The full result of a saved check, recomputed from its answers (the stored verdicts if they no longer check)."""
    return versions.full_result(services().checker, assessment, stored, current_lang())


def retention_days() -> int:
    """How many days an assessment is kept after it was last opened."""
    return purge.retention_days(current_app.config)


@bp.get("/")
def new():
    """An empty form; ?entity_type= keeps only that entity's questions (the no-JavaScript way)."""
    entity = request.args.get("entity_type", "")
    if entity not in dict(forms.entity_choices(pack())):
        return _render_form(forms.make_form(pack()))
    return _render_form(forms.make_form(pack(), {"entity_type": entity}), entity=entity)


@bp.post("/")
def create():
    """Check a new profile; save it and show its results."""
    form = forms.form_class(pack())()
    raw, as_of, values = _submitted(form)
    if values is None:
        return _render_form(form, status=400)
    assessment = versions.create(db(), services().checker, raw, values, as_of, current_lang())
    return redirect(url_for("assess.show", token=assessment.token))


@bp.get("/a/<token>")
def show(token: str):
    """A saved assessment's result, read-only; other versions of its history are listed."""
    assessment = _load(token)
    stored = assessment.latest
    if stored is None:
        return redirect(url_for("assess.edit", token=token))
    assessment.seen_at = utcnow()
    db().commit()
    checked = answers.check(pack(), assessment.answers, stored.as_of)
    view = results.build(pack(), _result(assessment, stored), assessment.answers,
                         pledge.estimates(pack(), checked.values, stored.as_of))
    history = versions.versions(db(), assessment)
    warnings = [(pick(pack().fields[fid].label), _message(m)) for fid, ms in checked.warnings.items() for m in ms]
    return render_template("assess/results.html", assessment=assessment, stored=stored, view=view, history=history,
                           warnings=warnings,
                           outdated=stored.rulepack != pack().version, open_cards=request.args.get("detail") == "1",
                           retention=retention_days(), changed=_changed_versions(stored.as_of))


def _changed_versions(as_of: dt.date) -> list[tuple[str, dt.date]]:
    """(title, first day) of each dated standard that took effect after the result's date, up to today."""
    return [(pick(version.spec.title), start) for version, start in pack().version_changes(as_of, dt.date.today())]


@bp.get("/a/<token>/result.json")
def show_json(token: str):
    """The result in the JSON shape of `checker check --format json`, recomputed from the saved answers."""
    assessment = _load(token)
    if assessment.latest is None:
        abort(404)
    return jsonify(_result(assessment, assessment.latest))


@bp.get("/a/<token>/edit")
def edit(token: str):
    """The form, prefilled with the saved answers."""
    assessment = _load(token)
    as_of = assessment.latest.as_of if assessment.latest else None
    return _render_form(forms.make_form(pack(), assessment.answers, as_of), assessment)


@bp.post("/a/<token>/edit")
def update(token: str):
    """Save changed answers as a new version with its own link; this one stays as it was."""
    assessment = _load(token)
    form = forms.form_class(pack())()
    raw, as_of, values = _submitted(form)
    if values is None:
        return _render_form(form, assessment, status=400)
    return redirect(url_for("assess.show", token=_new_version(assessment, raw, values, as_of).token))


@bp.post("/a/<token>/recheck")
def recheck(token: str):
    """Re-check the saved answers with the current rule pack, on the same date (today when asked), as a new version."""
    assessment = _load(token)
    if not forms.CsrfForm().validate():
        abort(400)
    latest = assessment.latest
    as_of = latest.as_of if latest is not None and request.form.get("on") != "today" else dt.date.today()
    checked = answers.check(pack(), assessment.answers, as_of)
    values, errors = checked.values, checked.errors
    if errors:
        return redirect(url_for("assess.edit", token=token))
    return redirect(url_for("assess.show", token=_new_version(assessment, assessment.answers, values, as_of).token))


@bp.post("/a/<token>/delete")
def delete(token: str):
    """Delete a saved assessment and all its results."""
    assessment = _load(token)
    if not forms.CsrfForm().validate():
        abort(400)
    versions.delete(db(), assessment)
    db().commit()
    flash(t("deleted"))
    return redirect(url_for("assess.new"))
