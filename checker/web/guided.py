"""The guided interview pages: one short step at a time, state kept in the session."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import abort, flash, jsonify, redirect, render_template, request, session, url_for

from checker.company import versions
from checker.company.answers import check as check_all
from checker.problems import Problem
from checker.rules import credit_code
from checker.web import forms, interview
from checker.web.assess import _message, bp
from checker.web.i18n import current_lang, pick, t
from checker.web.services import db, pack, services
from checker.web.validate import parse_as_of

KEY = "interview"
PREFILLED = ("legal_form", "province", "district")


def _state() -> dict[str, Any]:
    """The interview in progress (answers, steps shown, current step, check date), started if none."""
    state = session.get(KEY)
    if not isinstance(state, dict) or "answers" not in state:
        as_of = parse_as_of(request.args.get("as_of")) or dt.date.today()
        state = {"answers": {}, "steps": [], "pos": 0, "as_of": as_of.isoformat()}
    return state


def _save(state: dict[str, Any]) -> None:
    """Keep the interview in the session."""
    session[KEY] = state
    session.modified = True


def _as_of(state: dict[str, Any]) -> dt.date:
    """The interview's check date."""
    return dt.date.fromisoformat(state["as_of"])


def _code_facts(answers: dict[str, str]) -> credit_code.CreditCodeFacts | None:
    """What the answered credit code says, None without a valid one."""
    code = (answers.get("credit_code") or "").strip().upper()
    return credit_code.parse(code) if code and credit_code.valid(code) else None


def _ensure_step(state: dict[str, Any]) -> bool:
    """Make sure the current step has questions; False when nothing is left to ask."""
    if state["pos"] < len(state["steps"]):
        return True
    fids = interview.next_step(pack(), services().checker, state["answers"], _as_of(state))
    if not fids:
        return False
    state["steps"].append(fids)
    state["pos"] = len(state["steps"]) - 1
    return True


def _render(state: dict[str, Any], posted: dict[str, str] | None = None, errors: dict[str, list[Problem]] | None = None,
            status: int = 200):
    """The current step, its answers (as posted, when re-shown after errors) and progress."""
    state["pos"] = min(state["pos"], len(state["steps"]) - 1)
    fids = state["steps"][state["pos"]] if state["steps"] else []
    errors = errors or {}
    fids = fids + [f for f in errors if f in pack().fields and f not in fids and f not in PREFILLED]
    shown = {**state["answers"], **(posted or {})}
    form = forms.make_form(pack(), {f: shown[f] for f in fids + list(PREFILLED) if shown.get(f)}, _as_of(state))
    for fid, messages in errors.items():
        if forms.PREFIX + fid in form:
            form[forms.PREFIX + fid].errors = [_message(m) for m in messages]
    questions = _questions(form, fids)
    prog = interview.progress(pack(), services().checker, state["answers"], _as_of(state))
    facts = _code_facts(state["answers"])
    prefill = _questions(form, [f for f in PREFILLED if f in pack().fields]) if facts else []
    summary = [(f, pick_label(f), _message(m)) for f, ms in errors.items() for m in ms]
    facts_text = [choice_label(f, getattr(facts, f)) for f in PREFILLED if getattr(facts, f, None)] if facts else []
    unknown = {f for f in fids if shown.get(f) == "" and f in shown}
    papers = {f: t(interview.paper_key(pack(), f)) for f in fids}
    return render_template("assess/interview.html", questions=questions, shown_fields=fids, progress=prog, papers=papers,
                           state=state, facts=facts, prefill=prefill, summary=summary, unknown=unknown,
                           facts_text=facts_text), status


def _questions(form: forms.ProfileForm, fids: list[str]) -> list[forms.Question]:
    """The questions of these fields on a bound form."""
    fields = pack().fields
    return [forms.Question(fields[f], form[forms.PREFIX + f], forms.condition_text(pack(), fields[f].asked_when))
            for f in fids]


def pick_label(fid: str) -> str:
    """The question text of a field, in the current language."""
    decl = pack().fields.get(fid)
    return pick(decl.label) if decl is not None else t("as_of")


def choice_label(fid: str, value: str) -> str:
    """The label of a choice of an enum field, else the value."""
    decl = pack().fields.get(fid)
    labels = {c.value: pick(c.label) for c in (decl.values or ())} if decl is not None else {}
    return labels.get(value, value)


def _rendered(step: list[str]) -> list[str]:
    """The questions the page showed: the step's, plus earlier ones brought back to fix a problem."""
    shown = [f for f in (request.form.get("fields") or "").split(",") if f in pack().fields]
    return step + [f for f in shown if f not in step]


def _posted(fids: list[str], facts: credit_code.CreditCodeFacts | None) -> dict[str, str]:
    """This step's answers from the request: '' for don't know; code facts only when changed."""
    posted = {}
    for fid in fids:
        value = (request.form.get(forms.PREFIX + fid) or "").strip()
        posted[fid] = "" if request.form.get("dk_" + fid) else value
    if facts is not None:
        for fid in PREFILLED:
            value = (request.form.get(forms.PREFIX + fid) or "").strip()
            if value and value != getattr(facts, fid):
                posted[fid] = value
    return posted


def _problems(state: dict[str, Any], answers: dict[str, str]) -> dict[str, list[Problem]]:
    """Every problem of these answers at once: each field and the cross-field checks."""
    as_of = _as_of(state)
    return check_all(pack(), interview.given(answers), as_of).errors


@bp.get("/credit-code")
def code_facts():
    """Legal form, province and district read from ?code= (a 统一社会信用代码), for prefilling the form."""
    code = (request.args.get("code") or "").strip().upper()
    if not credit_code.valid(code):
        return jsonify({"error": "invalid", "field": "credit_code", "message": t("bad_code")}), 400
    facts = credit_code.parse(code)
    return jsonify({"legal_form": facts.legal_form, "province": facts.province, "district": facts.district})


@bp.get("/interview")
def interview_step():
    """The current step of the guided interview (starting one if needed)."""
    state = _state()
    if not _ensure_step(state):
        _save(state)
        return _finish(state)
    _save(state)
    return _render(state)


@bp.post("/interview")
def interview_answer():
    """Take this step's answers, then go back, forward, or straight to the result."""
    if not forms.CsrfForm().validate():
        abort(400)
    state = _state()
    if not state["steps"]:
        return redirect(url_for("assess.interview_step"))
    state["pos"] = min(max(int(request.form.get("step", state["pos"]) or 0), 0), len(state["steps"]) - 1)
    fids = _rendered(state["steps"][state["pos"]])
    posted = _posted(fids, _code_facts(state["answers"]))
    merged = {**state["answers"], **posted}
    errors = _problems(state, merged)
    action = request.form.get("action", "next")
    if errors and action != "back":
        return _render(state, posted, errors, status=400)
    changed = any(state["answers"].get(f) != v for f, v in posted.items())
    state["answers"] = {f: v for f, v in merged.items() if not (f in posted and f in errors)}
    if action == "back":
        state["pos"] = max(state["pos"] - 1, 0)
    elif action == "finish":
        return _finish(state)
    else:
        if changed:
            del state["steps"][state["pos"] + 1:]
        state["pos"] += 1
        if not _ensure_step(state):
            return _finish(state)
    _save(state)
    return redirect(url_for("assess.interview_step"))


@bp.post("/interview/restart")
def interview_restart():
    """Forget the interview in progress."""
    if not forms.CsrfForm().validate():
        abort(400)
    session.pop(KEY, None)
    return redirect(url_for("assess.interview_step"))


def _finish(state: dict[str, Any]):
    """Check the answers so far, save them as an assessment and show its results."""
    as_of = _as_of(state)
    checked = check_all(pack(), interview.given(state["answers"]), as_of)
    if checked.errors:
        _save(state)
        return _render(state, errors=checked.errors, status=400)
    assessment = versions.create(db(), services().checker, checked.raw, checked.values, as_of, current_lang())
    session.pop(KEY, None)
    flash(t("interview_done").format(len(interview.given(state["answers"]))))
    return redirect(url_for("assess.show", token=assessment.token))
