"""Declarative base with a naming convention, common mixins, and the SQLite and PostgreSQL connection rules."""

from __future__ import annotations

import contextvars
import select
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from time import monotonic
from typing import Any

from sqlalchemy import Boolean, DateTime, Integer, MetaData, Select, event
from sqlalchemy.engine import Engine, Row
from sqlalchemy.exc import DisconnectionError, IntegrityError, OperationalError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, SessionTransaction, declared_attr, mapped_column
from sqlalchemy.sql.dml import UpdateBase
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

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


@contextmanager
def read_only() -> Iterator[None]:
    """Work that only reads (a report, a verification, an export): on SQLite its transactions begin with a plain
    deferred BEGIN, so it never takes the write lock and writers keep going meanwhile. Also a decorator."""
    token = write_intent.set(False)
    try:
        yield
    finally:
        write_intent.reset(token)


def keyset_chunks(engine: Engine, query: Select[Any], key: ColumnElement[Any], size: int = 2000) -> Iterator[Sequence[Row[Any]]]:
    """The rows of `query` in ascending `key` order (a unique column the query selects), `size` rows at a time.

    Each chunk is read by `key > last key` in its own short read-only transaction: memory stays flat whatever the
    table size, and no snapshot or lock is held between chunks (rows added meanwhile at the end are read too).
    """
    if size < 1:
        raise ValueError("size must be at least 1")
    last: Any = None
    while True:
        chunk = query.order_by(None).order_by(key.asc()).limit(size)
        if last is not None:
            chunk = chunk.where(key > last)
        with read_only(), engine.connect() as connection:
            rows = connection.execute(chunk).all()
        if rows:
            yield rows
        if len(rows) < size:
            return
        last = rows[-1]._mapping[key]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def database_locked(error: OperationalError) -> bool:
    """SQLite's one write lock stayed with other writers past the busy timeout (the work can be tried again)."""
    return "database is locked" in str(error.orig)


def database_unreachable(error: OperationalError) -> bool:
    """The database could not be reached: no connection could be opened (the error carries no statement: server
    down or restarting, wrong address, a SQLite file that cannot be opened), or the one in use was lost (SQLAlchemy
    invalidated it: backend terminated, server restarted, network cut)."""
    return bool(error.connection_invalidated) or error.statement is None


# A unique key or a reference that another transaction broke between this one's check and its write: PostgreSQL's
# SQLSTATE (unique_violation, foreign_key_violation) or SQLite's message.
_RACE_SQLSTATES = frozenset({"23505", "23503"})
_RACE_SQLITE_MESSAGES = ("UNIQUE constraint failed", "FOREIGN KEY constraint failed")


def lost_race(error: IntegrityError) -> bool:
    """The write broke a unique key or a reference, as a concurrent transaction that committed after this one
    checked would make it: the work, run again, meets that transaction's row in its checks."""
    if getattr(error.orig, "sqlstate", None) in _RACE_SQLSTATES:
        return True
    return str(error.orig).startswith(_RACE_SQLITE_MESSAGES)


# The largest INTEGER of PostgreSQL (SQLite's are 64-bit): every id column is an INTEGER.
ROW_ID_MAX = 2**31 - 1


def row_id(value: str) -> int:
    """A row id from a query string or a form (`args.get(name, type=row_id)`): 0 to ROW_ID_MAX, else ValueError,
    so that werkzeug falls back to the default (or skips it in getlist) instead of the database refusing it."""
    number = stated_id(value)
    if number is None:
        raise ValueError(f"{value!r} is not a row id")
    return number


def stated_id(value: object) -> int | None:
    """A row id or row version stated as text (a hidden form field, a document's source, a filter): ASCII digits
    up to ROW_ID_MAX, else None. str.isdigit() alone let through '²' (int() refuses it) and numbers the database
    refuses (both were 500s)."""
    text = "" if value is None else str(value)  # an int too: WTForms coerces its choices' own values
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if number <= ROW_ID_MAX else None


def page_number(value: str) -> int:
    """A page number from a query string or a form: at least 1, at most ROW_ID_MAX (an offset stays a BIGINT)."""
    return min(max(int(value), 1), ROW_ID_MAX)


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


_IDLE_SINCE = "provenance_idle_since"  # connection record info: when the pool got the connection back


def configure_postgresql(engine: Engine, ping_after_idle_s: float) -> None:
    """pool_pre_ping's test of a pooled connection, asked when the connection may be broken: it has been idle in the
    pool for ping_after_idle_s or more (a firewall or an idle timeout may have cut it without a word), or the server
    has sent it something since it was returned (a terminated backend, a restarting server: the notice and the
    closed socket make it readable). A failed test opens a new connection (SQLAlchemy's checkout-event recipe), so a
    request never meets a dead one. A busy pool's connections are quiet and recent: they go out with no round trip
    (pool_pre_ping sent one per checkout: two of a portal save's nine)."""

    @event.listens_for(engine, "checkin")
    def _idle_from(_dbapi_connection: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = monotonic()

    @event.listens_for(engine, "checkout")
    def _check(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.pop(_IDLE_SINCE, None)
        if since is None:  # opened for this checkout
            return
        if monotonic() - since < ping_after_idle_s and not server_has_spoken(dbapi_connection):
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:  # any failure of the test: this connection is not to be used
            raise DisconnectionError(f"pooled connection failed its test: {error}") from error


def server_has_spoken(dbapi_connection: Any) -> bool:
    """The server has sent an idle psycopg connection something (readable socket), or the connection is closed."""
    import psycopg

    try:
        descriptor = dbapi_connection.pgconn.socket
    except psycopg.Error:  # the connection is closed or lost
        return True
    poller = select.poll()
    poller.register(descriptor, select.POLLIN | select.POLLPRI)
    return bool(poller.poll(0))


class likely(FunctionElement[bool]):  # noqa: N801 - named as the SQL function it stands for
    """A condition that most rows meet (`likely(Supplier.status.in_(approved))`). SQLite is told so: without
    statistics its planner takes any condition on an indexed column for a rare one, reads that index and sorts
    every match (70,000 approved suppliers) instead of reading the index of the ORDER BY and stopping at the
    page. PostgreSQL gets the condition as it is: its statistics (autovacuum) know how common it is."""

    type = Boolean()
    name = "likely"
    inherit_cache = True


@compiles(likely)
def _likely(element: likely, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(next(iter(element.clauses)), **kw))


@compiles(likely, "sqlite")
def _likely_sqlite(element: likely, compiler: Any, **kw: Any) -> str:
    return f"likely({compiler.process(next(iter(element.clauses)), **kw)})"


# session.info: writes put off until the transaction's last write or its commit (`defer_write`).
DEFERRED_WRITES = "deferred_writes"


def defer_write(session: Session, statement: UpdateBase, params: Mapping[str, Any]) -> None:
    """A write that nothing later in the transaction reads, put off so that it costs no round trip of its own.

    PostgreSQL: it goes with the transaction's audit event, as a CTE of the statement that writes the event
    (`take_deferred_writes`), or just before COMMIT when no event takes it. A rollback drops it with the rest.
    SQLite (no writing CTEs; the transaction holds the one write lock anyway): it is sent now."""
    if session.get_bind().dialect.name != "postgresql":
        session.connection().execute(statement, params)
        return
    if not session.in_transaction():
        session.begin()  # the write belongs to a transaction, so that its rollback drops it
    session.info.setdefault(DEFERRED_WRITES, []).append((statement, dict(params)))


def take_deferred_writes(session: Session) -> list[tuple[UpdateBase, dict[str, Any]]]:
    """The writes put off in the session's transaction, handed to whoever sends them now (and so forgotten here)."""
    writes: list[tuple[UpdateBase, dict[str, Any]]] = session.info.pop(DEFERRED_WRITES, [])
    return writes


def _send_deferred_writes(session: Session) -> None:
    """Before COMMIT: the writes no statement took along are sent on their own."""
    writes = take_deferred_writes(session)
    if writes:
        connection = session.connection()
        for statement, params in writes:
            connection.execute(statement, params)


def _forget_deferred_writes(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(DEFERRED_WRITES, None)


if not event.contains(Session, "before_commit", _send_deferred_writes):
    event.listen(Session, "before_commit", _send_deferred_writes)
    event.listen(Session, "after_transaction_end", _forget_deferred_writes)
