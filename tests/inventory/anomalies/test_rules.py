"""When an anomaly review is due: the period by safety class, and a new advisory makes it due at once."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from app.inventory.anomalies.rules import ReviewState, add_months, months_for, next_due, review_required, status_on


@pytest.mark.parametrize(("safety_class", "due"), [("C", date(2026, 2, 15)), ("B", date(2026, 4, 15)), ("A", date(2027, 1, 15))])
def test_class_c_is_due_monthly_b_quarterly_a_yearly_by_default(safety_class, due):
    assert next_due(date(2026, 1, 15), safety_class) == due


def test_the_periods_come_from_the_settings_given():
    assert next_due(date(2026, 1, 15), "B", {"A": 24, "B": 6, "C": 2}) == date(2026, 7, 15)


def test_an_unknown_class_gets_the_strictest_period():
    assert months_for("Z") == 1


def test_month_ends_are_clamped():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2027, 12, 31), 2) == date(2028, 2, 29)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)


def test_only_classes_b_and_c_require_a_review():
    assert review_required("B") and review_required("c")
    assert not review_required("A")


REVIEWED = datetime(2026, 1, 15, 10, 0)


def state(today, *received, due=date(2026, 2, 15), reviewed=REVIEWED):
    return status_on(today, last_reviewed_at=reviewed, due=due, advisories_received=received, remind_days=7)


def test_a_review_is_current_until_the_reminder_window_then_due_soon_then_overdue_on_its_due_date():
    assert state(date(2026, 2, 1)).state == ReviewState.CURRENT
    assert state(date(2026, 2, 8)).state == ReviewState.DUE_SOON
    assert state(date(2026, 2, 8)).is_current
    assert state(date(2026, 2, 15)).state == ReviewState.OVERDUE
    assert not state(date(2026, 2, 15)).is_current


def test_an_advisory_arriving_after_the_review_makes_it_due_at_once():
    status = state(date(2026, 1, 20), datetime(2026, 1, 10), datetime(2026, 1, 16), datetime(2026, 1, 17))
    assert status.state == ReviewState.NEW_ADVISORY
    assert status.new_advisories == 2
    assert not status.is_current


def test_advisories_known_before_the_review_do_not_count():
    assert state(date(2026, 1, 20), datetime(2026, 1, 15, 9, 59)).state == ReviewState.CURRENT


def test_never_reviewed():
    status = status_on(date(2026, 1, 1), last_reviewed_at=None, due=None)
    assert status.state == ReviewState.NEVER_REVIEWED and not status.is_current
