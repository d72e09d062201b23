"""The measure catalogue: browse, search and read each measure."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, render_template, request

from checker.engine.verdict import application_window
from checker.rules.schema import ENTITY_TYPES, KINDS
from checker.staff.table import decision_table
from checker.web import catalogue
from checker.web.answer import seed_titles
from checker.web.i18n import current_lang, t
from checker.web.services import pack

bp = Blueprint("measures", __name__, url_prefix="/measures")


def _filters() -> tuple[catalogue.Filters, list[str]]:
    """The filters of the query string, and problems with them."""
    args = request.args
    problems = []
    on = None
    if args.get("on", "").strip():
        try:
            on = dt.date.fromisoformat(args["on"].strip())
        except ValueError:
            problems.append(t("bad_date"))
    kind = args.get("kind", "") if args.get("kind", "") in KINDS else ""
    entity = args.get("entity", "") if args.get("entity", "") in ENTITY_TYPES else ""
    return catalogue.Filters(args.get("q", "").strip()[:100], kind, args.get("issuer", "")[:200], entity, on), problems


@bp.get("/")
def index():
    """All measures, narrowed by the filters."""
    filters, problems = _filters()
    found = catalogue.search(pack(), filters)
    return render_template("measures/index.html", measures=found, filters=filters, problems=problems,
                           kinds=KINDS, entities=ENTITY_TYPES, issuers=catalogue.issuers(pack()),
                           status=400 if problems else 200), 400 if problems else 200


@bp.get("/<measure_id>")
def detail(measure_id: str):
    """One measure in full."""
    try:
        measure = pack().measure(measure_id)
    except KeyError:
        abort(404)
    others = {m.id: m.spec.title for m in pack().measures}
    today = dt.date.today()
    return render_template("measures/detail.html", measure=measure, spec=measure.spec, others=others,
                           fields=pack().fields, table=decision_table(pack(), measure, today, seed_titles()),
                           window=application_window(pack(), measure, today),
                           benefit_text=pack().benefit_text(measure, current_lang(), today))
