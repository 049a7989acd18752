"""Validation tasks for My tasks: protocols to review or approve, reports to approve, deviations to close and
periodic reviews due, each filtered by the separation of duties the services enforce (never the author, the
reviewer or a tester of the same record)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from flask import Flask, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.access import Permission
from app.audit.models import AuditEvent
from app.extensions import db
from app.inbox.registry import Task, TaskGroup, add_sources
from app.labels import label
from app.signatures import services as signatures
from app.signatures.models import Meaning
from app.validation import policies, reminders, services
from app.validation.models import Protocol
from app.validation.rules import ProtocolStatus
from app.validation.services.executions import testers_by_protocol

AREA = "Validation"
SCANNED = 200  # records in review read to apply the per-record rules (a company has a handful at a time)


def _protocols(user: Any, limit: int) -> list[TaskGroup]:
    review: list[Task] = []
    approve: list[Task] = []
    waiting = reminders.protocols_waiting(SCANNED)
    signed = signatures.signatures_for_records("protocol", [protocol.system_id for protocol, _meaning in waiting])
    for protocol, meaning in waiting:
        title = f"{protocol.system.product} · protocol {protocol.number}"
        url = url_for("validation.protocols_detail", protocol_id=protocol.id, _anchor="workflow")
        allowed = policies.can_review if meaning == Meaning.REVIEWED else policies.can_approve_protocol
        target = services.protocol_duty_target(protocol)
        if not (allowed(user, protocol) and signatures.may_sign(target, user, meaning, signed.get(target.entity_id, []))):
            continue
        if meaning == Meaning.REVIEWED:
            review.append(Task(title, url, "sign as reviewed (second person)"))
        else:
            approve.append(Task(title, url, "reviewed; QA approval before execution"))
    groups = []
    if user.has(Permission.VALIDATION_REVIEW):
        groups.append(TaskGroup("validation.review", "Protocols to review", len(review), review[:limit], area=AREA))
    if user.has(Permission.VALIDATION_APPROVE):
        groups.append(TaskGroup("validation.approve", "Protocols to approve", len(approve), approve[:limit],
                                area=AREA))
    return groups


def _returned(user: Any, limit: int) -> TaskGroup:
    """The author's draft protocols a reviewer or QA returned, with the reason: to change and send again."""
    drafts = {str(protocol.id): protocol for protocol in db.session.scalars(
        select(Protocol).where(Protocol.author_id == user.id, Protocol.status == ProtocolStatus.DRAFT)
        .options(selectinload(Protocol.system)).order_by(Protocol.id).limit(SCANNED))}
    reasons: dict[str, str] = {}
    if drafts:
        for protocol_id, reason in db.session.execute(
                select(AuditEvent.entity_id, AuditEvent.reason)
                .where(AuditEvent.entity_type == Protocol.audit_type(), AuditEvent.entity_id.in_(list(drafts)),
                       AuditEvent.name == "protocol.returned").order_by(AuditEvent.id)):
            reasons[protocol_id] = reason  # the latest return's reason
    tasks = [Task(f"{drafts[key].system.product} · protocol {drafts[key].number}",
                  url_for("validation.protocols_detail", protocol_id=drafts[key].id, _anchor="workflow"),
                  f"returned: {reason}" if reason else "returned to you")
             for key, reason in reasons.items()]
    return TaskGroup("validation.returned", "Protocols returned to you", len(tasks), tasks[:limit], area=AREA)


def _ready_to_execute(limit: int) -> TaskGroup:
    """Approved protocols whose execution has not started, for those who may start it (start_execution's rule)."""
    approved = db.session.scalars(
        select(Protocol).where(Protocol.status == ProtocolStatus.APPROVED).options(selectinload(Protocol.system))
        .order_by(Protocol.id).limit(SCANNED))
    tasks = [Task(f"{protocol.system.product} · protocol {protocol.number}",
                  url_for("validation.protocols_detail", protocol_id=protocol.id), "approved: ready for execution")
             for protocol in approved]
    return TaskGroup("validation.execute", "Protocols ready for execution", len(tasks), tasks[:limit], area=AREA)


def _reports(user: Any, limit: int) -> TaskGroup:
    tasks = []
    reports = reminders.reports_waiting(SCANNED)
    testers_of = testers_by_protocol([report.protocol_id for report in reports])
    signed = signatures.signatures_for_records("report", [report.protocol.system_id for report in reports])
    for report in reports:
        testers = testers_of.get(report.protocol_id, set())
        target = services.report_duty_target(report.protocol, testers)
        if policies.can_approve_report(user, report.protocol, testers) and signatures.may_sign(
                target, user, Meaning.APPROVED, signed.get(target.entity_id, [])):
            tasks.append(Task(f"{report.protocol.system.product} · report of protocol {report.protocol.number}",
                              url_for("validation.reports_detail", protocol_id=report.protocol_id),
                              "executed; approve the report"))
    return TaskGroup("validation.reports", "Validation reports to approve", len(tasks), tasks[:limit], area=AREA)


def _deviations(user: Any, limit: int) -> TaskGroup:
    tasks = [
        Task(f"{deviation.protocol.system.product} · protocol v{deviation.protocol.number} · {deviation.code}",
             url_for("validation.deviations_detail", deviation_id=deviation.id),
             f"{label(deviation.severity).lower()} deviation open since {deviation.created_at:%Y-%m-%d}; "
             "close it with a signature")
        for deviation in reminders.open_deviations(SCANNED)
        if deviation.execution is None or deviation.execution.tester_id != user.id
    ]
    return TaskGroup("validation.deviations", "Deviations to close", len(tasks), tasks[:limit], area=AREA)


def _periodic(today: date, limit: int) -> TaskGroup:
    systems = reminders.reviews_due(today, limit=SCANNED)
    return TaskGroup("validation.periodic", "Periodic reviews of validated systems due", len(systems), [
        Task(system.product, url_for("validation.systems_detail", system_id=system.id),
             "overdue" if system.next_periodic_review and system.next_periodic_review < today else "due soon",
             system.next_periodic_review)
        for system in systems[:limit]], area=AREA)


def validation_tasks(user: Any, today: date, limit: int) -> Sequence[TaskGroup]:
    """What waits in validation for this user."""
    groups = _protocols(user, limit) if user.has(Permission.VALIDATION_REVIEW) or user.has(
        Permission.VALIDATION_APPROVE) else []
    if user.has(Permission.VALIDATION_EDIT):
        groups.append(_returned(user, limit))
    if user.has(Permission.VALIDATION_EXECUTE):
        groups.append(_ready_to_execute(limit))
    if policies.can_close_deviation(user):
        groups += [_reports(user, limit), _deviations(user, limit)]
    if policies.can_perform_periodic_review(user):
        groups.append(_periodic(today, limit))
    return groups


def init_app(app: Flask) -> None:
    """Hand the validation tasks to My tasks."""
    add_sources(app, validation_tasks)
