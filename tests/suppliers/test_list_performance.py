"""The register list runs a constant number of SQL queries, whatever the page size and register size."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event, insert

from app.access import Role
from app.extensions import db
from app.suppliers.models import Supplier


def add_suppliers(count: int, start: int = 0) -> None:
    db.session.execute(insert(Supplier), [
        {"code": f"P-{n:05d}", "name": f"Perf supplier {n:05d}", "kind": "commercial_vendor", "status": "approved",
         "criticality": "minor", "version": 1}
        for n in range(start, start + count)
    ])
    db.session.commit()


@contextmanager
def counting() -> Iterator[list[str]]:
    statements: list[str] = []

    def listener(_conn, _cursor, statement, *_args):
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", listener)


def queries_for(client, url: str) -> int:
    with counting() as statements:
        assert client.get(url).status_code == 200
    return len(statements)


def test_query_count_is_constant_across_page_size_and_register_size(login_as):
    client = login_as(Role.AUDITOR)
    add_suppliers(10)
    small = queries_for(client, "/suppliers/?per_page=5")
    add_suppliers(290, start=10)
    assert queries_for(client, "/suppliers/?per_page=5") == small
    assert queries_for(client, "/suppliers/?per_page=200") == small
    assert queries_for(client, "/suppliers/?per_page=50&sort=criticality&status=approved&q=perf") == small


def test_approved_list_query_count_does_not_grow_with_rows(login_as):
    client = login_as(Role.AUDITOR)
    add_suppliers(5)
    few = queries_for(client, "/suppliers/approved")
    add_suppliers(100, start=5)
    assert queries_for(client, "/suppliers/approved?per_page=100") == few
