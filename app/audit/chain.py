"""Pure hash-chain rules of the audit trail."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any


def plain(value: Any) -> Any:
    """A JSON-safe copy of a field value, so what is stored is exactly what is hashed."""
    kind = type(value)  # the exact built-in types first: a verification plains every field of every event
    if kind is str or kind is int or kind is bool:
        return value
    if kind is dict:
        return {str(key): plain(item) for key, item in value.items()}
    if kind is list:
        return [plain(item) for item in value]
    return plain_by_rules(value, plain)


def plain_by_rules(value: Any, item: Callable[[Any], Any] | None = None) -> Any:
    """The rules every stored hash was made with (plain() gives the same, faster for the built-in types); nested
    values go through `item`, these rules alone by default."""
    each = item or plain_by_rules
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, Enum):
        return each(value.value)
    if isinstance(value, datetime):
        return value.isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    if isinstance(value, Mapping):
        return {str(key): each(nested) for key, nested in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [each(nested) for nested in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    return str(value)


def canonical_json(data: Mapping[str, Any]) -> str:
    """Sorted keys, no whitespace, UTF-8 text: the same content always gives the same string."""
    return json.dumps(plain(data), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def keyed_hash(key: bytes, data: Mapping[str, Any]) -> str:
    """HMAC-SHA256 with the instance's audit key over the canonical JSON: only the key holder can make one."""
    return hmac.new(key, canonical_json(data).encode("utf-8"), hashlib.sha256).hexdigest()


def event_hash(fields: Mapping[str, Any], key: bytes | None = None) -> str:
    """The hash of one event over the canonical JSON of its hashed fields (prev_hash included): keyed (HMAC)
    with the instance's audit key; plain sha256 only for events written before the chain was keyed."""
    return keyed_hash(key, fields) if key is not None else sha256_hex(canonical_json(fields))


@dataclass(frozen=True)
class ChainResult:
    ok: bool
    count: int
    broken_id: int | None = None
    problem: str = ""
    last_id: int | None = None
    last_hash: str = ""


def verify_chain(
    events: Iterable[tuple[int, Mapping[str, Any], str]],
    *,
    key: bytes | None = None,
    keyed_from: int | None = None,
    expect: Mapping[int, str] | None = None,
) -> ChainResult:
    """Walk (id, hashed fields, stored hash) in id order; the first event that does not fit breaks the chain.

    With a key, events from `keyed_from` on must carry the keyed hash (a re-hash without the key fails), earlier
    ones the plain sha256. `expect` maps event ids to the hash a signed checkpoint recorded for them: an event that
    is missing or holds another hash breaks the chain too."""
    previous = ""
    count = 0
    last_id: int | None = None
    pending = dict(expect or {})
    for event_id, fields, stored in events:
        skipped = min((i for i in pending if i < event_id), default=None)
        if skipped is not None:
            return ChainResult(False, count, skipped, "a signed checkpoint names this event, which is missing",
                               last_id, previous)
        count += 1
        if fields.get("prev_hash", "") != previous:
            return ChainResult(False, count, event_id, "its prev_hash does not match the hash of the event before it",
                               last_id, previous)
        keyed = key is not None and (keyed_from is None or event_id >= keyed_from)
        if event_hash(fields, key if keyed else None) != stored:
            return ChainResult(False, count, event_id,
                               "its content does not match its keyed hash" if keyed else "its content does not match its hash",
                               last_id, previous)
        if event_id in pending and pending.pop(event_id) != stored:
            return ChainResult(False, count, event_id, "its hash differs from the one a signed checkpoint recorded",
                               last_id, previous)
        previous, last_id = stored, event_id
    if pending:
        missing_id = min(pending)
        return ChainResult(False, count, missing_id,
                           "a signed checkpoint names this event, which is missing (events were deleted from the end)",
                           last_id, previous)
    return ChainResult(True, count, last_id=last_id, last_hash=previous)
