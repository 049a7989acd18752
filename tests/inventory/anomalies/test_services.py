"""Anomaly reviews of exact versions: recording, the due date by safety class, the new-advisory flag, what is due."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.access import Role
from app.audit.models import AuditEvent
from app.db import utcnow
from app.errors import PermissionDenied, ValidationFailed
from app.extensions import db
from app.inventory.advisories import services as advisory_services
from app.inventory.advisories.models import Advisory
from app.inventory.anomalies import services as anomaly_services
from app.inventory.anomalies.rules import ReviewState
from tests.inventory.advisory_records import component_named, make_release


def add_advisory(advisory_id: str, name: str, **extra) -> None:
    record = {"id": advisory_id, "affected": [{"package": {"ecosystem": "PyPI", "name": name}, "versions": ["1.0"]}], **extra}
    advisory_services.import_advisories(f"{advisory_id}.json", json.dumps(record).encode())


def review(component, user, **overrides):
    values = {"anomalies": "Checked the issue tracker: no open bug touches our use.", "conclusion": "acceptable", "links": ["https://example.org/issues?q=is:open"]}
    return anomaly_services.record_review(component, by=user, **{**values, **overrides})


@pytest.fixture
def engineer(make_user):
    return make_user("erin", Role.ENGINEER, full_name="Erin Engineer")


@pytest.mark.parametrize(("safety_class", "months"), [("C", 1), ("B", 3), ("A", 12)])
def test_the_next_review_falls_due_by_safety_class(app, engineer, safety_class, months):
    component = component_named(make_release(("pypi", "demo", "1.0"), safety_class=safety_class), "demo")
    recorded = review(component, engineer)
    today = utcnow().date()
    expected_month = (today.month - 1 + months) % 12 + 1
    assert recorded.next_due.month == expected_month
    assert recorded.next_due > today
    assert recorded.reviewer_id == engineer.id and recorded.reviewer_name == "Erin Engineer"
    assert anomaly_services.has_current_review(component, today)
    assert not anomaly_services.has_current_review(component, recorded.next_due)


def test_the_cadence_comes_from_the_settings(app, engineer):
    app.config["ANOMALY_REVIEW_MONTHS_CLASS_B"] = 6
    try:
        component = component_named(make_release(("pypi", "demo", "1.0"), safety_class="B"), "demo")
        recorded = review(component, engineer)
    finally:
        app.config["ANOMALY_REVIEW_MONTHS_CLASS_B"] = 3
    assert (recorded.next_due.year - utcnow().year) * 12 + recorded.next_due.month - utcnow().month == 6


def test_an_advisory_arriving_after_the_review_flags_it_and_it_is_no_longer_current(app, engineer):
    component = component_named(make_release(("pypi", "demo", "1.0")), "demo")
    add_advisory("OLD-1", "demo")
    review(component, engineer, advisories_considered=["OLD-1"])
    today = utcnow().date()
    assert anomaly_services.review_status(component, today).state == ReviewState.CURRENT

    # the advisory database is imported again a moment later with a new record for this version
    db.session.execute(db.update(Advisory).values(received_at=utcnow() - timedelta(minutes=5)))
    add_advisory("NEW-1", "demo")

    status = anomaly_services.review_status(component, today)
    assert status.state == ReviewState.NEW_ADVISORY and status.new_advisories == 1
    assert not anomaly_services.has_current_review(component, today)


def test_a_review_holds_for_the_same_version_in_another_release_but_not_another_version(app, engineer):
    first = make_release(("pypi", "Demo_Pkg", "1.0"), product="P", version="1.0")
    review(component_named(first, "Demo_Pkg"), engineer)
    later = make_release(("pypi", "demo-pkg", "1.0"), ("pypi", "demo.pkg", "1.1"), product="Q", version="2.0")
    today = utcnow().date()
    assert anomaly_services.has_current_review(component_named(later, "demo-pkg"), today)
    assert not anomaly_services.has_current_review(component_named(later, "demo.pkg"), today)


def test_a_rejecting_review_is_recorded_but_is_not_a_current_review(app, engineer):
    component = component_named(make_release(("pypi", "demo", "1.0")), "demo")
    review(component, engineer, conclusion="reject", rationale="Data loss bug #12 hits our use.")
    assert anomaly_services.current_review(component, utcnow().date()) is not None
    assert not anomaly_services.has_current_review(component, utcnow().date())


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"anomalies": "  "}, "Describe the relevant anomalies"),
        ({"conclusion": "needs_risk_control"}, "needs a rationale"),
        ({"conclusion": "maybe"}, "Unknown conclusion"),
        ({"links": ["javascript:alert(1)"]}, "Not a web link"),
        ({"links": ["ftp://example.org/x"]}, "Not a web link"),
        ({"advisories_considered": ["GHSA-none"]}, "do not affect demo 1.0"),
    ],
)
def test_bad_reviews_are_refused_with_a_clear_message(app, engineer, overrides, message):
    component = component_named(make_release(("pypi", "demo", "1.0")), "demo")
    with pytest.raises(ValidationFailed, match=message):
        review(component, engineer, **overrides)


def test_an_auditor_may_not_record_a_review(app, make_user):
    component = component_named(make_release(("pypi", "demo", "1.0")), "demo")
    with pytest.raises(PermissionDenied):
        review(component, make_user("alex", Role.AUDITOR))


def test_recording_is_audited_with_its_conclusion(app, engineer):
    component = component_named(make_release(("pypi", "demo", "1.0")), "demo")
    recorded = review(component, engineer, conclusion="needs_risk_control", rationale="Input size limit RC-7.")
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "anomaly_review", AuditEvent.entity_id == str(recorded.id))).all()
    assert {event.action for event in events} == {"create", "event"}
    assert any(event.details.get("conclusion") == "needs_risk_control" for event in events)


def test_reviews_due_lists_never_reviewed_b_and_c_versions_overdue_ones_and_new_advisories(app, engineer):
    release = make_release(("pypi", "never", "1.0"), ("pypi", "fresh", "1.0"), ("pypi", "flagged", "1.0"), safety_class="C")
    make_release(("pypi", "class-a", "1.0"), safety_class="A")
    review(component_named(release, "fresh"), engineer)
    review(component_named(release, "flagged"), engineer)
    db.session.execute(db.update(Advisory).values(received_at=utcnow() - timedelta(days=1)))
    add_advisory("NEW-2", "flagged")
    today = utcnow().date()

    due = {item.name: item.status.state for item in anomaly_services.reviews_due(today)}
    assert due == {"never": ReviewState.NEVER_REVIEWED, "flagged": ReviewState.NEW_ADVISORY}
    # a month later the fresh review is overdue too
    later = {item.name: item.status.state for item in anomaly_services.reviews_due(today + timedelta(days=32))}
    assert later["fresh"] == ReviewState.OVERDUE
    assert "class-a" not in later


def test_reviews_due_costs_a_fixed_number_of_queries(app, engineer):
    from sqlalchemy import event

    for index in range(3):
        make_release(*[("pypi", f"pkg-{n}", "1.0") for n in range(40)], version=f"{index}.0")
    statements = []

    def count(*_args):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        due = anomaly_services.reviews_due(date.today())
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(due) == 40
    assert len(statements) <= 4
