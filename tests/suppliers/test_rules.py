"""Pure rules: default criticality, re-evaluation periods, due and expiry states."""

from __future__ import annotations

from datetime import date

import pytest

from app.suppliers.rules import (
    CriticalityFacts,
    ManualCriticalityNeedsRationale,
    certificate_state,
    default_criticality,
    due_state,
    next_due,
    reevaluation_period_months,
    resolve_criticality,
)


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (CriticalityFacts(supplies_soup_class_c=True), "critical"),
        (CriticalityFacts(supplies_high_risk_otss=True), "critical"),
        (CriticalityFacts(hosts_device=True), "critical"),
        (CriticalityFacts(supplies_soup_class_b=True), "major"),
        (CriticalityFacts(otss_holds_part11_records=True), "major"),
        (CriticalityFacts(supplies_soup_class_b=True, hosts_device=True), "critical"),
        (CriticalityFacts(), "minor"),
    ],
)
def test_default_criticality_follows_the_domain_rule(facts, expected):
    assert default_criticality(facts)[0] == expected


def test_the_rule_explains_itself_in_the_rationale():
    result = resolve_criticality(CriticalityFacts(supplies_soup_class_c=True, hosts_device=True))
    assert result == resolve_criticality(CriticalityFacts(supplies_soup_class_c=True, hosts_device=True))
    assert not result.is_manual
    assert "class C" in result.rationale and "hosts the device" in result.rationale


def test_a_manual_criticality_needs_a_rationale():
    with pytest.raises(ManualCriticalityNeedsRationale):
        resolve_criticality(CriticalityFacts(), "critical", "  ")
    result = resolve_criticality(CriticalityFacts(), "critical", "Sole source of our cloud hosting")
    assert (result.criticality, result.is_manual) == ("critical", True)


@pytest.mark.parametrize(
    ("criticality", "decision", "months"),
    [
        ("critical", "approved", 12),
        ("major", "approved", 24),
        ("minor", "approved", 36),
        ("critical", "conditionally_approved", 6),
        ("minor", "conditionally_approved", 6),
    ],
)
def test_reevaluation_periods_by_criticality_and_decision(criticality, decision, months):
    assert reevaluation_period_months(criticality, decision) == months


def test_next_due_adds_calendar_months_and_clamps_month_ends():
    assert next_due(date(2026, 3, 15), 12) == date(2027, 3, 15)
    assert next_due(date(2027, 8, 31), 6) == date(2028, 2, 29)


def test_due_states_around_the_window():
    today = date(2026, 6, 1)
    assert due_state(date(2026, 5, 31), today, window_days=30) == "overdue"
    assert due_state(date(2026, 6, 1), today, window_days=30) == "due_soon"
    assert due_state(date(2026, 7, 1), today, window_days=30) == "due_soon"
    assert due_state(date(2026, 7, 2), today, window_days=30) == "ok"
    assert due_state(None, today, window_days=30) == "none"


def test_certificate_expiry_states():
    today = date(2026, 6, 1)
    assert certificate_state(date(2026, 5, 31), today, warn_days=60) == "expired"
    assert certificate_state(date(2026, 6, 1), today, warn_days=60) == "due_soon"
    assert certificate_state(date(2026, 8, 1), today, warn_days=60) == "ok"
