"""Deviations: a failed result opens one; QA closes it with a signature: severity (a change needs a reason), impact,
disposition and a rationale."""

from __future__ import annotations

from sqlalchemy import func, select

from app.audit import services as audit
from app.auth.models import User
from app.db import utcnow
from app.errors import Conflict, ValidationFailed
from app.extensions import db
from app.labels import label
from app.signatures import services as signatures
from app.signatures.models import Meaning
from app.signatures.services import SignTarget
from app.validation import policies
from app.validation.models import Deviation, Execution, Protocol, TestCase, TestStep
from app.validation.rules import DeviationStatus, Disposition, Outcome, ReportStatus, Severity
from app.validation.services.common import check_version, clean_text, one_of, require, verify_signer


def open_deviation(protocol: Protocol, entry: Execution, case: TestCase, step: TestStep | None) -> Deviation:
    """A failed result opens a major deviation, numbered within its protocol; closing it sets the real severity."""
    number = (db.session.scalar(select(func.max(Deviation.number)).where(Deviation.protocol_id == protocol.id))
              or 0) + 1
    where = f"{case.code}" + (f" step {step.order}" if step else "")
    deviation = Deviation(
        protocol_id=protocol.id, execution_id=entry.id, number=number, status=DeviationStatus.OPEN,
        severity=Severity.MAJOR, description=f"{where} failed: {entry.actual_result}",
    )
    db.session.add(deviation)
    db.session.flush()
    audit.record("deviation.opened", deviation, execution_id=entry.id)
    return deviation


def deviation_sign_target(deviation: Deviation) -> SignTarget:
    """A deviation's closure as signed: severity, impact, disposition and rationale; the engineer who executed
    the failed test is its author and never signs its closure."""
    executed_by = {deviation.execution.tester_id} if deviation.execution is not None else set()
    return SignTarget(
        entity_type="deviation", entity_id=str(deviation.id), version=1,
        content={
            "protocol_id": deviation.protocol_id, "number": deviation.number, "description": deviation.description,
            "severity": deviation.severity, "severity_reason": deviation.severity_reason,
            "impact": deviation.impact, "disposition": deviation.disposition,
            "closure_rationale": deviation.closure_rationale,
        },
        author_ids=frozenset(executed_by),
    )


def _require_retest(deviation: Deviation) -> None:
    """'Fixed and retested' needs the retest on record: a passing result of the failed step (or unscripted case)
    recorded after the failure, not a correction of it."""
    failed = deviation.execution
    if failed is None:
        return  # raised by hand, on no recorded result: the rationale says what was retested
    retest = db.session.scalar(select(Execution.id).where(
        Execution.protocol_id == failed.protocol_id, Execution.test_case_id == failed.test_case_id,
        Execution.test_step_id.is_(None) if failed.test_step_id is None else Execution.test_step_id == failed.test_step_id,
        Execution.outcome == Outcome.PASS, Execution.id > failed.id, Execution.corrects_id.is_(None)).limit(1))
    if retest is None:
        where = failed.test_case.code if failed.test_step is None else f"{failed.test_case.code} step {failed.test_step.order}"
        raise ValidationFailed(f"'Fixed and retested' needs a passing retest of {where} after the failure, and none is "
                               "recorded: record the retest while the protocol is in execution, or choose the "
                               "disposition that says what was done.")


def close_deviation(
    deviation: Deviation, by: User, *, severity: str, impact: str, disposition: str, rationale: str,
    password: str, severity_reason: str = "", comment: str = "", expected_version: int | None = None,
) -> None:
    """QA (never the engineer who executed the failed test) closes a deviation with a signature: severity,
    impact, disposition and rationale; a severity other than the recorded one needs a reason (audited)."""
    require(policies.can_close_deviation(by), "Deviations are closed by QA.")
    if deviation.status != DeviationStatus.OPEN:
        raise Conflict(f"{deviation.code} is already closed.")
    report = deviation.protocol.report
    if report is not None and report.status == ReportStatus.APPROVED:
        raise Conflict("The report is approved; its deviations cannot change.")
    check_version(deviation, expected_version)
    signatures.require_not_author(deviation_sign_target(deviation), by, Meaning.APPROVED)
    severity = one_of(severity, Severity, "Severity")
    reason = clean_text(severity_reason, "The reason for the change of severity", required=False)
    recorded = deviation.severity
    if severity != recorded and not reason:
        raise ValidationFailed(
            f"Changing the severity from {label(recorded).lower()} to {label(severity).lower()} needs a reason."
        )
    impact = clean_text(impact, "Impact on the intended use")
    disposition = one_of(disposition, Disposition, "Disposition")
    if disposition == Disposition.FIXED_RETESTED:
        _require_retest(deviation)
    rationale = clean_text(rationale, "The closure rationale")
    verify_signer(by, password)
    deviation.severity = severity
    deviation.severity_reason = reason if severity != recorded else ""
    deviation.impact = impact
    deviation.disposition = disposition
    deviation.closure_rationale = rationale
    deviation.status = DeviationStatus.CLOSED
    deviation.closed_by_id = by.id
    deviation.closed_at = utcnow()
    db.session.flush()
    signatures.sign(deviation_sign_target(deviation), by, password=password, meaning=Meaning.APPROVED,
                    comment=comment)
    if severity != recorded:
        audit.record("deviation.severity_changed", deviation, before=recorded, after=severity, reason=reason)
    audit.record("deviation.closed", deviation, disposition=deviation.disposition, reason=deviation.closure_rationale)
