"""CycloneDX XML through defusedxml + cyclonedx-python-lib; same records as the JSON twin."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.inventory.importers import cyclonedx_json, cyclonedx_xml
from app.inventory.importers.base import ImporterError
from tests.helpers import REALWORLD

REAL = REALWORLD / "cyclonedx"
SAMPLES = Path(__file__).parents[2] / "data" / "inventory" / "sbom"
PAIRS = [
    (REAL / "laravel-7.12.0.cdx-1.4.xml", REAL / "laravel-7.12.0.cdx-1.4.json"),
    (SAMPLES / "device-1.5.cdx.xml", SAMPLES / "device-1.5.cdx.json"),
    (SAMPLES / "device-1.6.cdx.xml", SAMPLES / "device-1.6.cdx.json"),
]


@pytest.mark.parametrize(("xml", "json_twin"), PAIRS, ids=lambda path: path.name)
def test_component_count_matches_the_raw_file(xml, json_twin):
    # <component> elements, minus the one inside <metadata>
    expected = len(re.findall(r"<component[\s>]", xml.read_text())) - 1
    assert len(cyclonedx_xml.parse(xml.read_bytes()).components) == expected


@pytest.mark.parametrize(("xml", "json_twin"), PAIRS, ids=lambda path: path.name)
def test_xml_gives_the_same_records_as_its_json_twin(xml, json_twin):
    from_xml = cyclonedx_xml.parse(xml.read_bytes())
    from_json = cyclonedx_json.parse(json_twin.read_bytes())
    assert from_xml.format == "cyclonedx-xml"
    assert from_xml.components == from_json.components


def test_laravel_xml_spot_check():
    components = {c.name: c for c in cyclonedx_xml.parse((REAL / "laravel-7.12.0.cdx-1.4.xml").read_bytes()).components}
    stack_cors = components["asm89/stack-cors"]
    assert (stack_cors.version, stack_cors.licence_expression) == ("1.3.0", "MIT")
    assert stack_cors.purl == "pkg:composer/asm89/stack-cors@1.3.0"
    assert components["laravel/laravel"].direct is True


def test_entity_expansion_is_refused():
    bomb = (b'<?xml version="1.0"?><!DOCTYPE bom [<!ENTITY a "aaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
            b'<bom xmlns="http://cyclonedx.org/schema/bom/1.4"><components>&b;</components></bom>')
    with pytest.raises(ImporterError):
        cyclonedx_xml.parse(bomb)


def test_an_unknown_namespace_is_refused():
    with pytest.raises(ImporterError):
        cyclonedx_xml.parse(b'<bom xmlns="http://example.com/other"/>')


def test_an_empty_bom_gives_no_components():
    assert cyclonedx_xml.parse(b'<bom xmlns="http://cyclonedx.org/schema/bom/1.6" version="1"/>').components == []
