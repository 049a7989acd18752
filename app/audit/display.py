"""The audit trail as a reader sees it: the log page, a record's history panel and the Word extract.

The rule: the trail shows what was recorded. Field names print as labels ("approved_by_id" -> "Approved by"). A
value prints as it was recorded, in one of four readings that change nothing of it: None as nothing, a boolean as
Yes/No, a time as its date and time in UTC, and the id of a referenced record as that record's name (a user's full
name, a supplier's code and name), looked up once per page. A value prints as its label only where its field is
known to hold one of the app's codes and the value is one of them ("conditionally_approved" in a supplier's status
-> "Conditionally approved"); the labels of one code set are distinct, so the label names the code. Every other
value - a user name, a name, free text, a number, a question's option value - prints verbatim, whatever it looks
like ("admin", "qa", "none", "on_request"). (The CSV export writes the stored JSON itself.)

Fields known to hold codes: the columns of an audited model whose default is a StrEnum member or that
`CODE_COLUMNS` lists; an event's details named like a code column of the event's record, or listed for the event
in `DETAIL_CODES`; inside a JSON value (a signed content, a score, a filter), the keys named like a code column of
any audited model or listed in `NESTED_CODE_KEYS`.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import String, select
from sqlalchemy.orm import Mapper

from app.audit.models import Audited, AuditEvent, record_types
from app.extensions import db
from app.labels import display, field_label, is_code, known_codes, label, recorded_time

_CODE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
# Details that only repeat what the event's own columns say, or are internal.
_HIDDEN_DETAILS = frozenset({"signature_id", "signature"})

# Columns that hold codes although their default is no StrEnum member (no default, a constant class, or ""), by
# record type. A column whose default is a StrEnum member needs no entry. `user.roles` holds codes joined by commas.
CODE_COLUMNS: dict[str, frozenset[str]] = {
    "advisory_match": frozenset({"justification"}),
    "anomaly_review": frozenset({"conclusion", "safety_class"}),
    "certificate": frozenset({"standard"}),
    "change_request": frozenset({"revalidation"}),
    "component": frozenset({"classification", "licence_verdict"}),
    "component_waiver": frozenset({"kind", "decision"}),
    "deviation": frozenset({"disposition"}),
    "document_procedure": frozenset({"doc_type"}),
    "document_template": frozenset({"doc_type", "status"}),
    "evaluation": frozenset({"criticality", "suggested_decision", "decision"}),
    "execution": frozenset({"outcome"}),
    "function": frozenset({"use", "process_risk"}),
    "generated_document": frozenset({"doc_type", "source_type"}),
    "licence_policy_entry": frozenset({"verdict"}),
    "performance_event": frozenset({"type"}),
    "periodic_review": frozenset({"outcome"}),
    "purchase_record": frozenset({"receipt_result"}),
    "questionnaire_template": frozenset({"audience"}),
    "report": frozenset({"conclusion"}),
    "signature": frozenset({"meaning", "entity_type"}),
    "software_system": frozenset({"deployment", "gamp_category"}),
    "test_result_link": frozenset({"origin"}),
    "user": frozenset({"roles"}),
}

# Details that hold codes and are not named like a code column of the event's record, by event name.
DETAIL_CODES: dict[str, frozenset[str]] = {
    "advisories.synced": frozenset({"status"}),
    "advisory_match.triaged": frozenset({"old_state"}),
    "component.entered": frozenset({"type"}),
    "component.licence_decided": frozenset({"decision"}),
    "component.retired": frozenset({"old_status"}),
    "deviation.severity_changed": frozenset({"before", "after"}),
    "document.approved": frozenset({"meaning"}),
    "evaluation.scored": frozenset({"suggested"}),
    "evaluation.started": frozenset({"type"}),
    "purchase.receipt_verified": frozenset({"result"}),
    "release.bulk_applied": frozenset({"bulk_action"}),
    "release.imported": frozenset({"channel"}),
    "release.tests_imported": frozenset({"channel"}),
    "signature.refused": frozenset({"meaning"}),
    "supplier.decided": frozenset({"decision"}),
    "supplier.status_changed": frozenset({"from", "to"}),
}

# Keys inside a JSON value that hold codes and are named like no code column (a questionnaire's definition).
NESTED_CODE_KEYS = frozenset({"answer_type", "answered_by", "knockout_scope"})


@dataclass(frozen=True)
class ChangeView:
    field: str
    old: str
    new: str


@dataclass(frozen=True)
class EventView:
    event: AuditEvent
    what: str
    record: str
    changes: tuple[ChangeView, ...]
    details: tuple[tuple[str, str], ...]


def event_label(name: str, action: str) -> str:
    """'evaluation.decided' -> 'Evaluation decided'; without a name, the action's label."""
    if not name:
        return label(action)
    return label(name.replace(".", "_"))


def _audited_classes() -> dict[str, type]:
    found: dict[str, type] = {}
    pending: list[type] = list(Audited.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if hasattr(cls, "__table__"):
            found[cls.audit_type()] = cls  # type: ignore[attr-defined]
    return found


def code_columns(record_type: str, cls: type | None) -> frozenset[str]:
    """The columns of a record type that hold codes: those whose default is a StrEnum member, and CODE_COLUMNS."""
    found = set(CODE_COLUMNS.get(record_type, ()))
    if cls is not None and hasattr(cls, "__table__"):
        for column in cls.__table__.columns:  # type: ignore[attr-defined]
            default = column.default
            if default is not None and isinstance(getattr(default, "arg", None), StrEnum):
                found.add(column.name)
    return frozenset(found)


def text_columns(cls: type | None) -> frozenset[str]:
    """The text columns of a model (a text is never read as a time, whatever it looks like)."""
    if cls is None or not hasattr(cls, "__table__"):
        return frozenset()
    return frozenset(column.name for column in cls.__table__.columns  # type: ignore[attr-defined]
                     if isinstance(column.type, String))


@dataclass(frozen=True)
class CodeFields:
    """What the trail knows of its fields: which hold codes (per record type, per event, inside JSON values), which
    are texts, and the codes a code field may hold (the app's codes and its record types)."""

    columns: Mapping[str, frozenset[str]]
    texts: Mapping[str, frozenset[str]]
    nested: frozenset[str]
    codes: frozenset[str]

    @classmethod
    def of_models(cls, classes: Mapping[str, type]) -> CodeFields:
        """The code fields of the audited models and of the tables above."""
        columns = {record_type: code_columns(record_type, classes.get(record_type))
                   for record_type in set(classes) | set(CODE_COLUMNS)}
        texts = {record_type: text_columns(model) for record_type, model in classes.items()}
        nested = frozenset().union(*columns.values(), NESTED_CODE_KEYS)
        return cls(columns, texts, nested, known_codes() | frozenset(record_types()))

    def column_holds_codes(self, record_type: str, field: str) -> bool:
        return field in self.columns.get(record_type, ())

    def column_is_text(self, record_type: str, field: str) -> bool:
        return field in self.texts.get(record_type, ())

    def detail_holds_codes(self, event: AuditEvent, key: str) -> bool:
        return key in DETAIL_CODES.get(event.name, ()) or self.column_holds_codes(event.entity_type, key)

    def text(self, value: Any, *, holds_codes: bool = False, is_text: bool = False) -> str:
        """A recorded value as the trail prints it (the module's rule); `holds_codes`: its field holds codes;
        `is_text`: its field is a text column (printed as it is, never as a time)."""
        if value is None or value == "":
            return ""
        if isinstance(value, bool):
            return "Yes" if value else "No"
        if isinstance(value, list | tuple):
            return ", ".join(self.text(item, holds_codes=holds_codes) for item in value)
        if isinstance(value, Mapping):
            return "; ".join(f"{field_label(str(key))}: {self.text(item, holds_codes=str(key) in self.nested)}"
                             for key, item in value.items())
        if not isinstance(value, str):
            return str(value)
        if holds_codes:
            if value in self.codes:
                return label(value)
            parts = value.split(",")
            if len(parts) > 1 and all(part in self.codes for part in parts):  # codes joined by commas (user roles)
                return ", ".join(label(part) for part in parts)
        if not is_text and recorded_time(value) is not None:
            return display(value)
        return value


def _class_of_table(table_name: str) -> type | None:
    for mapper in db.Model.registry.mappers:  # type: ignore[attr-defined]
        if getattr(mapper.local_table, "name", None) == table_name:
            return mapper.class_  # type: ignore[no-any-return]
    return None


def _reference(cls: type | None, column: str) -> type | None:
    """The model an `..._id` column of a record type points to (its foreign key), or None."""
    if cls is None or not hasattr(cls, "__table__"):
        return None
    table_column = cls.__table__.columns.get(column)  # type: ignore[attr-defined]
    if table_column is None:
        return None
    for foreign_key in table_column.foreign_keys:
        return _class_of_table(foreign_key.column.table.name)
    return None


def _name_of(obj: Any) -> str:
    full_name = getattr(obj, "full_name", None)
    if full_name:
        return str(full_name)
    code, name = getattr(obj, "code", None), getattr(obj, "name", None)
    if code and name and code != name:
        return f"{code} {name}"
    if isinstance(obj, Audited):
        return str(obj.audit_label())
    return str(getattr(obj, "id", ""))


def _names(wanted: Mapping[type, set[int]]) -> dict[tuple[type, int], str]:
    """One query per referenced model: id -> display name."""
    names: dict[tuple[type, int], str] = {}
    for cls, ids in wanted.items():
        mapper: Mapper[Any] = cls.__mapper__  # type: ignore[attr-defined]
        key = mapper.primary_key[0]
        obj: Any
        for obj in db.session.scalars(select(cls).where(key.in_(sorted(ids)))):
            names[(cls, int(getattr(obj, "id", 0)))] = _name_of(obj)
    return names


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def describe(events: Iterable[AuditEvent]) -> list[EventView]:
    """Display views of events by the module's rule: field names labelled, values as recorded (a code as its label
    only in a field that holds codes), the ids of referenced records as their names, one query per model."""
    events = list(events)
    classes = _audited_classes()
    fields = CodeFields.of_models(classes)
    wanted: dict[type, set[int]] = defaultdict(set)
    references: dict[tuple[str, str], type | None] = {}
    for event in events:
        for key, change in (event.changes or {}).items():
            if not key.endswith("_id") or not isinstance(change, Mapping):
                continue
            ref = references.setdefault(
                (event.entity_type, key), _reference(classes.get(event.entity_type), key)
            )
            if ref is None:
                continue
            for value in (change.get("old"), change.get("new")):
                number = _int(value)
                if number is not None:
                    wanted[ref].add(number)
    names = _names(wanted)

    def shown(entity_type: str, key: str, value: Any) -> str:
        ref = references.get((entity_type, key))
        number = _int(value)
        if ref is not None and number is not None:
            return names.get((ref, number), f"{label(ref.__name__)} (deleted or unknown)")
        return fields.text(value, holds_codes=fields.column_holds_codes(entity_type, key),
                           is_text=fields.column_is_text(entity_type, key))

    views = []
    for event in events:
        changes = tuple(
            ChangeView(field_label(key), shown(event.entity_type, key, change.get("old")),
                       shown(event.entity_type, key, change.get("new")))
            if isinstance(change, Mapping) else ChangeView(field_label(key), "", shown(event.entity_type, key, change))
            for key, change in (event.changes or {}).items()
        )
        details = tuple(
            (field_label(key), fields.text(value, holds_codes=fields.detail_holds_codes(event, key)))
            for key, value in (event.details or {}).items()
            if key not in _HIDDEN_DETAILS
        )
        record = label(event.entity_type) if event.entity_type else ""
        if event.entity_label:
            # Labels written before the registry may hold codes ("unannounced_change 2026-10-21"): print their labels.
            name = _CODE.sub(lambda m: label(m.group(0)) if is_code(m.group(0)) else m.group(0), event.entity_label)
            record = f"{record}: {name}" if record else name
        views.append(EventView(event, event_label(event.name, event.action), record, changes, details))
    return views


def changes_text(view: EventView) -> str:
    """The changes of one event as one line of text: 'Name: A -> B; Approved by:  -> Quinn Quality'."""
    return "; ".join(f"{change.field}: {change.old} -> {change.new}" for change in view.changes)
