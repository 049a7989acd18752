"""Releases for the release-gate tests: one that passes every readiness rule, or breaks exactly one of them."""

from __future__ import annotations

import json

from sqlalchemy import select

from app.auth.models import User
from app.extensions import db
from app.inventory import gates, services
from app.inventory.advisories import services as advisory_services
from app.inventory.advisories.models import AdvisoryMatch
from app.inventory.anomalies.services import record_review
from app.inventory.models import Component, Release
from app.suppliers.models import Supplier, SupplierKind, SupplierStatus
from tests.helpers import PASSWORD
from tests.inventory.factories import requirements

RULES = ("components", "exact_version", "changes_assessed", "safety_class", "licence", "advisory_triage", "supplier",
         "anomaly_review", "requirements_hazards")


def components_of(release: Release) -> dict[str, Component]:
    """The release's components by name."""
    return {c.name: c for c in db.session.scalars(select(Component).where(Component.release_id == release.id))}


def make_ready_otss(release: Release, by: User) -> Release:
    """Classify every component of a release as OTSS, record the decision on a licence not looked up yet, and assess
    it: the release passes the readiness check (the shape most older tests freeze)."""
    for component in components_of(release).values():
        services.update_component(component, {"classification": "otss", "classification_rationale": "build tooling"},
                                  by=by)
        if component.licence_verdict == "review":  # a requirements.txt names no licence: not looked up yet
            gates.decide_licence(component, "accept", "Build tooling, not distributed", by=by)
    services.assess_components(release, [c.id for c in components_of(release).values()], "tooling only", by=by)
    db.session.flush()
    return release


def sign_and_freeze(release: Release, author: User, approver: User, *, comment: str = "") -> None:
    """The two signatures of a SOUP list: authored by `author`, then approved (frozen) by `approver`."""
    services.author_release(release, author, password=PASSWORD)
    services.freeze_release(release, approver, password=PASSWORD, comment=comment)


def gated_release(engineer: User, *, breaking: str | None = None, product: str = "Pump",
                  version: str = "1.0") -> Release:
    """A class B product's release: flask 3.0.0 a class B SOUP (approved supplier, requirements, hazards, a current
    anomaly review, an advisory triaged not_affected with a justification) and click 8.1.7 an OTSS tool, both with an
    allowed licence and assessed. With `breaking`, exactly that readiness rule fails."""
    owner = services.find_product(product) or services.create_product(product, safety_class="B", by=engineer)
    release = services.create_release(owner, version, by=engineer)
    if breaking == "components":
        db.session.commit()
        return release
    services.import_files(release, [services.UploadedFile("requirements.txt", requirements("flask==3.0.0",
                                                                                         "click==8.1.7"))], by=engineer)
    found = components_of(release)
    flask, click = found["flask"], found["click"]
    advisory_services.import_advisories("osv.json", json.dumps([{
        "id": "PYSEC-GATE-1", "summary": "A flaw in flask",
        "affected": [{"package": {"ecosystem": "PyPI", "name": "flask"}, "versions": ["3.0.0"]}]}]).encode())
    flask_values = {"classification": "soup", "classification_rationale": "serves the device's web API",
                    "licence_expression": "" if breaking == "licence" else "BSD-3-Clause",
                    "requirements": "Routes HTTP requests of the device API",
                    "hazard_refs": "" if breaking == "requirements_hazards" else "HAZ-7 wrong dose shown"}
    services.update_component(flask, flask_values, by=engineer)
    services.update_component(click, {"classification": "otss", "classification_rationale": "command line tooling",
                                      "licence_expression": "BSD-3-Clause"}, by=engineer)
    if breaking == "exact_version":
        services.update_component(click, {"version": "^8.1.0"}, by=engineer)
    if breaking != "supplier":
        supplier = Supplier(code="OSS-PALLETS", name="Pallets", kind=SupplierKind.OPEN_SOURCE_PROJECT,
                            status=SupplierStatus.APPROVED)
        db.session.add(supplier)
        db.session.flush()
        services.link_supplier(flask, supplier, by=engineer)
    match = db.session.scalars(select(AdvisoryMatch).where(AdvisoryMatch.component_id == flask.id)).one()
    if breaking != "advisory_triage":
        advisory_services.triage_match(match, "not_affected", "The debugger is never enabled in the device",
                                       by=engineer, justification="vulnerable_code_not_in_execute_path")
    if breaking != "anomaly_review":
        record_review(flask, by=engineer, anomalies="None relevant in the issue tracker of 3.0.0",
                      advisories_considered=["PYSEC-GATE-1"], conclusion="acceptable")
    if breaking == "safety_class":
        flask.safety_class = "A"  # as an edit before this rule existed left it: lower than the product, no rationale
    for component in (flask, click):
        component.assessed = breaking != "changes_assessed"
    db.session.commit()
    return release
