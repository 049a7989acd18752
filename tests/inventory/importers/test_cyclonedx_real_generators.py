"""CycloneDX from current generators: trivy's 1.7 JSON with its lockfile grouping nodes, cyclonedx-py's 1.7 XML.

Counts are computed from the raw files in each test (json / ElementTree), not by the importers."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from app.inventory.importers import cyclonedx_json, cyclonedx_xml, parse_file
from tests.helpers import DATA

REAL = DATA / "realworld" / "cyclonedx"
TRIVY = REAL / "trivy-npm-1.7.cdx.json"
CYCLONEDX_PY_XML = REAL / "cyclonedx-py-with-urls-1.7.cdx.xml"


def test_trivys_lockfile_node_is_a_grouping_and_what_it_holds_is_direct() -> None:
    raw = json.loads(TRIVY.read_text())
    assert raw["specVersion"] == "1.7"
    groupings = {c["bom-ref"]: c["name"] for c in raw["components"] if c["type"] == "application" and "purl" not in c}
    assert groupings  # trivy writes one node per lockfile it read
    graph = {entry["ref"]: entry.get("dependsOn", []) for entry in raw["dependencies"]}
    expected_direct = {ref for grouping in groupings for ref in graph[grouping]}
    packages = [c for c in raw["components"] if c["bom-ref"] not in groupings]

    parsed = parse_file("trivy.json", TRIVY.read_bytes())

    assert parsed.format == "cyclonedx-json"
    assert len(parsed.components) == len(packages)
    assert not any(component.name in groupings.values() for component in parsed.components)
    assert {component.refs[0] for component in parsed.components if component.direct} == expected_direct
    assert all(component.direct is False for component in parsed.components if component.refs[0] not in expected_direct)
    direct = next(component for component in parsed.components if component.direct)
    assert direct.groups == tuple(groupings.values())


def test_the_library_path_saw_the_grouping_as_the_only_direct_component() -> None:
    """What the import did before: the lockfile node was a version-less generic component and nothing else direct."""
    records = cyclonedx_json.read_document(TRIVY.read_bytes(), reader="library").components
    assert [record.name for record in records if record.direct] == ["package-lock.json"]


def test_cyclonedx_1_7_xml_from_cyclonedx_py_is_read() -> None:
    root = ET.fromstring(CYCLONEDX_PY_XML.read_bytes())  # noqa: S314 (a file of this repository)
    namespace = "{http://cyclonedx.org/schema/bom/1.7}"
    expected = [c.findtext(f"{namespace}name") for c in root.find(f"{namespace}components") or []]
    parsed = cyclonedx_xml.parse(CYCLONEDX_PY_XML.read_bytes())
    assert [component.name for component in parsed.components] == expected
    assert parse_file("bom.xml", CYCLONEDX_PY_XML.read_bytes()).format == "cyclonedx-xml"


def test_a_vex_document_without_components_says_why_nothing_is_imported() -> None:
    """CycloneDX bom-examples' VEX/vex.json: vulnerabilities that affect refs of another BOM, no components."""
    path = DATA / "realworld" / "cyclonedx" / "bom-examples-vex-only.cdx.json"
    assert json.loads(path.read_text())["vulnerabilities"] and "components" not in json.loads(path.read_text())
    parsed = parse_file("vex.json", path.read_bytes())
    assert parsed.components == []
    assert parsed.warnings == ["this BOM lists vulnerabilities only (a VEX document) and no components: import "
                               "the product's SBOM for its components"]


def test_a_vex_document_in_xml_says_so_too() -> None:
    content = b"""<?xml version="1.0" encoding="UTF-8"?>
<bom xmlns="http://cyclonedx.org/schema/bom/1.4" version="1">
  <vulnerabilities>
    <vulnerability><id>CVE-2021-44228</id><affects><target><ref>urn:cdx:x/1#pkg:maven/a/b@1</ref></target></affects>
    </vulnerability>
  </vulnerabilities>
</bom>"""
    parsed = parse_file("vex.cdx.xml", content)
    assert parsed.components == [] and parsed.warnings[-1].startswith("this BOM lists vulnerabilities only")
