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
