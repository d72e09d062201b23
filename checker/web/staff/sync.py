"""Staff pages for a draft behind the committed rules and for a broken commit: bring the draft up to date, and open
a committed file that does not load to repair it in the browser."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from checker.staff import drafts, store, sync
from checker.staff.gitrepo import GitError
from checker.web.i18n import t
from checker.web.services import db
from checker.web.staff.common import author, bp, committed, live, seeds, snapshot, staff_required
from checker.web.staff.drafts import _get_draft, _submitted_text
from checker.web.staff.forms import ButtonForm, EditForm

_BROKEN: dict[str, list[str]] = {}  # "folder@HEAD" -> its committed files that do not load (one entry kept)


@bp.post("/drafts/<int:draft_id>/update")
@staff_required
def update_draft(draft_id: int):
    """Bring the draft up to date: merge the committed changes since it began into its texts (conflicts marked)."""
    found = _get_draft(draft_id)
    if not ButtonForm().validate_on_submit() or found.status != "open":
        abort(400)
    live().refresh(force=True)  # a commit not yet recorded is recorded first
    result = sync.update_draft(found, committed())
    for path, lines in sorted(result.conflicts.items()):
        flash(t("staff.update_conflicts", path=path, lines=", ".join(str(n) for n in lines)))
    if result.merged:
        flash(t("staff.updated", paths=", ".join(result.merged)))
    if not result.merged and not result.conflicts:
        flash(t("staff.up_to_date"))
    summary = f"merged {', '.join(result.merged) or '-'}; conflicts {', '.join(result.conflicts) or '-'}"
    store.audit(db(), "draft_saved", author(), found.measure, f"draft #{found.id} brought up to date: {summary}")
    db().commit()
    first = next(iter(sorted(result.conflicts)), None)
    return redirect(url_for("staff.draft", draft_id=found.id, file=first) if first else url_for("staff.draft", draft_id=found.id))


@bp.route("/repair", methods=["GET", "POST"])
@staff_required
def repair():
    """A committed rule file as it is in git (even when it does not load), with its errors; saving starts a draft
    based on that commit, so publishing the fix is not refused as a conflict."""
    path = request.args.get("path", "")
    files = committed()
    if path not in files:
        abort(404)
    form = EditForm()
    if form.validate_on_submit():
        text = _submitted_text(form)
        if text is not None and text.strip():
            draft = drafts.start_draft(db(), files, path, text.replace("\r\n", "\n"), author())
            store.audit(db(), "draft_saved", author(), draft.measure, f"draft #{draft.id} repairs committed {path}")
            db().commit()
            return redirect(url_for("staff.draft", draft_id=draft.id))
        flash(t("staff.not_utf8") if text is None else t("staff.empty_text"))
    if not form.is_submitted():
        form.text.data = files[path]
    errors = sync.broken_files(files, seeds(), snapshot().files).get(path, [])
    return render_template("staff/repair.html", form=form, path=path, errors=errors,
                           differs=files[path] != snapshot().files.get(path))


def broken_paths() -> list[str]:
    """The committed files that do not load, while the live pack is a last good one (for the repair links)."""
    refused = live().refused
    repo = live().repo
    if refused is None or repo is None:
        return []
    try:
        key = f"{repo.rules}@{repo.head()}"
        if key not in _BROKEN:
            _BROKEN.clear()
            _BROKEN[key] = sorted(sync.broken_files(committed(), seeds(), live().current().files))
    except GitError:
        return []
    return _BROKEN[key]
