"""Criticality and re-evaluation: the default criticality rule, the period it gives after a decision, and which
suppliers are due."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, func, select

from app.db import today
from app.errors import ValidationFailed
from app.extensions import db
from app.suppliers import rules
from app.suppliers.models import Supplier
from app.suppliers.services.common import setting
from app.suppliers.workflow import APPROVED_STATUSES


def default_criticality(
    *, supplies_soup_class_c: bool = False, supplies_high_risk_otss: bool = False, hosts_device: bool = False,
    supplies_soup_class_b: bool = False, otss_holds_part11_records: bool = False,
    manual: str | None = None, rationale: str = "",
) -> rules.CriticalityResult:
    """domain.md's default criticality rule over plain facts, unless set by hand with a rationale."""
    facts = rules.CriticalityFacts(
        supplies_soup_class_c=supplies_soup_class_c, supplies_high_risk_otss=supplies_high_risk_otss,
        hosts_device=hosts_device, supplies_soup_class_b=supplies_soup_class_b,
        otss_holds_part11_records=otss_holds_part11_records,
    )
    try:
        return rules.resolve_criticality(facts, manual, rationale)
    except rules.ManualCriticalityNeedsRationale as error:
        raise ValidationFailed(str(error)) from error


def facts_of(supplier: Supplier) -> rules.CriticalityFacts:
    """The criticality facts recorded on a supplier."""
    return rules.CriticalityFacts(
        supplies_soup_class_c=supplier.supplies_soup_class_c, supplies_high_risk_otss=supplier.supplies_high_risk_otss,
        hosts_device=supplier.hosts_device, supplies_soup_class_b=supplier.supplies_soup_class_b,
        otss_holds_part11_records=supplier.otss_holds_part11_records,
    )


def reevaluation_period_months(criticality: str, decision: str) -> int:
    """Months to the next re-evaluation (settings): critical 12, major 24, minor 36, conditional 6."""
    return rules.reevaluation_period_months(
        criticality, decision,
        periods=setting("SUPPLIER_REEVALUATION_MONTHS", rules.DEFAULT_PERIOD_MONTHS),
        conditional_months=int(setting("SUPPLIER_CONDITIONAL_REEVALUATION_MONTHS", rules.DEFAULT_CONDITIONAL_MONTHS)),
    )


def _reevaluations_due_query(day: date) -> Select[Any]:
    window = int(setting("SUPPLIER_REEVALUATION_WARN_DAYS", 30))
    return (
        select(Supplier)
        .where(Supplier.status.in_([s.value for s in APPROVED_STATUSES]))
        .where(Supplier.next_reevaluation_due.is_not(None))
        .where(Supplier.next_reevaluation_due <= day + timedelta(days=window))
    )


def reevaluations_due(*, on: date | None = None, limit: int | None = None) -> list[Supplier]:
    """Approved/conditional suppliers whose re-evaluation is overdue or due within the window, soonest first."""
    query = _reevaluations_due_query(on or today()).order_by(Supplier.next_reevaluation_due, Supplier.id)
    if limit:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def reevaluations_due_counts(*, on: date | None = None) -> tuple[int, int]:
    """How many re-evaluations are due within the window, and how many of them are overdue: one count per approved
    status, each a range of the (status, next re-evaluation) index read from the index alone."""
    day = on or today()
    horizon = day + timedelta(days=int(setting("SUPPLIER_REEVALUATION_WARN_DAYS", 30)))
    due = overdue = 0
    for status in APPROVED_STATUSES:
        row = db.session.execute(
            select(func.count(), func.count().filter(Supplier.next_reevaluation_due < day))
            .where(Supplier.status == status.value, Supplier.next_reevaluation_due <= horizon)).one()
        due, overdue = due + int(row[0]), overdue + int(row[1])
    return due, overdue
