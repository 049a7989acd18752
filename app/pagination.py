"""Pagination of list pages: page and per_page from the query string, two queries per page."""

from __future__ import annotations

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
