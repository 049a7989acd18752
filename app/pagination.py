"""Pagination of list pages: page and per_page from the query string, two queries per page."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import current_app, request
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select

from app.extensions import db

MAX_PER_PAGE = 500


def paginate(query: Select[Any], *, per_page: int | None = None) -> Pagination:
    """The requested page of a query (out-of-range pages are empty, not errors)."""
    default = per_page or current_app.config["PAGE_SIZE"]
    return db.paginate(
        query,
        page=request.args.get("page", 1, type=int),
        per_page=request.args.get("per_page", default, type=int),
        max_per_page=MAX_PER_PAGE,
        error_out=False,
    )


class _ListPagination(Pagination):
    """A page of a list already in memory (a computed result such as a release diff), shown with the same macro."""

    def _query_items(self) -> list[Any]:
        start = (self.page - 1) * self.per_page
        return list(self._query_args["items"][start:start + self.per_page])

    def _query_count(self) -> int:
        return len(self._query_args["items"])


def paginate_list(items: Sequence[Any], *, per_page: int | None = None) -> Pagination:
    """The requested page of a computed list: what is rendered stays bounded even when the list is not."""
    default = per_page or current_app.config["PAGE_SIZE"]
    return _ListPagination(
        page=request.args.get("page", 1, type=int),
        per_page=request.args.get("per_page", default, type=int),
        max_per_page=MAX_PER_PAGE,
        error_out=False,
        items=items,
    )


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
    default = per_page or current_app.config["PAGE_SIZE"]
    return _UncountedPagination(
        page=request.args.get("page", 1, type=int),
        per_page=request.args.get("per_page", default, type=int),
        max_per_page=MAX_PER_PAGE,
        error_out=False,
        select=query,
        known_total=known_total,
    )
