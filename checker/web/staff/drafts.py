"""Staff pages that change the pack: edit a measure into a draft, lint it, preview its impact, publish it."""

from __future__ import annotations

import datetime as dt

from flask import abort, flash, redirect, render_template, request, url_for

from checker.i18n import N_
from checker.problems import Problem
from checker.staff import drafts, history, impact_job, store
from checker.staff.models import Draft
from checker.web.i18n import t
from checker.web.services import db
from checker.web.staff.common import author, bp, committed, live, seeds, snapshot, staff_required
from checker.web.staff.forms import ButtonForm, CommentForm, EditForm, RegistryForm, SampleFileForm
from checker.web.staff.impacts import follow


def _submitted_text(form: EditForm) -> str | None:
    """The uploaded file's text if one was sent, else the textarea's."""
    upload = form.upload.data
    if upload is not None and getattr(upload, "filename", None):
        try:
            return upload.read().decode("utf-8")
        except UnicodeDecodeError:
            return None
    return form.text.data


def _draft_path(found: Draft, wanted: str | None) -> str:
    """The draft's file being edited: the one asked for if the draft changes it, else its first."""
    return wanted if wanted in found.changes else next(iter(found.changes))


def _get_draft(draft_id: int) -> Draft:
    """The draft of this id, else 404."""
    draft = db().get(Draft, draft_id)
    if draft is None:
        abort(404)
    return draft


@bp.route("/measures/<measure_id>/edit", methods=["GET", "POST"])
@staff_required
def edit(measure_id: str):
    """Edit a measure's YAML (textarea or upload); saving starts a draft."""
    snap = snapshot()
    path = drafts.measure_path(snap.files, measure_id)
    if path is None:
        abort(404)
    form = EditForm()
    if form.validate_on_submit():
        text = _submitted_text(form)
        if text is not None and text.strip():
            draft = drafts.start_draft(db(), snap.files, path, text.replace("\r\n", "\n"), author())
            store.audit(db(), "draft_saved", author(), draft.measure, Problem("audit.draft_started", {"draft": draft.id}))
            db().commit()
            return redirect(url_for("staff.draft", draft_id=draft.id))
        flash(t("staff.not_utf8") if text is None else t("staff.empty_text"))
    if not form.is_submitted():
        form.text.data = snap.files[path]
    return render_template("staff/edit.html", form=form, measure_id=measure_id, path=path,
                           differs=committed().get(path, snap.files[path]) != snap.files[path])


@bp.route("/drafts/<int:draft_id>", methods=["GET", "POST"])
@staff_required
def draft(draft_id: int):
    """A draft beside its lint errors and example runs; POST saves a new text."""
    found = _get_draft(draft_id)
    form = EditForm()
    if request.method == "POST" and found.status == "open" and form.validate_on_submit():
        text = _submitted_text(form)
        if text is not None and text.strip():
            path = _draft_path(found, form.path.data)
            found.changes = {**found.changes, path: text.replace("\r\n", "\n")}
            store.audit(db(), "draft_saved", author(), found.measure, Problem("audit.draft_saved", {"draft": found.id}))
            db().commit()
            return redirect(url_for("staff.draft", draft_id=draft_id, file=path))
        reason = Problem(N_("staff.not_utf8") if text is None else N_("staff.empty_text"))
        store.audit(db(), "refused", author(), found.measure, Problem("audit.save_refused", {"draft": found.id}), [reason])
        db().commit()
        return _render_draft(found, status=400, reasons=[reason])
    return _render_draft(found, form if form.errors else None)


def _render_draft(found: Draft, form: EditForm | None = None, publish: CommentForm | None = None, status: int = 200,
                  reasons: list[Problem] | None = None, conflict: str = ""):
    """The draft page, checked against the committed files it will be published onto (the last good live pack
    stands in for the gaps it already had when they do not load)."""
    snap = snapshot()
    base = committed()
    path = _draft_path(found, form.path.data if form is not None and form.path.data else request.args.get("file"))
    checked = drafts.check_files(base, drafts.compose(base, found.changes), seeds(), snap.files)
    form = form or EditForm(formdata=None)
    if not form.text.data:  # the saved text, so a refusal never empties the editor
        form.text.data = found.changes[path]
    form.path.data = path
    return render_template("staff/draft.html", draft=found, path=path, form=form, checked=checked, paths=list(found.changes),
                           publish=publish or CommentForm(), discard=ButtonForm(), reasons=reasons or [], conflict=conflict,
                           conflicts=drafts.conflicts(base, found), diff=drafts.diff(base, found.changes),
                           corrected=history.new_corrections(base, found.changes), update=ButtonForm(),
                           previewed=drafts.previewed(db(), found)), status


@bp.get("/drafts/<int:draft_id>/impact")
@staff_required
def draft_impact(draft_id: int):
    """How the draft would change verdicts on stored profiles (assessments and agency clients): a background job,
    started here (or the finished one for the same texts, live version and date reused), then its report."""
    found = _get_draft(draft_id)
    snap = snapshot()
    try:
        as_of = dt.date.fromisoformat(request.args.get("as_of", ""))
    except ValueError:
        as_of = dt.date.today()
    checked = drafts.check_files(snap.files, drafts.compose(snap.files, found.changes), seeds())
    report = None
    if checked.pack is not None:
        report = follow(impact_job.start_impact(db(), snap.seq, as_of, found.id, dict(found.changes)))
    registry_form = RegistryForm(formdata=None, n=request.args.get("n", 100_000, type=int),
                                 seed=request.args.get("seed", 7, type=int))  # a restart link's n and seed
    return render_template("staff/impact.html", draft=found, checked=checked, report=report, as_of=as_of,
                           file_form=SampleFileForm(formdata=None), registry_form=registry_form)


@bp.post("/drafts/<int:draft_id>/publish")
@staff_required
def publish(draft_id: int):
    """Publish the draft as the next live version, or show why not."""
    found = _get_draft(draft_id)
    form = CommentForm()
    form.validate_on_submit()
    live().refresh(force=True)  # an officer's commit not yet recorded is recorded first, under its own author
    try:
        version = drafts.publish(db(), found, seeds(), author(), form.comment.data or "", live().repo)
    except drafts.PublishRefused as exc:
        db().rollback()
        store.audit(db(), "refused", author(), found.measure, Problem("audit.publish_refused", {"draft": found.id}),
                    exc.reasons)
        db().commit()
        return _render_draft(found, publish=form, status=409, reasons=exc.reasons, conflict=exc.diff)
    db().commit()
    live().refresh(force=True)
    flash(t("staff.published", label=version.label))
    return redirect(url_for("staff.index"))


@bp.post("/drafts/<int:draft_id>/discard")
@staff_required
def discard(draft_id: int):
    """Drop an open draft."""
    found = _get_draft(draft_id)
    if ButtonForm().validate_on_submit() and found.status == "open":
        found.status = "discarded"
        db().commit()
    return redirect(url_for("staff.index"))
