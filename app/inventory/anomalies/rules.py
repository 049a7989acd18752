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
from functools import lru_cache

from app.inventory.advisories.matching import normalise_name, osv_ecosystem

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
    counted = len(advisories_received) if due is None else newer_advisories(last_reviewed_at, advisories_received)
    return scheduled_status(today, last_reviewed_at=last_reviewed_at, next_due=due, new_advisories=counted,
                            remind_days=remind_days)


# --- the stored schedule ---------------------------------------------------------------------------


@lru_cache(maxsize=65536)
def review_key(ecosystem: str, name: str, version: str) -> str:
    """The identity a review is about (OSV ecosystem, normalised name, version) as one text, stored and indexed with
    each component so that every release shipping the version is found at once."""
    osv = osv_ecosystem(ecosystem)
    return "\t".join((osv, normalise_name(osv, name), version))


def schedule_due_on(
    *,
    required: bool,
    last_reviewed_at: datetime | None,
    next_due: date | None,
    advisories_received: list[datetime] | tuple[datetime, ...],
    monitored_since: date,
) -> date | None:
    """The day a version joins the list of reviews due (before the reminder window); None when it never does.

    Never reviewed (class B/C): since it is monitored. Reviewed, then hit by a newer advisory: since that advisory
    arrived. Otherwise: the next due date of its last review. A class A version never reviewed is never due.
    """
    if last_reviewed_at is None or next_due is None:
        return monitored_since if required else None
    newer = [received for received in advisories_received if received > last_reviewed_at]
    if newer:
        return min(min(newer).date(), next_due)
    return next_due


def newer_advisories(last_reviewed_at: datetime | None, advisories_received: list[datetime] | tuple[datetime, ...]) -> int:
    """How many advisories arrived after the last review (all of them when never reviewed), as status_on counts."""
    if last_reviewed_at is None:
        return len(advisories_received)
    return sum(1 for received in advisories_received if received > last_reviewed_at)


def scheduled_status(
    today: date, *, last_reviewed_at: datetime | None, next_due: date | None, new_advisories: int, remind_days: int = 7
) -> ReviewStatus:
    """status_on() from the stored schedule (the count of newer advisories instead of their arrival times)."""
    if last_reviewed_at is None or next_due is None:
        return ReviewStatus(ReviewState.NEVER_REVIEWED, None, new_advisories)
    if new_advisories:
        return ReviewStatus(ReviewState.NEW_ADVISORY, next_due, new_advisories)
    if today >= next_due:
        return ReviewStatus(ReviewState.OVERDUE, next_due)
    if (next_due - today).days <= remind_days:
        return ReviewStatus(ReviewState.DUE_SOON, next_due)
    return ReviewStatus(ReviewState.CURRENT, next_due)
