"""Requirement IDs: how they are numbered, found in a test's name or properties, and carried between versions.

Pure: plain values in, plain values out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

DEFAULT_PREFIX = "SOUP-REQ"  # requirement IDs given by the app: SOUP-REQ-1, SOUP-REQ-2, ...
RISK_CONTROL_PREFIX = "RC"  # risk-control IDs (the hazard list, kept elsewhere for now): RC-1, RC-2, ...
IDENTIFIER = re.compile(r"[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*-\d+")  # what an ID given by hand must look like
MAX_IDENTIFIER = 60


class RequirementKind(StrEnum):
    """What a SOUP requirement is about (IEC 62304 5.3.3 and 5.3.4)."""

    FUNCTIONAL = "functional"
    PERFORMANCE = "performance"
    HARDWARE_PREREQUISITE = "hardware_prerequisite"
    SOFTWARE_PREREQUISITE = "software_prerequisite"


class RequirementStatus(StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"
    RETIRED = "retired"  # kept on record, no longer checked


class Applicability(StrEnum):
    """How a requirement stands for one component version in a release."""

    CURRENT = "current"  # recorded (or confirmed) for this very version
    REASSESS = "reassess"  # recorded for another version of the package: to re-assess for this one


class LinkOrigin(StrEnum):
    """Where a test case's link to an ID comes from."""

    NAME = "name"  # a marker in the test's name
    PROPERTY = "property"  # <property name="requirements" value="..."/>
    MANUAL = "manual"  # made by hand on the test results page


def normalise_identifier(text: str) -> str:
    """An ID as stored: upper case, hyphens between its parts ("soup_req 12" -> "SOUP-REQ-12")."""
    return re.sub(r"[\s_-]+", "-", text.strip()).upper()


def is_identifier(text: str) -> bool:
    """Whether an ID given by hand has the shape PREFIX-NUMBER (e.g. SOUP-REQ-12, REQ-7)."""
    return len(text) <= MAX_IDENTIFIER and bool(IDENTIFIER.fullmatch(text))


def prefix_of(identifier: str) -> str:
    """The part of an ID before its number ("SOUP-REQ-12" -> "SOUP-REQ")."""
    return identifier.rsplit("-", 1)[0]


def next_identifier(existing: Iterable[str], prefix: str = DEFAULT_PREFIX) -> str:
    """The next free auto-number of a product: one above the highest PREFIX-n in use."""
    numbers = [int(ident.rsplit("-", 1)[1]) for ident in existing
               if prefix_of(ident) == prefix and ident.rsplit("-", 1)[1].isdigit()]
    return f"{prefix}-{max(numbers, default=0) + 1}"


@dataclass(frozen=True)
class Markers:
    """How IDs are written in test names for one product: its prefixes, and the pattern that finds them."""

    prefixes: tuple[str, ...]  # longest first
    pattern: re.Pattern[str]


def markers(prefixes: Iterable[str]) -> Markers:
    """Find IDs with these prefixes (and SOUP-REQ, RC) anywhere in a test name; a Python name may write SOUP_REQ_12."""
    parts = sorted({p for p in prefixes if p} | {DEFAULT_PREFIX, RISK_CONTROL_PREFIX}, key=lambda p: (-len(p), p))
    alternatives = "|".join(r"[-_ ]?".join(re.escape(word) for word in part.split("-")) for part in parts)
    pattern = re.compile(rf"(?<![A-Za-z0-9])(?:{alternatives})[-_ ]?\d+(?![0-9])", re.IGNORECASE)
    return Markers(tuple(parts), pattern)


def ids_in_name(name: str, found_by: Markers) -> list[str]:
    """The IDs marked in a test's name, written as stored (PREFIX-n), in order, each once."""
    return _unique(_canonical(found, found_by.prefixes) for found in found_by.pattern.findall(name))


def ids_in_property(value: str) -> list[str]:
    """The IDs listed in a "requirements" property (commas, semicolons or spaces between them)."""
    return _unique(normalise_identifier(part) for part in re.split(r"[,;\s]+", value) if part.strip())


def _canonical(found: str, prefixes: Sequence[str]) -> str:
    compact = re.sub(r"[^A-Z0-9]", "", found.upper())
    for prefix in prefixes:
        head = prefix.replace("-", "")
        if compact.startswith(head) and compact[len(head):].isdigit():
            return f"{prefix}-{int(compact[len(head):])}"
    return normalise_identifier(found)


def _unique(values: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        if value:
            seen.setdefault(value, None)
    return list(seen)


def case_refs(name: str, property_refs: str, found_by: Markers) -> list[tuple[str, str]]:
    """Every ID a test case names, with where it was found (the property first, then markers in the name)."""
    if not property_refs and found_by.pattern.search(name) is None:
        return []  # most test cases name no ID
    found: dict[str, str] = {}
    for ident in ids_in_property(property_refs):
        found.setdefault(ident, LinkOrigin.PROPERTY)
    for ident in ids_in_name(name, found_by):
        found.setdefault(ident, LinkOrigin.NAME)
    return list(found.items())


def applicability(version: str, recorded_versions: Sequence[str]) -> Applicability | None:
    """A requirement recorded for some versions of a package, seen on one version: current, to re-assess, or none."""
    if version in recorded_versions:
        return Applicability.CURRENT
    return Applicability.REASSESS if recorded_versions else None
