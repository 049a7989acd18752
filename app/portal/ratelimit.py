"""The supplier portal's rate limit per client IP, counted in the database so that every worker shares it.

Fixed one-minute windows: one row per (client address, Unix minute) whose count goes up with an atomic
upsert (INSERT ... ON CONFLICT DO UPDATE on SQLite and PostgreSQL) in its own short transaction on its own
connection, so the count is committed before the request goes on, and a rejected request still counts.
Rows of past windows are pruned when an address opens a new window.
"""

from __future__ import annotations

import time

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.extensions import db
from app.portal.models import PortalRateCount

WINDOW_S = 60
BUCKET_MAX = 64


def window_of(now: float) -> int:
    """The one-minute window a moment (seconds since the epoch) falls in."""
    return int(now // WINDOW_S)


class RateLimiter:
    """At most `limit` requests per key and minute window, across every process using the database."""

    def allow(self, key: str, limit: int, now: float | None = None) -> bool:
        """Count a hit for key (always, even when refused); False once the window holds more than `limit` hits."""
        window = window_of(time.time() if now is None else now)
        bucket = key[:BUCKET_MAX]
        table = PortalRateCount.__table__
        with db.engine.begin() as connection:
            insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
            upsert = insert(table).values(bucket=bucket, window_minute=window, count=1)
            statement = upsert.on_conflict_do_update(
                index_elements=[table.c.bucket, table.c.window_minute], set_={"count": table.c.count + 1},
            ).returning(table.c.count)
            count = int(connection.execute(statement).scalar_one())
            if count == 1:  # this address's first hit of the window: drop the finished windows
                connection.execute(delete(table).where(table.c.window_minute < window - 1))
        return count <= limit

    def count(self, key: str, now: float | None = None) -> int:
        """Hits counted for key in the window of `now` (0 when none)."""
        window = window_of(time.time() if now is None else now)
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


limiter = RateLimiter()
