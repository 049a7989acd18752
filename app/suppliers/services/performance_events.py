"""Performance events: what went well or wrong with a supplier; a severe one brings the re-evaluation forward."""

from __future__ import annotations

from datetime import date
from typing import Any

from app.audit import services as audit
from app.db import today
from app.errors import ValidationFailed
from app.extensions import db
from app.suppliers.models import PerformanceEvent, PerformanceEventType, Severity, Supplier
from app.suppliers.services.common import require_editor
from app.suppliers.workflow import APPROVED_STATUSES


def record_performance_event(
    supplier: Supplier, *, occurred_on: date, type: str, severity: str, reference: str, description: str,
    by: Any = None,
) -> PerformanceEvent:
    """Log a performance event; a high-severity one on an approved supplier brings its re-evaluation due to today."""
    require_editor(by)
    if type not in set(PerformanceEventType):
        raise ValidationFailed(f"Unknown event type {type!r}.")
    if severity not in set(Severity):
        raise ValidationFailed(f"Unknown severity {severity!r}.")
    if occurred_on > today():
        raise ValidationFailed("A performance event cannot be in the future.")
    event = PerformanceEvent(
        supplier=supplier, occurred_on=occurred_on, type=type, severity=severity, reference=reference.strip(),
        description=description.strip(), recorded_by_id=getattr(by, "id", None),
    )
    db.session.add(event)
    if severity == Severity.HIGH and supplier.status in APPROVED_STATUSES:
        due = today()
        if supplier.next_reevaluation_due is None or supplier.next_reevaluation_due > due:
            supplier.next_reevaluation_due = due
            audit.record("supplier.reevaluation_triggered", supplier, reason="High-severity performance event",
                         event_type=type, reference=reference.strip())
    db.session.flush()
    return event
