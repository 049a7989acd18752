"""The append-only audit trail: one row per change or event, chained by hashes."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, DateTime, Index, Integer, String, Text, event
from sqlalchemy.orm import Mapped, Mapper, mapped_column

from app.db import utcnow
from app.extensions import db
from app.labels import register_codes

# Record types the trail names that are no model of their own (an export of a register, say), registered by name.
_NAMED_RECORD_TYPES: set[str] = set()


def register_record_type(*names: str) -> None:
    """Name record types that events carry without an audited model (e.g. `entity_type="suppliers"` of an export)."""
    _NAMED_RECORD_TYPES.update(names)


def record_types() -> list[str]:
    """Every record type the trail can hold, sorted: each mapped model's `audit_type()` and the registered names.

    The audit log offers these as its record-type filter, so the page never scans the trail for its types."""
    names = set(_NAMED_RECORD_TYPES)
    for mapper in db.Model.registry.mappers:  # type: ignore[attr-defined]
        audit_type = getattr(mapper.class_, "audit_type", None)
        if callable(audit_type):
            names.add(audit_type())
    return sorted(names)


class Audited:
    """Mixin: models that inherit it get every create/update/delete recorded with old and new values."""

    __audit_exclude__: ClassVar[frozenset[str]] = frozenset()
    # JSON object columns whose update is recorded per key ("answers.C3": old -> new) rather than as the whole
    # old and new object: the event names what changed, and its size no longer grows with the column.
    __audit_keyed__: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def audit_type(cls) -> str:
        """The record type name in the audit trail (snake_case of the class name)."""
        return re.sub(r"(?<!^)(?=[A-Z])", "_", cls.__name__).lower()

    def audit_label(self) -> str:
        return str(getattr(self, "name", "") or getattr(self, "id", ""))


class AuditAction:
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    STATUS_CHANGE = "status_change"
    SIGN = "sign"
    LOGIN = "login"
    LOGOUT = "logout"
    LOGIN_FAILED = "login_failed"
    LOCKOUT = "lockout"
    EXPORT = "export"
    TOKEN_USED = "token_used"  # noqa: S105 - an action name, not a secret
    EVENT = "event"


register_codes(*(value for name, value in vars(AuditAction).items() if name.isupper()))


class AuditEvent(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "audit_events"
    __table_args__ = (
        # The record page's history (one record's events, newest first).
        Index("ix_audit_events_entity", "entity_type", "entity_id"),
        Index("ix_audit_events_occurred_at", "occurred_at"),
        # The audit log's filters, each read newest first by id (keyset pages): record type, actor, action, event.
        Index("ix_audit_events_entity_type_id", "entity_type", "id"),
        Index("ix_audit_events_actor_id_id", "actor_id", "id"),
        Index("ix_audit_events_action_id", "action", "id"),
        Index("ix_audit_events_name_id", "name", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    actor_name: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    request_id: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    ip: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    action: Mapped[str] = mapped_column(String(40), nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False, default="")  # domain event name
    entity_type: Mapped[str] = mapped_column(String(80), nullable=False, default="")
    entity_id: Mapped[str] = mapped_column(String(80), nullable=False, default="")
    entity_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    entity_label: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    hash: Mapped[str] = mapped_column(String(64), nullable=False, default="")

    HASHED_FIELDS: ClassVar[tuple[str, ...]] = (
        "occurred_at",
        "actor_id",
        "actor_name",
        "request_id",
        "ip",
        "action",
        "name",
        "entity_type",
        "entity_id",
        "entity_version",
        "entity_label",
        "changes",
        "details",
        "reason",
        "prev_hash",
    )


class AuditChainHead(db.Model):  # type: ignore[name-defined,misc]
    """The one row naming the newest event of the chain, signed with the instance's audit key (never stored here):
    deleting events from the end leaves it naming an event that is gone, and only the key holder can move it."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # always 1
    last_event_id: Mapped[int] = mapped_column(Integer, nullable=False)
    last_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    # The first event hashed with the key; earlier events (before the chain was keyed) carry a plain sha256.
    keyed_from_id: Mapped[int] = mapped_column(Integer, nullable=False)
    checkpointed_id: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    mac: Mapped[str] = mapped_column(String(64), nullable=False, default="")

    SIGNED_FIELDS: ClassVar[tuple[str, ...]] = ("last_event_id", "last_hash", "keyed_from_id")


class AuditCheckpoint(db.Model):  # type: ignore[name-defined,misc]
    """A signed copy of the chain head at one moment (append-only); `flask audit checkpoint --out FILE` also
    writes it to a file to be kept elsewhere, and `audit verify` checks the chain against every one."""

    __tablename__ = "audit_checkpoints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    last_event_id: Mapped[int] = mapped_column(Integer, nullable=False)
    last_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    mac: Mapped[str] = mapped_column(String(64), nullable=False)

    SIGNED_FIELDS: ClassVar[tuple[str, ...]] = ("created_at", "last_event_id", "last_hash")


def _keep_old_values(_mapper: Any, cls: type) -> None:
    """Audited columns load their old value before a change, so an update after commit still knows it."""
    if not issubclass(cls, Audited):
        return
    for attribute in _mapper.column_attrs:
        event.listen(getattr(cls, attribute.key), "set", _noop, active_history=True)


def _noop(_target: Any, value: Any, _old: Any, _initiator: Any) -> Any:
    return value


event.listen(Mapper, "mapper_configured", _keep_old_values)
