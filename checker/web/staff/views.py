"""Staff pages that show the live pack: measures with their state, one measure, the fields catalogue."""

from __future__ import annotations

import datetime as dt

from flask import abort, render_template, request
from sqlalchemy import select

from checker.engine.verdict import application_window
from checker.rules.currency import currency_report
from checker.staff.drafts import measure_path
from checker.staff.models import Draft
from checker.staff.overview import examples_and_gaps, field_uses, filter_rows, measure_rows, period_state
from checker.staff.param_value import periods
from checker.staff.table import decision_table, version_tables
from checker.web.answer import seed_titles
from checker.web.services import db
from checker.web.staff import build as _build  # noqa: F401  (registers the new-measure form)
from checker.web.staff import create as _create  # noqa: F401  (registers the creation routes)
from checker.web.staff import drafts as _drafts  # noqa: F401  (registers the draft routes)
from checker.web.staff import history as _history  # noqa: F401  (registers the history routes)
from checker.web.staff import impacts as _impacts  # noqa: F401  (registers the impact progress route)
from checker.web.staff import samples as _samples  # noqa: F401  (registers the sample and registry previews)
from checker.web.staff import sync as _sync  # noqa: F401  (registers the bring-up-to-date and repair routes)
from checker.web.staff import values as _values  # noqa: F401  (registers the new-value form)
from checker.web.staff.common import bp, snapshot, staff_required
from checker.web.staff.forms import ButtonForm

__all__ = ["bp"]


@bp.get("/")
@staff_required
def index():
    """Every measure: validation state, period of force, examples, fields read; and criterion coverage."""
    snap = snapshot()
    today = dt.date.today()
    every = measure_rows(snap.pack, today)
    rows = filter_rows(every, request.args.get("q", ""), request.args.get("folder", ""), request.args.get("state", ""),
                       request.args.get("problems") == "1")
    open_drafts = db().scalars(select(Draft).where(Draft.status == "open").order_by(Draft.id.desc())).all()
    return render_template("staff/index.html", snap=snap, rows=rows, today=today, drafts=open_drafts, total=len(every),
                           folders=sorted({r.folder for r in every}), args=request.args,
                           gaps=examples_and_gaps(snap.pack)[1])


@bp.get("/currency")
@staff_required
def currency():
    """The pack's currency: measures by last review, old sources, superseded documents, programmes with no window."""
    snap = snapshot()
    report = currency_report(snap.pack, dt.date.today())
    return render_template("staff/currency.html", snap=snap, report=report, stale={r.measure for r in report.stale()})


@bp.get("/fields")
@staff_required
def fields():
    """The fields catalogue: each profile field and the measures and criteria that read it."""
    snap = snapshot()
    files = sorted(p for p in snap.files if not p.startswith("measures/"))
    return render_template("staff/fields.html", pack=snap.pack, uses=field_uses(snap.pack), files=files, button=ButtonForm())


@bp.get("/measures/<measure_id>")
@staff_required
def measure(measure_id: str):
    """One measure: its rule file, criteria with the fields they read, and its examples."""
    snap = snapshot()
    try:
        found = snap.pack.measure(measure_id)
    except KeyError:
        abort(404)
    outcomes = [o for o in examples_and_gaps(snap.pack)[0] if o.measure_id == measure_id]
    path = measure_path(snap.files, measure_id)
    today, titles = dt.date.today(), seed_titles()
    return render_template("staff/measure.html", m=found, outcomes=outcomes, text=snap.files.get(path or "", ""),
                           path=path, state=period_state(found, today), table=decision_table(snap.pack, found, today, titles),
                           versions=version_tables(snap.pack, measure_id, today, titles) if measure_id in snap.pack.versions
                           else [],
                           window=application_window(snap.pack, found, today),
                           parameters=[(p, snap.pack.parameters[p].decl, periods(snap.pack, p))
                                       for p in sorted(found.reads) if p in snap.pack.parameters])
