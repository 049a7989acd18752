"""The served app for the load and crash tests: its own database (a fresh SQLite file, or the suite's
PostgreSQL database, whose schema is rebuilt afterwards for the tests that follow)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from app.extensions import db
from tests.conftest import reset_schema
from tests.load.served import Served, gunicorn


@pytest.fixture
def database_url(app: Flask, tmp_path: Path) -> Iterator[str]:
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp_path / 'load.sqlite3'}"
    try:
        yield url
    finally:
        if url.startswith("postgresql"):
            db.session.remove()
            db.engine.dispose()
            reset_schema()


@pytest.fixture
def served(database_url: str, tmp_path: Path) -> Iterator[Served]:
    with gunicorn(tmp_path, database_url) as server:
        yield server
