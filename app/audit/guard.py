"""Database triggers that refuse UPDATE and DELETE on the append-only audit tables, on SQLite and PostgreSQL.

The ORM refuses such changes too (services.init_app); the triggers stop them from any SQL client with ordinary
rights. Whoever can drop a trigger can still edit rows: the keyed hash chain and its signed head and checkpoints
then tell (`flask audit verify`). Created with the tables (create_all) and by migration 0013.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Connection

from app.audit.models import AuditCheckpoint, AuditEvent

GUARDED_TABLES = (AuditEvent.__tablename__, AuditCheckpoint.__tablename__)
MESSAGE = "audit records are append-only"

_PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{MESSAGE}: % on % refused', TG_OP, TG_TABLE_NAME;
END
$$
"""


def _statements(table: str, dialect: str) -> list[str]:
    if dialect == "postgresql":
        return [
            _PG_FUNCTION,
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()",
        ]
    return [
        f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}: UPDATE on {table} refused'); END",
        f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}: DELETE on {table} refused'); END",
    ]


def _drops(table: str, dialect: str) -> list[str]:
    if dialect == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}"]
    return [f"DROP TRIGGER IF EXISTS {table}_no_update", f"DROP TRIGGER IF EXISTS {table}_no_delete"]


def create_triggers(connection: Connection, tables: tuple[str, ...] = GUARDED_TABLES) -> None:
    """Add the refusing triggers to the audit tables (the migration and create_all call this)."""
    for table in tables:
        for statement in _statements(table, connection.dialect.name):
            connection.execute(text(statement))


def drop_triggers(connection: Connection, tables: tuple[str, ...] = GUARDED_TABLES) -> None:
    """Remove the triggers (the migration's downgrade; maintenance that must rewrite the trail)."""
    for table in tables:
        for statement in _drops(table, connection.dialect.name):
            connection.execute(text(statement))


@contextmanager
def triggers_off(connection: Connection) -> Iterator[None]:
    """Run a block with the triggers dropped, in the connection's transaction (a DBA's maintenance; tests that
    play an attacker with database rights)."""
    drop_triggers(connection)
    try:
        yield
    finally:
        create_triggers(connection)


def _after_create(table: Any, connection: Connection, **_kw: Any) -> None:
    create_triggers(connection, (table.name,))


for _table in (AuditEvent.__table__, AuditCheckpoint.__table__):
    event.listen(_table, "after_create", _after_create)
