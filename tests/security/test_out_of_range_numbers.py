"""Attack finding: a number larger than a PostgreSQL INTEGER in a URL or a query string gave a 500 on 64 of the 66
pages that take an id (/suppliers/99999999999: "integer out of range"), and on 15 lists with a huge page number;
forms did the same with ids and row versions ('1e309' or '²' in a hidden version field, a huge supplier, source or
software item id). SQLite's 64-bit ids hid most of it. An id in a URL is a bounded row id (404 when larger); ids,
versions and page numbers in query strings and forms are read in range."""

from __future__ import annotations

import re

import lxml.html
import pytest

from app.access import Role
from app.db import ROW_ID_MAX, page_number, row_id, stated_id

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


def _post_forms(page_html: str, url: str) -> list[tuple[str, dict[str, str], list[str]]]:
    """The POST forms of a page: action, the values they carry, and the names of their number-like fields."""
    forms = []
    for form in lxml.html.fromstring(page_html).forms:
        if (form.method or "GET").upper() != "POST":
            continue
        values = {name: value if isinstance(value, str) else "" for name, value in form.form_values()}
        numbers = [field.name for field in form.inputs if getattr(field, "name", None) and (
            getattr(field, "type", "") == "number" or re.fullmatch(r"\d+", str(getattr(field, "value", "") or "")))]
        if numbers:
            forms.append((form.action or url, values, numbers))
    return forms


def test_every_form_of_the_demo_refuses_out_of_range_numbers_with_a_4xx_never_a_500(app, login_as):
    """Each POST form found on the demo's pages (record ids 1 to 3) is sent with its number fields (ids, row versions,
    scores) set to a number beyond BIGINT, a number PostgreSQL cannot hold, a float overflow and a superscript two."""
    from app.demo import seed_all

    seed_all(suppliers=0)
    client = login_as(*Role, username="everyone")
    seen: set[tuple[str, tuple[str, ...]]] = set()
    failures = {}
    for rule in _get_routes(app):
        for number in ("1", "2", "3") if "<int:" in rule else ("",):
            url = _with(rule, number)
            if "<" in url or "logout" in url:
                continue
            page = client.get(url)
            if page.status_code != 200 or "html" not in page.content_type or not page.get_data().strip():
                continue
            for action, values, numbers in _post_forms(page.get_data(as_text=True), url):
                if (action, tuple(sorted(values))) in seen or "logout" in action:
                    continue
                seen.add((action, tuple(sorted(values))))
                for bad in (HUGE, "-99999999999", "1e309", "\u00b2"):
                    status = client.post(action, data={**values, **{name: bad for name in numbers}}).status_code
                    if status >= 500:
                        failures[f"{action} {numbers} = {bad!r}"] = status
    assert len(seen) > 30  # forms with a number field: record edits, moves, links, signatures
    assert failures == {}


@pytest.mark.parametrize(("value", "expected"), [("0", 0), ("42", 42), (str(ROW_ID_MAX), ROW_ID_MAX)])
def test_a_row_id_is_read_from_zero_to_the_largest_integer(value, expected):
    assert row_id(value) == expected


@pytest.mark.parametrize("value", ["-1", str(ROW_ID_MAX + 1), HUGE, "1e3", "abc"])
def test_anything_else_is_not_a_row_id(value):
    with pytest.raises(ValueError):
        row_id(value)


def test_a_page_number_is_kept_between_one_and_the_largest_integer():
    assert [page_number(v) for v in ("-5", "0", "3", HUGE)] == [1, 1, 3, ROW_ID_MAX]


@pytest.mark.parametrize(("value", "expected"), [
    ("7", 7), (0, 0), (12, 12), (str(ROW_ID_MAX), ROW_ID_MAX), (str(ROW_ID_MAX + 1), None), ("\u00b2", None), ("-1", None), ("", None),
    (None, None), ("1e3", None),
])
def test_a_stated_id_is_ascii_digits_within_an_integer(value, expected):
    assert stated_id(value) == expected
