"""The audit trail as a reader sees it: field names as labels, codes as labels, None as nothing, and ids of
related records as their names (a user's full name, a supplier's code and name), looked up once per page."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Mapper

from app.audit.models import Audited, AuditEvent
from app.extensions import db
from app.labels import display, field_label, is_code, label

_CODE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
# Details that only repeat what the event's own columns say, or are internal.
_HIDDEN_DETAILS = frozenset({"signature_id", "signature"})


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
    """Display views of events, resolving the ids of referenced records in one query per model."""
    events = list(events)
    classes = _audited_classes()
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
        return display(value)

    views = []
    for event in events:
        changes = tuple(
            ChangeView(field_label(key), shown(event.entity_type, key, change.get("old")),
                       shown(event.entity_type, key, change.get("new")))
            if isinstance(change, Mapping) else ChangeView(field_label(key), "", display(change))
            for key, change in (event.changes or {}).items()
        )
        details = tuple(
            (field_label(key), display(value)) for key, value in (event.details or {}).items()
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
