"""The baseline of bench_portal_save: a bare Flask + SQLAlchemy endpoint that writes one row per request.

No token lookup, no session, no CSRF, no audit: one INSERT in its own transaction. Served by gunicorn with the
same worker count as the real app (`gunicorn bench.bare_write_app:app`), on the same database.
"""

from __future__ import annotations

import os

from flask import Flask, request
from sqlalchemy import create_engine, text

app = Flask(__name__)
engine = create_engine(os.environ["BENCH_DATABASE_URL"], connect_args={"timeout": 30})


@app.route("/write/<code>", methods=["POST"])
def write(code: str) -> str:
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO bench_writes (code, value) VALUES (:code, :value)"),
                           {"code": code, "value": request.form.get("answer", "")})
    return "saved"
