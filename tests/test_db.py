"""app/db.py: read-only work begins as a read, keyset chunks read a table in short transactions, and SQLite keeps
its query planner statistics fresh (so the approved list reads the name index instead of sorting every row)."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import event, insert, select, text

from app import db as app_db
from app.access import Role
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


@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="SQLite only: PostgreSQL's autovacuum analyses")
def test_a_connection_handed_back_gives_sqlite_planner_statistics_and_the_approved_list_its_index(
        app, login_as):
    client = login_as(Role.AUDITOR)
    add_suppliers(2000)
    with db.engine.begin() as connection:
        if connection.execute(text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")).first():
            connection.execute(text("DELETE FROM sqlite_stat1"))  # as a database that was never analysed

    def forget_last_optimize(_connection: object, record: object, _proxy: object) -> None:
        record.info.pop("optimize_after", None)  # type: ignore[attr-defined]

    event.listen(db.engine, "checkout", forget_last_optimize)
    try:
        assert client.get("/suppliers/approved").status_code == 200  # its connection goes back to the pool after
    finally:
        event.remove(db.engine, "checkout", forget_last_optimize)
    with db.engine.connect() as connection:
        stats = connection.execute(text("SELECT idx FROM sqlite_stat1 WHERE tbl = 'suppliers'")).scalars().all()
        plan = " ".join(str(row[-1]) for row in connection.execute(text(
            "EXPLAIN QUERY PLAN SELECT * FROM suppliers WHERE status IN ('approved', 'conditionally_approved')"
            " ORDER BY name, id LIMIT 50")))
    assert "ix_suppliers_status_name" in stats
    assert "TEMP B-TREE" not in plan, plan
