"""Migrations: one head; upgrade on an empty database; the models and the migrations agree."""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from click.testing import Result
from flask import Flask
from sqlalchemy import inspect, text

from app import create_app
from app.extensions import db
from tests.conftest import reset_schema

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def test_migrations_have_exactly_one_head():
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, f"several heads: {heads}"


def run(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(args=list(args))


def test_upgrade_on_an_empty_database_then_check_finds_no_drift(app):
    """Runs on SQLite, or on PostgreSQL when DATABASE_URL is set (then the schema is rebuilt after)."""
    fresh = create_app({**app.config, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    try:
        with fresh.app_context():
            db.drop_all()
            with db.engine.begin() as connection:
                connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
            upgrade = run(fresh, "db", "upgrade")
            assert upgrade.exit_code == 0, upgrade.output
            tables = set(inspect(db.engine).get_table_names())
            assert {"users", "audit_events", "signatures", "alembic_version"} <= tables
            assert set(db.metadata.tables) <= tables
            check = run(fresh, "db", "check")
            assert check.exit_code == 0, check.output
            db.session.remove()
            db.engine.dispose()
    finally:
        with app.app_context():
            db.engine.dispose()
            reset_schema()
