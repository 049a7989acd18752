"""Jinja filters shared by every page."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask


def format_datetime(value: datetime | None) -> str:
    """UTC date and time to the minute, or an em dash."""
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "—"


def format_date(value: date | datetime | None) -> str:
    return value.strftime("%Y-%m-%d") if value else "—"


def humanise(value: object) -> str:
    """snake_case enum values as words: 'conditionally_approved' -> 'Conditionally approved'."""
    text = str(value or "").replace("_", " ")
    return text[:1].upper() + text[1:]


def register(app: Flask) -> None:
    app.jinja_env.filters.update(datetime=format_datetime, date=format_date, humanise=humanise)
