"""Filtering the audit log (shared by the page, the CSV export and the CLI).

Every filter is an equality on an indexed column read newest first by id (record type, actor, action or event
name, each with an `(column, id)` index), so a page costs the same on a trail of ten thousand events as on one of
a million: the page reads by keyset (newer / older than an id), never counts the trail, and the record types come
from the audited models, not from the table.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from flask import Flask, current_app
from sqlalchemy import Select, false, select
from sqlalchemy.engine import Engine

from app import spreadsheets
from app.audit.models import AuditEvent
from app.db import keyset_chunks

CSV_COLUMNS = (
    "id", "occurred_at", "actor_id", "actor_name", "action", "name", "entity_type", "entity_id",
    "entity_version", "entity_label", "changes", "details", "reason", "request_id", "ip", "prev_hash", "hash",
)

# The actions of the trail (AuditAction); any other value of the action filter is a domain event name
# ("evaluation.decided"), which always has a dot.
ACTIONS = (
    "create", "update", "delete", "status_change", "sign", "login", "logout", "login_failed", "lockout",
    "export", "token_used", "event",
)
# The actor filter's value for events without a signed-in user (the system, a CLI command, a supplier link).
NO_USER = "none"
CSV_CHUNK = 2000


def _parse_date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


# The record a code or reference users see names (SUP-020, EV-2026-..., a document number), as (record type, record
# id): the domains that own the codes plug their look-ups in, each one query on a unique or indexed column, so the
# log then filters on the indexed (record type, record id) of the trail and never searches the trail for the text.
CodeLookup = Callable[[str], "tuple[str, str] | None"]
_CODE_LOOKUPS = "audit.code_lookups"


def provide_code_lookup(app: Flask, lookup: CodeLookup) -> None:
    """A domain (above the trail) tells the audit log which record one of its codes names."""
    app.extensions.setdefault(_CODE_LOOKUPS, []).append(lookup)


# Suggestions for the record picker: the records whose code, reference or name starts with what was typed, as
# (code to filter by, label), each domain's at most `limit`, one indexed prefix query each.
RecordSuggester = Callable[[str, int], "list[tuple[str, str]]"]
_SUGGESTERS = "audit.record_suggesters"
SUGGESTED = 12


def provide_record_suggestions(app: Flask, suggester: RecordSuggester) -> None:
    """A domain offers its records to the audit log's record picker."""
    app.extensions.setdefault(_SUGGESTERS, []).append(suggester)


def suggest_records(text: str, limit: int = SUGGESTED) -> list[tuple[str, str]]:
    """Records whose code, reference or name starts with the text (at least two characters), at most `limit`."""
    text = text.strip()
    if len(text) < 2:
        return []
    found: list[tuple[str, str]] = []
    for suggester in current_app.extensions.get(_SUGGESTERS, ()):
        found.extend(suggester(text, limit))
    return found[:limit]


def resolve_code(code: str) -> tuple[str, str] | None:
    """(record type, record id) of the record with this code or reference; None when no domain knows it."""
    code = code.strip()
    if not code:
        return None
    for lookup in current_app.extensions.get(_CODE_LOOKUPS, ()):
        found = lookup(code)
        if found is not None:
            return found
    return None


@dataclass(frozen=True)
class AuditFilters:
    """The audit log's filters; a value that cannot match (an actor that is not a user id) sets no filter.

    `record` is a code or reference users see (SUP-020); `resolved()` turns it into the record type and id."""

    entity_type: str = ""
    entity_id: str = ""
    record: str = ""
    actor: str = ""  # a user id, or NO_USER
    action: str = ""  # an action, or a domain event name
    date_from: date | None = None
    date_to: date | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> AuditFilters:
        """Filters from a query string."""
        actor = (args.get("actor") or "").strip()
        if actor != NO_USER and not (actor.isascii() and actor.isdigit() and len(actor) <= 12):
            actor = ""
        return cls(
            entity_type=(args.get("entity_type") or "").strip()[:80],
            entity_id=(args.get("entity_id") or "").strip()[:80],
            record=(args.get("record") or "").strip()[:120],
            actor=actor,
            action=(args.get("action") or "").strip()[:100],
            date_from=_parse_date(args.get("date_from")),
            date_to=_parse_date(args.get("date_to")),
        )

    def resolved(self) -> AuditFilters:
        """The filters with the record code turned into its record type and id (left as it is when unknown: it then
        matches nothing)."""
        found = resolve_code(self.record) if self.record else None
        if found is None:
            return self
        return replace(self, entity_type=found[0], entity_id=found[1])

    @property
    def unknown_record(self) -> bool:
        """A record code was given that names no record."""
        return bool(self.record) and not self.entity_id

    def as_args(self) -> dict[str, str]:
        """The filters that are set, as query-string values (for the export link)."""
        values = {
            "record": self.record,
            "entity_type": "" if self.record else self.entity_type, "entity_id": "" if self.record else self.entity_id,
            "actor": self.actor, "action": self.action,
            "date_from": self.date_from.isoformat() if self.date_from else "",
            "date_to": self.date_to.isoformat() if self.date_to else "",
        }
        return {key: value for key, value in values.items() if value}


def filtered(filters: AuditFilters) -> Select[tuple[AuditEvent]]:
    """Events matching the filters (record type, record id, actor, action, date range), newest first; a record code
    that names no record (see `AuditFilters.resolved`) matches nothing."""
    query = select(AuditEvent)
    if filters.unknown_record:
        return query.where(false()).order_by(AuditEvent.id.desc())
    if filters.entity_type:
        query = query.where(AuditEvent.entity_type == filters.entity_type)
    if filters.entity_id:
        query = query.where(AuditEvent.entity_id == filters.entity_id)
    if filters.actor == NO_USER:
        query = query.where(AuditEvent.actor_id.is_(None))
    elif filters.actor:
        query = query.where(AuditEvent.actor_id == int(filters.actor))
    if filters.action in ACTIONS:
        query = query.where(AuditEvent.action == filters.action)
    elif filters.action:
        query = query.where(AuditEvent.name == filters.action)
    if filters.date_from:
        query = query.where(AuditEvent.occurred_at >= datetime.combine(filters.date_from, datetime.min.time()))
    if filters.date_to:  # the whole last day; no next day to compare with (9999-12-31 has none)
        query = query.where(AuditEvent.occurred_at <= datetime.combine(filters.date_to, datetime.max.time()))
    return query.order_by(AuditEvent.id.desc())


# (user id, label) of every user who can appear as an actor; users live above the trail, so auth plugs this in.
UserChoices = Callable[[], Sequence[tuple[int, str]]]
_USER_CHOICES = "audit.user_choices"


def provide_user_choices(app: Flask, lookup: UserChoices) -> None:
    """The user register (a higher layer) gives the actor filter its users."""
    app.extensions[_USER_CHOICES] = lookup


def actor_choices() -> list[tuple[str, str]]:
    """The actor filter's (value, label) choices: every user (the trail's actor id is the user's id), then "no
    signed-in user"."""
    lookup: UserChoices | None = current_app.extensions.get(_USER_CHOICES)
    choices = [(str(user_id), label) for user_id, label in (lookup() if lookup else ())]
    choices.append((NO_USER, "No signed-in user (system, command line, supplier link)"))
    return choices


def stream_csv(engine: Engine, query: Select[tuple[AuditEvent]]) -> Iterator[str]:
    """CSV of the query's events in id order, read in chunks of short read-only transactions while it streams."""
    rows_query = query.with_only_columns(*AuditEvent.__table__.columns)
    rows = (row for chunk in keyset_chunks(engine, rows_query, AuditEvent.__table__.c.id, CSV_CHUNK) for row in chunk)
    yield from csv_lines(rows)


def csv_lines(events: Iterable[Any]) -> Iterator[str]:
    """The events as CSV text (the shared safe writer), header first, streamed line by line."""

    def rows() -> Iterator[list[Any]]:
        yield list(CSV_COLUMNS)
        for event in events:
            row: list[Any] = []
            for column in CSV_COLUMNS:
                value = getattr(event, column)
                if isinstance(value, dict):
                    value = json.dumps(value, sort_keys=True, ensure_ascii=False)
                elif isinstance(value, datetime):
                    value = value.isoformat(timespec="microseconds")
                row.append("" if value is None else value)
            yield row

    return spreadsheets.csv_lines(rows())
