"""The validation demo seed, the home page panel and the reminder rules."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.validation import services
from app.validation.models import Deviation, SoftwareSystem
from app.validation.reminders import reminder_items
from app.validation.rules import DeviationStatus, ProtocolStatus, SystemStatus
from tests.helpers import login


def test_the_demo_seed_makes_one_released_system_and_one_in_execution_and_is_idempotent(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    systems = {s.product: s for s in db.session.scalars(select(SoftwareSystem))}
    assert set(systems) == {"Jira Software Cloud", "GitLab CI"}
    jira, gitlab = systems["Jira Software Cloud"], systems["GitLab CI"]
    assert jira.status == SystemStatus.RELEASED and jira.validated_version == "Cloud 2026.10"
    assert jira.next_periodic_review == services.review_due_from(jira, services.today())
    assert gitlab.protocols[0].status == ProtocolStatus.IN_EXECUTION
    open_ones = db.session.scalar(select(func.count(Deviation.id)).where(Deviation.status == DeviationStatus.OPEN))
    assert open_ones == 1


def test_the_home_page_shows_the_validation_overview(app):
    app.test_cli_runner().invoke(args=["demo", "seed"])
    client = app.test_client()
    login(client, "auditor", "provenance-demo")
    page = client.get("/").get_data(as_text=True)
    assert 'id="validation-status-chart"' in page
    assert 'data-values="0,1,1,0,0"' in page  # planned, in validation, released, change, retired
    assert "DEV-1" in page and "js/validation-chart.js" in page
    assert "<script>" not in page


def test_reminders_cover_reviews_due_signatures_waiting_and_open_deviations(app):
    app.test_cli_runner().invoke(args=["demo", "seed"])
    jira = db.session.scalar(select(SoftwareSystem).where(SoftwareSystem.product == "Jira Software Cloud"))
    today = services.today()
    keys = [item["key"] for item in reminder_items(today)]
    assert any(key.startswith("validation.deviation_open:") for key in keys)
    assert not any(key.startswith("validation.periodic_review:") for key in keys)
    due = jira.next_periodic_review
    items = reminder_items(due - timedelta(days=10))
    review = next(item for item in items if item["key"].startswith("validation.periodic_review:"))
    assert review["permission"] == "validation.approve" and "Jira" in review["subject"]
    assert len({item["key"] for item in items}) == len(items)
