"""When an anomaly review of a component version is due (IEC 62304 7.1.3). Pure: no Flask, no ORM.

A review is due `months` after the last one (by safety class: C monthly, B quarterly, A yearly by
default) and again as soon as an advisory affecting that version arrives after it.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

DEFAULT_MONTHS: Mapping[str, int] = {"A": 12, "B": 3, "C": 1}
REVIEW_REQUIRED_CLASSES = frozenset({"B", "C"})


class ReviewState(StrEnum):
    """Where a component version stands with its anomaly reviews."""

    CURRENT = "current"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"  # the due date has come (or passed)
    NEW_ADVISORY = "new_advisory"  # an advisory arrived after the last review
    NEVER_REVIEWED = "never_reviewed"


def months_for(safety_class: str, months: Mapping[str, int] = DEFAULT_MONTHS) -> int:
    """The review period of a safety class; an unknown class gets the strictest period."""
    return months.get(safety_class.upper(), min(months.values()))


def next_due(reviewed_on: date, safety_class: str, months: Mapping[str, int] = DEFAULT_MONTHS) -> date:
    """The day the next review is due: the same day of the month, `months` later (clamped at the month's end)."""
    return add_months(reviewed_on, months_for(safety_class, months))


def add_months(day: date, months: int) -> date:
    """The same day `months` later; 31 January + 1 month is the last day of February."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def review_required(safety_class: str) -> bool:
    """Classes B and C need an anomaly review of the exact version; class A needs identification only."""
    return safety_class.upper() in REVIEW_REQUIRED_CLASSES


@dataclass(frozen=True)
class ReviewStatus:
    """The state of one version's reviews on a given day."""

    state: ReviewState
    due: date | None
    new_advisories: int = 0

    @property
    def is_current(self) -> bool:
        return self.state in (ReviewState.CURRENT, ReviewState.DUE_SOON)


def status_on(
    today: date,
    *,
    last_reviewed_at: datetime | None,
    due: date | None,
    advisories_received: list[datetime] | tuple[datetime, ...] = (),
    remind_days: int = 7,
) -> ReviewStatus:
    """New advisories beat dates; a review is due on its due date; within `remind_days` before it, it is due soon."""
    if last_reviewed_at is None or due is None:
        return ReviewStatus(ReviewState.NEVER_REVIEWED, None, len(advisories_received))
    newer = sum(1 for received in advisories_received if received > last_reviewed_at)
    if newer:
        return ReviewStatus(ReviewState.NEW_ADVISORY, due, newer)
    if today >= due:
        return ReviewStatus(ReviewState.OVERDUE, due)
    if (due - today).days <= remind_days:
        return ReviewStatus(ReviewState.DUE_SOON, due)
    return ReviewStatus(ReviewState.CURRENT, due)
