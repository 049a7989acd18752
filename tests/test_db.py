"""app/db.py: read-only work begins as a read, keyset chunks read a table in short transactions, and `likely()`
tells SQLite's planner that a condition is common (the approved list reads the name index, not sorts every row)."""

from __future__ import annotations

import os
import select as select_module

import pytest
from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.pool import NullPool

from app import db as app_db
from app.extensions import db
from app.suppliers.models import Supplier
from tests.helpers import captured_sql


def add_suppliers(count: int) -> None:
    db.session.execute(insert(Supplier), [
        {"code": f"P-{n:04d}", "name": f"Supplier {n:04d}", "kind": "commercial_vendor",
         "status": "approved" if n % 10 else "candidate", "criticality": "minor", "version": 1}
        for n in range(count)])
    db.session.commit()


def test_keyset_chunks_read_every_row_once_in_key_order_in_short_transactions(app):
    add_suppliers(25)
    query = select(Supplier.id, Supplier.code).where(Supplier.status == "approved")
    with captured_sql() as statements:
        chunks = list(app_db.keyset_chunks(db.engine, query, Supplier.__table__.c.id, 10))
    codes = [row.code for chunk in chunks for row in chunk]
    assert [len(chunk) for chunk in chunks] == [10, 10, 2]
    assert codes == sorted(f"P-{n:04d}" for n in range(25) if n % 10)
    assert sum(1 for s in statements if s.startswith("select")) == 3


def test_read_only_work_begins_as_a_read_and_restores_the_intent(app):
    assert app_db.write_intent.get() is True
    with app_db.read_only():
        assert app_db.write_intent.get() is False
    assert app_db.write_intent.get() is True


def test_likely_keeps_the_condition_on_every_database(app):
    add_suppliers(30)
    query = select(Supplier.code).where(app_db.likely(Supplier.status == "candidate")).order_by(Supplier.code)
    assert db.session.scalars(query).all() == [f"P-{n:04d}" for n in range(0, 30, 10)]


@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="SQLite's planner hint; PostgreSQL has statistics")
def test_the_approved_list_reads_the_name_index_on_sqlite_without_statistics(app):
    from app.suppliers import services

    add_suppliers(2000)
    with db.engine.begin() as connection:
        if connection.execute(text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")).first():
            connection.execute(text("DELETE FROM sqlite_stat1"))  # as a database that was never analysed
    query = services.approved_query(services.ApprovedFilters()).limit(50)
    compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
    with db.engine.connect() as connection:
        plan = " ".join(str(row[-1]) for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}"))
    assert "ix_suppliers_name" in plan and "TEMP B-TREE" not in plan, plan


postgresql_only = pytest.mark.skipif(not os.environ.get("DATABASE_URL"), reason="PostgreSQL's pooled connections")
PING_AFTER_IDLE_S = 10.0


@pytest.fixture()
def pool(app):
    """One pooled connection to the suite's PostgreSQL database, tested on checkout by the app's rule."""
    engine = create_engine(db.engine.url, pool_size=1, max_overflow=0)
    app_db.configure_postgresql(engine, PING_AFTER_IDLE_S)
    yield engine
    engine.dispose()


@pytest.fixture()
def pings(pool, monkeypatch):
    """The tests the pool runs on checkout (the dialect's own ping, counted and still run)."""
    count: list[int] = []
    real = pool.dialect.do_ping
    monkeypatch.setattr(pool.dialect, "do_ping", lambda connection: count.append(1) or real(connection))
    return count


def _backend_pid(engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())


@postgresql_only
def test_a_quiet_connection_back_from_a_request_goes_out_again_without_a_round_trip(pool, pings):
    first = _backend_pid(pool)
    assert _backend_pid(pool) == first
    assert pings == []


@postgresql_only
def test_a_connection_idle_past_the_setting_is_tested_before_use(pool, pings, monkeypatch):
    first = _backend_pid(pool)
    later = app_db.monotonic() + PING_AFTER_IDLE_S + 1
    monkeypatch.setattr(app_db, "monotonic", lambda: later)
    assert _backend_pid(pool) == first
    assert pings == [1]


@postgresql_only
def test_a_connection_whose_backend_was_terminated_is_replaced_before_a_request_uses_it(pool, pings):
    with pool.connect() as connection:
        dead = int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())
        socket = connection.connection.dbapi_connection.pgconn.socket  # type: ignore[union-attr]
    administrator = create_engine(db.engine.url, poolclass=NullPool)  # not from the pool under test
    with administrator.begin() as other:
        other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": dead})
    administrator.dispose()
    waiting = select_module.poll()
    waiting.register(socket, select_module.POLLIN)  # not the default mask: an idle socket is always writable
    assert waiting.poll(30_000), "the server's notice of the terminated backend never arrived"
    assert _backend_pid(pool) != dead  # a new connection, not an error
    assert pings == [1]


@postgresql_only
def test_the_app_s_postgresql_pool_tests_its_connections_by_this_rule(app):
    assert not db.engine.pool._pre_ping and len(db.engine.pool.dispatch.checkout) == 1
