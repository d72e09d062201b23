"""Staff pages of the past: published versions with rollback, the audit log, earlier results with their own pack."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from checker.agency.models import ClientResult
from checker.company.models import StoredResult
from checker.problems import Problem
from checker.rules.loader import RulePackError
from checker.rules.pack import RulePack
from checker.staff import drafts, impact_job, store
from checker.staff.gitrepo import GitError
from checker.staff.models import AuditEntry, PackVersion
from checker.staff.revert import RevertRefused, revert_changes
from checker.web.i18n import current_lang, t
from checker.web.services import db
from checker.web.staff.common import author, bp, live, seeds, snapshot, staff_required
from checker.web.staff.forms import ButtonForm, CommentForm
from checker.web.staff.impacts import follow

_PACKS: dict[str, RulePack] = {}


@bp.get("/versions")
@staff_required
def versions():
    """Every published version, newest first, each with a rollback form."""
    rows = db().scalars(select(PackVersion).order_by(PackVersion.seq.desc()).limit(200)).all()
    return render_template("staff/versions.html", versions=rows, live_seq=snapshot().seq, form=CommentForm())


def files_of(version: PackVersion) -> store.Files:
    """A version's files, read from its git commit when it has one (else as stored)."""
    repo = live().repo
    if repo is not None and version.commit:
        try:
            return repo.files(version.commit)
        except GitError:  # the commit is gone (history rewritten): the stored copy still holds
            pass
    return dict(version.files)


@bp.get("/versions/<int:seq>")
@staff_required
def version(seq: int):
    """One version: who published it and why, and its changes against the version before."""
    found = store.by_seq(db(), seq)
    if found is None:
        abort(404)
    return render_template("staff/version.html", **_version_page(found))


def _version_page(found: PackVersion) -> dict[str, Any]:
    """What the version page shows: its diff against the version before, its files, the forms."""
    previous = store.by_seq(db(), found.seq - 1)
    old = files_of(previous) if previous else {}
    new = files_of(found)
    paths = sorted(p for p in old.keys() | new.keys() if old.get(p) != new.get(p))
    changes = drafts.diff(old, {p: new.get(p, "") for p in paths})
    return {"version": found, "changes": changes, "paths": paths, "files": sorted(new), "live_seq": snapshot().seq,
            "form": CommentForm(), "button": ButtonForm(), "revertible": previous is not None, "reasons": []}


@bp.get("/versions/<int:seq>/rollback")
@staff_required
def rollback_preview(seq: int):
    """What rolling back to this version would change: verdicts on stored profiles and the files, before confirming."""
    found = store.by_seq(db(), seq)
    if found is None:
        abort(404)
    snap = snapshot()
    target = files_of(found)
    paths = sorted(p for p in snap.files.keys() | target.keys() if snap.files.get(p) != target.get(p))
    changes = drafts.diff(snap.files, {p: target.get(p, "") for p in paths})
    as_of = _as_of(request.args.get("as_of"))
    report = None
    try:
        store.load_files(target, seeds())
    except RulePackError:
        pass
    else:
        report = follow(impact_job.start_impact(db(), snap.seq, as_of, target=found))
    return render_template("staff/rollback.html", version=found, live_seq=snap.seq, report=report, as_of=as_of,
                           changes=changes, form=CommentForm())


def _as_of(raw: str | None) -> dt.date:
    try:
        return dt.date.fromisoformat(raw or "")
    except ValueError:
        return dt.date.today()


@bp.post("/versions/<int:seq>/rollback")
@staff_required
def rollback(seq: int):
    """Make an earlier version live again (as a new version), with a required reason."""
    form = CommentForm()
    form.validate_on_submit()
    try:
        live().refresh(force=True)
        version = drafts.rollback(db(), seq, seeds(), author(), form.comment.data or "", live().repo)
    except drafts.PublishRefused as exc:
        db().rollback()
        store.audit(db(), "refused", author(), "", Problem("audit.rollback_refused", {"seq": seq}), exc.reasons)
        db().commit()
        for reason in exc.reasons:
            flash(reason.text(current_lang()))
        return redirect(url_for("staff.versions")), 303
    db().commit()
    live().refresh(force=True)
    flash(t("staff.rolled_back", label=version.label))
    return redirect(url_for("staff.versions"))


@bp.post("/versions/<int:seq>/revert")
@staff_required
def revert(seq: int):
    """Undo this one publish on top of the current files, as a draft to preview and publish (later ones kept)."""
    found = store.by_seq(db(), seq)
    previous = store.by_seq(db(), seq - 1)
    if found is None or previous is None or not ButtonForm().validate_on_submit():
        abort(404 if found is None or previous is None else 400)
    live().refresh(force=True)
    snap = snapshot()
    try:
        changes = revert_changes(files_of(previous), files_of(found), snap.files, seq)
    except RevertRefused as exc:
        store.audit(db(), "refused", author(), "", Problem("audit.revert_refused", {"seq": seq}), exc.reasons)
        db().commit()
        return render_template("staff/version.html", **{**_version_page(found), "reasons": exc.reasons}), 409
    draft = drafts.start_files(db(), snap.files, changes, author(), f"revert v{seq}")
    store.audit(db(), "draft_saved", author(), draft.measure, Problem("audit.draft_reverts", {"draft": draft.id, "seq": seq}))
    db().commit()
    flash(t("staff.revert_drafted", seq=seq))
    return redirect(url_for("staff.draft", draft_id=draft.id))


@bp.get("/audit")
@staff_required
def audit():
    """Who changed which measure, when and why."""
    entries = db().scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(500)).all()
    return render_template("staff/audit.html", entries=entries)


def pack_of(digest: str) -> RulePack | None:
    """The pack a result was checked with, loaded from its stored version's files (cached)."""
    if digest not in _PACKS:
        version = store.by_hash(db(), digest)
        if version is None:
            return None
        try:
            pack = store.load_files(dict(version.files), seeds())
        except RulePackError:
            return None
        if len(_PACKS) >= 8:
            _PACKS.pop(next(iter(_PACKS)))
        _PACKS[digest] = pack
    return _PACKS[digest]


@bp.get("/results")
@staff_required
def results():
    """Recent stored results of assessments and agency clients, each with the version that produced it."""
    recent: list[tuple[str, StoredResult | ClientResult]]
    recent = [("assessment", r) for r in db().scalars(select(StoredResult).order_by(StoredResult.id.desc()).limit(50))]
    recent += [("client", r) for r in db().scalars(select(ClientResult).order_by(ClientResult.id.desc()).limit(50))]
    hashes = {r.rulepack for _, r in recent}
    seqs: dict[str, list[int]] = {}
    for seq, digest in db().execute(select(PackVersion.seq, PackVersion.hash).where(PackVersion.hash.in_(hashes))):
        seqs.setdefault(digest, []).append(seq)
    recent.sort(key=lambda item: item[1].created_at, reverse=True)
    return render_template("staff/results.html", recent=recent, seqs=seqs, live_hash=snapshot().pack.version)


@bp.get("/results/<kind>/<int:result_id>")
@staff_required
def old_result(kind: str, result_id: int):
    """An earlier stored result (assessment or agency client), shown with the pack version it came from."""
    found: StoredResult | ClientResult | None = None
    if kind == "assessment":
        found = db().get(StoredResult, result_id)
    elif kind == "client":
        found = db().get(ClientResult, result_id)
    if found is None:
        abort(404)
    pack = pack_of(found.rulepack)
    version = store.by_hash(db(), found.rulepack)
    titles = {m.id: m.spec.title for m in pack.measures} if pack else {}
    return render_template("staff/result.html", stored=found, pack=pack, version=version, titles=titles,
                           live_hash=snapshot().pack.version)
