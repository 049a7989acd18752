"""Pure hash-chain rules of the audit trail."""

from __future__ import annotations

import hashlib
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


def event_hash(fields: Mapping[str, Any]) -> str:
    """The hash of one event: sha256 over the canonical JSON of its hashed fields (prev_hash included)."""
    return sha256_hex(canonical_json(fields))


@dataclass(frozen=True)
class ChainResult:
    ok: bool
    count: int
    broken_id: int | None = None
    problem: str = ""


def verify_chain(events: Iterable[tuple[int, Mapping[str, Any], str]]) -> ChainResult:
    """Walk (id, hashed fields, stored hash) in id order; the first event that does not fit breaks the chain."""
    previous = ""
    count = 0
    for event_id, fields, stored in events:
        count += 1
        if fields.get("prev_hash", "") != previous:
            return ChainResult(False, count, event_id, "its prev_hash does not match the hash of the event before it")
        if event_hash(fields) != stored:
            return ChainResult(False, count, event_id, "its content does not match its hash")
        previous = stored
    return ChainResult(True, count)
