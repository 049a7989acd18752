"""Writing and checking the audit trail.

One `before_flush` listener captures field changes of every Audited model; the rows are written
right after the flush (when new records have their ids), chained to the previous event's hash.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from flask import g, has_request_context, request
from sqlalchemy import and_, event, func, insert, inspect, or_, select
from sqlalchemy.orm import Session

from app.audit import anchor, guard  # noqa: F401 - guard adds the append-only triggers to new tables
from app.audit.chain import ChainResult, event_hash, plain
from app.audit.models import AuditAction, Audited, AuditEvent
from app.db import keyset_chunks, read_only, take_deferred_writes, utcnow
from app.extensions import db


class AuditTrailImmutable(Exception):
    """Raised when code tries to change or delete an audit event."""


@dataclass(frozen=True)
class Actor:
    id: int | None
    name: str


_cli_actor: contextvars.ContextVar[Actor | None] = contextvars.ContextVar("cli_actor", default=None)
SYSTEM_ACTOR = Actor(None, "system")


@contextmanager
def acting_as(actor: Actor) -> Iterator[None]:
    """Attribute changes made outside a request (CLI, jobs) to the given actor."""
    token = _cli_actor.set(actor)
    try:
        yield
    finally:
        _cli_actor.reset(token)


def actor_for(user: Any) -> Actor:
    """The audit actor of a user: id plus a copy of the printed name."""
    return Actor(user.id, f"{user.full_name} ({user.username})")


def current_actor() -> Actor:
    """Who is acting now: the logged-in user, else the CLI actor, else 'system'."""
    if has_request_context():
        override = g.get("audit_actor")
        if override is not None:
            return override  # type: ignore[no-any-return]
        from flask_login import current_user

        if current_user and getattr(current_user, "is_authenticated", False):
            return actor_for(current_user)
    return _cli_actor.get() or SYSTEM_ACTOR


def _request_facts() -> tuple[str, str]:
    if not has_request_context():
        return "", ""
    return str(g.get("request_id", "")), str(request.remote_addr or "")


@dataclass
class _Pending:
    action: str
    obj: Any
    changes: dict[str, Any] = field(default_factory=dict)


def _column_keys(obj: Any) -> list[str]:
    return [attr.key for attr in inspect(obj).mapper.column_attrs]


def row_version_key(obj: Any) -> str | None:
    """The attribute holding the optimistic-lock counter (version_id_col), None when the model has none.

    Models whose domain has its own "version" (a release, a package version) name the counter otherwise.
    """
    mapper = inspect(obj).mapper
    column = mapper.version_id_col
    if column is None:
        return None
    return str(mapper.get_property_by_column(column).key)


def row_version(obj: Any) -> int | None:
    """The record's optimistic-lock counter, recorded as the event's entity version."""
    key = row_version_key(obj)
    return getattr(obj, key, None) if key else None


def _changes_for_new(obj: Any) -> dict[str, Any]:
    excluded = type(obj).__audit_exclude__
    return {
        key: {"old": None, "new": plain(getattr(obj, key))}
        for key in _column_keys(obj)
        if key not in excluded and key != row_version_key(obj) and getattr(obj, key) is not None
    }


def _changes_for_dirty(obj: Any) -> dict[str, Any]:
    excluded = type(obj).__audit_exclude__
    state = inspect(obj)
    keyed = type(obj).__audit_keyed__
    changes: dict[str, Any] = {}
    lock_key = row_version_key(obj)
    for key in _column_keys(obj):
        if key in excluded or key in {lock_key, "updated_at"}:
            continue
        history = state.attrs[key].history
        if not history.has_changes():
            continue
        old = history.deleted[0] if history.deleted else None
        new = history.added[0] if history.added else None
        if key in keyed and isinstance(old, Mapping) and isinstance(new, Mapping):
            changes.update(keyed_changes(key, old, new))
        elif plain(old) != plain(new):
            changes[key] = {"old": plain(old), "new": plain(new)}
    return changes


def keyed_changes(column: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """The per-key change of a JSON object column: {"column.key": {"old": ..., "new": ...}} for every key added,
    removed or changed (None stands for "absent"), in key order."""
    changes: dict[str, Any] = {}
    for key in sorted(set(old) | set(new), key=str):
        before, after = plain(old.get(key)), plain(new.get(key))
        if before != after:
            changes[f"{column}.{key}"] = {"old": before, "new": after}
    return changes


def _changes_for_deleted(obj: Any) -> dict[str, Any]:
    excluded = type(obj).__audit_exclude__
    return {
        key: {"old": plain(getattr(obj, key)), "new": None}
        for key in _column_keys(obj)
        if key not in excluded and key != row_version_key(obj)
    }


def entity_key(obj: Any) -> str:
    """The record id as text (composite keys joined by '-'); '' before the first flush."""
    parts = inspect(obj).mapper.primary_key_from_instance(obj)
    return "" if any(part is None for part in parts) else "-".join(str(part) for part in parts)


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent):
            raise AuditTrailImmutable("Audit events are append-only: they cannot be changed or deleted.")
    pending: list[_Pending] = session.info.setdefault("audit_pending", [])
    for obj in session.new:
        if isinstance(obj, Audited):
            pending.append(_Pending(AuditAction.CREATE, obj))
    for obj in session.dirty:
        if isinstance(obj, Audited) and session.is_modified(obj, include_collections=False):
            changes = _changes_for_dirty(obj)
            if changes:
                pending.append(_Pending(AuditAction.UPDATE, obj, changes))
    for obj in session.deleted:
        if isinstance(obj, Audited):
            pending.append(_Pending(AuditAction.DELETE, obj, _changes_for_deleted(obj)))


def _after_flush(session: Session, _context: Any) -> None:
    pending: list[_Pending] = session.info.pop("audit_pending", [])
    if not pending:
        return
    rows = []
    for item in pending:
        obj = item.obj
        changes = item.changes if item.action != AuditAction.CREATE else _changes_for_new(obj)
        rows.append(
            {
                "action": item.action,
                "entity_type": obj.audit_type(),
                "entity_id": entity_key(obj),
                "entity_version": row_version(obj),
                "entity_label": str(obj.audit_label())[:300],
                "changes": changes,
            }
        )
    _append(session, rows)


# Built once: per event only the parameters change (no statement to build and key for the cache each time).
_INSERT_EVENT = insert(AuditEvent.__table__)


def _append(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert events at the end of the chain, keyed with the instance's key, and move the signed chain head
    (serialised: one writer at a time, from the head's read to the commit: the events are made ready before it)."""
    connection = session.connection()
    key = anchor.chain_key()
    actor = current_actor()
    request_id, ip = _request_facts()
    ready = [
        {
            "actor_id": actor.id,
            "actor_name": actor.name,
            "request_id": request_id,
            "ip": ip,
            "action": row["action"],
            "name": row.get("name", ""),
            "entity_type": row.get("entity_type", ""),
            "entity_id": str(row.get("entity_id", "")),
            "entity_version": row.get("entity_version"),
            "entity_label": row.get("entity_label", ""),
            "changes": plain(row.get("changes", {})),
            "details": plain(row.get("details", {})),
            "reason": row.get("reason", ""),
        }
        for row in rows
    ]
    head = anchor.locked_head(connection, draw_id=len(ready) == 1)
    previous = head.last_hash
    last_id = 0
    along = take_deferred_writes(session)
    if not anchor.can_take_along(along):
        for statement, params in along:
            connection.execute(statement, params)
        along = []
    for prepared in ready:
        # The time is taken under the chain's lock: events follow each other in time as they do in the chain.
        fields = {"occurred_at": utcnow(), **prepared, "prev_hash": previous}
        digest = event_hash(fields, key)
        if anchor.append_one(connection, head, key, fields, digest, along):
            return
        for statement, params in along:  # the event was not written with them: they go on their own
            connection.execute(statement, params)
        along = []
        inserted = connection.execute(_INSERT_EVENT, {**fields, "hash": digest}).inserted_primary_key
        last_id = int(inserted[0]) if inserted else last_id
        previous = digest
    anchor.advance(connection, head, key, last_id, previous)


def record(
    name: str,
    entity: Any = None,
    *,
    action: str = AuditAction.EVENT,
    reason: str = "",
    entity_type: str = "",
    entity_id: Any = "",
    **details: Any,
) -> None:
    """Record a domain event (a decision, a signature, a login, an export) in the trail now."""
    session = db.session()
    if entity is not None:
        if not entity_key(entity):
            session.flush()
        entity_type = entity.audit_type()
        entity_id = entity_key(entity)
        label = str(entity.audit_label())[:300]
        version = row_version(entity)
    else:
        label, version = "", None
    _append(
        session,
        [
            {
                "action": action,
                "name": name,
                "entity_type": entity_type,
                "entity_id": entity_id,
                "entity_version": version,
                "entity_label": label,
                "details": details,
                "reason": reason,
            }
        ],
    )


@dataclass(frozen=True)
class Record:
    """A record as the trail names it, for changes written at SQLAlchemy Core level (no ORM object loaded)."""

    type: str
    id: str
    version: int | None
    label: str


def record_changes(entity: Any, changes: Mapping[str, Any], *, action: str = AuditAction.UPDATE) -> None:
    """Record field changes written outside the ORM's change tracking ({"field": {"old": .., "new": ..}}), as the
    before_flush listener records an update: the record (an ORM object, or a `Record`), its version, the old and
    the new values."""
    if not changes:
        return
    session = db.session()
    if not isinstance(entity, Record):
        if not entity_key(entity):
            session.flush()
        entity = Record(entity.audit_type(), entity_key(entity), row_version(entity), str(entity.audit_label()))
    _append(session, [{
        "action": action,
        "entity_type": entity.type,
        "entity_id": entity.id,
        "entity_version": entity.version,
        "entity_label": entity.label[:300],
        "changes": dict(changes),
    }])


ACCESS_DENIED = "access.denied"


def record_access_denied(*, path: str, method: str, permission: str, reason: str, per_minute: int) -> bool:
    """Record a refused request, at most `per_minute` of them per user (or, signed out, per IP) and minute, so
    that refusals cannot flood the trail. True when the event was written."""
    actor = current_actor()
    _request_id, ip = _request_facts()
    since = utcnow() - timedelta(minutes=1)
    who = AuditEvent.actor_id == actor.id if actor.id is not None else AuditEvent.ip == ip
    recent = db.session.scalar(
        select(func.count()).select_from(AuditEvent)
        .where(AuditEvent.name == ACCESS_DENIED, AuditEvent.occurred_at >= since, who)
    )
    if (recent or 0) >= per_minute:
        return False
    record(ACCESS_DENIED, action=AuditAction.EVENT, path=path[:500], method=method, permission=permission,
           reason=reason[:300])
    return True


def _refuse_change(_mapper: Any, _connection: Any, _target: Any) -> None:
    raise AuditTrailImmutable("Audit events are append-only: they cannot be changed or deleted.")


def init_app() -> None:
    """Hook the listeners on every session (idempotent)."""
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
        event.listen(Session, "after_flush", _after_flush)
        event.listen(AuditEvent, "before_update", _refuse_change)
        event.listen(AuditEvent, "before_delete", _refuse_change)


VERIFY_CHUNK = 5000


def verify(*, chunk_size: int | None = None, against: Iterable[Mapping[str, Any]] = ()) -> ChainResult:
    """Re-compute the whole chain with the key, in id order, against the signed head and the signed checkpoints
    (app/audit/anchor.py) and any exported checkpoint given back, as far as the head when it starts.

    It only reads, in chunks of short read-only transactions: memory stays flat on any trail, and on SQLite it
    never takes the write lock, so sign-ins and saves go on while it runs (events added meanwhile are left for
    the next run)."""
    with read_only(), db.engine.connect() as connection:
        anchors = anchor.Anchors(connection)
    return anchor.verify_anchored(anchors, chain_rows(chunk_size or VERIFY_CHUNK), against)


def chain_rows(chunk_size: int = VERIFY_CHUNK) -> Iterator[tuple[int, dict[str, Any], str]]:
    """(id, hashed fields, stored hash) of every event in id order, read in chunks of short read-only
    transactions."""
    table = AuditEvent.__table__
    names = AuditEvent.HASHED_FIELDS
    query = select(table.c.id, table.c.hash, *[table.c[name] for name in names])
    for chunk in keyset_chunks(db.engine, query, table.c.id, chunk_size):
        for event_id, digest, *values in chunk:
            fields = dict(zip(names, values, strict=True))
            fields["changes"] = fields["changes"] or {}  # the hash plains every field (chain.canonical_json)
            fields["details"] = fields["details"] or {}
            yield event_id, fields, digest


PARTS_MAX = 500  # ids of one kind of part a history panel asks for (a record with more shows its newest parts' events)


def parts_of(*kinds: tuple[Any, Any]) -> dict[str, list[int]]:
    """A history panel's `parts`: for each (audited model, condition on it), the model's audit type and the ids of its
    newest PARTS_MAX rows that meet the condition (a supplier's contacts: `(SupplierContact, SupplierContact.supplier_id
    == 42)`), one query each."""
    return {model.audit_type(): list(db.session.scalars(
        select(model.id).where(condition).order_by(model.id.desc()).limit(PARTS_MAX))) for model, condition in kinds}


def history(entity_type: str, entity_id: Any, limit: int = 100,
            parts: Mapping[str, Iterable[Any]] | None = None) -> list[AuditEvent]:
    """The latest events of one record, newest first; with `parts` (record type -> ids: a supplier's contacts and
    certificates), the events of those records too, in the same list."""
    wanted = [and_(AuditEvent.entity_type == entity_type, AuditEvent.entity_id == str(entity_id))]
    for part_type, ids in (parts or {}).items():
        keys = [str(part_id) for part_id in ids][:PARTS_MAX]
        if keys:
            wanted.append(and_(AuditEvent.entity_type == part_type, AuditEvent.entity_id.in_(keys)))
    query = select(AuditEvent).where(or_(*wanted)).order_by(AuditEvent.id.desc()).limit(limit)
    return list(db.session.scalars(query))
