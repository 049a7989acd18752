"""Known anomalies carry over: a new review of the same version starts from the last one's bug list and links (they
hold while the version is unchanged); a new version's first review starts from the previous version's, and the page
says to check each one against the new version."""

from __future__ import annotations

import html

import pytest

from app.access import Role
from app.extensions import db
from app.inventory.anomalies import services as anomaly_services
from tests.inventory.advisory_records import component_named, make_release

BUGS = "Upstream #4521: timeouts ignored on retries (we set our own).\nUpstream #4610: no impact, CLI only."
LINKS = ["https://github.com/psf/requests/issues?q=is:open+label:bug", "https://requests.readthedocs.io/en/latest/community/updates/"]


@pytest.fixture
def engineer(make_user):
    return make_user("erin", Role.ENGINEER, full_name="Erin Engineer")


def _record(component, user):
    anomaly_services.record_review(component, by=user, anomalies=BUGS, links=LINKS, conclusion="acceptable")
    db.session.commit()


def test_a_periodic_review_of_the_same_version_starts_from_the_last_bug_list(app, engineer, login_as):
    component = component_named(make_release(("pypi", "requests", "2.31.0"), safety_class="B"), "requests")
    _record(component, engineer)
    page = html.unescape(login_as(Role.ENGINEER).get(f"/components/{component.id}/anomaly-reviews/new").get_data(as_text=True))
    assert 'data-carried-from="2.31.0"' in page and "carried over from the last review of this version" in page
    assert BUGS in page and LINKS[0] in page and LINKS[1] in page


def test_a_new_versions_first_review_starts_from_the_previous_versions_and_asks_to_check_each(app, engineer, login_as):
    old = component_named(make_release(("pypi", "requests", "2.31.0"), safety_class="B", product="Pump"), "requests")
    _record(old, engineer)
    new = component_named(make_release(("pypi", "requests", "2.32.3"), safety_class="B", product="Monitor"), "requests")
    assert anomaly_services.reviews_of(new) == []  # the new version has no review: it is due, not inherited
    page = html.unescape(login_as(Role.ENGINEER).get(f"/components/{new.id}/anomaly-reviews/new").get_data(as_text=True))
    assert 'data-carried-from="2.31.0"' in page and "The version changed" in page and "Check each against 2.32.3" in page
    assert BUGS in page


def test_the_first_review_of_a_package_starts_empty(app, login_as):
    component = component_named(make_release(("pypi", "brand-new", "1.0"), safety_class="B"), "brand-new")
    page = login_as(Role.ENGINEER).get(f"/components/{component.id}/anomaly-reviews/new").get_data(as_text=True)
    assert "data-carried-from" not in page
