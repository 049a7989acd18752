"""`flask --app wsgi outbox send`: send queued e-mails (run it from cron or a systemd timer)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.notifications import services

cli = AppGroup("outbox", help="The e-mail outbox.")


@cli.command("send")
@click.option("--limit", type=int, default=500, show_default=True, help="Send at most this many messages.")
def send_command(limit: int) -> None:
    """Send queued e-mails through the configured backend (MAIL_BACKEND)."""
    result = services.send_queued(limit=limit)
    click.echo(f"outbox: {result.sent} sent, {result.failed} failed")
    for error in result.errors:
        click.echo(f"  {error}", err=True)
