"""The stored review schedule: one row per monitored component version, kept current by imports, reviews, advisory
imports and class edits, so that what is due is read with one indexed query instead of recomputed per view."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.access import Role
from app.db import utcnow
from app.extensions import db
from app.inventory import services
from app.inventory.advisories import services as advisory_services
from app.inventory.anomalies import services as anomaly_services
from app.inventory.anomalies.models import ReviewSchedule
from app.inventory.anomalies.rules import ReviewState, review_key
from app.inventory.models import Component
from tests.inventory.factories import release_with, requirements


@pytest.fixture
def engineer(make_user):
    return make_user("erin", Role.ENGINEER, full_name="Erin Engineer")


def class_b_release(*pins: str, version: str = "1.0"):
    """An import of a requirements file into a release of a class B product (through the import service)."""
    if services.find_product("Pump") is None:
        services.create_product("Pump", safety_class="B")
    release, _summary = release_with("Pump", version, {"requirements.txt": requirements(*pins)})
    return release


def row(name: str, version: str = "1.0") -> ReviewSchedule | None:
    return db.session.scalar(select(ReviewSchedule).where(ReviewSchedule.review_key == review_key("pypi", name, version)))


def component(release, name: str) -> Component:
    return db.session.scalars(select(Component).where(Component.release_id == release.id, Component.name == name)).one()


def test_an_import_schedules_its_class_b_versions_now_and_a_class_a_version_never(app):
    release = class_b_release("flask==3.0.0", "Jinja2==3.1.4")
    services.create_product("Tool", safety_class="A")
    release_with("Tool", "1.0", {"requirements.txt": requirements("click==8.1.7")})
    today = utcnow().date()

    assert row("flask", "3.0.0").due_on == today and row("flask", "3.0.0").releases == [f"Pump {release.version}"]
    assert row("jinja2", "3.1.4").display_name == "Jinja2"  # the key is normalised, the name kept
    assert row("click", "8.1.7").due_on is None  # class A: identification only
    due = anomaly_services.reviews_due(today)
    assert {item.name for item in due} == {"flask", "Jinja2"}
    assert all(item.status.state == ReviewState.NEVER_REVIEWED for item in due)


def test_a_review_moves_the_version_to_its_next_due_date_and_off_the_list(app, engineer):
    release = class_b_release("flask==3.0.0")
    review = anomaly_services.record_review(component(release, "flask"), by=engineer, anomalies="none found",
                                            links=["https://example.org/issues"], conclusion="acceptable")
    scheduled = row("flask", "3.0.0")
    assert (scheduled.last_reviewed_at, scheduled.next_due, scheduled.due_on) == (
        review.reviewed_at, review.next_due, review.next_due)
    assert anomaly_services.reviews_due(utcnow().date()) == []
    later = anomaly_services.reviews_due(review.next_due)
    assert [item.status.state for item in later] == [ReviewState.OVERDUE]
    soon = anomaly_services.reviews_due(review.next_due - timedelta(days=3))
    assert [item.status.state for item in soon] == [ReviewState.DUE_SOON]


def test_an_advisory_imported_after_the_review_puts_the_version_back_on_the_list(app, engineer):
    release = class_b_release("flask==3.0.0")
    anomaly_services.record_review(component(release, "flask"), by=engineer, anomalies="none found",
                                   links=["https://example.org/issues"], conclusion="acceptable")
    record = {"id": "PYSEC-X", "affected": [{"package": {"ecosystem": "PyPI", "name": "flask"}, "versions": ["3.0.0"]}]}
    advisory_services.import_advisories("x.json", json.dumps(record).encode(), channel="cli")

    scheduled = row("flask", "3.0.0")
    assert scheduled.new_advisories == 1 and scheduled.due_on == utcnow().date()
    (item,) = anomaly_services.reviews_due(utcnow().date())
    assert item.status.state == ReviewState.NEW_ADVISORY and item.status.new_advisories == 1
    assert anomaly_services.reviews_due_counts(utcnow().date())[ReviewState.NEW_ADVISORY.value] == 1


def test_a_reimport_without_the_version_takes_it_off_the_schedule(app):
    class_b_release("flask==3.0.0", "click==8.1.7")
    assert row("click", "8.1.7") is not None
    class_b_release("flask==3.0.0")  # the same file again, without click
    assert row("click", "8.1.7") is None and row("flask", "3.0.0") is not None


def test_a_version_shipped_twice_is_one_row_naming_both_releases_and_its_highest_class(app):
    class_b_release("flask==3.0.0", version="1.0")
    class_b_release("flask==3.0.0", version="2.0")
    scheduled = row("flask", "3.0.0")
    assert scheduled.releases == ["Pump 1.0", "Pump 2.0"] and scheduled.release_count == 2
    assert len(anomaly_services.reviews_due(utcnow().date())) == 1


def test_raising_a_class_a_component_to_class_b_schedules_it(app, engineer):
    services.create_product("Tool", safety_class="A")
    release, _ = release_with("Tool", "1.0", {"requirements.txt": requirements("click==8.1.7")})
    assert row("click", "8.1.7").due_on is None
    services.classify_components(release, [component(release, "click").id], "soup", "runs in the device",
                                 by=engineer, safety_class="B")
    scheduled = row("click", "8.1.7")
    assert scheduled.safety_class == "B" and scheduled.due_on == utcnow().date()


def test_the_counts_by_state_match_the_list(app, engineer):
    release = class_b_release("a==1.0", "b==1.0", "c==1.0")
    anomaly_services.record_review(component(release, "a"), by=engineer, anomalies="none found",
                                   links=["https://example.org/issues"], conclusion="acceptable")
    for day in (utcnow().date(), utcnow().date() + timedelta(days=200)):
        items = anomaly_services.reviews_due(day)
        counts = anomaly_services.reviews_due_counts(day)
        assert sum(counts.values()) == len(items)
        for state, count in counts.items():
            assert count == sum(1 for item in items if item.status.state == state)
    assert anomaly_services.reviews_due(utcnow().date(), limit=1)[0].name in {"b", "c"}


def test_the_reviews_due_page_is_paginated_and_filters_by_state(app, login_as):
    class_b_release(*[f"pkg{n:02d}==1.0" for n in range(25)])
    client = login_as(Role.AUDITOR)
    page = client.get("/anomaly-reviews?per_page=10").get_data(as_text=True)
    assert page.count("Never reviewed") >= 10 and "1–10 of 25" in page
    assert "No anomaly review is due." in client.get("/anomaly-reviews?state=overdue").get_data(as_text=True)
    assert client.get("/anomaly-reviews?state=bogus").status_code == 200


def test_a_refresh_of_many_keys_reads_every_version_once_and_writes_the_same_rows(app, engineer, monkeypatch):
    release = class_b_release("a==1.0", "b==1.0", "c==1.0")
    services.create_product("Tool", safety_class="A")
    release_with("Tool", "1.0", {"requirements.txt": requirements("a==1.0", "d==1.0")})
    anomaly_services.record_review(component(release, "a"), by=engineer, anomalies="none found",
                                   links=["https://example.org/issues"], conclusion="acceptable")
    columns = ("review_key", "releases", "safety_class", "last_reviewed_at", "next_due", "due_on")

    def rows() -> set[tuple]:
        return {tuple(str(getattr(item, name)) for name in columns) for item in db.session.scalars(select(ReviewSchedule))}

    keyed = rows()
    db.session.execute(db.delete(ReviewSchedule))
    monkeypatch.setattr(anomaly_services, "WHOLE_SCAN_OVER", 0)
    anomaly_services.refresh_schedule([review_key("pypi", name, "1.0") for name in ("a", "b", "c")])
    assert {row for row in rows()} == {row for row in keyed if not row[0].endswith("d\t1.0")}


def test_a_version_in_many_releases_keeps_the_oldest_few_labels_counts_all_and_links_the_newest(app):
    releases = [class_b_release("flask==3.0.0", version=f"1.{n}") for n in range(anomaly_services.RELEASES_KEPT + 2)]
    record = {"id": "PYSEC-Y", "affected": [{"package": {"ecosystem": "PyPI", "name": "flask"}, "versions": ["3.0.0"]}]}
    advisory_services.import_advisories("y.json", json.dumps(record).encode(), channel="cli")

    scheduled = row("flask", "3.0.0")
    kept = releases[: anomaly_services.RELEASES_KEPT]
    assert scheduled.releases == [f"Pump {release.version}" for release in kept]
    assert scheduled.release_count == len(releases)
    assert scheduled.component_id == component(releases[-1], "flask").id
    assert scheduled.new_advisories == 1  # one advisory, however many releases ship the version


def test_imports_into_new_releases_write_what_a_full_recompute_writes(app, engineer):
    """The quick path of an import into an empty release (a version gains one release) agrees with recomputing."""
    record = {"id": "PYSEC-Z", "affected": [{"package": {"ecosystem": "PyPI", "name": "jinja2"}, "versions": ["3.1.4"]}]}
    advisory_services.import_advisories("z.json", json.dumps(record).encode(), channel="cli")
    services.create_product("Tool", safety_class="A")
    release_with("Tool", "1.0", {"requirements.txt": requirements("flask==3.0.0", "click==8.1.7")})
    first = class_b_release("flask==3.0.0", "Jinja2==3.1.4", version="1.0")  # flask raised from class A to B
    anomaly_services.record_review(component(first, "flask"), by=engineer, anomalies="none found",
                                   links=["https://example.org/issues"], conclusion="acceptable")
    for n in range(1, anomaly_services.RELEASES_KEPT + 2):
        class_b_release("flask==3.0.0", "Jinja2==3.1.4", "click==8.1.7", version=f"1.{n}")
    columns = [name for name in ("review_key", *anomaly_services._SCHEDULE_COLUMNS)]

    def rows() -> dict[str, tuple]:
        return {item.review_key: tuple(str(getattr(item, name)) for name in columns)
                for item in db.session.scalars(select(ReviewSchedule))}

    quick = rows()
    db.session.execute(db.delete(ReviewSchedule))
    anomaly_services.refresh_schedule()
    recomputed = rows()
    assert quick == recomputed
    assert quick[review_key("pypi", "click", "8.1.7")][columns.index("release_count")] == str(
        anomaly_services.RELEASES_KEPT + 1 + 1)  # the class A tool's release and every Pump release from 1.1 on
