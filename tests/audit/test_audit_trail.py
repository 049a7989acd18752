"""The audit trail: field changes with old and new values, append-only, hash-chained, verifiable."""

from __future__ import annotations

import csv
import io
import itertools

import pytest
from sqlalchemy import select, text

from app.access import Role
from app.audit import guard
from app.audit import services as audit
from app.audit.models import AuditEvent
from app.audit.services import AuditTrailImmutable, keyed_changes
from app.auth.models import User
from app.extensions import db


def events_for(user: User) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "user", AuditEvent.entity_id == str(user.id)).order_by(AuditEvent.id)))


def test_creating_a_record_stores_its_fields_but_never_secrets(make_user):
    user = make_user("erin", Role.ENGINEER)
    created = events_for(user)[0]
    assert created.action == "create"
    assert created.changes["username"] == {"old": None, "new": "erin"}
    assert "password_hash" not in created.changes
    assert "alternative_id" not in created.changes


def test_an_update_records_old_and_new_values_actor_name_and_version(make_user):
    user = make_user("erin", Role.ENGINEER, full_name="Erin Old")
    with audit.acting_as(audit.Actor(42, "Quinn Quality (qa)")):
        user.full_name = "Erin New"
        db.session.commit()
    update = events_for(user)[-1]
    assert update.action == "update"
    assert update.changes == {"full_name": {"old": "Erin Old", "new": "Erin New"}}
    assert update.actor_id == 42 and update.actor_name == "Quinn Quality (qa)"
    assert update.entity_version == 2


def test_requests_record_the_request_id_and_ip(login_as):
    client = login_as(Role.ADMIN)
    client.post("/users/new", data={"username": "new_user", "full_name": "New User", "email": "n@example.com",
                                    "roles": ["qa"], "password": "a long temporary passphrase"})
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.entity_label == "new_user", AuditEvent.action == "create"))
    assert event.request_id and event.ip == "127.0.0.1"
    assert event.actor_name.endswith("(admin_user)")


def test_the_orm_refuses_to_change_or_delete_an_audit_event(make_user):
    make_user("erin", Role.ENGINEER)
    event = db.session.scalar(select(AuditEvent).limit(1))
    event.reason = "tampered"
    with pytest.raises(AuditTrailImmutable):
        db.session.flush()
    db.session.rollback()
    event = db.session.scalar(select(AuditEvent).limit(1))
    db.session.delete(event)
    with pytest.raises(AuditTrailImmutable):
        db.session.flush()
    db.session.rollback()


def test_the_chain_verifies_and_links_each_event_to_the_previous_hash(make_user):
    make_user("erin", Role.ENGINEER)
    make_user("quinn", Role.QA)
    events = list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)))
    assert events[0].prev_hash == ""
    for before, after in itertools.pairwise(events):
        assert after.prev_hash == before.hash
    assert audit.verify().ok


def test_audit_verify_cli_prints_ok_then_names_the_event_a_raw_sql_edit_broke(app, make_user):
    make_user("erin", Role.ENGINEER)
    make_user("quinn", Role.QA)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["audit", "verify"])
    count = db.session.scalar(select(db.func.count(AuditEvent.id)))
    assert result.exit_code == 0
    assert result.output.strip() == f"audit chain OK: {count} events"
    victim = db.session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)).all()[1]
    with guard.triggers_off(db.session.connection()):  # as someone with the right to drop triggers
        db.session.execute(text("UPDATE audit_events SET actor_name = 'Mallory' WHERE id = :id"), {"id": victim})
    db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"event {victim}" in result.output


def test_deleting_an_event_with_raw_sql_breaks_the_chain_at_the_next_one(app, make_user):
    make_user("erin", Role.ENGINEER)
    make_user("quinn", Role.QA)
    ids = db.session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)).all()
    with guard.triggers_off(db.session.connection()):
        db.session.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": ids[0]})
    db.session.commit()
    result = audit.verify()
    assert not result.ok and result.broken_id == ids[1]


def test_domain_events_are_recorded_with_their_details(make_user):
    user = make_user("erin", Role.ENGINEER)
    audit.record("evaluation.decided", user, decision="approved", reason="fine")
    db.session.commit()
    event = events_for(user)[-1]
    assert event.name == "evaluation.decided" and event.details == {"decision": "approved"}


def test_audit_log_page_filters_and_paginates(login_as, make_user):
    client = login_as(Role.AUDITOR)
    for index in range(3):
        make_user(f"user{index}", Role.ENGINEER)
    page = client.get("/audit/?entity_type=user&action=create&per_page=2").get_data(as_text=True)
    assert page.count("<tr>") == 3 and "User #" in page and 'rel="next">Older' in page
    nobody = db.session.scalar(select(db.func.max(User.id))) + 1
    assert client.get(f"/audit/?actor={nobody}").get_data(as_text=True).count("<tr>") == 0


def test_csv_export_contains_the_events_and_is_itself_audited(login_as):
    client = login_as(Role.AUDITOR)
    response = client.get("/audit/export.csv?entity_type=user")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert rows and all(row["entity_type"] == "user" for row in rows)
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "export")) is not None


def test_audit_export_cli_writes_every_event(app, make_user, tmp_path):
    make_user("erin", Role.ENGINEER)
    target = tmp_path / "trail.csv"
    result = app.test_cli_runner().invoke(args=["audit", "export", "--csv", str(target)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(target.open()))
    assert len(rows) == db.session.scalar(select(db.func.count(AuditEvent.id)))
    assert rows[-1]["action"] == "export"


def test_a_keyed_json_column_is_recorded_per_key_added_changed_and_removed():
    old = {"A": "1", "B": ["x", "y"], "C": "same"}
    new = {"B": ["x"], "C": "same", "D": 2.5}
    assert keyed_changes("answers", old, new) == {
        "answers.A": {"old": "1", "new": None},
        "answers.B": {"old": ["x", "y"], "new": ["x"]},
        "answers.D": {"old": None, "new": "2.5"},
    }
    assert keyed_changes("answers", old, dict(old)) == {}
