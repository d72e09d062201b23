"""The company self-assessment web app (application factory)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, render_template, request, session, url_for
from flask_babel import Babel
from flask_wtf.csrf import CSRFError, CSRFProtect

from checker.config import resource_dir
from checker.db import private_folder
from checker.i18n import CATALOGUE
from checker.jobs.runners import Runners
from checker.web.i18n import LANGS, current_lang, pick, t
from checker.web.security import init_security
from checker.web.services import init_services
from checker.web.settings import settings

csrf = CSRFProtect()


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app: settings, services, blueprints, language and security hooks."""
    app = Flask(__name__, template_folder=str(resource_dir("templates")), static_folder="static",
                instance_relative_config=True)
    private_folder(Path(app.instance_path))  # the database and the secret key live here: 0700
    app.config.from_mapping(settings(Path(app.instance_path), test_config))
    csrf.init_app(app)
    Babel(app, locale_selector=current_lang, default_translation_directories=str(CATALOGUE))
    init_security(app)
    init_services(app)
    app.extensions["jobs"] = Runners.from_config(app.config)  # every background job kind gets its runner here
    _register(app)
    _features(app)
    return app


def _features(app: Flask) -> None:
    """The agency and staff areas (with their shared sign-in) and hardening: observability, limits, TLS."""
    from checker.web import alerts, hardening, limits, observe
    from checker.web.agency import init_app as init_agency
    from checker.web.staff import init_app as init_staff

    init_agency(app)
    init_staff(app)
    from checker.web.agency import resume_jobs

    resume_jobs(app)  # only now is the live (published) rule pack known
    alerts.init_app(app)  # likewise: its first sweep compares with the live pack
    observe.init_app(app)
    limits.init_app(app)
    hardening.init_app(app)


def _register(app: Flask) -> None:
    """Blueprints, the language hook, template helpers and error pages."""
    from checker.web import guided  # noqa: F401  (registers the interview routes on the assess blueprint)
    from checker.web.assess import bp as assess_bp
    from checker.web.measures import bp as measures_bp

    app.register_blueprint(assess_bp)
    app.register_blueprint(measures_bp)
    app.before_request(_remember_lang)
    app.context_processor(lambda: {"t": t, "pick": pick, "lang": current_lang(), "lang_url": lang_url})
    app.add_template_filter(grouped)
    app.register_error_handler(404, lambda e: (render_template("errors/404.html"), 404))
    app.register_error_handler(CSRFError, lambda e: (render_template("errors/400.html", message=t("csrf")), 400))


def grouped(value: int) -> str:
    """A count with its thousands grouped (12,345), as the pages write every figure."""
    return f"{value:,}"


def _remember_lang() -> None:
    """Keep ?lang= in the session so every page stays in the chosen language."""
    lang = request.args.get("lang")
    if lang in LANGS:
        session["lang"] = lang


def lang_url(lang: str) -> str:
    """This page's URL in another language (GET pages), else the home page."""
    if request.method != "GET" or request.endpoint is None:
        return url_for("assess.new", lang=lang)
    query = {k: v for k, v in request.args.items() if not k.startswith("_")}  # _method, _external... are url_for's own
    args = {**query, **(request.view_args or {}), "lang": lang}
    return url_for(request.endpoint, **args)
