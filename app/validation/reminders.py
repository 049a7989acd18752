"""Reminder rules of validation, for the notifications outbox (`flask reminders queue`).

Each item has a stable key (the outbox sends a key once), the permission of the people to tell,
a subject and a body. Nothing here writes: the notifications package queues and sends."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.access import Permission
from app.extensions import db
from app.notifications.reminders import add_rules
from app.signatures.models import Meaning
from app.validation import services
from app.validation.models import Deviation, Protocol, Report, SoftwareSystem
from app.validation.rules import DeviationStatus, ProtocolStatus, ReportStatus, SystemStatus


def reviews_due(today: date, *, limit: int | None = None) -> list[SoftwareSystem]:
    """Released systems whose periodic review is overdue or due within the configured days (all, or the first `limit`)."""
    horizon = today + timedelta(days=int(current_app.config["VALIDATION_REVIEW_DUE_SOON_DAYS"]))
    query = (select(SoftwareSystem).where(SoftwareSystem.status == SystemStatus.RELEASED,
                                          SoftwareSystem.next_periodic_review <= horizon)
             .order_by(SoftwareSystem.next_periodic_review, SoftwareSystem.id))
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def protocols_waiting(limit: int | None = None) -> list[tuple[Protocol, str]]:
    """Protocols in review with the signature they wait for: 'reviewed' or 'approved'."""
    query = (select(Protocol).where(Protocol.status == ProtocolStatus.IN_REVIEW)
             .options(selectinload(Protocol.system), selectinload(Protocol.test_cases),
                      selectinload(Protocol.justifications))
             .order_by(Protocol.updated_at))
    if limit:
        query = query.limit(limit)
    waiting = []
    for protocol in db.session.scalars(query):
        reviewed = services.reviewed_this_round(services.protocol_sign_target(protocol))
        waiting.append((protocol, Meaning.APPROVED if reviewed else Meaning.REVIEWED))
    return waiting


def reports_waiting(limit: int | None = None) -> list[Report]:
    """Draft reports of executed protocols: they wait for QA's approval."""
    query = (select(Report).join(Protocol).where(Report.status == ReportStatus.DRAFT,
                                                 Protocol.status == ProtocolStatus.EXECUTED)
             .options(selectinload(Report.protocol).selectinload(Protocol.system)).order_by(Report.id))
    if limit:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def open_deviations(limit: int | None = None) -> list[Deviation]:
    query = (select(Deviation).where(Deviation.status == DeviationStatus.OPEN)
             .options(selectinload(Deviation.protocol).selectinload(Protocol.system), selectinload(Deviation.execution))
             .order_by(Deviation.created_at))
    if limit:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def init_app(app: Flask) -> None:
    """Hand this rule to the outbox's reminder run."""
    add_rules(app, reminder_items)


def reminder_items(today: date) -> list[dict[str, Any]]:
    """What validation asks people to do now: periodic reviews due, signatures waiting, open deviations."""
    items: list[dict[str, Any]] = []
    for system in reviews_due(today):
        due = system.next_periodic_review
        late = due is not None and due < today
        items.append({
            "key": f"validation.periodic_review:{system.id}:{due}",
            "permission": Permission.VALIDATION_APPROVE,
            "subject": f"Periodic review {'overdue' if late else 'due'}: {system.product}",
            "body": f"The periodic review of {system.product} {system.validated_version or ''} is due on {due}.",
        })
    for protocol, meaning in protocols_waiting():
        items.append({
            "key": f"validation.protocol_{meaning}:{protocol.id}:{protocol.version}",
            "permission": Permission.VALIDATION_APPROVE if meaning == Meaning.APPROVED else Permission.VALIDATION_REVIEW,
            "subject": f"Protocol waiting for {'approval' if meaning == Meaning.APPROVED else 'review'}: "
                       f"{protocol.system.product} v{protocol.number}",
            "body": f"Protocol v{protocol.number} of {protocol.system.product} waits for a signature "
                    f"({meaning}). Authors cannot sign it.",
        })
    for report in reports_waiting():
        protocol = report.protocol
        items.append({
            "key": f"validation.report_approval:{report.id}",
            "permission": Permission.VALIDATION_APPROVE,
            "subject": f"Validation report waiting for approval: {protocol.system.product} v{protocol.number}",
            "body": "The protocol is executed; QA who did not write or execute it approves the report.",
        })
    for deviation in open_deviations():
        protocol = deviation.protocol
        items.append({
            "key": f"validation.deviation_open:{deviation.id}",
            "permission": Permission.VALIDATION_EDIT,
            "subject": f"Open deviation {deviation.code}: {protocol.system.product} v{protocol.number}",
            "body": f"{deviation.description} The report cannot be approved until it is closed.",
        })
    return items
