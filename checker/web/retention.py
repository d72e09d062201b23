"""`checker assessments purge`: delete saved self-assessments nobody has opened for the retention period (cron-friendly)."""

from __future__ import annotations

import click


@click.group("assessments")
def assessments() -> None:
    """Saved company self-assessments."""


@assessments.command("purge")
@click.option("--days", type=click.IntRange(min=1), default=None,
              help="Retention in days since last opened (default: ASSESSMENT_RETENTION_DAYS, else 180).")
@click.pass_obj
def purge_command(obj: object, days: int | None) -> None:
    """Delete assessments not opened for the retention period; print how many (database from $DATABASE_URL)."""
    from checker.web import create_app
    from checker.web.saved import purge, retention_days

    rules = getattr(obj, "rules", None)
    app = create_app({"CHECKER_RULES": str(rules)} if rules is not None else None)
    try:
        days = days or retention_days(app.config)
        with app.extensions["checker"].sessions() as session:
            click.echo(f"purged {purge(session, days)} assessments not opened for {days} days")
    finally:
        app.extensions["checker"].close()
