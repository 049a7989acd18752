"""Attack finding: a number larger than a PostgreSQL INTEGER in a URL or a query string gave a 500 on 64 of the 66
pages that take an id (/suppliers/99999999999: "integer out of range"); SQLite's 64-bit ids hid it. An id in a
URL is a bounded row id (404 when larger), and ids and page numbers in query strings and forms are read in range."""

from __future__ import annotations

import re

import pytest

from app.access import Role
from app.db import ROW_ID_MAX, page_number, row_id

HUGE = "99999999999999999999"  # beyond BIGINT as well


def _get_routes(app) -> list[str]:
    return sorted({rule.rule for rule in app.url_map.iter_rules()
                   if "GET" in rule.methods and not rule.rule.startswith("/static")})


def _with(rule: str, number: str) -> str:
    url = re.sub(r"<int:[^>]+>", number, rule)
    return re.sub(r"<(?:string:|path:)?[^>]+>", "x", url)


def test_an_id_beyond_an_integer_in_any_url_is_not_found_never_a_500(app, login_as):
    client = login_as(*Role, username="everyone")
    with_ids = [rule for rule in _get_routes(app) if "<int:" in rule]
    assert len(with_ids) > 50  # every record page, download and export of a record

    for number in (str(ROW_ID_MAX + 1), HUGE):
        answers = {rule: client.get(_with(rule, number)).status_code for rule in with_ids}
        assert {rule: status for rule, status in answers.items() if status != 404} == {}, number


def test_huge_page_numbers_and_ids_in_query_strings_are_read_in_range_never_a_500(app, login_as):
    client = login_as(*Role, username="everyone")
    query = "&".join(f"{name}={HUGE}" for name in (
        "page", "before", "after", "against", "component", "supplier_id", "certificates_page", "events_page"))
    lists = [rule for rule in _get_routes(app) if "<" not in rule]

    answers = {rule: client.get(f"{rule}?{query}").status_code for rule in lists}
    assert {rule: status for rule, status in answers.items() if status >= 500} == {}


@pytest.mark.parametrize(("value", "expected"), [("0", 0), ("42", 42), (str(ROW_ID_MAX), ROW_ID_MAX)])
def test_a_row_id_is_read_from_zero_to_the_largest_integer(value, expected):
    assert row_id(value) == expected


@pytest.mark.parametrize("value", ["-1", str(ROW_ID_MAX + 1), HUGE, "1e3", "abc"])
def test_anything_else_is_not_a_row_id(value):
    with pytest.raises(ValueError):
        row_id(value)


def test_a_page_number_is_kept_between_one_and_the_largest_integer():
    assert [page_number(v) for v in ("-5", "0", "3", HUGE)] == [1, 1, 3, ROW_ID_MAX]
