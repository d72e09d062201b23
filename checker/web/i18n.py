"""The language of the current request and its texts from the message catalogue (checker/translations)."""

from __future__ import annotations

from typing import Any

from flask import request, session

from checker.i18n import LANGS, N_, translate

# Keys the pages build at run time (t('kind_' ~ spec.kind), t(relation.type), ...), listed for `pybabel extract`.
RUNTIME_KEYS = (
    N_("kind_subsidy"), N_("kind_tax"), N_("kind_financing"), N_("kind_recognition"), N_("kind_service"),
    N_("kind_talent"), N_("kind_space"),
    N_("ent_enterprise"), N_("ent_incubator"), N_("ent_maker_space"), N_("ent_research_institute"),
    N_("ent_university"), N_("ent_service_agency"), N_("ent_industry_association"),
    N_("money_cash"), N_("money_tax_saving"), N_("money_deduction"), N_("money_financing"), N_("money_other"),
    N_("window_open"), N_("window_upcoming"), N_("window_closed"), N_("window_none"),
    N_("met"), N_("not_met"), N_("unknown_status"), N_("eligible"), N_("undetermined"), N_("ineligible"),
    N_("excludes"), N_("unlocks"), N_("requires"), N_("overlaps"),
    N_("tax_scenario_small_low_profit"), N_("tax_scenario_hte_rate"), N_("tax_scenario_standard"),
    N_("tax_if_small_low_profit"), N_("tax_if_hte_rate"), N_("tax_if_standard"),
)


def current_lang() -> str:
    """The language of this request: ?lang=, else the session, else Chinese."""
    lang = request.args.get("lang") if request else None
    if lang in LANGS:
        return lang
    stored = session.get("lang")
    return stored if stored in LANGS else "zh"


def t(key: str, /, **params: object) -> str:
    """A catalogue text in the request's language, {name} placeholders filled from params.

    The language is the one Flask-Babel selects (current_lang), read from the same compiled catalogue;
    going through flask_babel.gettext cost ~40 µs a call against ~5 µs, and a page makes ~450 calls.
    """
    return translate(key, current_lang(), **params)


def pick(text: Any) -> str:
    """The current-language form of a rule text (an object with .zh and .en), or '' for None."""
    if text is None:
        return ""
    return getattr(text, current_lang(), None) or text.zh

