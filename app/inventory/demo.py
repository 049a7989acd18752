"""Demo data of the inventory: Provenance's own SOUP list (dogfood), imported from its lock files."""

from __future__ import annotations

import json
import tomllib
from importlib import metadata
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, select, update

from app.auth.models import User
from app.config import ROOT
from app.extensions import db
from app.inventory import services
from app.inventory.licences import services as licence_services
from app.inventory.licences.expressions import normalise_licence
from app.inventory.models import Component, ImportChannel, Release, SafetyClass
from app.suppliers.demo import demo_supplier

PRODUCT = "Provenance"
LOCK_FILES = ("requirements.lock", "package-lock.json")


def provenance_version() -> str:
    """The app's own version, from pyproject.toml."""
    return str(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"])


def seed_inventory(users: dict[str, User], **_options: Any) -> None:
    """Import Provenance's requirements.lock (pip freeze format) and package-lock.json as one release."""
    product = services.find_product(PRODUCT)
    if product is not None and services.find_release(product, provenance_version()) is not None:
        return
    if product is None:
        product = services.create_product(
            PRODUCT, safety_class=SafetyClass.A, by=users.get("engineer"),
            description="This application: its own SOUP/OTSS list, from its lock files (dogfood).")
    release = services.create_release(product, provenance_version(), by=users.get("engineer"))
    files = []
    for name in LOCK_FILES:
        # requirements.lock is pip freeze output: the requirements.txt format under another name.
        files.append(services.UploadedFile("requirements.txt" if name.endswith(".lock") else name,
                                           (ROOT / name).read_bytes()))
    services.import_files(release, files, by=users.get("engineer"), channel=ImportChannel.SEED)
    add_installed_licences(release)
    if "engineer" in users:
        _seed_own_requirements(release, users["engineer"])


# Provenance's own SOUP requirements, verified by tests of this repository (tests/soup, recorded as JUnit XML).
OWN_REQUIREMENTS = (
    ("SOUP-REQ-1", "docxtpl", "performance", "Renders a Word table of 1,000 rows from a template",
     "Every row present in the document read back"),
    ("SOUP-REQ-2", "argon2-cffi", "functional", "Verifies a password against its Argon2 hash and refuses another",
     "verify() is true for the password, raises for any other"),
    ("SOUP-REQ-3", "defusedxml", "functional", "Refuses an XML entity expansion (billion laughs)",
     "EntitiesForbidden raised, nothing expanded"),
)
OWN_TEST_RESULTS = Path(__file__).resolve().parent / "demo_data" / "provenance-soup-tests.xml"


def _seed_own_requirements(release: Release, engineer: User) -> None:
    """A few requirements on the packages this application relies on, and the JUnit XML of the tests verifying them:
    the dogfood product's traceability matrix shows real tests of this repository."""
    from app.inventory.traceability import services as traceability

    components = {c.name.lower(): c for c in db.session.scalars(select(Component).where(Component.release_id == release.id))}
    for identifier, package, kind, text, criterion in OWN_REQUIREMENTS:
        component = components.get(package)
        if component is not None:
            traceability.create_requirement(release.product, [component], {
                "identifier": identifier, "kind": kind, "text": text, "acceptance_criterion": criterion,
                "status": "approved"}, by=engineer)
    traceability.import_results(release, [traceability.ResultFile(OWN_TEST_RESULTS.name, OWN_TEST_RESULTS.read_bytes())],
                                by=engineer, source="tests/soup of this repository (scripts/record_soup_tests.sh)",
                                channel=ImportChannel.SEED)


# Trove classifiers of packages that predate License-Expression metadata.
_CLASSIFIERS = {
    "MIT License": "MIT", "BSD License": "BSD-3-Clause", "Apache Software License": "Apache-2.0",
    "ISC License (ISCL)": "ISC", "Python Software Foundation License": "PSF-2.0",
    "Mozilla Public License 2.0 (MPL 2.0)": "MPL-2.0",
    "GNU Lesser General Public License v3 or later (LGPLv3+)": "LGPL-3.0-or-later",
}


def _header(meta: metadata.PackageMetadata, key: str) -> str:
    """A header of the distribution's metadata, "" when it is missing (the 3.11 protocol has no `get`)."""
    return str(meta[key] or "") if key in meta else ""


def installed_licence(name: str) -> str:
    """The licence a locally installed distribution declares (License-Expression, License, or classifier)."""
    try:
        meta = metadata.metadata(name)
    except metadata.PackageNotFoundError:
        return ""
    if _header(meta, "License-Expression"):
        return _header(meta, "License-Expression")
    declared = _header(meta, "License").strip()
    if declared and len(declared) <= 60 and "\n" not in declared:
        return declared
    found = [_CLASSIFIERS[c.rsplit(" :: ", 1)[-1]] for c in meta.get_all("Classifier") or []
             if c.startswith("License ::") and c.rsplit(" :: ", 1)[-1] in _CLASSIFIERS]
    return " OR ".join(dict.fromkeys(found))


def add_installed_licences(release: Release) -> None:
    """Fill PyPI components' licences from the installed packages' metadata (a pip freeze has none)."""
    rows = db.session.execute(select(Component.id, Component.name).where(
        Component.release_id == release.id, Component.ecosystem == "pypi", Component.licence_expression == ""))
    updates = []
    for component_id, name in rows:
        expression, unknown = normalise_licence(installed_licence(name))
        if expression:
            updates.append({"_id": component_id, "_expression": expression, "_unknown": list(unknown)})
    if updates:
        table = Component.__table__
        db.session.execute(update(table).where(table.c.id == bindparam("_id")).values(
            licence_expression=bindparam("_expression"), unknown_licences=bindparam("_unknown")), updates)
        licence_services.apply_licence_policy(release)


GATED_PRODUCT = "Infusion pump controller"


def _device_sbom(flask_version: str) -> bytes:
    """The controller's CycloneDX SBOM: its framework and a transitive library, a one-off npm helper, the operating
    system of its hosts and the managed storage it calls."""
    return json.dumps({
        "bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
        "metadata": {"component": {"type": "application", "name": "pump-controller", "bom-ref": "root"}},
        "components": [
            {"type": "framework", "name": "flask", "version": flask_version, "bom-ref": "flask",
             "purl": f"pkg:pypi/flask@{flask_version}", "licenses": [{"license": {"id": "BSD-3-Clause"}}]},
            {"type": "library", "name": "werkzeug", "version": "3.0.1", "bom-ref": "werkzeug",
             "purl": "pkg:pypi/werkzeug@3.0.1", "licenses": [{"license": {"id": "BSD-3-Clause"}}]},
            {"type": "library", "name": "left-pad", "version": "1.3.0", "bom-ref": "left-pad",
             "purl": "pkg:npm/left-pad@1.3.0", "licenses": [{"license": {"id": "WTFPL"}}]},
            {"type": "operating-system", "name": "ubuntu", "version": "22.04.4", "bom-ref": "os",
             "cpe": "cpe:2.3:o:canonical:ubuntu_linux:22.04:*:*:*:lts:*:*:*",
             "licenses": [{"license": {"id": "GPL-2.0-only"}}]},
        ],
        "services": [{"bom-ref": "s3", "group": "aws", "name": "S3", "version": "2006-03-01",
                      "provider": {"name": "Amazon Web Services"}, "description": "Stores exported therapy reports"}],
        "dependencies": [{"ref": "root", "dependsOn": ["flask", "left-pad", "os", "s3"]},
                         {"ref": "flask", "dependsOn": ["werkzeug"]}],
    }).encode()


def _prepare(release: Release, users: dict[str, User], password: str, *, finish: bool) -> None:
    """Classify, assign, document, review, triage and waive as a team would; with `finish`, everything a freeze asks."""
    from app.inventory import gates
    from app.inventory.advisories import services as advisory_services
    from app.inventory.advisories.models import AdvisoryMatch

    engineer, qa = users["engineer"], users["qa"]
    items = {item.name: item for item in release.product.software_items}
    found = {c.name: c for c in db.session.scalars(select(Component).where(Component.release_id == release.id))}
    runtime = [c.id for name, c in found.items() if name != "ubuntu"]
    services.classify_components(release, runtime, "soup", "Runs in, or is called by, the controller at run time",
                                 by=engineer)
    services.classify_components(release, [found["ubuntu"].id], "infrastructure",
                                 "Hosts' operating system, run and patched by the cloud provider", by=engineer)
    services.assign_software_item(release, runtime, items["Dose API"].id, by=engineer)
    direct = [c.id for c in found.values() if c.direct is not False and c.name != "ubuntu"]
    services.set_fields_in_bulk(release, direct, {
        "requirements": "Serves the dose-calculation API within 200 ms; stores report exports",
        "hazard_refs": "HAZ-07 wrong dose displayed; HAZ-12 report lost", "risk_level": "medium"}, by=engineer,
        overwrite=True)
    services.link_supplier(found["flask"], demo_supplier("SUP-003", qa), by=engineer)  # Pallets (Flask)
    services.link_supplier(found["aws/S3"], demo_supplier("SUP-001", qa), by=engineer)  # Amazon Web Services EMEA
    services.review_in_bulk(release, direct, by=engineer, conclusion="acceptable",
                            anomalies="Issue trackers and advisories of these exact versions checked: none affects "
                                      "the dose API.")
    if not finish:
        return
    for match in db.session.scalars(select(AdvisoryMatch).where(AdvisoryMatch.release_id == release.id)):
        advisory_services.triage_match(match, "not_affected", "The debugger is never enabled on the device",
                                       by=engineer, justification="vulnerable_code_not_in_execute_path")
    gates.exempt_supplier(found["left-pad"], "Twelve-line helper, no maintainer left; code reviewed and vendored",
                          signer=qa, password=password)
    for component in found.values():
        if component.licence_verdict == "review":
            gates.decide_licence(component, "accept", "Permissive licence, reviewed for this use", by=engineer)
        elif component.licence_verdict == "deny":
            gates.waive_licence(component, "Not distributed with the device; reviewed by legal", signer=qa,
                                password=password)
    services.assess_components(release, [c.id for c in found.values()], "First release of the controller's SOUP list",
                               by=engineer)


def _seed_hazards(product: Any, engineer: User) -> None:
    """The product's hazard list as a risk file elsewhere would export it (the ids the components' references name)."""
    from app.inventory.risks import services as risks
    from app.spreadsheets import csv_bytes

    rows = [["Hazard ID", "Hazard", "Harm", "Severity", "Probability before", "Probability after", "Risk controls",
             "SOUP items"],
            ["HAZ-07", "A wrong dose is displayed to the nurse", "Over- or under-infusion", "S4", "P3", "P1",
             "RC-1: the dose is computed twice and compared before display\nRC-2: the pump shows the raw rate too",
             "flask; werkzeug"],
            ["HAZ-12", "A treatment report is lost", "Missed follow-up", "S2", "P2", "P1",
             "RC-3: reports are written to S3 with versioning and checked on read", "aws/S3"]]
    risks.import_table(product, "demo-hazards.csv", csv_bytes(rows), by=engineer)


def seed_release_gates(users: dict[str, User], *, password: str = "", **_options: Any) -> None:
    """A class B product with one frozen release that passed every freeze gate (prepared by the engineer, approved by
    QA) and a draft release with open problems (a range instead of a version, an advisory not triaged, a version
    not reviewed)."""
    from app.inventory.advisories import services as advisory_services

    if services.find_product(GATED_PRODUCT) is not None or "engineer" not in users or "qa" not in users:
        return
    engineer, qa = users["engineer"], users["qa"]
    product = services.create_product(GATED_PRODUCT, safety_class=SafetyClass.B, by=engineer,
                                      description="Demo: a SOUP list taken through the freeze gates, and a draft release with open problems.")
    services.add_software_item(product, "Dose API", SafetyClass.B)
    services.add_software_item(product, "Report viewer", SafetyClass.A,
                               lower_class_rationale="Reads exported reports only; segregated from the dose API")
    advisory_services.import_advisories("demo-osv.json", json.dumps([
        {"id": "DEMO-2026-0001", "summary": "Debugger PIN bypass in werkzeug (demo record)",
         "affected": [{"package": {"ecosystem": "PyPI", "name": "werkzeug"}, "versions": ["3.0.1"]}]},
        {"id": "DEMO-2026-0002", "summary": "Header parsing flaw in flask 3.0.3 (demo record)",
         "affected": [{"package": {"ecosystem": "PyPI", "name": "flask"}, "versions": ["3.0.3"]}]},
    ]).encode())
    first = services.create_release(product, "3.0", by=engineer)
    services.import_files(first, [services.UploadedFile("pump-controller.cdx.json", _device_sbom("3.0.0"))],
                          by=engineer, channel=ImportChannel.SEED)
    _prepare(first, users, password, finish=True)
    _seed_hazards(product, engineer)
    services.author_release(first, engineer, password=password, comment="SOUP list of 3.0 prepared")
    services.freeze_release(first, qa, password=password, comment="SOUP list of 3.0 approved")

    second = services.create_release(product, "3.1", by=engineer)
    services.import_files(second, [
        services.UploadedFile("pump-controller.cdx.json", _device_sbom("3.0.3")),
        services.UploadedFile("bower.json", json.dumps({"name": "pump-ui",
                                                        "dependencies": {"jquery": "^3.7.0"}}).encode()),
    ], by=engineer, channel=ImportChannel.SEED)
