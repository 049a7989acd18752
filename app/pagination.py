"""Pagination of list pages: page and per_page from the query string; a capped count, or keyset pages.

A list never counts a large table exactly on every request. `paginate()` counts at most PAGE_COUNT_CAP rows
(or up to the current page, when it is further), so a page shows "1-50 of 23" on a small list and "1-50 of more
than 1000" on a big one, at the cost of reading a thousand index entries at most; a page that is not full needs
no count at all. `keyset_page()` pages an append-only table (the audit trail) newest first by id, with links to
newer and older items and no count.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app, request
from flask_sqlalchemy.pagination import Pagination, SelectPagination
from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute, lazyload
from sqlalchemy.sql.elements import ColumnElement

from app.db import page_number, row_id
from app.extensions import db

MAX_PER_PAGE = 500


class CappedPagination(SelectPagination):
    """flask-sqlalchemy's page of a select, whose total is exact up to a cap and "more than cap" beyond it.

    `total_capped` is true when the list holds more than `total - 1` rows (the template then says "more than").
    Takes `count_cap` in addition to SelectPagination's arguments.
    """

    total_capped: bool = False
    param: str = "page"  # the query-string argument of the page number
    anchor: str | None = None  # the section the page links go to (a record page's sub-list)

    def _query_count(self) -> int:
        offset = self._query_offset
        if self.items and len(self.items) < self.per_page:
            return offset + len(self.items)  # the last page: nothing to count
        if not self.items and self.page == 1:
            return 0
        cap: int = self._query_args.get("count_cap") or current_app.config["PAGE_COUNT_CAP"]
        # Up to the end of this page (so that "next" is known), but a page past the end counts no further than the cap.
        limit = (max(cap, offset + self.per_page) if self.items else cap) + 1
        select = self._query_args["select"].options(lazyload("*")).order_by(None)
        if not select._distinct and not select._group_by_clauses:
            # Count rows, not their columns: an index can answer it without reading the table.
            select = select.with_only_columns(sa.literal_column("1"), maintain_column_froms=True)
        sub = select.limit(limit).subquery()
        counted = int(self._query_args["session"].execute(sa.select(sa.func.count()).select_from(sub)).scalar() or 0)
        self.total_capped = counted >= limit
        return counted


class RowPagination(CappedPagination):
    """A page of plain rows (not ORM objects), for hot lists that show only a few columns."""

    def _query_items(self) -> list[Any]:
        query = self._query_args["select"].limit(self.per_page).offset(self._query_offset)
        return list(self._query_args["session"].execute(query).all())


def _page_args(per_page: int | None) -> tuple[int, int]:
    default = per_page or current_app.config["PAGE_SIZE"]
    return request.args.get("page", 1, type=page_number), request.args.get("per_page", default, type=int)


def paginate(query: Select[Any], *, per_page: int | None = None, rows: bool = False) -> CappedPagination:
    """The requested page of a query (out-of-range pages are empty, not errors), counted up to the cap.

    rows=True gives plain rows instead of ORM objects (the query selects columns)."""
    page, size = _page_args(per_page)
    kind = RowPagination if rows else CappedPagination
    return kind(select=query, session=db.session(), page=page, per_page=size, max_per_page=MAX_PER_PAGE,
                error_out=False)


def sub_page(query: Select[Any], name: str, *, per_page: int | None = None) -> CappedPagination:
    """A sub-record list of a record page (a supplier's certificates, say): `<name>_page` in the query string
    gives its page, its links keep the other arguments and go to the section `#<name>`."""
    size = per_page or current_app.config["RECORD_SUBLIST_SIZE"]
    page = CappedPagination(select=query, session=db.session(), page=request.args.get(f"{name}_page", 1, type=page_number),
                            per_page=size, max_per_page=size, error_out=False)
    page.param, page.anchor = f"{name}_page", name
    return page


@dataclass(frozen=True)
class KeysetPage:
    """One page of a list read newest first by a unique key, with the keys to go to newer and older items."""

    items: Sequence[Any]
    per_page: int
    newer: Any = None  # `after` of the link to newer items, None on the newest page
    older: Any = None  # `before` of the link to older items, None on the oldest page
    keyset: bool = True  # templates tell it from a numbered page by this


def _key_arg(name: str) -> int | None:
    return request.args.get(name, type=row_id)


def keyset_page(query: Select[Any], key: InstrumentedAttribute[Any], *, per_page: int | None = None) -> KeysetPage:
    """The page of `query` newest first by `key`: after=K gives the items just newer than K, before=K those just
    older (both from the query string); one query for the items and, on a page that is not the newest, one
    LIMIT 1 query to know whether newer items exist. Nothing is counted."""
    size = max(1, min(request.args.get("per_page", per_page or current_app.config["PAGE_SIZE"], type=int)
                      or 1, MAX_PER_PAGE))
    before, after = _key_arg("before"), _key_arg("after")
    session = db.session()
    unordered = query.order_by(None)

    def exists(condition: ColumnElement[bool]) -> bool:
        probe = unordered.with_only_columns(key).where(condition).limit(1)
        return session.execute(probe).first() is not None

    def key_of(item: Any) -> Any:
        return getattr(item, key.key)

    if after is not None and before is None:
        found = list(session.scalars(unordered.where(key > after).order_by(key.asc()).limit(size + 1)))
        items = list(reversed(found[:size]))
        newer = key_of(items[0]) if len(found) > size else None
        older = key_of(items[-1]) if items and exists(key < key_of(items[-1])) else None
        return KeysetPage(items, size, newer=newer, older=older)
    ordered = unordered.order_by(key.desc())
    if before is not None:
        ordered = ordered.where(key < before)
    found = list(session.scalars(ordered.limit(size + 1)))
    items = found[:size]
    older = key_of(items[-1]) if len(found) > size else None
    newer = key_of(items[0]) if before is not None and items and exists(key > key_of(items[0])) else None
    return KeysetPage(items, size, newer=newer, older=older)


class _ListPagination(Pagination):
    """A page of a list already in memory (a computed result such as a release diff), shown with the same macro."""

    def _query_items(self) -> list[Any]:
        start = (self.page - 1) * self.per_page
        return list(self._query_args["items"][start:start + self.per_page])

    def _query_count(self) -> int:
        return len(self._query_args["items"])


def paginate_list(items: Sequence[Any], *, per_page: int | None = None) -> Pagination:
    """The requested page of a computed list: what is rendered stays bounded even when the list is not."""
    page, size = _page_args(per_page)
    return _ListPagination(page=page, per_page=size, max_per_page=MAX_PER_PAGE, error_out=False, items=items)


class _UncountedPagination(Pagination):
    """A page of a select without a COUNT over every matching row: the total is the one the caller already knows (a
    counter it read anyway), or else it is not counted and one row more than the page says whether another page
    follows (then `total_is_exact` is False and `total` is only what is known: up to this page, plus one)."""

    total_is_exact = True

    def _query_items(self) -> list[Any]:
        statement = self._query_args["select"].limit(self.per_page + 1).offset(self._query_offset)
        items = list(db.session.execute(statement).unique().scalars())
        self._more = len(items) > self.per_page
        return items[: self.per_page]

    def _query_count(self) -> int:
        known = self._query_args["known_total"]
        if known is not None:
            return int(known)
        self.total_is_exact = False
        return self._query_offset + len(self.items) + (1 if self._more else 0)


def paginate_uncounted(query: Select[Any], *, known_total: int | None = None, per_page: int | None = None) -> Pagination:
    """The requested page of a query without counting every row it matches (a list that grows with the company):
    with the total the caller knows, or with "next" only."""
    page, size = _page_args(per_page)
    return _UncountedPagination(page=page, per_page=size, max_per_page=MAX_PER_PAGE, error_out=False, select=query,
                                known_total=known_total)
