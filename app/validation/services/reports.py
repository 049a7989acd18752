"""Reports: the conclusion of an executed protocol, its signed content and QA's approval, which releases the system."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import select

from app.audit import services as audit
from app.auth.models import User
from app.db import today, utcnow
from app.errors import Conflict
from app.extensions import db
from app.signatures import services as signatures
from app.signatures.models import Meaning, Signature
from app.signatures.services import SignTarget
from app.validation import policies, workflow
from app.validation.models import ChangeRequest, Protocol, Report
from app.validation.rules import ChangeRequestStatus, Conclusion, DeviationStatus, ProtocolStatus, ReportStatus
from app.validation.services.common import check_version, clean_text, one_of, require
from app.validation.services.executions import counts, executions_of, tester_ids
from app.validation.services.protocols import signed_current
from app.validation.services.systems import review_due_from


def report_content(report: Report, protocol: Protocol) -> dict[str, Any]:
    """The signed content of a report: the conclusion, the counts, the deviations and every entry."""
    return {
        "protocol_version": protocol.number,
        "conclusion": report.conclusion,
        "restrictions": report.restrictions,
        "summary": report.summary,
        "counts": counts(protocol).as_dict(),
        "deviations": [
            {"number": d.number, "status": d.status, "severity": d.severity, "disposition": d.disposition,
             "closure_rationale": d.closure_rationale}
            for d in protocol.deviations
        ],
        "executions": [
            {"id": e.id, "test_case_id": e.test_case_id, "step_id": e.test_step_id, "outcome": e.outcome,
             "tested_version": e.tested_version, "corrects_id": e.corrects_id}
            for e in executions_of(protocol)
        ],
    }


def report_duty_target(protocol: Protocol, testers: set[int]) -> SignTarget:
    """The report of a protocol version as the separation of duties sees it: its authors are the protocol's author
    and every tester (no content: nothing is signed with it)."""
    return SignTarget(entity_type="report", entity_id=str(protocol.system_id), version=protocol.number, content={},
                      author_ids=frozenset({protocol.author_id} | testers), lasting=False)


def report_sign_target(report: Report, protocol: Protocol) -> SignTarget:
    """The report of a protocol version, signed with its content."""
    return replace(report_duty_target(protocol, tester_ids(protocol)), content=report_content(report, protocol))


def save_report(
    report: Report, by: User, *, conclusion: str, restrictions: str, summary: str,
    expected_version: int | None = None,
) -> None:
    """Write the conclusion of an executed protocol; fit with restrictions needs the restrictions."""
    protocol = report.protocol
    if report.status != ReportStatus.DRAFT:
        raise Conflict("An approved report cannot be changed.")
    require(policies.can_edit_report(by, protocol), "You may not edit this report.")
    check_version(report, expected_version)
    report.conclusion = one_of(conclusion, Conclusion, "Conclusion")
    report.restrictions = clean_text(restrictions, "Restrictions", required=conclusion == Conclusion.FIT_WITH_RESTRICTIONS)
    report.summary = clean_text(summary, "Summary", required=False)
    db.session.flush()


def authoring_blockers(report: Report) -> list[str]:
    """Why the report cannot be signed as authored yet (empty when it can)."""
    protocol = report.protocol
    reasons = []
    if report.status != ReportStatus.DRAFT:
        reasons.append("The report is already approved.")
    if protocol.status != ProtocolStatus.EXECUTED:
        reasons.append("The protocol is not executed.")
    if not report.conclusion:
        reasons.append("The report has no conclusion yet.")
    open_ones = [d.code for d in protocol.deviations if d.status == DeviationStatus.OPEN]
    if open_ones:
        reasons.append(f"Open deviations must be closed first: {', '.join(open_ones)}.")
    return reasons


def authored_signature(report: Report) -> Signature | None:
    """The report's authored signature whose content still matches the report, if any."""
    return signed_current(report_sign_target(report, report.protocol), Meaning.AUTHORED)


def approval_blockers(report: Report) -> list[str]:
    """Why the report cannot be approved yet (empty when it can): it must be complete and signed as authored."""
    reasons = authoring_blockers(report)
    if not reasons and authored_signature(report) is None:
        reasons.append("The report must be signed as authored (by its author) before QA approves it.")
    return reasons


def sign_report(report: Report, by: User, *, password: str, comment: str = "") -> None:
    """The report's author (an engineer) signs the complete report as authored; a later edit needs a new one."""
    protocol = report.protocol
    require(policies.can_edit_report(by, protocol), "You may not sign this report as its author.")
    blockers = authoring_blockers(report)
    if blockers:
        raise Conflict(" ".join(blockers))
    target = report_sign_target(report, protocol)
    if signed_current(target, Meaning.AUTHORED):
        raise Conflict("This report is already signed as authored.")
    signatures.sign(target, by, password=password, meaning=Meaning.AUTHORED, comment=comment)
    audit.record("report.authored", report)


def approve_report(report: Report, by: User, *, password: str, comment: str = "") -> None:
    """QA (neither the author nor a tester) approves; a fit conclusion releases the system and sets its review."""
    protocol = report.protocol
    require(policies.can_approve_report(by, protocol, tester_ids(protocol)),
            "The report is approved by QA who neither wrote the protocol nor executed a test.")
    blockers = approval_blockers(report)
    if blockers:
        raise Conflict(" ".join(blockers))
    target = report_sign_target(report, protocol)
    signatures.sign(target, by, password=password, meaning=Meaning.APPROVED, comment=comment)
    report.counts_snapshot = dict(target.content["counts"])
    report.status = ReportStatus.APPROVED
    report.approved_by_id = by.id
    report.approved_at = utcnow()
    system = protocol.system
    if report.conclusion != Conclusion.NOT_FIT:
        workflow.release_system(system)
        system.validated_version = protocol.system_version
        system.version_in_use = protocol.system_version
        system.released_at = utcnow()
        system.next_periodic_review = review_due_from(system, today())
    change = db.session.scalar(select(ChangeRequest).where(ChangeRequest.protocol_id == protocol.id))
    if change is not None and change.status != ChangeRequestStatus.CLOSED:
        change.status = ChangeRequestStatus.CLOSED
        change.closed_at = utcnow()
    db.session.flush()
    audit.record("report.approved", report, conclusion=report.conclusion,
                 next_periodic_review=system.next_periodic_review)
