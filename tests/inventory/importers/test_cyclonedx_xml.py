"""CycloneDX XML through defusedxml, read into the JSON reader's shape; same records as the JSON twin."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from app.inventory.importers import cyclonedx_json, cyclonedx_xml
from app.inventory.importers._common import parse_xml
from app.inventory.importers.base import Content, ImporterError
from tests.helpers import DATA, REALWORLD

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


# --- Valid constructs cyclonedx-python-lib could not read from XML (the import used its object model until 2026-12) ---

CORPUS = DATA / "realworld" / "cyclonedx"


def _identity(parsed) -> list[tuple[str, str, str, str, bool | None]]:
    """What a component is for the inventory, in a stable order (the library sorts services, JSON keeps file order)."""
    return sorted(((c.name, c.version, c.purl, c.licence_expression, c.direct) for c in parsed.components),
                  key=lambda item: (item[0], item[1], item[2], item[3], str(item[4])))


@pytest.mark.parametrize("version", ["1.2", "1.6"])
def test_elements_of_other_namespaces_are_skipped_with_a_warning(version):
    """Extension elements (xs:any, another namespace) are not read; the components around them are."""
    parsed = cyclonedx_xml.parse((CORPUS / f"cyclonedx-python-lib-external-elements-{version}.cdx.xml").read_bytes())
    assert [(c.name, c.version, c.purl, c.licence_expression, c.direct) for c in parsed.components] == [
        ("com.acme:tomcat-catalina", "9.0.14", "pkg:maven/com.acme/tomcat-catalina@9.0.14?packaging=jar",
         "Apache-2.0", None)]
    assert parsed.components[0].hashes[0] == "md5:3942447fac867ae5cdb3229b658f4d48"
    assert parsed.components[0].supplier == "Acme Inc"
    assert parsed.warnings == ["28 extension elements outside the CycloneDX namespace (28 in foo) are not read"]


def test_an_xml_signature_is_not_reported_as_an_extension():
    """<ds:Signature> belongs to the schema and the library skips it: no warning, the components are read."""
    bom = (b'<bom xmlns="http://cyclonedx.org/schema/bom/1.6" version="1"><components>'
           b'<component type="library"><name>a</name><version>1</version>'
           b'<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo/></ds:Signature>'
           b'</component></components></bom>')
    parsed = cyclonedx_xml.parse(bom)
    assert [(c.name, c.version) for c in parsed.components] == [("a", "1")]
    assert parsed.warnings == []


def test_the_parsed_upload_is_not_changed_by_skipping():
    """What is skipped is taken out of a copy: detection may hold the parsed tree of the same upload."""
    content = Content((CORPUS / "cyclonedx-python-lib-external-elements-1.6.cdx.xml").read_bytes(), "bom.xml")
    assert cyclonedx_xml.claims(content)
    before = len(list(parse_xml(content, "test").iter()))
    cyclonedx_xml.parse(content)
    assert len(list(parse_xml(content, "test").iter())) == before


def test_services_with_data_flows_read_as_from_the_json_twin():
    """A 1.5+ service's <data><dataflow> made the library fail; the import never used it, so the services read as
    from the JSON twin and nothing is said (it said "the data flows of 6 services are not read" while the library
    read the XML)."""
    parsed = cyclonedx_xml.parse((CORPUS / "cyclonedx-python-lib-saasbom-1.6.cdx.xml").read_bytes())
    twin = cyclonedx_json.parse((CORPUS / "cyclonedx-python-lib-saasbom-1.6.cdx.json").read_bytes())
    assert len(parsed.components) == 6
    assert _identity(parsed) == _identity(twin)
    assert sorted(parsed.components, key=lambda c: c.refs) == sorted(twin.components, key=lambda c: c.refs)
    assert parsed.warnings == twin.warnings == []


def test_services_with_data_flows_of_a_1_5_saasbom_are_read():
    """The 1.5 form reads too (its JSON twin in the schema tests differs in content, so no comparison)."""
    parsed = cyclonedx_xml.parse((CORPUS / "cyclonedx-python-lib-saasbom-1.5.cdx.xml").read_bytes())
    assert {(c.name, c.direct, c.component_type) for c in parsed.components} == {
        ("com.example/Stock ticker Service", True, "service"), ("com.example/Microservice 1", False, "service"),
        ("com.example/Microservice 2", False, "service"), ("com.example/Microservice 3", False, "service"),
        ("org.postgresql/Postgres", False, "service"), ("com.amazon/S3", False, "service")}
    assert parsed.warnings == []


def test_a_cryptography_bom_reads_as_its_json_twin_its_assets_left_out():
    """The schema tests' CBOM: four cryptographic assets (algorithm, certificate, protocol with <ikev2TransformTypes>,
    key material), all named "Name here": no packages, in XML as in JSON (they were one merged component)."""
    parsed = cyclonedx_xml.parse((CORPUS / "cyclonedx-python-lib-cryptography-full-1.6.cdx.xml").read_bytes())
    twin = cyclonedx_json.parse((CORPUS / "cyclonedx-python-lib-cryptography-full-1.6.cdx.json").read_bytes())
    assert parsed.components == twin.components == []
    assert parsed.warnings == twin.warnings == [
        "components that are not software packages are left out (4 cryptographic assets): Name here, Name here, "
        "Name here, Name here"]


# --- CycloneDX 1.0 and 1.1: no metadata, no dependency graph -----------------------------------------------------

def test_cyclonedx_1_1_reads_as_the_same_tools_1_2_json():
    """cyclonedx-py's 1.1 XML of an environment gives the components of its 1.2 JSON; direct is unknown."""
    parsed = cyclonedx_xml.parse((CORPUS / "cyclonedx-py-environment-with-extras-1.1.cdx.xml").read_bytes())
    twin = cyclonedx_json.parse((CORPUS / "cyclonedx-py-environment-with-extras-1.2.cdx.json").read_bytes())
    assert len(parsed.components) == 31
    assert [(c.name, c.version, c.purl, c.licence_expression) for c in parsed.components] == [
        (c.name, c.version, c.purl, c.licence_expression) for c in twin.components]
    assert sum(1 for c in parsed.components if c.licence_expression) == 31
    assert {c.direct for c in parsed.components} == {None}
    assert parsed.warnings == []


def test_cyclonedx_1_0_reads_as_the_same_tools_1_2_json_without_licences():
    """cyclonedx-py's 1.0 XML gives the same packages (1.0 as cyclonedx-py writes it carries no licences)."""
    raw = (CORPUS / "cyclonedx-py-environment-with-extras-1.0.cdx.xml").read_bytes()
    parsed = cyclonedx_xml.parse(raw)
    twin = cyclonedx_json.parse((CORPUS / "cyclonedx-py-environment-with-extras-1.2.cdx.json").read_bytes())
    assert b"<license" not in raw
    assert [(c.name, c.version, c.purl) for c in parsed.components] == [
        (c.name, c.version, c.purl) for c in twin.components]
    assert {(c.licence_expression, c.direct) for c in parsed.components} == {("", None)}


def test_syfts_cyclonedx_1_0_is_read():
    """syft's 1.0 XML (with the 1.0-only <modified>) gives its one Go module with purl and CPE."""
    parsed = cyclonedx_xml.parse((CORPUS / "syft-identify-1.0.cdx.xml").read_bytes())
    assert [(c.name, c.version, c.purl, c.direct) for c in parsed.components] == [
        ("github.com/wagoodman/go-partybus", "v0.0.0-20230516145632-8ccac152c651",
         "pkg:golang/github.com/wagoodman/go-partybus@v0.0.0-20230516145632-8ccac152c651", None)]
    assert parsed.components[0].cpe.startswith("cpe:2.3:a:wagoodman:go-partybus:")


def test_an_empty_cyclonedx_1_1_bom_gives_no_components():
    """cyclonedx-py's 1.1 XML of an environment without packages is read, not refused."""
    parsed = cyclonedx_xml.parse((CORPUS / "cyclonedx-py-environment-with-license-file-1.1.cdx.xml").read_bytes())
    assert parsed.components == []


def test_empty_text_elements_are_no_value_never_the_text_none():
    """cdxgen's ddc-sbom.xml writes `<group/>` and `<publisher/>`: the library read them as the text "None", so names
    came out as `None:dependency-diff-check-common-core` and every supplier as "None"."""
    content = (CORPUS / "cdxgen-ddc-sbom.xml").read_bytes()
    parsed = cyclonedx_xml.parse(content)
    # cdxgen 8.4's XML keeps one dependsOn per dependency (its JSON twin has them all): the graph reaches one of the
    # three sub-projects, which is the project's own code (test_cyclonedx_not_soup)
    assert parsed.warnings[0].endswith("(1 module): dependency-diff-check-service latest")
    assert len(parsed.components) == len(re.findall(rb"<component[ >]", content)) - 1 - 1  # the metadata component
    assert not [c.name for c in parsed.components if "None" in c.name]
    assert not [c.name for c in parsed.components if c.supplier == "None" or c.description == "None"]


def test_a_purl_with_an_encoded_slash_is_mended_and_one_that_is_none_never_refuses_the_bom():
    """syft 0.33's XML for boxyhq/jackson writes `pkg:npm/@ampproject%2Fremapping@2.1.1` for 239 scoped packages; the
    library refused the whole BOM for one of them."""
    parsed = cyclonedx_xml.parse((CORPUS / "boxyhq-jackson-syft-0.33-sbom.cyclonedx").read_bytes())
    found = {c.name: c for c in parsed.components}
    assert found["@ampproject/remapping"].purl == "pkg:npm/%40ampproject/remapping@2.1.1"
    assert parsed.warnings == []
    broken = (b'<?xml version="1.0"?><bom xmlns="http://cyclonedx.org/schema/bom/1.4" version="1"><components>'
              b'<component type="library"><name>a</name><version>1.0</version><purl>not a purl</purl></component>'
              b'<component type="library"><name>b</name><version>2.0</version></component></components></bom>')
    parsed = cyclonedx_xml.parse(broken)
    assert [(c.name, c.version) for c in parsed.components] == [("a", "1.0"), ("b", "2.0")]
    assert parsed.warnings == ["1 purls are not package URLs and are not read (their components are kept, named by "
                               "name and version): a 1.0"]


# --- Read directly, not through cyclonedx-python-lib's object model ------------------------------------------------

JABREF_XML = CORPUS / "jabref-gradle-plugin-3.2.4-trimmed.cdx.xml"
JABREF_JSON = CORPUS / "jabref-gradle-plugin-3.2.4-trimmed.cdx.json"


def test_a_real_xml_bom_and_its_json_twin_give_the_same_components():
    """JabRef's bom.xml and bom.json (cyclonedx-gradle-plugin 3.2.4, one build, trimmed alike): the same names,
    versions, purls, licences, hashes, direct flags and parents, component by component; the raw files agree on them."""
    from_xml = cyclonedx_xml.parse(JABREF_XML.read_bytes())
    from_json = cyclonedx_json.parse(JABREF_JSON.read_bytes())
    raw = json.loads(JABREF_JSON.read_text())
    namespace = "{http://cyclonedx.org/schema/bom/1.6}"
    tree = ET.fromstring(JABREF_XML.read_bytes())  # noqa: S314 (a file of this repository)
    assert [c.get("bom-ref") for c in tree.find(f"{namespace}components") or []] == [
        c["bom-ref"] for c in raw["components"]]

    def facts(parsed):
        return [(c.name, c.version, c.purl, c.licence_expression, c.unknown_licences, c.hashes, c.direct, c.parents)
                for c in parsed.components]

    assert facts(from_xml) == facts(from_json)
    assert len(from_xml.components) == 19 and {c.direct for c in from_xml.components} == {True, False}
    assert all(len(c.hashes) == 8 for c in from_xml.components if c.purl.endswith("?type=jar"))  # a pom has none
    assert from_xml.components == from_json.components  # every other field too (descriptions wrapped in XML)
    assert from_xml.warnings == from_json.warnings


def test_xml_is_read_without_the_librarys_object_model(monkeypatch):
    """Bom.from_xml built and sorted objects the import never used: 80% of the time of an XML import."""
    from cyclonedx.model.bom import Bom

    def refuse(*args, **kwargs):
        raise AssertionError("the XML importer called Bom.from_xml")

    monkeypatch.setattr(Bom, "from_xml", refuse)
    assert len(cyclonedx_xml.parse(JABREF_XML.read_bytes()).components) == 19


def test_components_nested_deeper_than_the_limit_are_refused():
    """Each level is read by a recursive call: a nesting limit, as JSON has, keeps it an ImporterError."""
    from app.nesting import MAX_DEPTH

    def nested(levels: int) -> bytes:
        inner = b""
        for level in range(levels):
            inner = (f'<component type="library"><name>c{level}</name><version>1</version>'.encode()
                     + (b"<components>" + inner + b"</components>" if inner else b"") + b"</component>")
        return b'<bom xmlns="http://cyclonedx.org/schema/bom/1.6" version="1"><components>' + inner + \
            b"</components></bom>"

    assert len(cyclonedx_xml.parse(nested(MAX_DEPTH)).components) == MAX_DEPTH
    with pytest.raises(ImporterError, match="nested too deeply"):
        cyclonedx_xml.parse(nested(MAX_DEPTH + 1))
