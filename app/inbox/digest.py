"""The daily digest of My tasks, e-mailed to the users who chose it (a periodic task of the worker)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import Flask
from sqlalchemy import select

from app.auth.models import TaskMail, User
from app.db import utcnow
from app.extensions import db
from app.inbox import services
from app.jobs.queue import add_periodic
from app.notifications.services import claim_reminder, public_base_url, queue_email

DIGEST_SHOWN = 5  # tasks per group in the e-mail (the digest links to My tasks for the rest)


@dataclass
class DigestResult:
    queued: int = 0
    nothing_waiting: int = 0
    already_sent: int = 0


def queue_digests(day: date) -> DigestResult:
    """One digest e-mail per active user who chose the daily digest and has tasks waiting, at most once a day."""
    result = DigestResult()
    users = db.session.scalars(select(User).where(User.active.is_(True), User.task_mail == TaskMail.DIGEST,
                                                  User.email != "").order_by(User.id))
    base = public_base_url()
    for user in users:
        groups = services.my_tasks(user, day, limit=DIGEST_SHOWN)
        if not groups:
            result.nothing_waiting += 1
            continue
        body = services.digest_body(user, groups, base)
        if not claim_reminder(f"inbox.digest:{user.id}", day, 1):
            result.already_sent += 1
            continue
        total = sum(group.count for group in groups)
        queue_email(user.email, f"Provenance: {total} task(s) waiting for you", body)
        result.queued += 1
    return result


def queue_todays_digests() -> DigestResult:
    """The periodic task: today's digests (a user already sent one today is skipped, so any schedule is safe)."""
    return queue_digests(utcnow().date())


def init_app(app: Flask) -> None:
    add_periodic(app, "inbox.digest", str(app.config["WORKER_DIGEST_CRONTAB"]), queue_todays_digests)
