"""Jinja filters shared by every page."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask

from app import labels


def format_datetime(value: datetime | None) -> str:
    """UTC date and time to the minute, or an em dash."""
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "—"


def format_date(value: date | datetime | None) -> str:
    return value.strftime("%Y-%m-%d") if value else "—"


def humanise(value: object) -> str:
    """A stored code as its label from the one registry: 'conditionally_approved' -> 'Conditionally approved',
    'soup' -> 'SOUP' (see app/labels.py)."""
    return labels.label(value or "")


def register(app: Flask) -> None:
    app.jinja_env.filters.update(
        datetime=format_datetime, date=format_date, humanise=humanise, label=labels.label,
        field_label=labels.field_label, display=labels.display,
    )
