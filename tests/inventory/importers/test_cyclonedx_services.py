"""CycloneDX `services` import as components of type service, and typed components (operating-system, container,
platform, firmware, framework, application) keep their type, through both readers and the XML format."""

from __future__ import annotations

import json

from sqlalchemy import select

from app.access import Role
from app.extensions import db
from app.inventory import services
from app.inventory.importers import parse_file
from app.inventory.importers.cyclonedx_json import read_document
from app.inventory.models import Component
from tests.helpers import REALWORLD

# Written for this test: a device's SBOM naming its runtime platform besides its libraries.
DEVICE_SBOM = {
    "bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
    "metadata": {"component": {"type": "application", "name": "pump-api", "version": "2.0.0", "bom-ref": "root"}},
    "components": [
        {"type": "operating-system", "name": "ubuntu", "version": "22.04", "bom-ref": "os",
         "cpe": "cpe:2.3:o:canonical:ubuntu_linux:22.04:*:*:*:lts:*:*:*"},
        {"type": "container", "name": "python", "version": "3.12.4-slim", "bom-ref": "image",
         "purl": "pkg:docker/library/python@3.12.4-slim"},
        {"type": "platform", "name": "PostgreSQL", "version": "16.3", "bom-ref": "db"},
        {"type": "firmware", "name": "pump-controller", "version": "7.1.0", "bom-ref": "fw"},
        {"type": "framework", "name": "flask", "version": "3.0.0", "purl": "pkg:pypi/flask@3.0.0", "bom-ref": "flask",
         "licenses": [{"license": {"id": "BSD-3-Clause"}}]},
        {"type": "library", "name": "werkzeug", "version": "3.0.1", "purl": "pkg:pypi/werkzeug@3.0.1",
         "bom-ref": "werkzeug"},
    ],
    "services": [
        {"bom-ref": "s3", "provider": {"name": "Amazon Web Services"}, "group": "aws", "name": "S3",
         "version": "2006-03-01", "description": "Stores exported therapy reports",
         "services": [{"bom-ref": "kms", "name": "KMS", "provider": {"name": "Amazon Web Services"}}]},
        {"bom-ref": "broker", "name": "RabbitMQ", "version": "3.13.2"},
    ],
    "dependencies": [
        {"ref": "root", "dependsOn": ["os", "image", "db", "fw", "flask", "s3", "broker"]},
        {"ref": "flask", "dependsOn": ["werkzeug"]},
        {"ref": "s3", "dependsOn": ["kms"]},
    ],
}
DEVICE_XML = b"""<?xml version="1.0" encoding="UTF-8"?>
<bom xmlns="http://cyclonedx.org/schema/bom/1.5" version="1">
  <metadata><component type="application" bom-ref="root"><name>pump-api</name><version>2.0.0</version></component></metadata>
  <components>
    <component type="operating-system" bom-ref="os"><name>ubuntu</name><version>22.04</version></component>
    <component type="library" bom-ref="lib"><name>left-pad</name><version>1.3.0</version><purl>pkg:npm/left-pad@1.3.0</purl></component>
  </components>
  <services>
    <service bom-ref="s3"><provider><name>Amazon Web Services</name></provider><group>aws</group><name>S3</name><version>2006-03-01</version></service>
  </services>
  <dependencies><dependency ref="root"><dependency ref="os"/><dependency ref="lib"/><dependency ref="s3"/></dependency></dependencies>
</bom>
"""


def _by_name(records) -> dict:
    return {record.name: record for record in records}


def test_services_and_typed_components_are_read_by_the_direct_reader() -> None:
    parsed = parse_file("device.cdx.json", json.dumps(DEVICE_SBOM).encode())
    found = _by_name(parsed.components)
    assert {name: r.component_type for name, r in found.items()} == {
        "ubuntu": "operating-system", "python": "container", "PostgreSQL": "platform", "pump-controller": "firmware",
        "flask": "framework", "werkzeug": "library", "aws/S3": "service", "KMS": "service", "RabbitMQ": "service"}
    assert found["ubuntu"].cpe.startswith("cpe:2.3:o:canonical:ubuntu_linux:22.04")
    s3 = found["aws/S3"]
    assert (s3.version, s3.supplier, s3.direct, s3.purl) == ("2006-03-01", "Amazon Web Services", True, "")
    assert found["KMS"].direct is False and found["KMS"].version == ""
    assert found["werkzeug"].direct is False and found["flask"].direct is True


def test_the_library_reader_gives_the_same_services_and_types() -> None:
    content = json.dumps(DEVICE_SBOM).encode()
    direct = {(r.name, r.version, r.component_type, r.direct, r.supplier) for r in read_document(content).components}
    library = {(r.name, r.version, r.component_type, r.direct, r.supplier)
               for r in read_document(content, reader="library").components}
    assert direct == library


def test_cyclonedx_xml_services_and_types() -> None:
    found = _by_name(parse_file("device.cdx.xml", DEVICE_XML).components)
    assert found["ubuntu"].component_type == "operating-system"
    assert found["aws/S3"].component_type == "service" and found["aws/S3"].supplier == "Amazon Web Services"
    assert found["left-pad"].component_type == "library"


def test_an_import_keeps_the_types_and_the_release_page_filters_by_type(app, login_as) -> None:
    release = services.ensure_release("Pump", "2.0")
    services.import_files(release, [services.UploadedFile("device.cdx.json", json.dumps(DEVICE_SBOM).encode())])
    db.session.commit()
    stored = {c.name: c.component_type for c in db.session.scalars(
        select(Component).where(Component.release_id == release.id))}
    assert stored["aws/S3"] == "service" and stored["ubuntu"] == "operating-system" and len(stored) == 9
    client = login_as(Role.AUDITOR)
    def table(url: str) -> str:  # the components table (the readiness checklist below names every component)
        return client.get(url).get_data(as_text=True).split('aria-label="Release readiness check"')[0]

    page = table(f"/releases/{release.id}?type=service")
    assert "aws/S3" in page and "RabbitMQ" in page and "werkzeug" not in page
    page = table(f"/releases/{release.id}?type=operating-system")
    assert "ubuntu" in page and "Operating system" in page and "RabbitMQ" not in page


def test_a_real_sbom_keeps_its_framework_components() -> None:
    """No SBOM under ../shared/realworld holds services or operating-system components (grepped); juice-shop's
    CycloneDX holds three `framework` components among its libraries."""
    content = (REALWORLD / "cyclonedx" / "juice-shop-11.1.2.cdx.json").read_bytes()
    types = [record.component_type for record in parse_file("juice-shop-11.1.2.cdx.json", content).components]
    raw = json.loads(content)
    expected = sum(1 for component in raw["components"] if component.get("type") == "framework")
    assert expected == 3 and types.count("framework") == expected
    assert set(types) == {"library", "framework"}
