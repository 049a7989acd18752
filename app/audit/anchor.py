"""The anchor of the audit chain: the instance's key, the signed chain head and the signed checkpoints.

Every event's hash is keyed (HMAC) with a key from the instance configuration that never enters the database, so
nobody can re-hash an edited chain with the app's own function. The chain head row names the newest event and is
signed with the same key: deleting events from the end leaves it naming an event that is gone. Checkpoints copy
the head at a moment, every AUDIT_CHECKPOINT_EVERY events and on `flask audit checkpoint`, which can also write
one to a file kept elsewhere: `flask audit verify --against FILE` then proves nothing before it was removed
or rewritten, even by someone who restored the whole database from an older backup.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import Executable, bindparam, func, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.sql.dml import UpdateBase

from app.audit.chain import ChainResult, keyed_hash, verify_chain
from app.audit.models import AuditChainHead, AuditCheckpoint, AuditEvent
from app.db import utcnow

HEAD_ID = 1
EXPORT_FORMAT = "provenance-audit-checkpoint/1"

_HEAD = select(
    AuditChainHead.last_event_id, AuditChainHead.last_hash, AuditChainHead.keyed_from_id,
    AuditChainHead.checkpointed_id, AuditChainHead.mac,
).where(AuditChainHead.id == HEAD_ID)
_HEAD_FOR_UPDATE = _HEAD.with_for_update()
_LOCK_FIRST_WRITERS = text("SELECT pg_advisory_xact_lock(4242)")
_NEWEST_EVENT = select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
# Built once (Core statements on the tables): per write only the parameters change.
_HEAD_TABLE = AuditChainHead.__table__
_UPDATE_HEAD = _HEAD_TABLE.update().where(_HEAD_TABLE.c.id == HEAD_ID)
_INSERT_HEAD = _HEAD_TABLE.insert()
_INSERT_CHECKPOINT = AuditCheckpoint.__table__.insert()
# PostgreSQL, a write of one event: the head locked, then (materialised first, so under the lock) the event's id
# drawn from the id sequence, in one round trip; the event and the head moved to it are then written together.
_HEAD_DRAWING_ID = select(
    *_HEAD_FOR_UPDATE.cte("locked_head").prefix_with("MATERIALIZED", dialect="postgresql").c,
    func.nextval(func.pg_get_serial_sequence(AuditEvent.__table__.name, "id")).label("next_id"),
)
_EVENTS_TABLE = AuditEvent.__table__
_INSERT_EVENT_AND_MOVE_HEAD = _HEAD_TABLE.update().where(_HEAD_TABLE.c.id == HEAD_ID).values(
    {name: bindparam(f"head_{name}", type_=_HEAD_TABLE.c[name].type)
     for name in ("last_event_id", "last_hash", "keyed_from_id", "checkpointed_id", "mac")}
).add_cte(
    _EVENTS_TABLE.insert().values(
        {column.name: bindparam(f"event_{column.name}", type_=column.type) for column in _EVENTS_TABLE.columns}
    ).cte("new_event")
)


def chain_key() -> bytes:
    """The key of the chain: AUDIT_CHAIN_KEY, or (development and tests only) one derived from SECRET_KEY."""
    configured = current_app.config.get("AUDIT_CHAIN_KEY")
    if configured:
        return str(configured).encode("utf-8")
    return _derived_key(str(current_app.config["SECRET_KEY"]))


@functools.lru_cache(maxsize=8)
def _derived_key(secret: str) -> bytes:
    """The chain key derived from a secret key (kept per process: every audited write asks for it)."""
    return hmac.new(secret.encode("utf-8"), b"provenance audit chain", hashlib.sha256).digest()


def head_mac(key: bytes, last_event_id: int, last_hash: str, keyed_from_id: int) -> str:
    return keyed_hash(key, {"last_event_id": last_event_id, "last_hash": last_hash, "keyed_from_id": keyed_from_id})


def checkpoint_mac(key: bytes, created_at: str, last_event_id: int, last_hash: str) -> str:
    return keyed_hash(key, {"created_at": created_at, "last_event_id": last_event_id, "last_hash": last_hash})


def _stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds")


class Head:
    """The chain head as `_append` reads it at the start of a write (under the chain's lock); `next_id` is the id
    drawn for the one event of the write when the read drew it too (PostgreSQL), else None."""

    def __init__(self, connection: Connection, statement: Executable = _HEAD) -> None:
        row = connection.execute(statement).first()
        self.exists = row is not None
        self.next_id: int | None = None
        if row is not None:
            self.last_hash: str = row.last_hash
            self.keyed_from_id: int = row.keyed_from_id
            self.checkpointed_id: int = row.checkpointed_id
            self.next_id = row._mapping.get("next_id")
        else:
            # No head yet: a new database (or one whose head row was deleted: then every event must be keyed).
            newest = connection.execute(_NEWEST_EVENT).first()
            self.last_hash = newest.hash if newest else ""
            self.keyed_from_id = 1
            self.checkpointed_id = 0


def locked_head(connection: Connection, *, draw_id: bool = False) -> Head:
    """The head read for a write and locked until the transaction ends: one writer at a time.

    SQLite: the write transaction holds the database's one write lock already. PostgreSQL: SELECT ... FOR UPDATE of
    the head row waits for the writer before and then reads what it committed (one round trip); only a chain with
    no head row yet (a new database) takes the advisory lock that serialises its first writers, then reads again.
    draw_id (PostgreSQL, a write of one event): the same round trip draws the event's id under the lock, so that
    the event and the head it moves to are written in one statement (`append_one`)."""
    if connection.dialect.name != "postgresql":
        return Head(connection)
    head = Head(connection, _HEAD_DRAWING_ID if draw_id else _HEAD_FOR_UPDATE)
    if not head.exists:
        connection.execute(_LOCK_FIRST_WRITERS)
        head = Head(connection, _HEAD_FOR_UPDATE)
    return head


def _checkpoint_due(head: Head, last_event_id: int) -> bool:
    every = int(current_app.config.get("AUDIT_CHECKPOINT_EVERY") or 0)
    return bool(every) and last_event_id - head.checkpointed_id >= every


def _head_values(head: Head, key: bytes, last_event_id: int, last_hash: str, checkpointed: int) -> dict[str, Any]:
    return {
        "last_event_id": last_event_id, "last_hash": last_hash, "keyed_from_id": head.keyed_from_id,
        "checkpointed_id": checkpointed, "mac": head_mac(key, last_event_id, last_hash, head.keyed_from_id),
    }


def advance(connection: Connection, head: Head, key: bytes, last_event_id: int, last_hash: str) -> None:
    """Move the signed head to the newest event; every AUDIT_CHECKPOINT_EVERY events also keep a checkpoint."""
    checkpointed = head.checkpointed_id
    if _checkpoint_due(head, last_event_id):
        write_checkpoint(connection, key, last_event_id, last_hash)
        checkpointed = last_event_id
    values = _head_values(head, key, last_event_id, last_hash, checkpointed)
    if head.exists:
        connection.execute(_UPDATE_HEAD, values)
    else:
        connection.execute(_INSERT_HEAD, {"id": HEAD_ID, **values})


def append_one(
    connection: Connection, head: Head, key: bytes, fields: Mapping[str, Any], digest: str,
    along: Sequence[tuple[UpdateBase, Mapping[str, Any]]] = (),
) -> bool:
    """Write one event under the id its head read drew (`locked_head(draw_id=True)`) and move the signed head to
    it, in one statement (one round trip while the chain is locked), with the transaction's deferred writes
    (`along`, app.db.defer_write) as CTEs of that statement. False, with nothing written, when the head drew no id
    or a checkpoint is due: then the event is inserted and `advance` called as for several events."""
    event_id = head.next_id
    if event_id is None or _checkpoint_due(head, event_id):
        return False
    values = _head_values(head, key, event_id, digest, head.checkpointed_id)
    params: dict[str, Any] = {
        **{f"event_{name}": value for name, value in fields.items()}, "event_id": event_id, "event_hash": digest,
        **{f"head_{name}": value for name, value in values.items()},
    }
    for _statement, write in along:
        params.update(write)
    connection.execute(_event_statement_with(tuple(statement for statement, _params in along)), params)
    return True


@functools.lru_cache(maxsize=16)
def _event_statement_with(along: tuple[UpdateBase, ...]) -> Executable:
    """The event-and-head statement with these writes as its CTEs, built once per combination (the same few writes
    are deferred again and again: an answer, a rate-limit hit), so that it is compiled once and then cached."""
    if not along:
        return _INSERT_EVENT_AND_MOVE_HEAD
    return _INSERT_EVENT_AND_MOVE_HEAD.add_cte(*(write.cte(f"along_{index}") for index, write in enumerate(along)))


def can_take_along(along: Sequence[tuple[UpdateBase, Mapping[str, Any]]]) -> bool:
    """Whether deferred writes can go as CTEs of one statement: each a different statement (two with the same one
    would share its parameter names), and no parameter name given twice."""
    names = [name for _statement, params in along for name in params]
    return len({id(statement) for statement, _params in along}) == len(along) and len(set(names)) == len(names)


def write_checkpoint(connection: Connection, key: bytes, last_event_id: int, last_hash: str) -> dict[str, Any]:
    """Store a signed checkpoint of the head; returns it as exported."""
    created_at = utcnow()
    mac = checkpoint_mac(key, _stamp(created_at), last_event_id, last_hash)
    connection.execute(_INSERT_CHECKPOINT, {
        "created_at": created_at, "last_event_id": last_event_id, "last_hash": last_hash, "mac": mac,
    })
    return {"format": EXPORT_FORMAT, "created_at": _stamp(created_at), "last_event_id": last_event_id,
            "last_hash": last_hash, "mac": mac}


def checkpoint_now(connection: Connection) -> dict[str, Any] | None:
    """A checkpoint of the current head (None when the trail is empty)."""
    row = connection.execute(_HEAD).first()
    if row is None:
        return None
    return write_checkpoint(connection, chain_key(), row.last_event_id, row.last_hash)


def read_export(text: str) -> dict[str, Any]:
    """An exported checkpoint read back; ValueError when it is not one."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"not a checkpoint file (invalid JSON: {error.msg})") from error
    if not isinstance(data, dict) or data.get("format") != EXPORT_FORMAT:
        raise ValueError(f"not a checkpoint file (format {EXPORT_FORMAT} expected)")
    if not isinstance(data.get("last_event_id"), int) or not all(
        isinstance(data.get(name), str) for name in ("created_at", "last_hash", "mac")
    ):
        raise ValueError("not a checkpoint file (created_at, last_event_id, last_hash and mac expected)")
    return data


class Anchors:
    """The signed chain head and the stored checkpoints, read at the start of a verification."""

    def __init__(self, connection: Connection) -> None:
        self.head = connection.execute(_HEAD).first()
        self.checkpoints: list[dict[str, Any]] = [
            {"created_at": _stamp(c.created_at), "last_event_id": c.last_event_id, "last_hash": c.last_hash,
             "mac": c.mac, "id": c.id}
            for c in connection.execute(select(AuditCheckpoint).order_by(AuditCheckpoint.id))
        ]


def verify_anchored(
    anchors: Anchors,
    rows: Iterable[tuple[int, Mapping[str, Any], str]],
    against: Iterable[Mapping[str, Any]] = (),
) -> ChainResult:
    """Walk the chain with the key, against the signed head and every signed checkpoint (stored, or exported and
    given back): a re-hash without the key, an edit, a deletion in the middle or at the end breaks it."""
    key = chain_key()
    head = anchors.head
    expect: dict[int, str] = {}
    for checkpoint in [*anchors.checkpoints, *against]:
        name = f"checkpoint {checkpoint['id']}" if "id" in checkpoint else "the exported checkpoint"
        expected = checkpoint_mac(key, checkpoint["created_at"], checkpoint["last_event_id"], checkpoint["last_hash"])
        if not hmac.compare_digest(expected, checkpoint["mac"]):
            return ChainResult(False, 0, checkpoint["last_event_id"],
                               f"{name} is not signed with this instance's audit key (forged or another instance's)")
        if expect.setdefault(checkpoint["last_event_id"], checkpoint["last_hash"]) != checkpoint["last_hash"]:
            return ChainResult(False, 0, checkpoint["last_event_id"], f"{name} contradicts another checkpoint")
    if head is None:
        result = verify_chain(rows, key=key, keyed_from=1, expect=expect)
        if result.ok and result.count:
            return ChainResult(False, result.count, None,
                               "the signed chain head is missing (deleted), so truncation cannot be ruled out",
                               result.last_id, result.last_hash)
        return result
    legacy_head = head.mac == "" and head.keyed_from_id > head.last_event_id
    if not legacy_head and not hmac.compare_digest(
        head.mac, head_mac(key, head.last_event_id, head.last_hash, head.keyed_from_id)
    ):
        return ChainResult(False, 0, head.last_event_id,
                           "the chain head is not signed with this instance's audit key (it was replaced)")
    # Events written after the head was read belong to a later check.
    result = verify_chain(_until(rows, head.last_event_id), key=key, keyed_from=head.keyed_from_id, expect=expect)
    if not result.ok:
        return result
    if result.last_id != head.last_event_id or result.last_hash != head.last_hash:
        newest = "no event" if result.last_id is None else f"event {result.last_id}"
        return ChainResult(False, result.count, head.last_event_id,
                           f"the signed chain head names this event but the newest event is {newest}: "
                           "events were deleted from the end (truncation) or rewritten",
                           result.last_id, result.last_hash)
    return result


def _until(rows: Iterable[tuple[int, Mapping[str, Any], str]], last_id: int) -> Iterator[tuple[int, Mapping[str, Any], str]]:
    for row in rows:
        if row[0] > last_id:
            return
        yield row
