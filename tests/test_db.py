"""app/db.py: read-only work begins as a read, keyset chunks read a table in short transactions, `likely()`
tells SQLite's planner that a condition is common (the approved list reads the name index, not sorts every row),
PostgreSQL's pool tests a connection only when it may be broken, and a deferred write costs no round trip."""

from __future__ import annotations

import os
import select as select_module

import pytest
from sqlalchemy import bindparam, create_engine, insert, select, text, update
from sqlalchemy.pool import NullPool

from app import db as app_db
from app.audit import services as audit
from app.extensions import db
from app.portal.models import PortalRateCount
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


# Deferred writes (defer_write): a write nothing later reads goes with the audit event, or just before COMMIT.
_COUNTS = PortalRateCount.__table__
_BUMP = update(_COUNTS).where(_COUNTS.c.bucket == bindparam("t_bucket")).values(count=_COUNTS.c.count + 1)


def _counts(*buckets: str) -> None:
    """Rows to count in, and an audit chain that has begun (its first event takes another path)."""
    db.session.execute(insert(PortalRateCount), [{"bucket": b, "window_minute": 1, "count": 0} for b in buckets])
    with audit.acting_as(audit.Actor(None, "test")):
        audit.record("test.first")
    db.session.commit()


def _count_of(bucket: str) -> int:
    with db.engine.connect() as connection:  # what is committed
        return int(connection.execute(select(_COUNTS.c.count).where(_COUNTS.c.bucket == bucket)).scalar_one())


def test_a_deferred_write_goes_in_the_statement_that_writes_the_audit_event_on_postgresql(app):
    """PostgreSQL: no round trip of its own (a CTE of the event's statement). SQLite has no writing CTEs: sent at once."""
    _counts("a")
    with captured_sql() as statements, audit.acting_as(audit.Actor(None, "test")):
        app_db.defer_write(db.session(), _BUMP, {"t_bucket": "a"})
        audit.record("test.deferred")
        db.session.commit()
    assert _count_of("a") == 1
    bumps = [s for s in statements if "update portal_rate_counts" in s]
    assert len(bumps) == 1
    if db.engine.dialect.name == "postgresql":
        assert "insert into audit_events" in bumps[0]  # the same statement
    else:
        assert bumps[0].startswith("update portal_rate_counts")
    assert audit.verify().ok


def test_a_deferred_write_that_no_event_takes_is_sent_before_commit_and_a_rollback_drops_it(app):
    _counts("a", "b")
    app_db.defer_write(db.session(), _BUMP, {"t_bucket": "a"})
    db.session.commit()
    app_db.defer_write(db.session(), _BUMP, {"t_bucket": "b"})
    db.session.rollback()
    db.session.commit()  # nothing left over from the rolled-back transaction
    assert (_count_of("a"), _count_of("b")) == (1, 0)


def test_two_deferred_writes_of_one_statement_both_land_with_one_event(app):
    """Two uses of one statement would share its parameter names in one statement: they are sent on their own."""
    _counts("a", "b")
    with audit.acting_as(audit.Actor(None, "test")):
        app_db.defer_write(db.session(), _BUMP, {"t_bucket": "a"})
        app_db.defer_write(db.session(), _BUMP, {"t_bucket": "b"})
        audit.record("test.deferred")
        db.session.commit()
    assert (_count_of("a"), _count_of("b")) == (1, 1)
    assert audit.verify().ok
