"""Pure rules of the supplier register: default criticality, re-evaluation periods, due states.

No Flask, no ORM: plain values in, plain values out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Protocol, TypeVar

from dateutil.relativedelta import relativedelta


class CriticalityLevel(StrEnum):
    CRITICAL = "critical"
    MAJOR = "major"
    MINOR = "minor"


DEFAULT_PERIOD_MONTHS: Mapping[str, int] = {"critical": 12, "major": 24, "minor": 36}
DEFAULT_CONDITIONAL_MONTHS = 6
CONDITIONAL = "conditionally_approved"


@dataclass(frozen=True)
class CriticalityFacts:
    """What the supplier supplies, as far as the criticality rule cares."""

    supplies_soup_class_c: bool = False
    supplies_high_risk_otss: bool = False
    hosts_device: bool = False
    supplies_soup_class_b: bool = False
    otss_holds_part11_records: bool = False


@dataclass(frozen=True)
class CriticalityResult:
    criticality: str
    is_manual: bool
    rationale: str


def default_criticality(facts: CriticalityFacts) -> tuple[str, list[str]]:
    """critical = SOUP for class C, a high process risk OTSS feature, or hosts the device; major = SOUP for
    class B or OTSS holding Part 11 records; otherwise minor. Returns the level and the reasons."""
    critical = [
        reason
        for present, reason in (
            (facts.supplies_soup_class_c, "supplies SOUP for a class C item"),
            (facts.supplies_high_risk_otss, "supplies a high process risk OTSS feature"),
            (facts.hosts_device, "hosts the device"),
        )
        if present
    ]
    if critical:
        return CriticalityLevel.CRITICAL, critical
    major = [
        reason
        for present, reason in (
            (facts.supplies_soup_class_b, "supplies SOUP for a class B item"),
            (facts.otss_holds_part11_records, "supplies OTSS holding Part 11 records"),
        )
        if present
    ]
    if major:
        return CriticalityLevel.MAJOR, major
    return CriticalityLevel.MINOR, ["no SOUP for class B/C, no high-risk or Part 11 OTSS, does not host the device"]


class ManualCriticalityNeedsRationale(ValueError):
    """A criticality set by hand must say why."""


def resolve_criticality(facts: CriticalityFacts, manual: str | None = None, rationale: str = "") -> CriticalityResult:
    """The default rule's level, unless a level is set by hand, which then needs a written rationale."""
    if manual:
        if manual not in set(CriticalityLevel):
            raise ValueError(f"Unknown criticality {manual!r}.")
        if not rationale.strip():
            raise ManualCriticalityNeedsRationale("A criticality set by hand needs a rationale.")
        return CriticalityResult(manual, True, rationale.strip())
    level, reasons = default_criticality(facts)
    return CriticalityResult(level, False, "Default rule: " + "; ".join(reasons) + ".")


def reevaluation_period_months(
    criticality: str, decision: str, *, periods: Mapping[str, int] | None = None,
    conditional_months: int = DEFAULT_CONDITIONAL_MONTHS,
) -> int:
    """Months to the next re-evaluation: conditional approval 6, else critical 12, major 24, minor 36 (defaults)."""
    if decision == CONDITIONAL:
        return conditional_months
    table = periods or DEFAULT_PERIOD_MONTHS
    return int(table[criticality])


def next_due(decided_on: date, months: int) -> date:
    """The decision date plus the period in calendar months (31 Jan + 1 month = 28/29 Feb)."""
    return decided_on + relativedelta(months=months)


class DueState(StrEnum):
    OVERDUE = "overdue"
    DUE_SOON = "due_soon"
    OK = "ok"
    NONE = "none"


def due_state(due: date | None, today: date, *, window_days: int) -> str:
    """overdue when past, due_soon within the window (inclusive), ok later, none without a date."""
    if due is None:
        return DueState.NONE
    if due < today:
        return DueState.OVERDUE
    if due <= today + timedelta(days=window_days):
        return DueState.DUE_SOON
    return DueState.OK


def certificate_state(valid_until: date, today: date, *, warn_days: int) -> str:
    """expired after its last valid day, due_soon within the warning window, else ok."""
    if valid_until < today:
        return "expired"
    if valid_until <= today + timedelta(days=warn_days):
        return DueState.DUE_SOON
    return DueState.OK


class _Certificate(Protocol):
    @property
    def standard(self) -> str: ...

    @property
    def valid_until(self) -> date: ...


CertificateLike = TypeVar("CertificateLike", bound=_Certificate)


def not_renewed(certificates: Sequence[CertificateLike], today: date) -> list[CertificateLike]:
    """The certificates to list, in their order: an expired one drops out once a later one of the same standard is
    in the list (its renewal); an expired one without a renewal stays, to be flagged."""
    latest: dict[str, date] = {}
    for certificate in certificates:
        latest[certificate.standard] = max(latest.get(certificate.standard, certificate.valid_until),
                                           certificate.valid_until)
    return [c for c in certificates if c.valid_until >= today or latest[c.standard] <= c.valid_until]


# Legal-form words that say nothing about who a supplier is ("Atlassian Pty Ltd" is "Atlassian").
LEGAL_FORMS = frozenset({
    "ab", "ag", "as", "bv", "co", "company", "corp", "corporation", "gmbh", "inc", "incorporated", "kg", "limited",
    "llc", "llp", "ltd", "nv", "oy", "plc", "pty", "sa", "sarl", "sas", "se", "spa", "srl", "the",
})


def name_key(name: str) -> str:
    """A supplier name reduced to what identifies it: lower case, letters and digits, legal forms dropped."""
    import re

    words = re.sub(r"[^0-9a-z]+", " ", name.casefold()).split()
    kept = [word for word in words if word not in LEGAL_FORMS]
    return " ".join(kept or words)


def near_duplicates(name: str, others: Mapping[int, str], *, threshold: float = 0.88) -> list[int]:
    """The ids of names that probably mean the same supplier: the same key ("ATLASSIAN" and "Atlassian Pty Ltd"),
    one key the start of the other, or keys nearly alike (difflib ratio at or above the threshold)."""
    from difflib import SequenceMatcher

    key = name_key(name)
    if not key:
        return []
    found = []
    for other_id, other in others.items():
        other_key = name_key(other)
        if not other_key:
            continue
        if (key == other_key or key.startswith(other_key + " ") or other_key.startswith(key + " ")
                or SequenceMatcher(None, key, other_key).ratio() >= threshold):
            found.append(other_id)
    return found
