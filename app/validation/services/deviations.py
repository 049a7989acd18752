"""Deviations: a failed result opens one; it is closed with severity, impact, disposition and a rationale."""

from __future__ import annotations

from sqlalchemy import func, select

from app.audit import services as audit
from app.auth.models import User
from app.db import utcnow
from app.errors import Conflict
from app.extensions import db
from app.validation import policies
from app.validation.models import Deviation, Execution, Protocol, TestCase, TestStep
from app.validation.rules import DeviationStatus, Disposition, ReportStatus, Severity
from app.validation.services.common import check_version, clean_text, one_of, require


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


def close_deviation(
    deviation: Deviation, by: User, *, severity: str, impact: str, disposition: str, rationale: str,
    expected_version: int | None = None,
) -> None:
    """Close a deviation with its severity, impact, disposition and a rationale."""
    require(policies.can_close_deviation(by), "You may not close deviations.")
    if deviation.status != DeviationStatus.OPEN:
        raise Conflict(f"{deviation.code} is already closed.")
    report = deviation.protocol.report
    if report is not None and report.status == ReportStatus.APPROVED:
        raise Conflict("The report is approved; its deviations cannot change.")
    check_version(deviation, expected_version)
    deviation.severity = one_of(severity, Severity, "Severity")
    deviation.impact = clean_text(impact, "Impact on the intended use")
    deviation.disposition = one_of(disposition, Disposition, "Disposition")
    deviation.closure_rationale = clean_text(rationale, "The closure rationale")
    deviation.status = DeviationStatus.CLOSED
    deviation.closed_by_id = by.id
    deviation.closed_at = utcnow()
    db.session.flush()
    audit.record("deviation.closed", deviation, disposition=deviation.disposition, reason=deviation.closure_rationale)
