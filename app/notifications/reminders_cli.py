"""`flask --app wsgi reminders queue`: write reminder e-mails for what is due (cron, once or more a day)."""

from __future__ import annotations

from datetime import datetime

import click
from flask.cli import AppGroup

from app.audit import services as audit
from app.db import utcnow
from app.extensions import db
from app.notifications import reminders

cli = AppGroup("reminders", help="Reminder e-mails for what is due.")


@cli.command("queue")
@click.option("--day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="Run as if today were DAY.")
def queue_command(day: datetime | None) -> None:
    """Queue reminder e-mails for everything due (each item at most once per day)."""
    on = day.date() if day is not None else utcnow().date()
    with audit.acting_as(audit.Actor(None, "reminders")):
        result = reminders.queue_reminders(on)
        db.session.commit()
    click.echo(
        f"reminders {on.isoformat()}: {result.reminders} reminders, {result.queued_emails} e-mails queued, "
        f"{result.skipped} already sent today"
    )
