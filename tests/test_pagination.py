"""Lists count their rows only up to PAGE_COUNT_CAP ("1–5 of more than 10"), never with an exact COUNT(*) of a big
table; a page that is not full needs no count at all; a page past the end counts no further than the cap."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, insert

from app.access import Role
from app.extensions import db
from app.suppliers.models import Supplier


@pytest.fixture
def client(app, login_as, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_COUNT_CAP", 10)
    return login_as(Role.AUDITOR)


def add_suppliers(count: int) -> None:
    db.session.execute(insert(Supplier), [
        {"code": f"P-{n:03d}", "name": f"Supplier {n:03d}", "kind": "commercial_vendor", "status": "approved",
         "criticality": "minor", "version": 1} for n in range(count)])
    db.session.commit()


@contextmanager
def count_queries() -> Iterator[list[tuple[str, Any]]]:
    """The count queries of the supplier list sent meanwhile, with their parameters."""
    found: list[tuple[str, Any]] = []

    def listener(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        if "count(" in statement.lower() and "suppliers" in statement.lower():
            found.append((statement.lower(), parameters))

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        yield found
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)


def limit_of(query: tuple[str, Any]) -> int:
    statement, parameters = query
    assert " limit " in statement
    values = list(parameters.values()) if isinstance(parameters, dict) else list(parameters)
    return int(values[-1] if " offset " not in statement else values[-2])


def test_a_big_list_says_more_than_the_cap_and_counts_no_further(client):
    add_suppliers(30)
    with count_queries() as found:
        html = client.get("/suppliers/?per_page=5").get_data(as_text=True)
    assert "1–5 of more than 10" in html
    assert [limit_of(query) for query in found] == [11]  # the first cap + 1 rows, not the table
    pages = re.findall(r'href="[^"]*page=(\d+)[^"]*"', html)
    assert "3" in pages and "6" not in pages  # no link to a "last page" the count cannot know


def test_a_page_beyond_the_cap_knows_its_next_page(client):
    add_suppliers(30)
    with count_queries() as found:
        html = client.get("/suppliers/?per_page=5&page=4").get_data(as_text=True)
    assert "16–20 of more than 20" in html and 'rel="next"' in html
    assert [limit_of(query) for query in found] == [21]


def test_a_list_within_the_cap_shows_its_exact_total(client):
    add_suppliers(8)
    assert "1–5 of 8" in client.get("/suppliers/?per_page=5").get_data(as_text=True)


def test_a_page_that_is_not_full_is_not_counted(client):
    add_suppliers(8)
    with count_queries() as found:
        html = client.get("/suppliers/?per_page=5&page=2").get_data(as_text=True)
    assert "6–8 of 8" in html and not found


def test_a_page_far_past_the_end_counts_no_further_than_the_cap(client):
    add_suppliers(30)
    with count_queries() as found:
        response = client.get("/suppliers/?per_page=5&page=100000000")
    assert response.status_code == 200
    assert [limit_of(query) for query in found] == [11]
