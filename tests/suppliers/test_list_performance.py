"""The register list runs a constant number of SQL queries, whatever the page size and register size."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
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


@pytest.mark.parametrize(
    ("first", "baseline", "more", "urls"),
    [
        pytest.param(10, "/suppliers/?per_page=5", 290, [
            "/suppliers/?per_page=5",
            "/suppliers/?per_page=200",
            "/suppliers/?per_page=50&sort=criticality&status=approved&q=perf",
        ], id="register list"),
        pytest.param(5, "/suppliers/approved?per_page=2", 100, ["/suppliers/approved?per_page=100"], id="approved list"),
    ],
)
def test_query_count_does_not_grow_with_rows_or_page_size(login_as, first, baseline, more, urls):
    client = login_as(Role.AUDITOR)
    add_suppliers(first)
    expected = queries_for(client, baseline)
    add_suppliers(more, start=first)
    for url in urls:
        assert queries_for(client, url) == expected, url
