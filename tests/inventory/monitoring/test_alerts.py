"""Alerts on released software: an advisory imported after a release was frozen creates exactly one triage item,
one inbox entry per responsible role (QA, engineering) and one digest mail; importing it again creates nothing new.
The same holds for the manual upload and for the scheduled sync."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy import func, select

from app.access import Role
from app.audit.models import AuditEvent
from app.db import utcnow
from app.extensions import db
from app.inbox import services as inbox
from app.inventory.advisories import services as advisory_services
from app.inventory.advisories import sync
from app.inventory.advisories.models import AdvisoryMatch, MatchState
from app.inventory.anomalies import services as anomaly_services
from app.inventory.anomalies.models import ReviewSchedule
from app.inventory.anomalies.rules import ReviewState
from app.inventory.models import Release, ReleaseStatus
from app.inventory.monitoring import services as monitoring
from app.inventory.monitoring.models import ProductAlert, ProductSubscription
from app.notifications.models import OutboxMessage
from tests.inventory.advisories.osv_exports import export_of
from tests.inventory.advisory_records import component_named, make_release

RECORD = {
    "id": "PYSEC-2099-7", "modified": "2099-01-01T00:00:00Z", "details": "Template injection in jinja2 2.10.",
    "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
    "affected": [{"package": {"ecosystem": "PyPI", "name": "jinja2"}, "versions": ["2.10"]}],
}


def upload(by):  # type: ignore[no-untyped-def]
    advisory_services.import_advisories("PYSEC-2099-7.json", json.dumps(RECORD).encode(), by=by)


@pytest.fixture
def importer(request, app, monkeypatch, tmp_path) -> Callable[[object], None]:  # type: ignore[no-untyped-def]
    """The manual upload, or the sync of a local OSV export holding the same record."""
    if request.param == "upload":
        return upload
    (tmp_path / "PyPI").mkdir()
    (tmp_path / "PyPI" / "all.zip").write_bytes(export_of(RECORD))
    monkeypatch.setitem(app.config, "ADVISORY_SYNC_SOURCE", str(tmp_path))
    return lambda _by: sync.sync_ecosystem("PyPI")


@pytest.fixture
def released(make_user):  # type: ignore[no-untyped-def]
    """Pump 1.0 and 1.1 frozen, 1.2 a draft, all shipping jinja2 2.10; a reviewed version; QA follows Pump."""
    people = {"qa": make_user("quinn", Role.QA), "engineer": make_user("erin", Role.ENGINEER),
              "admin": make_user("adam", Role.ADMIN), "other": make_user("olga", Role.QA)}
    frozen = make_release(("pypi", "Jinja2", "2.10"), ("pypi", "flask", "3.1.1"), product="Pump", frozen=True)
    product = frozen.product
    later = Release(product=product, version="1.1", status=ReleaseStatus.DRAFT)
    draft = Release(product=product, version="1.2", status=ReleaseStatus.DRAFT)
    db.session.add_all([later, draft])
    db.session.flush()
    from app.inventory.models import Component
    for release in (later, draft):
        db.session.add(Component(release_id=release.id, ecosystem="pypi", name="Jinja2", version="2.10",
                                 licence_expression="BSD-3-Clause", safety_class="C", direct=True))
    db.session.flush()
    later.status = ReleaseStatus.FROZEN
    db.session.flush()
    anomaly_services.record_review(component_named(frozen, "Jinja2"), by=people["engineer"], anomalies="none found",
                                   conclusion="acceptable")
    monitoring.subscribe(people["qa"], product)
    db.session.commit()
    return people, product


def alert_group(user):  # type: ignore[no-untyped-def]
    return [group for group in inbox.my_tasks(user, date.today()) if group.key == "inventory.alerts"]


@pytest.mark.parametrize("importer", ["upload", "sync"], indirect=True)
def test_an_advisory_after_the_freeze_raises_one_triage_item_one_inbox_entry_per_role_and_one_mail(
        app, released, importer):
    people, product = released
    before = utcnow()
    importer(people["qa"])
    db.session.commit()

    # exactly one triage item for the product, its matches on both frozen releases under investigation
    alerts = db.session.scalars(select(ProductAlert)).all()
    assert [(alert.product_id, alert.advisory.osv_id) for alert in alerts] == [(product.id, "PYSEC-2099-7")]
    states = dict(db.session.execute(select(Release.version, AdvisoryMatch.state)
                                     .join(Release, Release.id == AdvisoryMatch.release_id)).all())
    assert states == {"1.0": MatchState.UNDER_INVESTIGATION, "1.1": MatchState.UNDER_INVESTIGATION,
                      "1.2": MatchState.OPEN}  # a draft is triaged before its freeze, as always

    # one inbox entry for QA and one for engineering; nothing for the administrator
    for role in ("qa", "engineer", "other"):
        (group,) = alert_group(people[role])
        assert group.count == 1 and [task.title for task in group.tasks] == ["PYSEC-2099-7 on Pump"]
    assert alert_group(people["admin"]) == []

    # one digest mail, to the follower only
    (mail,) = db.session.scalars(select(OutboxMessage)).all()
    assert mail.to == people["qa"].email and "Pump" in mail.subject and "PYSEC-2099-7 (critical)" in mail.body
    assert "release 1.0: Jinja2 2.10" in mail.body and "release 1.1: Jinja2 2.10" in mail.body
    assert "/advisories/" in mail.body

    # the reviewed version's anomaly review is due at once
    key = anomaly_services.component_review_key(component_named(alerts[0].product.releases[0], "Jinja2"))
    schedule = db.session.scalar(select(ReviewSchedule).where(ReviewSchedule.review_key == key))
    assert schedule is not None and schedule.due_on is not None and schedule.due_on <= before.date()
    assert anomaly_services.due_review(schedule, date.today()).status.state == ReviewState.NEW_ADVISORY

    # the same advisory again: nothing new
    importer(people["qa"])
    db.session.commit()
    assert db.session.scalar(select(func.count(ProductAlert.id))) == 1
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 1
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.name == "advisory_alert.raised")) == 1
    assert alert_group(people["qa"])[0].count == 1


def test_a_triaged_alert_leaves_the_inbox(app, released):
    people, _product = released
    upload(people["qa"])
    db.session.commit()
    for match in db.session.scalars(select(AdvisoryMatch).where(AdvisoryMatch.state == MatchState.UNDER_INVESTIGATION)):
        advisory_services.triage_match(match, "not_affected", "templates are not user supplied", by=people["engineer"],
                                       justification="code_not_reachable")
    db.session.commit()
    assert alert_group(people["qa"]) == [] and monitoring.open_alert_count() == 0


def test_an_advisory_hitting_only_drafts_raises_nothing(app, make_user):
    make_release(("pypi", "Jinja2", "2.10"), product="Draft only")
    db.session.commit()
    upload(None)
    db.session.commit()
    assert db.session.scalar(select(func.count(ProductAlert.id))) == 0
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0


def test_several_advisories_make_one_digest_per_product(app, released):
    people, _product = released
    second = {**RECORD, "id": "PYSEC-2099-8"}
    advisory_services.import_advisories("two.json", json.dumps([RECORD, second]).encode(), by=people["qa"])
    db.session.commit()
    assert db.session.scalar(select(func.count(ProductAlert.id))) == 2
    (mail,) = db.session.scalars(select(OutboxMessage)).all()
    assert "PYSEC-2099-7" in mail.body and "PYSEC-2099-8" in mail.body and mail.subject.startswith("Provenance: 2 new")


def test_a_user_follows_and_unfollows_a_product_on_its_page(app, released, client):
    from tests.helpers import login

    people, product = released
    login(client, "erin")
    page = client.get(f"/products/{product.id}").get_data(as_text=True)
    assert "Follow this product" in page and "1 person follows" in page
    assert client.post(f"/products/{product.id}/subscription").status_code == 302
    assert client.post(f"/products/{product.id}/subscription").status_code == 302  # twice: still one
    assert "Stop following" in client.get(f"/products/{product.id}").get_data(as_text=True)
    followers = db.session.scalars(select(ProductSubscription.user_id).where(ProductSubscription.product_id == product.id))
    assert sorted(followers) == sorted([people["qa"].id, people["engineer"].id])
    assert client.post(f"/products/{product.id}/subscription/delete").status_code == 302
    assert monitoring.subscriber_count(product) == 1
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.entity_type == "product_subscription")
                                 .order_by(AuditEvent.id)).all()
    assert actions[-2:] == ["create", "delete"]


def test_a_changed_advisory_raises_its_triage_item_again_instead_of_a_second_one(app, released):
    people, _product = released
    upload(people["qa"])
    db.session.commit()
    text_only = {**RECORD, "modified": "2099-02-01T00:00:00Z", "details": "Reworded."}
    advisory_services.import_advisories("a.json", json.dumps(text_only).encode(), by=people["qa"])
    db.session.commit()
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 1  # same packages and versions: nothing to say

    wider = {**text_only, "modified": "2099-03-01T00:00:00Z",
             "affected": [{"package": {"ecosystem": "PyPI", "name": "jinja2"}, "versions": ["2.10", "2.10.1"]}]}
    advisory_services.import_advisories("b.json", json.dumps(wider).encode(), by=people["qa"])
    db.session.commit()
    assert db.session.scalar(select(func.count(ProductAlert.id))) == 1
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 2
    assert alert_group(people["engineer"])[0].count == 1
