"""The one label registry: how every stored code and every field name reads for people.

Pages (the `humanise`, `label` and `field_label` filters), Word records, the audit history and extracts and
the CSV/XLSX exports all print through it, so a code such as `conditionally_approved` or a field such as
`approved_by_id` never reaches a reader. A code without an entry reads as its words
(`under_evaluation` -> "Under evaluation"); the entries below are the codes whose words would be wrong
("soup" -> "SOUP", "saas" -> "SaaS").

Pure: it imports nothing from the app. The known codes are the values of every StrEnum defined in `app`
plus those registered with `register_codes` (constant classes such as signature meanings).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from enum import StrEnum
from typing import Any

# Codes whose label is not simply their words.
VALUE_LABELS: dict[str, str] = {
    "soup": "SOUP",
    "reassess": "Re-assess",
    "hardware_prerequisite": "Hardware prerequisite",
    "software_prerequisite": "Software prerequisite",
    "otss": "OTSS",
    "saas": "SaaS",
    "paas": "PaaS",
    "iaas": "IaaS",
    "on_prem": "On premises",
    "qa": "QA",
    "na": "Not applicable",
    "not_high": "Not high",
    "unscripted_exploratory": "Unscripted (exploratory)",
    "unscripted_ad_hoc": "Unscripted (ad hoc)",
    "fit_with_restrictions": "Fit with restrictions",
    "not_fit": "Not fit",
    "fixed_retested": "Fixed and retested",
    "accepted_with_rationale": "Accepted with rationale",
    "open_source": "Open source",
    "open_source_project": "Open-source project",
    "for_cause": "For cause",
    "yes_no": "Yes/no",
    "critical_only": "Critical suppliers only",
    "status_change": "Status change",
    "login_failed": "Failed login",
    "token_used": "Supplier link used",
    "cli": "Command line",
    "api": "API",
    "web": "Web",
    "dev": "Development",
    "needs_risk_control": "Needs a risk control",
    "weak_copyleft": "Weak copyleft",
    "strong_copyleft": "Strong copyleft",
    "no_licence": "No licence declared",
    "remain_validated": "Remains validated",
    "pass": "Passed",
    "fail": "Failed",
    "blocked": "Blocked",
    "operating-system": "Operating system",
    "licence_waiver": "Licence waiver",
    "licence_decision": "Licence decision",
    "supplier_exemption": "Supplier exemption",
    "vulnerable_code_cannot_be_controlled_by_adversary": "Vulnerable code cannot be controlled by an adversary",
    # Record types whose words misread (an acronym, the user's name for it).
    "api_token": "API token",
    "evaluation_token": "Supplier link",
    "soup_requirement": "SOUP requirement",
    "soup_hazard_link": "SOUP hazard link",
    # Audit event names (app.audit.display.event_label: "auth.login" -> "auth_login") that read better as a sentence.
    "auth_login": "Signed in",
    "auth_logout": "Signed out",
    "auth_login_failed": "Sign-in failed",
    "auth_lockout": "Account locked after failed sign-ins",
    "auth_password_changed": "Password changed",
    "auth_password_reset": "Password reset by an administrator",
    "api_token_scoped": "API token scope recorded",
    "api_token_used": "API token used",
    "audit_checkpointed": "Audit trail checkpoint written",
    "audit_exported": "Audit trail exported",
    "document_pdf_archived": "Document PDF archived",
    "release_vex_imported": "Release VEX imported",
    "soup_requirement_confirmed": "SOUP requirement confirmed",
    "soup_requirement_rationale_signed": "SOUP requirement rationale signed",
    "supplier_reevaluation_triggered": "Supplier re-evaluation triggered",
}

# Field (column and context) names whose label is not simply their words without a trailing "_id".
FIELD_LABELS: dict[str, str] = {
    "id": "Record number",
    "code": "Code",
    "purl": "Package URL",
    "url": "URL",
    "sha256": "SHA-256",
    "kind": "Kind",
    "scope": "Scope",
    "gamp_category": "GAMP category",
    "hw_sw_needed": "Hardware and software needed",
    "hazard_refs": "Hazard references",
    "cpe": "CPE",
    "component_type": "Type",
    "software_item_id": "Software item",
    "class_rationale": "Rationale for a lower safety class",
    "lower_class_rationale": "Rationale for lower-class components",
    "transitive_rule": "SOUPs of SOUPs",
    "licence_expression": "Licence",
    "next_reevaluation_due": "Next re-evaluation due",
    "criticality_rationale": "Criticality rationale",
    "approval_scope": "Approval scope",
    "qms_requirements": "QMS requirements",
    "qms_processes": "QMS processes",
    "holds_part11_records": "Holds Part 11 records",
    "change_notification_agreed": "Change notification agreed",
    "knockout_hits": "Knock-out hits",
    "knockout_justification": "Knock-out justification",
    "token_hash": "Link token (hash)",
    "password_hash": "Password (hash)",
    "row_version": "Row version",
    "version": "Version",
    "product_version": "Product version",
    "system_version": "System version",
    "version_in_use": "Version in use",
    "validated_version": "Validated version",
    "next_periodic_review": "Next periodic review",
    "safety_class": "Safety class",
    "direct": "Direct dependency",
    "ip": "IP address",
    "entity_type": "Record type",
    "entity_id": "Record",
    "entity_version": "Record version",
    "content_hash": "Content hash",
    "prev_hash": "Previous hash",
    "mfa": "Two-factor authentication",
    "evidence_url": "Evidence URL",
    "repository_url": "Repository URL",
    "pdf_data": "PDF file",
    "pdf_sha256": "PDF SHA-256",
    "pdf_size": "PDF size",
    "supplies_soup_class_c": "Supplies SOUP of class C",
    "supplies_soup_class_b": "Supplies SOUP of class B",
    "supplies_high_risk_otss": "Supplies high-risk OTSS",
    "otss_holds_part11_records": "OTSS holds Part 11 records",
    "criticality_is_manual": "Criticality set by hand",
    "signed_sha256": "Signed copy SHA-256",
    "signed_size": "Signed copy size",
}

_EXTRA_CODES: set[str] = set()
_SNAKE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$")


def register_codes(*codes: str) -> None:
    """Declare stored codes that are not StrEnum members (constant classes), so they print as labels."""
    _EXTRA_CODES.update(codes)


def register_labels(labels: dict[str, str]) -> None:
    """Declare stored codes with their labels (a module's own table of them, such as the document types)."""
    VALUE_LABELS.update(labels)
    _EXTRA_CODES.update(labels)


def _enum_values(cls: type[StrEnum]) -> Iterable[str]:
    for subclass in cls.__subclasses__():
        if subclass.__module__.startswith("app."):
            yield from (str(member.value) for member in subclass)  # type: ignore[attr-defined]
        yield from _enum_values(subclass)


def known_codes() -> frozenset[str]:
    """Every stored code the app defines (the values of its StrEnums and the registered constants). Built once and
    kept while no StrEnum or code is added (an audit page asks for every value it shows: rebuilding it each time
    took 0.33 ms a value, seconds for a page of template events)."""
    key = (len(StrEnum.__subclasses__()), len(_EXTRA_CODES))
    if _CODES_CACHE.get("key") != key:
        _CODES_CACHE["key"] = key
        _CODES_CACHE["codes"] = frozenset(_enum_values(StrEnum)) | frozenset(_EXTRA_CODES)
    return _CODES_CACHE["codes"]  # type: ignore[return-value]


_CODES_CACHE: dict[str, object] = {}


def words(text: str) -> str:
    """snake_case as words with a capital: 'conditionally_approved' -> 'Conditionally approved'."""
    spaced = text.replace("_", " ").strip()
    return spaced[:1].upper() + spaced[1:]


def label(value: object) -> str:
    """The label of a stored code (None and '' print as nothing)."""
    if value is None:
        return ""
    text = str(value.value if isinstance(value, StrEnum) else value)
    return VALUE_LABELS.get(text) or words(text)


def field_label(name: str) -> str:
    """The label of a field name: 'approved_by_id' -> 'Approved by'; 'answers.C3' -> 'Answers: C3'."""
    if name in FIELD_LABELS:
        return FIELD_LABELS[name]
    head, dot, key = name.partition(".")
    if dot:
        return f"{field_label(head)}: {key}"
    return words(name.removesuffix("_id")) if name.endswith("_id") else words(name)


def is_code(value: object) -> bool:
    """True when a text is one of the app's stored codes (so it must print as its label)."""
    return isinstance(value, str) and value in known_codes()


def looks_like_code(value: object) -> bool:
    """True for a snake_case word (a code or a field name that escaped its label)."""
    return isinstance(value, str) and bool(_SNAKE.match(value))


_ISO_DATETIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d{1,6})?)?Z?")  # UTC, as the app stores times


def recorded_time(value: object) -> datetime | None:
    """The time a value holds: a datetime, or a time kept in JSON as the app stores times (ISO text in UTC, as an
    audit event's change holds it); None for anything else (a date alone included)."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and _ISO_DATETIME.fullmatch(value):
        return datetime.fromisoformat(value.removesuffix("Z"))
    return None


def display(value: Any) -> str:
    """A stored value as a reader sees it: nothing for None, Yes/No, dates as ISO, codes as labels."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    when = recorded_time(value)
    if when is not None:
        return when.strftime("%Y-%m-%d %H:%M UTC")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, StrEnum) or is_code(value):
        return label(value)
    if isinstance(value, list | tuple):
        return ", ".join(display(item) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{field_label(str(key))}: {display(item)}" for key, item in value.items())
    return str(value)
