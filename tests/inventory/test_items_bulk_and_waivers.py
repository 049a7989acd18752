"""Software items and safety class inheritance, bulk 62304 fields that never overwrite silently, non-package items
entered by hand, and waivers, exemptions and licence decisions carried to later releases."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.access import Role
from app.audit.models import AuditEvent
from app.auth.models import User
from app.errors import PermissionDenied, ValidationFailed
from app.extensions import db
from app.inventory import gates, services
from app.inventory.models import Component, ComponentWaiver
from app.signatures.services import SignatureRefused
from tests.helpers import PASSWORD, signing
from tests.inventory.factories import requirements
from tests.inventory.gated import components_of, gated_release, make_ready_otss, sign_and_freeze


@pytest.fixture
def people(make_user):
    return {"engineer": make_user("erin", Role.ENGINEER), "qa": make_user("quinn", Role.QA)}


def _release(engineer, safety_class="B", version="1.0"):
    product = services.find_product("Pump") or services.create_product("Pump", safety_class=safety_class)
    release = services.create_release(product, version)
    services.import_files(release, [services.UploadedFile("requirements.txt", requirements(
        "flask==3.0.0", "click==8.1.7", "jinja2==3.1.4"))], by=engineer)
    db.session.commit()
    return release


# --- software items and safety class ------------------------------------------------------------------


def test_components_take_the_class_of_their_software_item_in_bulk(app, people) -> None:
    release = _release(people["engineer"])
    ui = services.add_software_item(release.product, "Report viewer", "A",
                                    lower_class_rationale="")
    found = components_of(release)
    ids = [found["click"].id, found["jinja2"].id]
    assert services.assign_software_item(release, ids, ui.id, by=people["engineer"]) == 2
    db.session.commit()
    found = components_of(release)
    assert (found["click"].software_item_id, found["click"].safety_class) == (ui.id, "A")
    assert found["flask"].safety_class == "B" and found["flask"].software_item_id is None
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "component",
                                                         AuditEvent.entity_id == str(found["click"].id))).all()
    assert any("software_item_id" in (event.changes or {}) for event in events)


def test_a_lower_class_needs_a_rationale_per_component_or_per_software_item(app, people) -> None:
    release = _release(people["engineer"])
    flask = components_of(release)["flask"]
    with pytest.raises(ValidationFailed, match="without a rationale"):
        services.update_component(flask, {"safety_class": "A"}, by=people["engineer"])
    db.session.rollback()
    flask = components_of(release)["flask"]
    services.update_component(flask, {"safety_class": "A", "class_rationale": "Only formats log lines"},
                              by=people["engineer"])
    assert flask.safety_class == "A"
    # Bulk lowering of many components with one note is refused, unless their software item says why.
    ids = [c.id for c in components_of(release).values()]
    with pytest.raises(ValidationFailed, match="without a rationale"):
        services.classify_components(release, ids, "soup", "one note for all", by=people["engineer"], safety_class="A")
    db.session.rollback()
    item = services.add_software_item(components_of(release)["flask"].release.product, "Logger", "B",
                                      lower_class_rationale="Segregated process; cannot affect the pump (62304 4.3)")
    services.assign_software_item(release, ids, item.id, by=people["engineer"])
    assert services.classify_components(release, ids, "soup", "logging only", by=people["engineer"],
                                        safety_class="A") == 3


def test_the_bulk_form_assigns_a_software_item(app, login_as, people) -> None:
    release = _release(people["engineer"])
    item = services.add_software_item(release.product, "Pump API", "B")
    db.session.commit()
    client = login_as(Role.ENGINEER)
    ids = [c.id for c in components_of(release).values()]
    response = client.post(f"/releases/{release.id}/bulk", data={"action": "assign_item", "software_item_id": item.id,
                                                                 "component_ids": ids}, follow_redirects=True)
    assert "3 component(s) assigned" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Component.id)).where(Component.software_item_id == item.id)) == 3
    other = services.create_product("Other", safety_class="B")
    foreign = services.add_software_item(other, "Elsewhere", "B")
    db.session.commit()
    refused = client.post(f"/releases/{release.id}/bulk", data={"action": "assign_item",
                                                                "software_item_id": foreign.id, "component_ids": ids},
                          follow_redirects=True)
    assert "Choose a software item of this product." in refused.get_data(as_text=True)


def test_a_bulk_action_on_more_components_than_one_statement_takes_is_refused_by_its_count(app, login_as,
                                                                                          people) -> None:
    """70,000 ids answered 500 on PostgreSQL (at most 65,535 parameters in a statement)."""
    release = _release(people["engineer"])
    client = login_as(Role.ENGINEER)
    response = client.post(f"/releases/{release.id}/bulk", data={"action": "assess", "note": "x",
                                                                 "component_ids": list(range(1, 70_001))},
                           follow_redirects=True)
    assert response.status_code < 500
    assert "Select at most 5,000 components at once (70,000 were sent)." in response.get_data(as_text=True)


# --- bulk 62304 fields -----------------------------------------------------------------------------


def test_bulk_fields_set_empty_values_and_never_overwrite_silently(app, login_as, people) -> None:
    release = _release(people["engineer"])
    found = components_of(release)
    services.update_component(found["flask"], {"hazard_refs": "HAZ-1 own hazard"}, by=people["engineer"])
    db.session.commit()
    ids = [c.id for c in found.values()]
    client = login_as(Role.ENGINEER)
    data = {"action": "set_fields", "requirements": "Renders the UI", "hazard_refs": "HAZ-7", "component_ids": ids}
    refused = client.post(f"/releases/{release.id}/bulk", data=data, follow_redirects=True).get_data(as_text=True)
    assert "Nothing was changed" in refused and "Hazard references: 1 already hold another value (flask 3.0.0)" in refused
    db.session.expire_all()
    assert all(c.requirements == "" for c in components_of(release).values())
    done = client.post(f"/releases/{release.id}/bulk", data={**data, "overwrite": "y"},
                       follow_redirects=True).get_data(as_text=True)
    assert "3 component(s) updated (1 existing value(s) replaced)" in done
    db.session.expire_all()
    assert {c.hazard_refs for c in components_of(release).values()} == {"HAZ-7"}
    # Each can still be edited alone.
    services.update_component(components_of(release)["click"], {"hazard_refs": "HAZ-8"}, by=people["engineer"])
    assert components_of(release)["click"].hazard_refs == "HAZ-8"


def test_bulk_anomaly_review_records_one_review_per_version(app, people) -> None:
    release = _release(people["engineer"])
    ids = [c.id for c in components_of(release).values()]
    assert services.review_in_bulk(release, ids, by=people["engineer"], anomalies="None relevant",
                                   conclusion="acceptable") == 3
    assert all(services.has_current_review(c) for c in components_of(release).values())
    with pytest.raises(ValidationFailed):
        services.set_fields_in_bulk(release, ids, {"risk_level": "extreme"}, by=people["engineer"])


# --- non-package items -------------------------------------------------------------------------------


def test_non_package_items_are_added_edited_and_retired_by_hand(app, login_as, people) -> None:
    release = _release(people["engineer"])
    client = login_as(Role.ENGINEER)
    response = client.post(f"/releases/{release.id}/components", data={
        "new-name": "PostgreSQL", "new-version": "16.3", "new-component_type": "platform",
        "new-classification": "soup", "new-cpe": "cpe:2.3:a:postgresql:postgresql:16.3:*:*:*:*:*:*:*",
        "new-licence_expression": "PostgreSQL", "new-description": "Database server of the device back end",
        "new-supplier_id": 0, "new-software_item_id": 0}, follow_redirects=True)
    assert "PostgreSQL 16.3 added." in response.get_data(as_text=True)
    postgres = db.session.scalars(select(Component).where(Component.name == "PostgreSQL")).one()
    assert (postgres.component_type, postgres.ecosystem, postgres.safety_class, postgres.cpe[:20]) == (
        "platform", "generic", "B", "cpe:2.3:a:postgresql")
    assert postgres.licence_verdict is not None
    blank = client.post(f"/releases/{release.id}/components", data={"new-name": "Chrome", "new-version": "",
                                                                      "new-component_type": "application"},
                        follow_redirects=True).get_data(as_text=True)
    assert "Give the exact version in use." in blank
    with pytest.raises(ValidationFailed, match="already lists"):
        services.add_component(release, {"name": "postgresql", "version": "16.3"}, by=people["engineer"])
    db.session.rollback()
    postgres = db.session.scalars(select(Component).where(Component.name == "PostgreSQL")).one()
    services.update_component(postgres, {"version": "16.4", "component_type": "application"}, by=people["engineer"])
    db.session.commit()
    retired = client.post(f"/components/{postgres.id}/retire", data={"reason": "Replaced by the managed service"},
                          follow_redirects=True).get_data(as_text=True)
    assert "PostgreSQL 16.4 retired." in retired
    db.session.expire_all()
    assert db.session.get(Component, postgres.id).status == "removed"
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.name == "component.retired")) == 1


# --- waivers, exemptions, decisions -------------------------------------------------------------------


def test_a_licence_waiver_is_signed_by_qa_and_carried_while_the_licence_is_unchanged(app, people) -> None:
    from app.inventory.licences import services as licence_services

    for key in ("GPL-3.0-only", "AGPL-3.0-only"):
        licence_services.save_entry(key, "deny", "Copyleft in a closed device", by=people["qa"])
    release = gated_release(people["engineer"])
    services.update_component(components_of(release)["flask"], {"licence_expression": "GPL-3.0-only"},
                              by=people["engineer"])
    db.session.commit()
    flask = components_of(release)["flask"]
    assert flask.licence_verdict == "deny"
    assert {p.rule for p in services.release_readiness(release).problems} == {"licence"}
    with pytest.raises(PermissionDenied):
        gates.waive_licence(flask, "needed", signer=people["engineer"], password=PASSWORD)
    with pytest.raises(SignatureRefused):
        gates.waive_licence(flask, "needed", signer=people["qa"], password="wrong")
    db.session.rollback()
    flask = components_of(release)["flask"]
    with pytest.raises(ValidationFailed, match="reason"):
        gates.waive_licence(flask, " ", signer=people["qa"], password=PASSWORD)
    waiver = gates.waive_licence(flask, "Separate process, written offer of source in the manual",
                                 signer=people["qa"], password=PASSWORD)
    db.session.commit()
    assert waiver.signature_id is not None and waiver.version == "3.0.0"
    assert services.release_readiness(release).ready
    sign_and_freeze(release, people["engineer"], people["qa"])
    db.session.commit()

    later = services.create_release(release.product, "1.1")
    services.import_files(later, [services.UploadedFile("requirements.txt", requirements("flask==3.0.3"))])
    services.update_component(components_of(later)["flask"], {"licence_expression": "GPL-3.0-only"},
                              by=people["engineer"])
    db.session.commit()
    assert gates.release_facts(later).components[0].licence_waived  # carried: same package, same licence
    services.update_component(components_of(later)["flask"], {"licence_expression": "AGPL-3.0-only"},
                              by=people["engineer"])
    assert components_of(later)["flask"].licence_verdict == "deny"
    assert not gates.release_facts(later).components[0].licence_waived  # another licence: it no longer holds


def test_a_licence_under_review_needs_a_recorded_decision(app, people) -> None:
    release = gated_release(people["engineer"])
    flask = components_of(release)["flask"]
    services.update_component(flask, {"licence_expression": "LGPL-3.0-only"}, by=people["engineer"])
    assert flask.licence_verdict == "review"
    assert {p.rule for p in services.release_readiness(release).problems} == {"licence"}
    gates.decide_licence(flask, "accept", "Dynamically linked, unmodified", by=people["engineer"])
    assert services.release_readiness(release).ready
    gates.decide_licence(flask, "reject", "Legal said no", by=people["engineer"])
    assert "was rejected" in services.release_readiness(release).problems[0].message


def test_a_supplier_exemption_is_signed_and_recorded(app, login_as, people) -> None:
    release = gated_release(people["engineer"], breaking="supplier")
    flask = components_of(release)["flask"]
    client = login_as(Role.QA)
    response = client.post(f"/components/{flask.id}/exempt-supplier", data={
        "meaning": "approved", **signing(client), "reason": "One-off library, no maintainer left"},
        follow_redirects=True)
    assert "Supplier exemption signed." in response.get_data(as_text=True)
    assert db.session.scalar(select(ComponentWaiver.kind)) == "supplier_exemption"
    assert services.release_readiness(release).ready
    engineer = login_as(Role.ENGINEER, username="eddie")
    assert engineer.post(f"/components/{flask.id}/exempt-supplier", data={
        "meaning": "approved", **signing(engineer), "reason": "x"}).status_code == 403


def test_a_wrong_password_keeps_no_exemption_or_waiver_only_the_failed_attempt(app, login_as, people) -> None:
    """A refused signature keeps its failure count and audit event; the exemption it would have signed is not
    recorded, so the form is offered again and the release still needs it."""
    release = gated_release(people["engineer"], breaking="supplier")
    flask = components_of(release)["flask"]
    client = login_as(Role.QA)
    qa_id = db.session.scalar(select(User.id).where(User.username == signing(client)["username"]))
    response = client.post(f"/components/{flask.id}/exempt-supplier", data={
        "meaning": "approved", **signing(client, password="not-my-password"),
        "reason": "One-off library, no maintainer left"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The password is not correct (or the account is locked). Nothing was signed." in page
    assert db.session.scalar(select(func.count(ComponentWaiver.id))) == 0
    assert "Exempt with my signature" in page  # offered again, with the reason as typed and no password
    assert ">One-off library, no maintainer left</textarea>" in page and "not-my-password" not in page
    assert db.session.get(User, qa_id).failed_logins == 1
    events = db.session.scalars(select(AuditEvent.name).where(AuditEvent.id > 0)).all()
    assert "component.supplier_exempted" not in events and events.count("signature.refused") == 1
    assert events.count("auth.login_failed") == 1
    assert not db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.entity_type == "component_waiver"))
    assert {p.rule for p in services.release_readiness(release).problems} == {"supplier"}


def test_the_product_chooses_its_soups_of_soups_rule(app, login_as, people) -> None:
    release = gated_release(people["engineer"])
    click = components_of(release)["click"]
    services.update_component(click, {"classification": "soup", "classification_rationale": "runs in the device"},
                              by=people["engineer"])
    click.direct, click.parents = False, ["pkg:pypi/flask@3.0.0"]
    db.session.commit()
    assert services.release_readiness(release).ready  # covered by flask
    page = login_as(Role.AUDITOR).get(f"/releases/{release.id}").get_data(as_text=True)
    assert "covered by flask 3.0.0" in page
    client = login_as(Role.ENGINEER, username="eddie")
    client.post(f"/products/{release.product_id}/edit", data={"name": "Pump", "safety_class": "B",
                                                               "transitive_rule": "all", "description": ""})
    db.session.expire_all()
    assert release.product.transitive_rule == "all"
    assert {p.rule for p in services.release_readiness(release).problems} == {
        "supplier", "anomaly_review", "requirements_hazards"}


def test_older_tests_shape_still_freezes(app, people) -> None:
    release = _release(people["engineer"], safety_class="A")
    make_ready_otss(release, people["engineer"])
    sign_and_freeze(release, people["engineer"], people["qa"])
    assert release.is_frozen


def test_a_refused_assessment_or_retirement_comes_back_with_what_was_typed(app, login_as, people) -> None:
    """Refused on the component page (a rule of its class unmet, no reason to retire): the page again (422), with
    what was typed."""
    release = gated_release(people["engineer"])
    flask = components_of(release)["flask"]
    client = login_as(Role.ENGINEER, username="eddie")
    response = client.post(f"/components/{flask.id}/retire", data={"reason": ""})
    assert response.status_code == 422 and "Retire" in response.get_data(as_text=True)
    services.update_component(flask, {"hazard_refs": ""}, by=people["engineer"])  # class B SOUP: hazards needed
    flask.assessed = False
    db.session.commit()
    response = client.post(f"/components/{flask.id}/assess", data={"note": "Checked the changelog of 3.0.3"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Nothing was marked assessed." in page
    assert "Checked the changelog of 3.0.3" in page


def test_a_number_of_hundreds_of_digits_in_a_form_is_refused_with_a_message(app, login_as, people) -> None:
    """supplier_id of 400 nines answered 500: WTForms' NumberRange turned it into a float (OverflowError)."""
    release = gated_release(people["engineer"])
    flask = components_of(release)["flask"]
    client = login_as(Role.ENGINEER, username="eddie")
    response = client.post(f"/components/{flask.id}/supplier", data={"supplier_id": "9" * 400}, follow_redirects=True)
    assert response.status_code == 200 and "Enter a whole number of at most 18 digits." in response.get_data(as_text=True)


# --- bulk actions on every component the filters select ---------------------------------------------------


def _large_release(engineer, count: int = 60):
    product = services.create_product("Monitor", safety_class="B")
    release = services.create_release(product, "2.0")
    lines = [f"package{number:02d}==1.0.{number}" for number in range(count)]
    services.import_files(release, [services.UploadedFile("requirements.txt", requirements(*lines))], by=engineer)
    db.session.commit()
    return release


def test_a_release_of_several_pages_offers_every_matching_component_as_the_scope(app, login_as, people) -> None:
    release = _large_release(people["engineer"])
    client = login_as(Role.ENGINEER)

    whole = client.get(f"/releases/{release.id}").get_data(as_text=True)
    filtered = client.get(f"/releases/{release.id}?q=package&status=proposed").get_data(as_text=True)

    assert "Every component of the release, on every page: 60 components" in whole
    assert 'data-confirm="Apply this action to 60 components (every component of the release), on every page?"' in whole
    assert 'name="matching" value="q=package&amp;status=proposed"' in filtered
    assert "Every component that matches the filters, on every page: 60 components" in filtered


def test_a_bulk_action_on_every_matching_component_reaches_those_on_other_pages_and_no_others(app, login_as,
                                                                                             people) -> None:
    release = _large_release(people["engineer"])
    client = login_as(Role.ENGINEER)

    response = client.post(f"/releases/{release.id}/bulk", data={
        "action": "classify", "classification": "soup", "note": "runs in the monitor's UI", "scope": "matching",
        "matching": "q=package1", "component_ids": [components_of(release)["package55"].id],  # ticked: not the scope
    }, follow_redirects=True)

    assert "10 component(s) classified as SOUP." in response.get_data(as_text=True)
    classified = {name for name, c in components_of(release).items() if c.classification == "soup"}
    assert classified == {f"package1{n}" for n in range(10)}  # on pages 1 and 2 alike; package55 was only ticked
    scope = db.session.scalars(select(AuditEvent).where(AuditEvent.name == "release.bulk_applied")).one()
    assert (scope.entity_id, scope.details) == (str(release.id), {
        "bulk_action": "classify", "filters": "q package1", "components": 10})


def test_more_matching_components_than_one_bulk_action_takes_are_refused_and_nothing_changes(app, login_as, people,
                                                                                            monkeypatch) -> None:
    release = _large_release(people["engineer"])
    client = login_as(Role.ENGINEER)
    monkeypatch.setattr(services, "BULK_MAX", 40)  # the real limit is 5,000: the same rule on a smaller release

    response = client.post(f"/releases/{release.id}/bulk", data={
        "action": "assess", "note": "reviewed", "scope": "matching", "matching": ""}, follow_redirects=True)

    assert "More than 40 components match these filters, so nothing was changed." in response.get_data(as_text=True)
    assert not any(c.assessed for c in components_of(release).values())
    page = client.get(f"/releases/{release.id}").get_data(as_text=True)
    assert "Every component of the release: more than 40, too many for one action; narrow the filters" in page
