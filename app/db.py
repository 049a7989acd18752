"""Declarative base with a naming convention, common mixins, and the SQLite connection rules."""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import DateTime, Integer, MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# True while the current unit of work intends to write: SQLite then begins with BEGIN IMMEDIATE
# so that concurrent read-then-write transactions queue instead of failing "database is locked".
write_intent: contextvars.ContextVar[bool] = contextvars.ContextVar("write_intent", default=True)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """Current UTC time as a naive datetime (stored the same way on SQLite and PostgreSQL)."""
    return datetime.now(UTC).replace(tzinfo=None)


def today() -> date:
    """Today's date in UTC: the app's clock for due dates."""
    return utcnow().date()


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow, nullable=False)


class VersionedMixin:
    """Optimistic locking: a stale UPDATE raises StaleDataError instead of overwriting."""

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:  # noqa: N805
        return {"version_id_col": cls.version}


def refuse_changes(model: type, error: Callable[[str], Exception], *, changed: str, deleted: str) -> None:
    """Make the rows of `model` immutable: flushing an update or a delete of one raises `error`."""

    def _refuse_update(_mapper: Any, _connection: Any, _target: Any) -> None:
        raise error(changed)

    def _refuse_delete(_mapper: Any, _connection: Any, _target: Any) -> None:
        raise error(deleted)

    event.listen(model, "before_update", _refuse_update)
    event.listen(model, "before_delete", _refuse_delete)


def configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    """WAL, busy timeout, foreign keys, and IMMEDIATE write transactions (SQLAlchemy's pysqlite recipe)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write_intent.get() else "BEGIN")
