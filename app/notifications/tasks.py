"""The outbox and the reminders as periodic tasks of the worker (the CLI commands stay for cron users)."""

from __future__ import annotations

from flask import Flask

from app.db import utcnow
from app.jobs.queue import add_periodic
from app.notifications import reminders, services


def send_outbox() -> services.SendResult:
    """Send what the outbox holds (each message committed as it goes)."""
    return services.send_queued(limit=500)


def queue_todays_reminders() -> reminders.RunResult:
    """Queue today's reminders; an item already reminded today is skipped, so any schedule is safe."""
    return reminders.queue_reminders(utcnow().date())


def init_app(app: Flask) -> None:
    add_periodic(app, "outbox.send", str(app.config["WORKER_OUTBOX_CRONTAB"]), send_outbox)
    add_periodic(app, "reminders.queue", str(app.config["WORKER_REMINDERS_CRONTAB"]), queue_todays_reminders)
