"""Migrations: one head; upgrade on an empty database; the models and the migrations agree."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from click.testing import Result
from flask import Flask
from sqlalchemy import Connection, inspect, select, text

from app import create_app
from app.audit.models import AuditChainHead, AuditCheckpoint
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


@contextmanager
def from_scratch(app: Flask, cleanup: Callable[[Connection], None] | None = None) -> Iterator[Flask]:
    """A second app on the suite's database, emptied (no tables, no Alembic version), inside its app context, for
    a test to migrate step by step; afterwards, whatever happened, `cleanup` runs and the suite's schema is rebuilt."""
    fresh = create_app({**app.config, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    try:
        with fresh.app_context():
            db.drop_all()
            with db.engine.begin() as connection:
                connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
            yield fresh
            db.session.remove()
            db.engine.dispose()
    finally:
        with app.app_context():
            db.session.remove()
            if cleanup is not None:
                with db.engine.begin() as connection:
                    cleanup(connection)
            db.engine.dispose()
            reset_schema()


def _drop_validation_evidence_files(connection: Connection) -> None:
    """The table 0007 drops is back after the downgrade (or if the test stopped before the upgrade)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("DROP TABLE IF EXISTS validation_evidence_files CASCADE"))
    elif "validation_evidence_files" in inspect(connection).get_table_names():
        connection.execute(text("UPDATE validation_executions SET evidence_id = NULL"))
        connection.execute(text("DROP TABLE validation_evidence_files"))


# Columns later revisions add that today's code reads or writes when it builds records (0013, 0014g, 0017c):
# (table, column, type).
COLUMNS_OF_0013 = (
    ("suppliers", "name_key", "VARCHAR(200) NOT NULL DEFAULT ''"),
    ("signatures", "content", "JSON"),
    ("validation_protocols", "test_environment", "TEXT NOT NULL DEFAULT ''"),
    ("validation_protocols", "prerequisites", "TEXT NOT NULL DEFAULT ''"),
    ("purchase_records", "quantity", "VARCHAR(120) NOT NULL DEFAULT ''"),
    ("purchase_records", "process_requirements", "TEXT NOT NULL DEFAULT ''"),
    ("purchase_records", "personnel_requirements", "TEXT NOT NULL DEFAULT ''"),
    ("users", "task_mail", "VARCHAR(10) NOT NULL DEFAULT 'each'"),
)


@contextmanager
def todays_audit_tables() -> Iterator[None]:
    """The code writes the anchored audit chain (revision 0013) on every change and reads the columns 0013 adds.
    A test that builds records with today's services at an older revision gets those tables and columns for the
    setup; they are removed again before the upgrade that creates them."""
    with db.engine.begin() as connection:
        AuditChainHead.__table__.create(connection)
        AuditCheckpoint.__table__.create(connection)
        tables = set(inspect(connection).get_table_names())
        added = [(table, column) for table, column, _type in COLUMNS_OF_0013 if table in tables]
        for table, column, type_ in COLUMNS_OF_0013:
            if table in tables:
                connection.execute(text(f"ALTER TABLE {table} ADD COLUMN {column} {type_}"))
    try:
        yield
    finally:
        db.session.remove()
        with db.engine.begin() as connection:
            AuditCheckpoint.__table__.drop(connection)
            AuditChainHead.__table__.drop(connection)
            for table, column in added:
                connection.execute(text(f"ALTER TABLE {table} DROP COLUMN {column}"))


def test_upgrade_on_an_empty_database_then_check_finds_no_drift(app):
    """Runs on SQLite, or on PostgreSQL when DATABASE_URL is set (then the schema is rebuilt after)."""
    with from_scratch(app) as fresh:
        upgrade = run(fresh, "db", "upgrade")
        assert upgrade.exit_code == 0, upgrade.output
        tables = set(inspect(db.engine).get_table_names())
        assert {"users", "audit_events", "signatures", "alembic_version"} <= tables
        assert set(db.metadata.tables) <= tables
        check = run(fresh, "db", "check")
        assert check.exit_code == 0, check.output


@contextmanager
def todays_validation_columns() -> Iterator[None]:
    """Today's models write the 0006 rows: the validation tables have the columns added since (0017g) for that while."""
    tables = ("validation_functions", "validation_test_cases")
    with db.engine.begin() as connection:
        for table in tables:
            connection.execute(text(f"ALTER TABLE {table} ADD COLUMN retired_at TIMESTAMP"))
    try:
        yield
    finally:
        db.session.remove()
        with db.engine.begin() as connection:
            for table in tables:
                connection.execute(text(f"ALTER TABLE {table} DROP COLUMN retired_at"))


def test_0007_moves_validation_evidence_into_stored_files_and_back(app, make_user):
    """An execution's evidence at 0006 lands in stored_files with its bytes and facts; the downgrade restores it."""
    from datetime import datetime

    from app.access import Role
    from app.storage import EVIDENCE_EXTENSIONS, store_bytes
    from app.validation import services
    from tests.validation.factories import approved_protocol, make_system

    png = b"\x89PNG\r\n\x1a\n" + b"\x01" * 32
    uploaded_at = datetime(2026, 3, 4, 5, 6, 7)
    with from_scratch(app, cleanup=_drop_validation_evidence_files) as fresh:
        assert run(fresh, "db", "upgrade", "0006").exit_code == 0
        with todays_audit_tables(), todays_validation_columns():
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


def test_0009_gives_existing_tokens_the_create_scope_and_the_downgrade_revokes_restricted_ones(app, make_user):
    """A token made at 0008 may create products after the upgrade and is flagged as created before scopes; a
    token restricted to products is revoked by the downgrade (the old code would not restrict it)."""
    token_row = ("INSERT INTO api_tokens (name, token_hash, prefix, scope, created_by_id, created_at, updated_at{})"
                 " VALUES (:name, :hash, 'prov_x', 'inventory.import', :by, :at, :at{})")
    with from_scratch(app) as fresh:
        assert run(fresh, "db", "upgrade", "0008").exit_code == 0
        with todays_audit_tables():
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
    with from_scratch(app) as fresh:
        assert run(fresh, "db", "upgrade", "0010").exit_code == 0
        for table, expected in LIST_INDEXES.items():
            assert expected.items() <= indexes(table).items(), table
        assert run(fresh, "db", "downgrade", "0009").exit_code == 0
        assert indexes("audit_events")["ix_audit_events_actor_id"] == ["actor_id"]
        assert indexes("suppliers")["ix_suppliers_status"] == ["status"]
        for table, expected in LIST_INDEXES.items():
            assert not set(expected) & set(indexes(table)), table


def test_0012_gives_every_existing_component_the_import_it_came_from_as_its_source(app):
    """A component imported at 0009 has sources [{file, run, refs: []}] after the upgrade and an empty declared
    range; the downgrade drops both columns and keeps the component."""
    import json

    at = {"at": "2026-01-01 00:00:00"}
    with from_scratch(app) as fresh:
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


def _insert(connection, table: str, **values) -> int:
    """A row as the schema of the current revision wants it: the given values, a plain one for every other required
    column (0, '', false, {} or [] for JSON, a fixed time); returns its id."""
    import json
    from datetime import date, datetime

    from sqlalchemy import JSON, Boolean, Date, DateTime, Float, Integer

    reflected = inspect(connection).get_columns(table)
    row = dict(values)
    for column in reflected:
        name, kind = column["name"], column["type"]
        if name in row or column["nullable"] or name == "id" or column.get("default") is not None:
            continue
        if isinstance(kind, JSON) or "json" in str(kind).lower():
            row[name] = json.dumps([] if name.endswith(("s", "hits")) and name not in ("answers",) else {})
        elif isinstance(kind, Boolean):
            row[name] = False
        elif isinstance(kind, Integer | Float):
            row[name] = 1 if name in ("version", "row_version") else 0
        elif isinstance(kind, DateTime):
            row[name] = datetime(2026, 1, 2, 3, 4, 5)
        elif isinstance(kind, Date):
            row[name] = date(2026, 1, 2)
        else:
            row[name] = ""
    for name, value in list(row.items()):
        if isinstance(value, dict | list):
            row[name] = json.dumps(value)
    names = ", ".join(row)
    connection.execute(text(f"INSERT INTO {table} ({names}) VALUES ({', '.join(':' + n for n in row)})"), row)
    return int(connection.execute(text(f"SELECT max(id) FROM {table}")).scalar() or 0) if "id" in {
        c["name"] for c in reflected} else 0


def test_0011_moves_answers_into_rows_fills_review_keys_matches_schedule_and_summaries_and_back(app):
    """At 0009: an evaluation with JSON answers (one refused, evaluator answers) and a release with a class B component
    hit by an advisory. After 0011: answer rows (locked once submitted), review keys, the release and severity of
    the match, the version on the review schedule, the release's summary; the downgrade puts the JSON back."""
    with from_scratch(app) as fresh:
        assert run(fresh, "db", "upgrade", "0009").exit_code == 0
        with db.engine.begin() as connection:
            user = _insert(connection, "users", username="qa", full_name="Q", email="q@example.com")
            supplier = _insert(connection, "suppliers", code="S1", name="Supplier")
            template = _insert(connection, "questionnaire_templates", name="T", definition={"sections": []})
            evaluation = _insert(connection, "evaluations", supplier_id=supplier, template_id=template,
                                 reference="EV-1", status="submitted", answers={"C3": "12", "C2": "iso_27001"},
                                 invalid_answers={"C5": {"raw": "lots", "error": "Choose one of the options"}},
                                 evaluator_answers={"C6": "full"})
            _insert(connection, "evaluation_tokens", evaluation_id=evaluation, token_hash="a" * 64)
            product = _insert(connection, "products", name="Pump", safety_class="B")
            release = _insert(connection, "releases", product_id=product, version="1.0", status="draft")
            component = _insert(connection, "components", release_id=release, name="Demo_Pkg", version="1.0",
                                ecosystem="pypi", safety_class="B", change_kind="added")
            advisory = _insert(connection, "advisories", osv_id="PYSEC-1", severity_level="high",
                               received_at=datetime(2026, 1, 1))
            _insert(connection, "advisory_matches", component_id=component, advisory_id=advisory, state="open")
            assert user
        db.session.remove()

        assert run(fresh, "db", "upgrade").exit_code == 0
        with db.engine.connect() as connection:
            rows = {row.question_code: row for row in connection.execute(text(
                "SELECT question_code, answered_by, value, refused, locked FROM evaluation_answers"))}
            key = connection.scalar(text("SELECT review_key FROM components"))
            assert connection.scalar(text("SELECT count(*) FROM evaluation_tokens")) == 1  # rows that refer survive
            match = connection.execute(text("SELECT release_id, severity_rank FROM advisory_matches")).one()
            scheduled = connection.execute(text(
                "SELECT review_key, display_name, safety_class, new_advisories, due_on FROM anomaly_review_schedule"
            )).one()
            summary = connection.execute(text(
                "SELECT affected_components, open_components FROM release_summaries WHERE release_id = :id"),
                {"id": release}).one()
        import json as _json

        def value(raw):  # SQLite hands JSON back as its text, PostgreSQL decoded
            return _json.loads(raw) if raw is not None and db.engine.dialect.name == "sqlite" else raw

        assert {code: (row.answered_by, value(row.value)) for code, row in rows.items()} == {
            "C2": ("supplier", "iso_27001"), "C3": ("supplier", "12"), "C5": ("supplier", None),
            "C6": ("evaluator", "full")}
        assert value(rows["C5"].refused) == {"raw": "lots", "error": "Choose one of the options"}
        assert bool(rows["C3"].locked) and not bool(rows["C6"].locked)
        assert key == "PyPI\tdemo-pkg\t1.0" and (match.release_id, match.severity_rank) == (release, 1)
        assert (scheduled.review_key, scheduled.display_name, scheduled.safety_class) == (key, "Demo_Pkg", "B")
        assert scheduled.new_advisories == 1 and scheduled.due_on is not None
        assert (summary.affected_components, summary.open_components) == (1, 1)
        assert run(fresh, "db", "check").exit_code == 0

        assert run(fresh, "db", "downgrade", "0009").exit_code == 0
        with db.engine.connect() as connection:
            back = connection.execute(text(
                "SELECT answers, invalid_answers, evaluator_answers FROM evaluations")).one()
        assert value(back.answers) == {"C2": "iso_27001", "C3": "12"}
        assert value(back.invalid_answers) == {"C5": {"raw": "lots", "error": "Choose one of the options"}}
        assert value(back.evaluator_answers) == {"C6": "full"}


def test_0013_keeps_an_existing_trail_verifiable_and_keys_every_later_event(app, make_user):
    """A trail written before 0013 (plain sha256) verifies after the upgrade; events from then on are keyed, the
    head gets signed at the first write, and an old event changed later is still caught."""
    from app.audit import services as audit
    from app.audit.chain import event_hash

    with from_scratch(app) as fresh:
        assert run(fresh, "db", "upgrade", "0012").exit_code == 0
        previous = ""
        with db.engine.begin() as connection:
            for number in range(3):
                fields = {
                    "occurred_at": f"2026-01-0{number + 1}T00:00:00.000000", "actor_id": None,
                    "actor_name": "system", "request_id": "", "ip": "", "action": "event",
                    "name": f"legacy.{number}", "entity_type": "", "entity_id": "", "entity_version": None,
                    "entity_label": "", "changes": {}, "details": {}, "reason": "", "prev_hash": previous,
                }
                previous = event_hash(fields)  # the plain sha256 of the code before 0013
                connection.execute(text(
                    "INSERT INTO audit_events (occurred_at, actor_id, actor_name, request_id, ip, action, name,"
                    " entity_type, entity_id, entity_version, entity_label, changes, details, reason, prev_hash,"
                    " hash) VALUES (:occurred_at, NULL, :actor_name, '', '', :action, :name, '', '', NULL, '',"
                    " '{}', '{}', '', :prev_hash, :hash)"), {**fields, "hash": previous})
        assert run(fresh, "db", "upgrade").exit_code == 0
        assert audit.verify().ok
        make_user("erin")
        assert db.session.scalar(select(AuditChainHead.mac)) != ""
        result = audit.verify()
        assert result.ok and result.count > 3, result
        db.session.remove()
        with db.engine.begin() as connection:
            dialect = connection.dialect.name
            connection.execute(text("DROP TRIGGER audit_events_append_only ON audit_events" if dialect == "postgresql"
                                    else "DROP TRIGGER audit_events_no_update"))
            connection.execute(text("UPDATE audit_events SET actor_name = 'Mallory' WHERE name = 'legacy.1'"))
        broken = audit.verify()
        assert not broken.ok and broken.broken_id == 2


def test_0014g_gives_every_existing_supplier_the_key_of_its_name(app):
    at = {"at": "2026-01-01 00:00:00"}
    with from_scratch(app) as fresh:
        assert run(fresh, "db", "upgrade", "0014f").exit_code == 0
        with db.engine.begin() as connection:
            for code, name in (("ATL", "Atlassian Pty Ltd"), ("GH", "GitHub, Inc.")):
                connection.execute(text(
                    "INSERT INTO suppliers (code, name, kind, website, repository_url, scope, criticality,"
                    " criticality_is_manual, criticality_rationale, status, approval_scope, conditions, notes,"
                    " supplies_soup_class_c, supplies_soup_class_b, supplies_high_risk_otss,"
                    " otss_holds_part11_records, hosts_device, created_at, updated_at, version) VALUES (:code, :name,"
                    " 'commercial_vendor', '', '', '', 'minor', :no, '', 'candidate', '', '', '', :no, :no, :no, :no,"
                    " :no, :at, :at, 1)"), {"code": code, "name": name, "no": False, **at})
        assert run(fresh, "db", "upgrade").exit_code == 0
        with db.engine.connect() as connection:
            keys = dict(connection.execute(text("SELECT code, name_key FROM suppliers")).all())
        assert keys == {"ATL": "atlassian", "GH": "github"}
        assert run(fresh, "db", "downgrade", "0014f").exit_code == 0
        with db.engine.connect() as connection:
            assert "name_key" not in {column["name"] for column in inspect(connection).get_columns("suppliers")}
            assert connection.scalar(text("SELECT count(*) FROM suppliers")) == 2


def test_0015_adds_the_gate_columns_in_place_and_renames_triage_states_to_vex_and_back(app):
    """At 0014g a release with a 'mitigated' match (and its stored summary): after 0015 the match is 'affected' (its
    note kept), the component a library with no software item, the product covering transitive components by their
    parent, the summary counting 'affected'; nothing that refers to the component is lost. The downgrade goes back."""
    import json

    with from_scratch(app) as fresh:
        assert run(fresh, "db", "upgrade", "0014g").exit_code == 0
        with db.engine.begin() as connection:
            product = _insert(connection, "products", name="Pump", safety_class="B")
            release = _insert(connection, "releases", product_id=product, version="1.0", status="draft")
            component = _insert(connection, "components", release_id=release, name="demo", version="1.0",
                                ecosystem="pypi", safety_class="B", change_kind="added")
            advisory = _insert(connection, "advisories", osv_id="PYSEC-1", received_at=datetime(2026, 1, 1))
            _insert(connection, "advisory_matches", component_id=component, advisory_id=advisory, release_id=release,
                    state="mitigated", note="Input validated upstream")
            _insert(connection, "release_summaries", release_id=release,
                    advisory_groups=[["mitigated", 1, 1], ["accepted", 1, 2], ["open", 0, 1]])
        db.session.remove()

        assert run(fresh, "db", "upgrade").exit_code == 0
        with db.engine.connect() as connection:
            state, note, justification = connection.execute(text(
                "SELECT state, note, justification FROM advisory_matches")).one()
            kind, item, rationale = connection.execute(text(
                "SELECT component_type, software_item_id, class_rationale FROM components")).one()
            rule = connection.scalar(text("SELECT transitive_rule FROM products"))
            groups = connection.scalar(text("SELECT advisory_groups FROM release_summaries"))
        groups = json.loads(groups) if isinstance(groups, str) else groups
        assert (state, note, justification) == ("affected", "Input validated upstream", "")
        assert (kind, item, rationale, rule) == ("library", None, "", "direct")
        assert sorted(map(tuple, groups)) == [("affected", 1, 3), ("open", 0, 1)]
        assert run(fresh, "db", "check").exit_code == 0

        assert run(fresh, "db", "downgrade", "0014g").exit_code == 0
        columns = {column["name"] for column in inspect(db.engine).get_columns("components")}
        assert not {"component_type", "software_item_id", "class_rationale", "cpe"} & columns
        assert "component_waivers" not in inspect(db.engine).get_table_names()
        with db.engine.connect() as connection:
            assert connection.scalar(text("SELECT state FROM advisory_matches")) == "mitigated"
            assert connection.scalar(text("SELECT name FROM components")) == "demo"


def test_0017f_scores_stored_advisories_from_their_vectors(app):
    """An advisory stored before 0017f with a CVSS vector and no level gets its base score and level."""
    with from_scratch(app) as fresh:
        assert run(fresh, "db", "upgrade", "0017e").exit_code == 0
        with db.engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO advisories (osv_id, aliases, summary, details, severity, severity_level, reference_urls, "
                "content_hash, affected_hash, received_at, imported_at, source_file) VALUES "
                "('PYSEC-X', '[]', '', '', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', '', '[]', '', '', "
                "'2026-01-01', '2026-01-01', ''), "
                "('GHSA-Y', '[]', '', '', '', 'medium', '[]', '', '', '2026-01-01', '2026-01-01', '')"))
        assert run(fresh, "db", "upgrade", "0017f").exit_code == 0
        with db.engine.connect() as connection:
            rows = dict(connection.execute(text(
                "SELECT osv_id, severity_level || ' ' || coalesce(CAST(severity_score AS VARCHAR(10)), '-') "
                "FROM advisories")).all())
        assert rows["GHSA-Y"] == "medium -"  # no vector: the database's level stays
        assert rows["PYSEC-X"].startswith("critical 9.8")
