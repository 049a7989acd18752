"""The supplier portal's rate limit per client IP, counted in the database so that every worker shares it.

Fixed one-minute windows: one row per (client address, Unix minute) whose count goes up with an atomic
upsert (INSERT ... ON CONFLICT DO UPDATE on SQLite and PostgreSQL). Rows of past windows are pruned when an
address opens a new window. Every request counts, a refused one too:

- by default the upsert runs in its own short transaction on its own connection, committed before the
  request goes on (PostgreSQL always: the request's transaction would hold the address's row lock, so every
  request of one address would wait for the one before it). On PostgreSQL that transaction is the one statement
  itself, sent in autocommit (one round trip: no BEGIN, no COMMIT), and it turns off the wait for the WAL flush
  of its own commit (set_config(..., is_local => true) in the statement: a crash forgets at most the last hits of
  a minute window), so a save pays one durable commit, not two;
- `allow(..., in_session=True)` (the portal's writes on SQLite) counts in the request's own session instead:
  that transaction holds SQLite's one write lock anyway (BEGIN IMMEDIATE), so a save takes the lock once,
  not twice. The hit is committed with the request's work; when that transaction ends without a commit (a
  refused answer, an error page, a closed link) the hit is counted again in its own transaction, so it is
  never lost;
- an answer save on PostgreSQL (`save_hit`, then `settle`) costs no round trip of its own: its first query reads
  the window's count with the link (`WINDOW_COUNT`, no lock). Over the limit, the hit is counted on its own and
  the request refused before any write; otherwise the count goes up with the save's audit event, in the same
  statement (app.db.defer_write), while that statement holds the audit chain's lock, which serialises saves
  anyway, so the address's row is locked only for the end of the transaction. The same window's row exists then
  (an address's first hit of a window, or a save whose query found no answer row, is counted on its own). Hits
  of concurrent saves that all read a count under the limit all go through: the window may end up to the number
  of requests in flight over its limit, and the next request is refused.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, TextClause, bindparam, delete, event, select, text, update
from sqlalchemy.orm import Session, SessionTransaction

from app.db import defer_write
from app.extensions import db
from app.portal.models import PortalRateCount

WINDOW_S = 60
BUCKET_MAX = 64
PENDING = "portal_rate_hits"  # session.info: hits counted in the session's transaction, not yet committed

log = logging.getLogger(__name__)


def clock() -> float:
    """Seconds since the epoch: the limiter's time (one place, so a test can hold it still)."""
    return time.time()


def window_of(now: float) -> int:
    """The one-minute window a moment (seconds since the epoch) falls in."""
    return int(now // WINDOW_S)


class RateLimiter:
    """At most `limit` requests per key and minute window, across every process using the database."""

    def allow(self, key: str, limit: int, now: float | None = None, *, in_session: bool = False) -> bool:
        """Count a hit for key (always, even when refused); False once the window holds more than `limit` hits.

        in_session: count in the request's session (SQLite only; elsewhere it is counted on its own)."""
        window = window_of(clock() if now is None else now)
        bucket = key[:BUCKET_MAX]
        session = db.session()
        if in_session and session.get_bind().dialect.name == "sqlite":
            count = _hit(session.connection(), bucket, window)
            session.info.setdefault(PENDING, []).append((bucket, window))
        elif db.engine.dialect.name == "postgresql":
            count = _hit_alone_postgresql(bucket, window)
        else:
            with db.engine.begin() as connection:
                count = _hit(connection, bucket, window)
        return count <= limit

    def save_hit(self, key: str, limit: int, now: float | None = None) -> SaveHit | None:
        """PostgreSQL: the hit of an answer save, counted only once `settle` has the window's count its first query
        read (`WINDOW_COUNT` with `SaveHit.params`). None on SQLite, which counts it in the session at once."""
        if db.engine.dialect.name != "postgresql":
            return None
        return SaveHit(key[:BUCKET_MAX], window_of(clock() if now is None else now), limit)

    def settle(self, hit: SaveHit, counted: int | None) -> bool:
        """Count a save's hit, given the window's count read with the link (None: not read, or no row yet); False
        when over the limit (the hit then counted on its own, nothing else to do but refuse)."""
        if counted is None or counted >= hit.limit:
            return _hit_alone_postgresql(hit.bucket, hit.window) <= hit.limit
        session = db.session()
        defer_write(session, _ADD_HIT, hit.params())
        session.info.setdefault(PENDING, []).append((hit.bucket, hit.window))  # a rollback counts it on its own
        return True

    def count(self, key: str, now: float | None = None) -> int:
        """Hits counted for key in the window of `now` (0 when none)."""
        window = window_of(clock() if now is None else now)
        with db.engine.connect() as connection:
            value = connection.execute(
                select(PortalRateCount.count).where(
                    PortalRateCount.bucket == key[:BUCKET_MAX], PortalRateCount.window_minute == window,
                )
            ).scalar_one_or_none()
        return int(value or 0)

    def reset(self) -> None:
        """Forget every count (tests, or an admin after an incident)."""
        with db.engine.begin() as connection:
            connection.execute(delete(PortalRateCount.__table__))


@dataclass(frozen=True)
class SaveHit:
    """An answer save's hit on PostgreSQL, waiting for the window's count that the save's first query reads."""

    bucket: str
    window: int
    limit: int

    def params(self) -> dict[str, Any]:
        """The parameters of WINDOW_COUNT and of the deferred count for this hit's window."""
        return {"r_bucket": self.bucket, "r_window": self.window}


_COUNTS = PortalRateCount.__table__
_WINDOW_KEY = (_COUNTS.c.bucket == bindparam("r_bucket")) & (_COUNTS.c.window_minute == bindparam("r_window"))
# The count of a save's window, read with the link (no lock); None when the window has no row yet.
WINDOW_COUNT = select(_COUNTS.c.count).where(_WINDOW_KEY).scalar_subquery()
# The save's hit, sent with its audit event: the window's row exists (WINDOW_COUNT read it).
_ADD_HIT = update(_COUNTS).where(_WINDOW_KEY).values(count=_COUNTS.c.count + 1)

# One text statement for SQLite (3.24+) and PostgreSQL: compiled once and cached (SQLAlchemy cannot cache the
# dialect-specific insert().on_conflict_do_update() construct, which cost a full compile on every request).
_UPSERT = text(
    "INSERT INTO portal_rate_counts (bucket, window_minute, count) VALUES (:bucket, :window_minute, 1) "
    "ON CONFLICT (bucket, window_minute) DO UPDATE SET count = portal_rate_counts.count + 1 RETURNING count"
)
# PostgreSQL, sent in autocommit: the statement is its own transaction, and the setting it makes for that
# transaction holds when it commits (a rate-limit hit needs no durability; SET LOCAL would need BEGIN and COMMIT).
_UPSERT_NO_FLUSH_WAIT = text(
    "INSERT INTO portal_rate_counts (bucket, window_minute, count) "
    "SELECT :bucket, :window_minute, 1 FROM (SELECT set_config('synchronous_commit', 'off', true)) AS no_flush_wait "
    "ON CONFLICT (bucket, window_minute) DO UPDATE SET count = portal_rate_counts.count + 1 RETURNING count"
)
_PRUNE = text("DELETE FROM portal_rate_counts WHERE window_minute < :oldest")


def _hit(connection: Connection, bucket: str, window: int, upsert: TextClause = _UPSERT) -> int:
    """Add one hit to (bucket, window) and return the window's count; an address's first hit prunes old windows."""
    count = int(connection.execute(upsert, {"bucket": bucket, "window_minute": window}).scalar_one())
    if count == 1:  # this address's first hit of the window: drop the finished windows
        connection.execute(_PRUNE, {"oldest": window - 1})
    return count


def _hit_alone_postgresql(bucket: str, window: int) -> int:
    """PostgreSQL: one hit as its own transaction (one statement in autocommit, no flush wait); the window's count."""
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        return _hit(connection, bucket, window, _UPSERT_NO_FLUSH_WAIT)


def _committed(session: Session) -> None:
    session.info.pop(PENDING, None)


def _ended(session: Session, transaction: SessionTransaction) -> None:
    """The session's transaction ended without a commit: the hits it counted were rolled back, count them again."""
    if transaction.parent is not None:
        return
    hits: list[tuple[str, int]] = session.info.pop(PENDING, [])
    if not hits:
        return
    try:
        with db.engine.begin() as connection:
            for bucket, window in hits:
                _hit(connection, bucket, window)
    except Exception:  # the request is answered anyway; the log keeps the lost hit
        log.exception("portal rate-limit hits %r could not be counted again after a rollback", hits)


def _listen() -> None:
    if not event.contains(Session, "after_commit", _committed):
        event.listen(Session, "after_commit", _committed)
        event.listen(Session, "after_transaction_end", _ended)


_listen()
limiter = RateLimiter()
