"""The release page stays the same size whatever the release holds: counts and the worst 20 advisories inline, the
full list on its own paginated page, triage forms on demand; every other panel bounded too."""

from __future__ import annotations

import json
import re

from sqlalchemy import event, select

from app.access import Role
from app.extensions import db
from app.inventory import summary as release_summaries
from app.inventory.advisories import services as advisory_services
from app.inventory.advisories.models import AdvisoryMatch
from app.inventory.models import Component, Release
from tests.inventory.advisory_records import component_named, make_release

SEVERITIES = ("CRITICAL", "HIGH", "MODERATE", "LOW")


def release_with_matches(count: int, product: str) -> Release:
    """A release of `count` PyPI components of its own, each hit by one advisory (severities in turn)."""
    prefix = product.lower()
    release = make_release(*[("pypi", f"{prefix}-pkg-{n:03d}", "1.0") for n in range(count)], product=product)
    records = [{"id": f"{product}-{n:03d}", "summary": f"Flaw {n}", "database_specific": {"severity": SEVERITIES[n % 4]},
                "affected": [{"package": {"ecosystem": "PyPI", "name": f"{prefix}-pkg-{n:03d}"}, "versions": ["1.0"]}]}
               for n in range(count)]
    advisory_services.import_advisories(f"{product}.json", json.dumps(records).encode(), channel="cli")
    db.session.commit()
    return release


def page_and_statements(client, path: str) -> tuple[str, int]:
    statements: list[str] = []

    def listener(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        response = client.get(path)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert response.status_code == 200
    return response.get_data(as_text=True), len(statements)


def test_the_release_page_renders_the_same_forms_and_size_and_runs_the_same_queries_for_30_or_120_matches(app, login_as):
    small, large = release_with_matches(30, "Small"), release_with_matches(120, "Large")
    client = login_as(Role.ENGINEER)
    small_page, small_statements = page_and_statements(client, f"/releases/{small.id}?per_page=20")
    large_page, large_statements = page_and_statements(client, f"/releases/{large.id}?per_page=20")

    assert small_statements == large_statements
    assert small_page.count("<form") == large_page.count("<form")
    assert "triage-form" not in large_page  # no form per match: a link that fetches it
    assert large_page.count('class="triage-link"') == 20  # the worst 20
    assert abs(len(large_page) - len(small_page)) < 0.02 * len(small_page)
    assert "All 120 advisory matches of this release" in large_page
    critical = re.findall(r"Large-\d{3}", large_page.split('id="advisories"')[1])
    assert critical and all(int(osv[-3:]) % 4 == 0 for osv in critical[:20])  # critical ones first


def test_the_full_list_of_a_releases_matches_is_paginated_and_filtered(app, login_as):
    release = release_with_matches(45, "Pump")
    client = login_as(Role.AUDITOR)
    first = client.get(f"/releases/{release.id}/advisories?per_page=20").get_data(as_text=True)
    assert first.count("<tr>") - 1 == 20 and "1–20 of 45" in first
    last = client.get(f"/releases/{release.id}/advisories?per_page=20&page=3").get_data(as_text=True)
    assert last.count("<tr>") - 1 == 5
    high = client.get(f"/releases/{release.id}/advisories?severity=high&per_page=50").get_data(as_text=True)
    assert "11 items" in high and "Pump-001" in high and "Pump-000" not in high
    searched = client.get(f"/releases/{release.id}/advisories?q=pkg-007").get_data(as_text=True)
    assert "Pump-007" in searched and "Pump-008" not in searched
    component = component_named(release, "pump-pkg-009")
    one = client.get(f"/releases/{release.id}/advisories?component={component.id}").get_data(as_text=True)
    assert "Pump-009" in one and "Pump-010" not in one
    assert "Change decision" not in one  # the auditor decides nothing
    other = release_with_matches(1, "Other")
    elsewhere = component_named(other, "other-pkg-000")
    assert client.get(f"/releases/{release.id}/advisories?component={elsewhere.id}").status_code == 404
    assert client.get(f"/releases/{release.id}/advisories?state=nonsense&severity=x").status_code == 200


def test_a_triage_form_comes_on_demand_as_a_fragment_or_as_a_page_without_javascript(app, login_as):
    release = release_with_matches(3, "Pump")
    match = db.session.scalars(select(AdvisoryMatch).order_by(AdvisoryMatch.id)).first()
    client = login_as(Role.ENGINEER)
    back = f"/releases/{release.id}"

    fragment = client.get(f"/advisory-matches/{match.id}/triage?next={back}", headers={"HX-Request": "true"})
    text = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in text and text.count("<form") == 1
    assert f'name="next" value="{back}"' in text

    page = client.get(f"/advisory-matches/{match.id}/triage?next={back}").get_data(as_text=True)
    assert "<html" in page and page.count('class="triage-form"') == 1 and "Change the decision" in page

    saved = client.post(f"/advisory-matches/{match.id}/triage",
                        data={"state": "not_affected", "note": "Never called.", "justification": "code_not_reachable",
                              "next": back})
    assert saved.status_code == 302 and saved.headers["Location"].endswith(back)
    db.session.expire_all()
    assert db.session.get(AdvisoryMatch, match.id).state == "not_affected"
    assert release_summaries.summary_of(release.id).advisories()["not_affected"] == 1
    assert login_as(Role.AUDITOR).get(f"/advisory-matches/{match.id}/triage").status_code == 403


def test_an_advisory_page_lists_its_components_a_page_at_a_time(app, login_as):
    releases = [make_release(("pypi", "shared", "1.0"), product=f"P{n:02d}") for n in range(25)]
    record = {"id": "SHARED-1", "affected": [{"package": {"ecosystem": "PyPI", "name": "shared"}, "versions": ["1.0"]}]}
    advisory_services.import_advisories("s.json", json.dumps(record).encode(), channel="cli")
    db.session.commit()
    advisory_id = db.session.scalar(select(AdvisoryMatch.advisory_id).limit(1))
    page = login_as(Role.ENGINEER).get(f"/advisories/{advisory_id}?per_page=10").get_data(as_text=True)
    assert page.count('class="triage-link"') == 10 and "triage-form" not in page and "1–10 of 25" in page
    assert len(releases) == 25


def test_the_component_page_shows_the_worst_20_advisories_and_links_to_all(app, login_as):
    release = make_release(("pypi", "busy", "1.0"), product="Pump")
    records = [{"id": f"BUSY-{n:02d}", "affected": [{"package": {"ecosystem": "PyPI", "name": "busy"}, "versions": ["1.0"]}]}
               for n in range(25)]
    advisory_services.import_advisories("busy.json", json.dumps(records).encode(), channel="cli")
    db.session.commit()
    component = component_named(release, "busy")
    page = login_as(Role.AUDITOR).get(f"/components/{component.id}").get_data(as_text=True)
    assert len(set(re.findall(r"BUSY-\d\d", page))) == 20
    assert f"/releases/{release.id}/advisories?component={component.id}" in page and "All 25 advisories" in page


def test_the_licence_panel_names_the_20_most_used_flagged_licences_and_counts_the_rest(app, login_as):
    release = make_release(*[("pypi", f"lib-{n}", "1.0", f"LicenseRef-Custom-{n}") for n in range(25)], product="Pump")
    from app.inventory.licences import services as licence_services

    licence_services.apply_licence_policy(release)
    db.session.commit()
    page = login_as(Role.AUDITOR).get(f"/releases/{release.id}").get_data(as_text=True)
    licences = page.split('id="licences"')[1].split("</section>")[0]
    assert licences.count("LicenseRef-Custom-") == 20
    assert "The 20 most used of 25 flagged licences" in licences


def test_the_diff_page_shows_a_page_of_changes_and_filters_by_kind(app, login_as):
    old = make_release(*[("pypi", f"gone-{n:02d}", "1.0") for n in range(30)], product="Web", version="1.0")
    new = make_release(*[("pypi", f"new-{n:02d}", "1.0") for n in range(30)], product="Web2", version="2.0")
    new.previous_release_id = old.id
    new.product_id = old.product_id
    db.session.commit()
    client = login_as(Role.AUDITOR)
    page = client.get(f"/releases/{new.id}/diff?per_page=20").get_data(as_text=True)
    assert page.count("<tr>") - 1 == 20 and "1–20 of 60" in page
    added = client.get(f"/releases/{new.id}/diff?kind=added&per_page=50").get_data(as_text=True)
    assert "new-00" in added and ">gone-00" not in added and "30 items" in added


def test_the_release_head_counts_come_from_the_stored_summary_kept_on_every_change(app, login_as):
    release = make_release(("pypi", "a", "1.0"), ("pypi", "b", "1.0"), product="Pump")
    db.session.commit()
    client = login_as(Role.ENGINEER)
    assert release_summaries.summary_of(release.id).totals()["unclassified"] == 2
    ids = list(db.session.scalars(select(Component.id).where(Component.release_id == release.id)))
    client.post(f"/releases/{release.id}/bulk", data={"action": "classify", "classification": "soup", "component_ids": ids[:1]})
    assert release_summaries.summary_of(release.id).totals() == {
        "components": 2, "changed": 2, "unassessed": 2, "unclassified": 1}
    page = client.get(f"/releases/{release.id}?classification=none").get_data(as_text=True)
    assert "more on the next page" not in page and ">b</a>" in page and ">a</a>" not in page
