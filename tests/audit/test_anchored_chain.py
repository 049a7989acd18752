"""An anchored audit chain: keyed hashes, a signed head and signed checkpoints make `flask audit verify` fail
(exit 1, naming the problem) after truncation, a deletion re-hashed without the key, or an edit; it passes on an
untouched database and after a restore from a backup that includes the checkpoint. Triggers refuse raw UPDATE and
DELETE on both SQLite and PostgreSQL."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from app.access import Role
from app.audit import anchor, guard
from app.audit import services as audit
from app.audit.chain import event_hash, keyed_hash
from app.audit.models import AuditChainHead, AuditCheckpoint, AuditEvent
from app.db import read_only
from app.extensions import db

TABLES = (AuditEvent, AuditChainHead, AuditCheckpoint)


@pytest.fixture
def trail(make_user):
    """Some 30 events: users created and changed."""
    for index in range(8):
        user = make_user(f"user{index}", Role.ENGINEER)
        user.full_name = f"User {index} renamed"
        db.session.commit()
    return db.session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)).all()


def verify(app, *args: str) -> Any:
    return app.test_cli_runner().invoke(args=["audit", "verify", *args])


def tamper(*statements: tuple[str, dict[str, Any]]) -> None:
    """Change the tables as someone with database rights: drop the triggers, change, put them back."""
    with guard.triggers_off(db.session.connection()):
        for statement, params in statements:
            db.session.execute(text(statement), params)
    db.session.commit()
    db.session.expire_all()


def rehash_from(first_id: int, key: bytes | None) -> None:
    """Re-compute prev_hash and hash of every event from `first_id` on, as an attacker with the app's code would."""
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    previous = ""
    updates = []
    for event in events:
        if event.id >= first_id:
            fields = {name: getattr(event, name) for name in AuditEvent.HASHED_FIELDS}
            fields["prev_hash"] = previous
            digest = event_hash(fields, key)
            updates.append(("UPDATE audit_events SET prev_hash = :p, hash = :h WHERE id = :id",
                            {"p": previous, "h": digest, "id": event.id}))
            previous = digest
        else:
            previous = event.hash
    tamper(*updates)


def test_an_untouched_trail_verifies(app, trail):
    result = verify(app)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("audit chain OK:")


def test_every_event_is_keyed_and_the_head_names_the_newest(trail):
    newest = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))
    fields = {name: getattr(newest, name) for name in AuditEvent.HASHED_FIELDS}
    assert newest.hash == keyed_hash(anchor.chain_key(), audit.plain(fields))
    assert newest.hash != event_hash(audit.plain(fields))  # not the plain sha256 anyone could compute
    head = db.session.get(AuditChainHead, anchor.HEAD_ID)
    assert (head.last_event_id, head.last_hash) == (newest.id, newest.hash)


def test_deleting_the_newest_ten_events_is_detected(app, trail):
    tamper(("DELETE FROM audit_events WHERE id > :id", {"id": trail[-11]}))
    result = verify(app)
    assert result.exit_code == 1
    assert f"BROKEN at event {trail[-1]}" in result.output and "truncation" in result.output


def test_deleting_one_event_and_rehashing_the_rest_without_the_key_is_detected(app, trail):
    victim = trail[5]
    tamper(("DELETE FROM audit_events WHERE id = :id", {"id": victim}))
    rehash_from(victim + 1, key=None)
    result = verify(app)
    assert result.exit_code == 1 and f"BROKEN at event {victim + 1}" in result.output
    assert "keyed hash" in result.output


def test_rehashing_with_another_key_and_moving_the_head_is_detected(app, trail):
    victim = trail[5]
    tamper(("DELETE FROM audit_events WHERE id = :id", {"id": victim}))
    wrong = b"a key guessed by the attacker"
    rehash_from(victim + 1, key=wrong)
    newest = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))
    tamper(("UPDATE audit_chain_head SET last_hash = :h, mac = :m",
            {"h": newest.hash, "m": anchor.head_mac(wrong, newest.id, newest.hash, 1)}))
    result = verify(app)
    assert result.exit_code == 1 and "chain head is not signed with this instance's audit key" in result.output


def test_editing_one_event_is_detected(app, trail):
    tamper(("UPDATE audit_events SET actor_name = 'Mallory' WHERE id = :id", {"id": trail[3]}))
    result = verify(app)
    assert result.exit_code == 1 and f"BROKEN at event {trail[3]}" in result.output


def test_deleting_the_head_row_is_detected(app, trail):
    tamper(("DELETE FROM audit_chain_head", {}))
    result = verify(app)
    assert result.exit_code == 1 and "head is missing" in result.output


def test_a_restore_from_a_backup_that_includes_the_checkpoint_verifies(app, trail, tmp_path, make_user):
    exported = tmp_path / "checkpoint.json"
    checkpoint = app.test_cli_runner().invoke(args=["audit", "checkpoint", "--out", str(exported)])
    assert checkpoint.exit_code == 0, checkpoint.output
    data = json.loads(exported.read_text())
    assert data["last_event_id"] == trail[-1] and len(data["mac"]) == 64
    backup = dump()  # the nightly backup, taken after the checkpoint
    make_user("later", Role.ENGINEER)  # work after the backup, lost by the restore
    restore(backup)
    result = verify(app)
    assert result.exit_code == 0, result.output
    against = verify(app, "--against", str(exported))
    assert against.exit_code == 0, against.output
    assert f"checkpoint at event {data['last_event_id']} matches" in against.output


def test_a_restore_older_than_an_exported_checkpoint_fails_against_it(app, trail, tmp_path, make_user):
    backup = dump()
    make_user("later", Role.ENGINEER)
    exported = tmp_path / "checkpoint.json"
    assert app.test_cli_runner().invoke(args=["audit", "checkpoint", "--out", str(exported)]).exit_code == 0
    restore(backup)  # the database alone looks whole: an older, consistent state
    assert verify(app).exit_code == 0
    result = verify(app, "--against", str(exported))
    assert result.exit_code == 1 and "checkpoint names this event, which is missing" in result.output


def test_a_forged_exported_checkpoint_is_refused(app, trail, tmp_path):
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps({"format": anchor.EXPORT_FORMAT, "created_at": "2026-01-01T00:00:00.000000",
                                  "last_event_id": trail[-1], "last_hash": "0" * 64, "mac": "0" * 64}))
    result = verify(app, "--against", str(forged))
    assert result.exit_code == 1 and "not signed with this instance's audit key" in result.output
    not_one = tmp_path / "other.json"
    not_one.write_text("{}")
    refused = verify(app, "--against", str(not_one))
    assert refused.exit_code == 2 and "not a checkpoint file" in refused.output


def test_checkpoints_are_taken_periodically_and_checked(app, make_user):
    app.config["AUDIT_CHECKPOINT_EVERY"] = 3
    try:
        for index in range(7):
            make_user(f"user{index}", Role.ENGINEER)
    finally:
        app.config["AUDIT_CHECKPOINT_EVERY"] = 1000
    checkpoints = db.session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.id)).all()
    assert len(checkpoints) >= 2
    assert verify(app).exit_code == 0
    first = checkpoints[0]
    tamper(("UPDATE audit_events SET hash = :h WHERE id = :id", {"h": "f" * 64, "id": first.last_event_id}))
    assert verify(app).exit_code == 1


@pytest.mark.parametrize("statement", [
    "UPDATE audit_events SET actor_name = 'Mallory'",
    "DELETE FROM audit_events",
    "UPDATE audit_checkpoints SET last_hash = 'x'",
])
def test_the_database_refuses_raw_updates_and_deletes(trail, statement):
    if "checkpoints" in statement:
        anchor.checkpoint_now(db.session.connection())
        db.session.commit()
    with pytest.raises(DatabaseError, match="append-only"):
        db.session.execute(text(statement))
        db.session.flush()
    db.session.rollback()
    assert db.session.scalar(select(AuditEvent.actor_name).where(AuditEvent.id == trail[0])) != "Mallory"


def dump() -> dict[str, list[dict[str, Any]]]:
    """A logical backup of the audit tables (what pg_dump or a file copy would keep)."""
    return {
        model.__tablename__: [dict(row._mapping) for row in db.session.execute(select(model.__table__))]
        for model in TABLES
    }


def restore(backup: dict[str, list[dict[str, Any]]]) -> None:
    """Put the tables back exactly as in the backup."""
    connection = db.session.connection()
    with guard.triggers_off(connection):
        for model in TABLES:
            connection.execute(model.__table__.delete())
            if backup[model.__tablename__]:
                connection.execute(model.__table__.insert(), backup[model.__tablename__])
    db.session.commit()
    db.session.expire_all()


def test_the_checkpoint_command_on_an_empty_trail(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["audit", "checkpoint", "--out", str(tmp_path / "cp.json")])
    assert result.exit_code == 0 and "empty" in result.output
    assert not (tmp_path / "cp.json").exists()


def test_an_append_holds_the_chain_until_its_transaction_ends(app, trail):
    """One writer at a time: while an append's transaction is open nobody else takes the chain head (PostgreSQL locks
    the head row, so a second writer's SELECT ... FOR UPDATE waits; SQLite holds its one write lock)."""
    audit.record("test.append")
    try:
        with read_only(), db.engine.connect() as other:
            if other.dialect.name == "postgresql":
                with pytest.raises(DatabaseError, match="could not obtain lock"):
                    other.execute(text("SELECT id FROM audit_chain_head WHERE id = 1 FOR UPDATE NOWAIT"))
            else:
                other.exec_driver_sql("PRAGMA busy_timeout = 0")
                with pytest.raises(DatabaseError, match="locked"):
                    other.exec_driver_sql("UPDATE audit_chain_head SET mac = mac")
                # Dropped, not pooled: a pooled connection without a busy timeout fails every later writer at once
                other.invalidate()
    finally:
        db.session.rollback()


def test_a_one_event_write_is_the_head_read_then_the_event_and_the_head_and_the_chain_verifies(app, trail):
    """PostgreSQL: two round trips while the chain is locked, the head read (drawing the event's id), then the
    event and the signed head in one statement. SQLite (its write lock held for the whole transaction): the head
    read, the event, the head. The chain verifies on both, across a checkpoint and a rolled-back write."""
    from sqlalchemy import event as sa_event

    statements: list[str] = []

    def note(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    audit.record("test.rolled_back")  # draws an id, then rolls back: a gap in the ids
    db.session.rollback()
    sa_event.listen(db.engine, "before_cursor_execute", note)
    try:
        audit.record("test.one")
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", note)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        assert len(statements) == 2, statements
        assert "FOR UPDATE" in statements[0] and "nextval" in statements[0]
        assert " ".join(statements[1].split()).startswith("WITH new_event AS (INSERT INTO audit_events")
    else:
        assert [" ".join(statement.split()[:2]) for statement in statements] == [
            "BEGIN IMMEDIATE", "SELECT audit_chain_head.last_event_id,", "INSERT INTO", "UPDATE audit_chain_head"], \
            statements
        assert "INSERT INTO audit_events" in statements[2]
    newest = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).one()
    head = db.session.get(AuditChainHead, anchor.HEAD_ID)
    assert newest.name == "test.one" and (head.last_event_id, head.last_hash) == (newest.id, newest.hash)
    app.config["AUDIT_CHECKPOINT_EVERY"] = 1
    try:
        audit.record("test.checkpointed")
        db.session.commit()
    finally:
        app.config["AUDIT_CHECKPOINT_EVERY"] = 1000
    assert db.session.scalars(select(AuditCheckpoint.last_event_id).order_by(AuditCheckpoint.id.desc())).first() == \
        db.session.scalars(select(AuditEvent.id).where(AuditEvent.name == "test.checkpointed")).one()
    assert verify(app).exit_code == 0
