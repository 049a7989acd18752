"""`flask audit verify` and `flask audit export` only read, in chunks of short read-only transactions: on SQLite
they never take the write lock, so a sign-in (a write) made while they are half-way through goes through at once
instead of failing "database is locked" (on PostgreSQL readers never block writers: the same test holds)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, func, select

from app.access import Role
from app.audit import guard, queries
from app.audit import services as audit
from app.audit.models import AuditEvent
from app.extensions import db
from tests.helpers import sign_in_elsewhere

CHUNK = 10


def add_events(count: int) -> None:
    with audit.acting_as(audit.Actor(None, "system")):
        for number in range(count):
            audit.record("test.event", number=number)
    db.session.commit()


@contextmanager
def sign_in_during_second_chunk(app: Any) -> Iterator[dict[str, Any]]:
    """When the command has read its second chunk of the trail (its transaction still open), someone signs in."""
    seen: dict[str, Any] = {"chunks": 0, "status": None}

    def listener(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        text = statement.lower()
        if not (text.startswith("select") and "from audit_events" in text and "prev_hash" in text and "limit" in text):
            return
        seen["chunks"] += 1
        if seen["chunks"] == 2:
            seen["status"] = sign_in_elsewhere(app, "erin")

    event.listen(db.engine, "after_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(db.engine, "after_cursor_execute", listener)


@pytest.mark.parametrize("command", ["verify", "export"])
def test_a_sign_in_goes_through_while_the_command_reads_the_trail(app, make_user, monkeypatch, tmp_path, command):
    make_user("erin", Role.ENGINEER)
    add_events(4 * CHUNK)
    monkeypatch.setattr(audit, "VERIFY_CHUNK", CHUNK)
    monkeypatch.setattr(queries, "CSV_CHUNK", CHUNK)
    args = ["audit", "verify"] if command == "verify" else ["audit", "export", "--csv", str(tmp_path / "trail.csv")]
    before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    db.session.commit()
    with sign_in_during_second_chunk(app) as seen:
        result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 0, result.output
    assert seen["status"] == 302  # signed in, while the command was half-way (a locked database answers 500)
    assert seen["chunks"] >= 4  # it read in chunks, not in one go
    logins = db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.name == "auth.login"))
    assert logins == 1
    if command == "verify":
        assert result.output.strip() == f"audit chain OK: {before} events"  # the sign-in came after its start


def test_verify_reads_one_query_per_chunk_and_still_finds_a_break_in_a_later_chunk(app, monkeypatch):
    add_events(3 * CHUNK + 3)
    monkeypatch.setattr(audit, "VERIFY_CHUNK", CHUNK)
    from sqlalchemy import text

    victim = db.session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)).all()[2 * CHUNK + 1]
    with guard.triggers_off(db.session.connection()):  # an attacker with database rights
        db.session.execute(text("UPDATE audit_events SET reason = 'edited' WHERE id = :id"), {"id": victim})
    db.session.commit()
    result = audit.verify()
    assert not result.ok and result.broken_id == victim
