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
    config = Config(str(MIGRATIONS / "alembic.ini"))  # as Flask-Migrate reads it
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


def test_0007_moves_validation_evidence_into_stored_files_and_back(app, make_user):
    """An execution's evidence at 0006 lands in stored_files with its bytes and facts; the downgrade restores it."""
    from datetime import datetime

    from app.access import Role
    from app.storage import EVIDENCE_EXTENSIONS, store_bytes
    from app.validation import services
    from tests.validation.factories import approved_protocol, make_system

    fresh = create_app({**app.config, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    png = b"\x89PNG\r\n\x1a\n" + b"\x01" * 32
    uploaded_at = datetime(2026, 3, 4, 5, 6, 7)
    try:
        with fresh.app_context():
            db.drop_all()
            with db.engine.begin() as connection:
                connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
            assert run(fresh, "db", "upgrade", "0006").exit_code == 0
            author, reviewer, qa = make_user("erin"), make_user("rob"), make_user("q", Role.QA)
            tester = make_user("tess")
            certificate_file = store_bytes(b"%PDF-1.7\n", "iso.pdf", allowed=EVIDENCE_EXTENSIONS, max_bytes=1024)
            protocol = approved_protocol(make_system(author), author, reviewer, qa)
            services.start_execution(protocol, tester)
            case = protocol.test_cases[0]
            entry = services.record_execution(protocol, tester, test_case_id=case.id, test_step_id=case.steps[0].id,
                                              tested_version="9.1", actual_result="Shown", outcome="pass")
            ids = {"entry": entry.id, "tester": tester.id, "certificate": certificate_file.id}
            db.session.commit()
            with db.engine.begin() as connection:
                # Old evidence id 1 is also the certificate's stored_files id: the copy must get a new id.
                connection.execute(text(
                    "INSERT INTO validation_evidence_files (id, filename, extension, content_type, size, sha256,"
                    " data, uploaded_by_id, uploaded_at) VALUES (1, 'screen.png', 'png', 'image/png', :size,"
                    " :sha, :data, :by, :at)"
                ), {"size": len(png), "sha": "a" * 64, "data": png, "by": ids["tester"], "at": uploaded_at})
                connection.execute(text("UPDATE validation_executions SET evidence_id = 1 WHERE id = :id"),
                                   {"id": ids["entry"]})
            db.session.remove()

            assert run(fresh, "db", "upgrade").exit_code == 0
            assert "validation_evidence_files" not in inspect(db.engine).get_table_names()
            with db.engine.connect() as connection:
                evidence_id = connection.scalar(text("SELECT evidence_id FROM validation_executions WHERE id = :id"),
                                                {"id": ids["entry"]})
                assert evidence_id != ids["certificate"]
                row = connection.execute(text(
                    "SELECT original_name, content_type, size, sha256, data, created_by_id, created_at"
                    " FROM stored_files WHERE id = :id"), {"id": evidence_id}).one()
                assert connection.scalar(text("SELECT count(*) FROM stored_files")) == 2
            assert (row.original_name, row.content_type, row.size, row.sha256, bytes(row.data), row.created_by_id) == (
                "screen.png", "image/png", len(png), "a" * 64, png, ids["tester"])
            assert str(row.created_at).startswith("2026-03-04 05:06:07")
            assert run(fresh, "db", "check").exit_code == 0

            assert run(fresh, "db", "downgrade", "0006").exit_code == 0
            with db.engine.connect() as connection:
                old = connection.execute(text(
                    "SELECT e.filename, e.extension, e.data, e.uploaded_by_id FROM validation_executions x"
                    " JOIN validation_evidence_files e ON e.id = x.evidence_id WHERE x.id = :id"),
                    {"id": ids["entry"]}).one()
                assert connection.scalar(text("SELECT count(*) FROM stored_files")) == 1
            assert (old.filename, old.extension, bytes(old.data), old.uploaded_by_id) == (
                "screen.png", "png", png, ids["tester"])
            db.session.remove()
            db.engine.dispose()
    finally:
        with app.app_context():
            db.session.remove()
            # The table 0007 drops is back after the downgrade (or if the test stopped before the upgrade).
            with db.engine.begin() as connection:
                if connection.dialect.name == "postgresql":
                    connection.execute(text("DROP TABLE IF EXISTS validation_evidence_files CASCADE"))
                elif "validation_evidence_files" in inspect(connection).get_table_names():
                    connection.execute(text("UPDATE validation_executions SET evidence_id = NULL"))
                    connection.execute(text("DROP TABLE validation_evidence_files"))
            db.engine.dispose()
            reset_schema()


def test_0009_gives_existing_tokens_the_create_scope_and_the_downgrade_revokes_restricted_ones(app, make_user):
    """A token made at 0008 may create products after the upgrade and is flagged as created before scopes; a
    token restricted to products is revoked by the downgrade (the old code would not restrict it)."""
    fresh = create_app({**app.config, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    token_row = ("INSERT INTO api_tokens (name, token_hash, prefix, scope, created_by_id, created_at, updated_at{})"
                 " VALUES (:name, :hash, 'prov_x', 'inventory.import', :by, :at, :at{})")
    try:
        with fresh.app_context():
            db.drop_all()
            with db.engine.begin() as connection:
                connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
            assert run(fresh, "db", "upgrade", "0008").exit_code == 0
            admin_id = make_user("ada").id
            db.session.remove()  # reading the id began a transaction: SQLite's writers take the lock at BEGIN
            with db.engine.begin() as connection:
                connection.execute(text(token_row.format("", "")),
                                   {"name": "old CI", "hash": "a" * 64, "by": admin_id, "at": "2026-01-01 00:00:00"})
            db.session.remove()

            assert run(fresh, "db", "upgrade").exit_code == 0
            with db.engine.begin() as connection:
                old = connection.execute(text(
                    "SELECT may_create_products, created_before_scopes FROM api_tokens WHERE name = 'old CI'")).one()
                assert (bool(old.may_create_products), bool(old.created_before_scopes)) == (True, True)
                connection.execute(text("INSERT INTO products (name, safety_class, description, version, created_at,"
                                        " updated_at) VALUES ('A', 'A', '', 1, :at, :at)"), {"at": "2026-01-01"})
                product_id = connection.scalar(text("SELECT id FROM products WHERE name = 'A'"))
                connection.execute(text(token_row.format(", may_create_products, created_before_scopes",
                                                         ", :no, :no")),
                                   {"name": "scoped CI", "hash": "b" * 64, "by": admin_id, "at": "2026-02-01",
                                    "no": False})
                scoped_id = connection.scalar(text("SELECT id FROM api_tokens WHERE name = 'scoped CI'"))
                connection.execute(text("INSERT INTO api_token_products (token_id, product_id) VALUES (:t, :p)"),
                                   {"t": scoped_id, "p": product_id})
            assert run(fresh, "db", "check").exit_code == 0

            assert run(fresh, "db", "downgrade", "0008").exit_code == 0
            assert "api_token_products" not in inspect(db.engine).get_table_names()
            with db.engine.connect() as connection:
                revoked = dict(connection.execute(text("SELECT name, revoked_at FROM api_tokens")).all())
            assert revoked["old CI"] is None and revoked["scoped CI"] is not None
            db.session.remove()
            db.engine.dispose()
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
            reset_schema()


LIST_INDEXES = {
    "audit_events": {
        "ix_audit_events_entity_type_id": ["entity_type", "id"], "ix_audit_events_actor_id_id": ["actor_id", "id"],
        "ix_audit_events_action_id": ["action", "id"], "ix_audit_events_name_id": ["name", "id"],
    },
    "suppliers": {
        "ix_suppliers_status_name": ["status", "name"], "ix_suppliers_kind_name": ["kind", "name"],
        "ix_suppliers_criticality_name": ["criticality", "name"], "ix_suppliers_status_id": ["status", "id"],
        "ix_suppliers_criticality_id": ["criticality", "id"],
    },
}


def indexes(table: str) -> dict[str, list[str]]:
    return {index["name"]: list(index["column_names"]) for index in inspect(db.engine).get_indexes(table)}


def test_the_models_declare_the_list_and_audit_log_indexes(app):
    for table, expected in LIST_INDEXES.items():
        assert expected.items() <= indexes(table).items(), table
    assert "ix_audit_events_actor_id" not in indexes("audit_events")  # (actor_id, id) took its place


def test_0010_creates_the_list_and_audit_log_indexes_and_the_downgrade_drops_them(app):
    fresh = create_app({**app.config, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    try:
        with fresh.app_context():
            db.drop_all()
            with db.engine.begin() as connection:
                connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
            assert run(fresh, "db", "upgrade", "0010").exit_code == 0
            for table, expected in LIST_INDEXES.items():
                assert expected.items() <= indexes(table).items(), table
            assert run(fresh, "db", "downgrade", "0009").exit_code == 0
            assert indexes("audit_events")["ix_audit_events_actor_id"] == ["actor_id"]
            assert indexes("suppliers")["ix_suppliers_status"] == ["status"]
            for table, expected in LIST_INDEXES.items():
                assert not set(expected) & set(indexes(table)), table
            db.session.remove()
            db.engine.dispose()
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
            reset_schema()


def test_0012_gives_every_existing_component_the_import_it_came_from_as_its_source(app):
    """A component imported at 0009 has sources [{file, run, refs: []}] after the upgrade and an empty declared
    range; the downgrade drops both columns and keeps the component."""
    import json

    fresh = create_app({**app.config, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    at = {"at": "2026-01-01 00:00:00"}
    try:
        with fresh.app_context():
            db.drop_all()
            with db.engine.begin() as connection:
                connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
            assert run(fresh, "db", "upgrade", "0009").exit_code == 0
            with db.engine.begin() as connection:
                connection.execute(text("INSERT INTO products (name, safety_class, description, version, created_at,"
                                        " updated_at) VALUES ('A', 'A', '', 1, :at, :at)"), at)
                product_id = connection.scalar(text("SELECT id FROM products"))
                connection.execute(text("INSERT INTO releases (product_id, version, status, notes, row_version,"
                                        " created_at, updated_at) VALUES (:p, '1.0', 'draft', '', 1, :at, :at)"),
                                   {"p": product_id, **at})
                release_id = connection.scalar(text("SELECT id FROM releases"))
                connection.execute(text(
                    "INSERT INTO import_runs (release_id, filename, format, sha256, size, channel, component_count,"
                    " direct_count, transitive_count, warnings, summary, replaced, imported_at, created_at,"
                    " updated_at) VALUES (:r, 'poetry.lock', 'poetry.lock', :sha, 1, 'cli', 1, 0, 0, '[]', '{}',"
                    " :no, :at, :at, :at)"), {"r": release_id, "sha": "0" * 64, "no": False, **at})
                run_id = connection.scalar(text("SELECT id FROM import_runs"))
                connection.execute(text(
                    "INSERT INTO components (release_id, import_run_id, name, version, ecosystem, purl, description,"
                    " manufacturer, repository_url, licence_expression, unknown_licences, parents, scope,"
                    " classification, classification_rationale, safety_class, requirements, hw_sw_needed,"
                    " hazard_refs, risk_level, status, change_kind, previous_version, assessed, assessment_note,"
                    " row_version, created_at, updated_at) VALUES (:r, :run, 'flask', '3.0.3', 'pypi',"
                    " 'pkg:pypi/flask@3.0.3', '', '', '', 'BSD-3-Clause', '[]', '[]', 'runtime', '', '', 'A', '',"
                    " '', '', 'low', 'proposed', 'added', '', :no, '', 1, :at, :at)"),
                    {"r": release_id, "run": run_id, "no": False, **at})

            assert run(fresh, "db", "upgrade").exit_code == 0
            with db.engine.connect() as connection:
                sources, declared = connection.execute(text("SELECT sources, declared_range FROM components")).one()
            sources = json.loads(sources) if isinstance(sources, str) else sources
            assert sources == [{"file": "poetry.lock", "run": run_id, "refs": []}]
            assert declared == ""
            assert run(fresh, "db", "check").exit_code == 0

            assert run(fresh, "db", "downgrade", "0009").exit_code == 0
            columns = {column["name"] for column in inspect(db.engine).get_columns("components")}
            assert "sources" not in columns and "declared_range" not in columns
            with db.engine.connect() as connection:
                assert connection.scalar(text("SELECT name FROM components")) == "flask"
            db.session.remove()
            db.engine.dispose()
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
            reset_schema()
