"""Queue e-mails in the outbox and send them later; queue reminders at most once per item per day."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from flask import current_app, has_request_context, request
from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError

from app.access import Permission
from app.auth.models import TaskMail, User
from app.db import utcnow
from app.errors import ValidationFailed
from app.extensions import db
from app.notifications.models import OutboxMessage, OutboxStatus, ReminderLog
from app.notifications.senders import Sender, configured_sender

# Where links in e-mails point when BASE_URL is not configured and no request tells (a command, production).
DEFAULT_BASE_URL = "http://127.0.0.1:5000"


def public_base_url() -> str:
    """The address links in e-mails start with: BASE_URL when configured; unset, the host the request came to,
    outside production only (`make run PORT=8000` then sends working links; in production a request's Host header
    never decides where e-mailed links point); otherwise DEFAULT_BASE_URL (http://127.0.0.1:5000 unless set)."""
    configured = str(current_app.config.get("BASE_URL") or "").strip()
    if configured:
        return configured.rstrip("/")
    if has_request_context() and current_app.config.get("ENV") != "production":
        return request.host_url.rstrip("/")
    return str(current_app.config.get("DEFAULT_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")

MAX_ATTEMPTS = 5
# Secrets that may travel in a message but must not stay in the database once it is sent:
# a supplier's portal link carries its token (only the token's hash is stored elsewhere).
REDACT_AFTER_SENDING: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"/portal/[A-Za-z0-9_\-]{16,}"), "/portal/[personal link removed after sending]"),
)


def redact(body: str) -> str:
    """The body without the secrets it carried (applied once the message is sent)."""
    for pattern, replacement in REDACT_AFTER_SENDING:
        body = pattern.sub(replacement, body)
    return body


# Any link at all in a message shown after it was sent (the outbox page): a link may carry a secret the patterns above
# do not know, and a sent message's links have done their work.
# A stored sent body already holds the redacted portal link (with spaces), which counts as one link.
LINK = re.compile(
    r"https?://[^\s<>\"']*?" + re.escape(REDACT_AFTER_SENDING[0][1]) + r"|https?://[^\s<>\"']+"
)
LINK_MASK = "[link hidden once sent]"


def shown_body(status: str, body: str) -> str:
    """The body as the outbox page shows it: whole while queued or failed, every link masked once sent."""
    if status == OutboxStatus.SENT:
        return LINK.sub(LINK_MASK, redact(body))
    return body


def outbox_query(status: str = "") -> Select[tuple[OutboxMessage]]:
    """The outbox, newest first, in one state or all (the (status, id) index serves both orders)."""
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc())
    if status:
        query = query.where(OutboxMessage.status == status)
    return query


def queue_email(to: str, subject: str, body: str) -> OutboxMessage:
    """Write an e-mail to the outbox in the caller's transaction (it is sent only if that commits)."""
    if not to or "@" not in to:
        raise ValidationFailed("An e-mail needs a recipient address.")
    message = OutboxMessage(to=to.strip(), subject=subject.strip()[:300], body=body, status=OutboxStatus.QUEUED)
    db.session.add(message)
    db.session.flush()
    return message


@dataclass
class SendResult:
    sent: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def claim_batch(limit: int, *, skip: set[int] | None = None) -> list[OutboxMessage]:
    """Queued messages, oldest first; on PostgreSQL locked rows are skipped so several senders never double-send."""
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.QUEUED)
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    if skip:
        query = query.where(OutboxMessage.id.not_in(skip))
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(db.session.scalars(query))


def send_queued(*, limit: int = 100, sender: Sender | None = None) -> SendResult:
    """Send queued messages one by one, committing each; a failure stays queued for the next run until MAX_ATTEMPTS."""
    send = sender or configured_sender()
    result = SendResult()
    tried: set[int] = set()
    while True:
        batch = claim_batch(1, skip=tried)
        if not batch or result.sent + result.failed >= limit:
            db.session.commit()
            return result
        message = batch[0]
        tried.add(message.id)
        message.attempts += 1
        try:
            send(message.to, message.subject, message.body)
        except Exception as error:  # noqa: BLE001 - any transport error is recorded on the message
            message.error = f"{type(error).__name__}: {error}"[:2000]
            message.status = OutboxStatus.FAILED if message.attempts >= MAX_ATTEMPTS else OutboxStatus.QUEUED
            result.failed += 1
            result.errors.append(f"#{message.id} to {message.to}: {message.error}")
            current_app.logger.warning("outbox message %s failed: %s", message.id, message.error)
            db.session.commit()
            continue
        message.status = OutboxStatus.SENT
        message.body = redact(message.body)
        message.sent_at = utcnow()
        message.error = ""
        result.sent += 1
        db.session.commit()


def claim_reminder(key: str, day: date, recipients: int) -> bool:
    """True the first time a reminder key is claimed on a day; False when it was already sent that day."""
    if db.session.scalar(select(ReminderLog.id).where(ReminderLog.key == key, ReminderLog.day == day)):
        return False
    try:
        with db.session.begin_nested():
            db.session.add(ReminderLog(key=key[:200], day=day, recipients=recipients))
    except IntegrityError:
        return False  # another run claimed it in the meantime
    return True


def users_with(permission: Permission) -> list[str]:
    """E-mail addresses of active users whose roles grant the permission and who want each reminder by e-mail
    (those who chose the daily digest find the same items in it; those who chose none, in My tasks)."""
    users = db.session.scalars(select(User).where(User.active.is_(True), User.task_mail == TaskMail.EACH)
                               .order_by(User.id))
    return [user.email for user in users if user.email and user.has(permission)]
