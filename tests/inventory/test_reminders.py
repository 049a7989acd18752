"""The anomaly review reminder rule: one item per version due, for whoever may record reviews."""

from __future__ import annotations

from datetime import timedelta

from app.access import Role
from app.db import utcnow
from app.inventory.anomalies import services as anomaly_services
from app.inventory.reminders import reminder_items
from tests.inventory.advisory_records import component_named, make_release


def test_one_reminder_per_version_due_with_a_key_that_changes_with_the_cause(app, make_user):
    release = make_release(("pypi", "demo", "1.0"), ("pypi", "fresh", "2.0"), safety_class="B", product="Pump", version="5.0")
    make_release(("pypi", "demo", "1.0"), safety_class="B", product="Monitor", version="1.0")
    anomaly_services.record_review(
        component_named(release, "fresh"), by=make_user("erin", Role.ENGINEER), anomalies="None known.", conclusion="acceptable"
    )
    today = utcnow().date()

    items = reminder_items(today)
    assert [item["subject"] for item in items] == ["Anomaly review due: demo 1.0"]
    (item,) = items
    assert item["permission"] == "inventory.edit"
    assert "never had an anomaly review" in item["body"] and "Pump 5.0" in item["body"] and "Monitor 1.0" in item["body"]

    later = {entry["subject"]: entry for entry in reminder_items(today + timedelta(days=95))}
    assert "Anomaly review due: fresh 2.0" in later
    assert "was due on" in later["Anomaly review due: fresh 2.0"]["body"]
    assert later["Anomaly review due: demo 1.0"]["key"] == item["key"]  # same cause, same key: no second mail


def test_nothing_due_means_no_reminders(app):
    make_release(("pypi", "demo", "1.0"), safety_class="A")
    assert reminder_items(utcnow().date()) == []
