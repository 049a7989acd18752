"""The baseline of bench_portal_save: a bare Flask + SQLAlchemy endpoint that writes one row per request.

No token lookup, no session, no CSRF, no audit: one INSERT in its own transaction. Served by gunicorn with the
same worker count as the real app (`gunicorn bench.bare_write_app:app`), on the same database, with the same
SQLite connection settings as the app (app.db.configure_sqlite: WAL, synchronous=NORMAL, the busy timeout,
BEGIN IMMEDIATE), so that the two differ in what they do per request, not in how they commit.
"""

from __future__ import annotations

import os

from flask import Flask, request
from sqlalchemy import create_engine, text

from app.config import DefaultConfig
from app.db import configure_sqlite

app = Flask(__name__)
engine = create_engine(os.environ["BENCH_DATABASE_URL"])
if engine.dialect.name == "sqlite":
    configure_sqlite(engine, DefaultConfig.SQLITE_BUSY_TIMEOUT_MS)


@app.route("/write/<code>", methods=["POST"])
def write(code: str) -> str:
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO bench_writes (code, value) VALUES (:code, :value)"),
                           {"code": code, "value": request.form.get("answer", "")})
    return "saved"
