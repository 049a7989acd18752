"""The app factory and its configuration order: defaults -> instance/config.py -> PROVENANCE_* -> test config."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app import create_app
from app.extensions import db


def make(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, instance_text: str = "", **test_config: object):
    instance = tmp_path / "instance"
    instance.mkdir(exist_ok=True)
    if instance_text:
        (instance / "config.py").write_text(instance_text)
    monkeypatch.setenv("PROVENANCE_INSTANCE_PATH", str(instance))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    return create_app(test_config or None)


def test_defaults_apply_without_any_configuration(tmp_path, monkeypatch):
    app = make(tmp_path, monkeypatch)
    assert app.config["LOGIN_MAX_FAILURES"] == 5
    assert app.config["SESSION_INACTIVITY_MINUTES"] == 15
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("instance/app.sqlite3")


def test_instance_config_overrides_defaults(tmp_path, monkeypatch):
    app = make(tmp_path, monkeypatch, "LOGIN_MAX_FAILURES = 7\nSECRET_KEY = 'from-instance'\n")
    assert app.config["LOGIN_MAX_FAILURES"] == 7
    assert app.config["SECRET_KEY"] == "from-instance"


def test_environment_overrides_instance_config(tmp_path, monkeypatch):
    monkeypatch.setenv("PROVENANCE_LOGIN_MAX_FAILURES", "9")
    app = make(tmp_path, monkeypatch, "LOGIN_MAX_FAILURES = 7\n")
    assert app.config["LOGIN_MAX_FAILURES"] == 9


def test_test_config_overrides_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("PROVENANCE_LOGIN_MAX_FAILURES", "9")
    app = make(tmp_path, monkeypatch, "", LOGIN_MAX_FAILURES=3)
    assert app.config["LOGIN_MAX_FAILURES"] == 3


def test_database_url_selects_postgresql_with_psycopg3(tmp_path, monkeypatch):
    monkeypatch.setenv("PROVENANCE_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", "postgresql://user@127.0.0.1/provenance")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://user@127.0.0.1/provenance"
    with app.app_context():  # a checkout is tested only when the connection may be broken (tests/test_db.py)
        assert not db.engine.pool._pre_ping and len(db.engine.pool.dispatch.checkout) == 1


@pytest.mark.parametrize("value", ["soon", "-1", "nan", "true"])
def test_a_pool_test_delay_that_is_not_seconds_is_refused_at_start_up_with_its_name(tmp_path, monkeypatch, value):
    monkeypatch.setenv("PROVENANCE_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", "postgresql://user@127.0.0.1/provenance")
    monkeypatch.setenv("PROVENANCE_DATABASE_PING_AFTER_IDLE_S", value)
    with pytest.raises(RuntimeError, match="DATABASE_PING_AFTER_IDLE_S must be a number of seconds"):
        create_app()


def test_production_refuses_to_start_without_a_secret_key(tmp_path, monkeypatch):
    monkeypatch.setenv("PROVENANCE_ENV", "production")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        make(tmp_path, monkeypatch)


def test_production_refuses_to_start_without_the_audit_chain_key(tmp_path, monkeypatch):
    monkeypatch.setenv("PROVENANCE_ENV", "production")
    monkeypatch.setenv("PROVENANCE_SECRET_KEY", "x" * 64)
    with pytest.raises(RuntimeError, match="AUDIT_CHAIN_KEY"):
        make(tmp_path, monkeypatch)


def test_production_uses_secure_cookies_and_no_debug(tmp_path, monkeypatch):
    monkeypatch.setenv("PROVENANCE_ENV", "production")
    monkeypatch.setenv("PROVENANCE_SECRET_KEY", "x" * 64)
    monkeypatch.setenv("PROVENANCE_AUDIT_CHAIN_KEY", "y" * 64)
    app = make(tmp_path, monkeypatch)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.debug is False


@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="SQLite pragmas only apply to SQLite")
def test_sqlite_connections_use_wal_foreign_keys_and_busy_timeout(app):
    from sqlalchemy import text

    from app.extensions import db

    with db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == app.config["SQLITE_BUSY_TIMEOUT_MS"]
