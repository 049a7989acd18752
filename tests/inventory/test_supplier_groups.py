"""Suppliers from the inventory: groups by repository or namespace, one-step create or link, criticality derived
from the highest SOUP class and OTSS process risk (a manual criticality stays), near-duplicate names flagged."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from app.access import Role
from app.audit.models import AuditEvent
from app.extensions import db
from app.inventory import services, supplier_groups
from app.inventory.models import Component
from app.suppliers import rules as supplier_rules
from app.suppliers.models import Supplier
from tests.inventory.factories import release_with


def bom(*components: dict) -> bytes:
    return json.dumps({"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1, "components": list(components)}).encode()


def lib(name: str, version: str, purl: str, repository: str = "") -> dict:
    item = {"type": "library", "name": name, "version": version, "purl": purl}
    if repository:
        item["externalReferences"] = [{"type": "vcs", "url": repository}]
    return item


@pytest.fixture
def release(app):
    made, _ = release_with("Ventilator", "2.0", {"bom.json": bom(
        lib("@babel/core", "7.24.0", "pkg:npm/%40babel/core@7.24.0"),
        lib("@babel/parser", "7.24.0", "pkg:npm/%40babel/parser@7.24.0"),
        lib("flask", "3.1.3", "pkg:pypi/flask@3.1.3", "git+https://github.com/pallets/flask.git"),
        lib("flask-extra", "1.0", "pkg:pypi/flask-extra@1.0", "https://github.com/pallets/flask"),
        lib("left-pad", "1.3.0", "pkg:npm/left-pad@1.3.0"),
    )})
    return made


def _components(release) -> dict[str, Component]:
    db.session.expire_all()
    return {c.name: c for c in db.session.scalars(select(Component).where(Component.release_id == release.id))}


def test_components_are_grouped_by_repository_then_namespace_then_package(app, release):
    groups = {g.key: sorted(g.packages) for g in supplier_groups.groups()}
    assert groups == {
        "repo:github.com/pallets/flask": ["pypi/flask", "pypi/flask-extra"],
        "ns:npm/@babel": ["npm/@babel/core", "npm/@babel/parser"],
        "pkg:npm/left-pad": ["npm/left-pad"],
    }


def test_create_the_suggested_supplier_links_its_components_and_derives_criticality(app, release, login_as):
    components = _components(release)
    services.classify_components(release, [components["flask"].id], "soup", "runs in the device", by=None, safety_class="C")
    db.session.commit()
    client = login_as(Role.QA)
    response = client.post("/supplier-suggestions/create", data={"key": "repo:github.com/pallets/flask"})
    assert response.status_code == 302
    supplier = db.session.scalar(select(Supplier).where(Supplier.code == "OSS-FLASK"))
    assert (supplier.name, supplier.kind, supplier.repository_url) == ("flask", "open_source_project", "https://github.com/pallets/flask")
    assert supplier.criticality == "critical" and supplier.supplies_soup_class_c
    assert "From the inventory: class C SOUP: flask 3.1.3." in supplier.criticality_rationale
    components = _components(release)
    assert components["flask"].supplier_id == components["flask-extra"].supplier_id == supplier.id
    assert "repo:github.com/pallets/flask" not in {g.key for g in supplier_groups.groups()}


def test_a_later_classification_raises_the_derived_criticality_and_a_manual_one_stays(app, release, make_user):
    qa = make_user("quinn", Role.QA)
    supplier, count = supplier_groups.create_for_group("ns:npm/@babel", by=qa)
    assert (count, supplier.criticality) == (2, "minor")
    components = _components(release)
    services.classify_components(release, [components["@babel/core"].id], "soup", "parses config", by=None, safety_class="B")
    assert db.session.get(Supplier, supplier.id).criticality == "major"
    supplier.criticality, supplier.criticality_is_manual, supplier.criticality_rationale = "minor", True, "build time only"
    services.classify_components(release, [components["@babel/parser"].id], "soup", "x", by=None, safety_class="C")
    assert (supplier.criticality, supplier.criticality_rationale) == ("minor", "build time only")
    assert supplier.supplies_soup_class_c  # the fact is recorded; the person's criticality stands


def test_high_risk_otss_makes_the_supplier_critical(app, release, make_user):
    qa = make_user("quinn", Role.QA)
    supplier, _ = supplier_groups.create_for_group("pkg:npm/left-pad", by=qa)
    component = _components(release)["left-pad"]
    services.update_component(component, {"classification": "otss", "risk_level": "high"}, by=None)
    assert db.session.get(Supplier, supplier.id).criticality == "critical"
    assert "high-risk OTSS: left-pad 1.3.0" in supplier.criticality_rationale


def test_a_group_matching_an_existing_supplier_is_linked_not_duplicated(app, release, make_user, login_as):
    qa = make_user("quinn", Role.QA)
    existing = Supplier(code="PALLETS", name="Pallets", kind="open_source_project",
                        repository_url="https://github.com/pallets/flask")
    db.session.add(existing)
    db.session.commit()
    [group] = [g for g in supplier_groups.groups() if g.key.startswith("repo:")]
    assert group.suggested.id == existing.id
    with pytest.raises(Exception, match="already matches"):
        supplier_groups.create_for_group(group.key, by=qa)
    db.session.rollback()
    client = login_as(Role.QA, username="q2")
    page = client.get("/supplier-suggestions").get_data(as_text=True)
    assert "Link to PALLETS" in page
    client.post("/supplier-suggestions/link", data={"key": group.key, "supplier_id": existing.id})
    assert {c.supplier_id for n, c in _components(release).items() if n.startswith("flask")} == {existing.id}


@pytest.mark.parametrize(("name", "others", "flagged"), [
    ("Atlassian Pty Ltd", {1: "ATLASSIAN"}, [1]),
    ("ATLASSIAN", {1: "Atlassian Pty Ltd", 2: "Atlas Copco"}, [1]),
    ("Pallets Projects", {1: "pallets"}, [1]),
    ("Grafana Labs", {1: "Grafana Labs Inc."}, [1]),
    ("Microsoft", {1: "Micro Focus"}, []),
    ("six", {1: "sax"}, []),
])
def test_near_duplicate_names(name, others, flagged):
    assert supplier_rules.near_duplicates(name, others) == flagged


def test_a_near_duplicate_is_flagged_when_created_and_on_its_page(app, login_as):
    db.session.add(Supplier(code="ATL", name="ATLASSIAN", kind="commercial_vendor"))
    db.session.commit()
    client = login_as(Role.QA)
    response = client.post("/suppliers/new", data={"code": "ATL2", "name": "Atlassian Pty Ltd", "kind": "commercial_vendor",
                                 "manual_criticality": "", "criticality_rationale": ""},
                           follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Possible duplicate of ATL ATLASSIAN" in page
    assert 'data-testid="possible-duplicate"' in page
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.name == "supplier.possible_duplicate")) == 1
