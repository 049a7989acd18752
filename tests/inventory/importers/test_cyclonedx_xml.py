"""CycloneDX XML through defusedxml + cyclonedx-python-lib; same records as the JSON twin."""

from __future__ import annotations

import re
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


# --- Valid constructs cyclonedx-python-lib cannot read from XML: taken out first, each with a warning --------------

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


def test_service_data_flows_are_skipped_and_the_services_read_as_from_the_json_twin():
    """A 1.5+ service's <data><dataflow> is not read (the import does not use it); the services are."""
    parsed = cyclonedx_xml.parse((CORPUS / "cyclonedx-python-lib-saasbom-1.6.cdx.xml").read_bytes())
    twin = cyclonedx_json.parse((CORPUS / "cyclonedx-python-lib-saasbom-1.6.cdx.json").read_bytes())
    assert len(parsed.components) == 6
    assert _identity(parsed) == _identity(twin)
    assert sorted(parsed.components, key=lambda c: c.refs) == sorted(twin.components, key=lambda c: c.refs)
    assert parsed.warnings == ["the data flows (<data><dataflow>) of 6 services are not read"]


def test_service_data_flows_of_a_1_5_saasbom_are_skipped():
    """The 1.5 form reads too (its JSON twin in the schema tests differs in content, so no comparison)."""
    parsed = cyclonedx_xml.parse((CORPUS / "cyclonedx-python-lib-saasbom-1.5.cdx.xml").read_bytes())
    assert {(c.name, c.direct, c.component_type) for c in parsed.components} == {
        ("com.example/Stock ticker Service", True, "service"), ("com.example/Microservice 1", False, "service"),
        ("com.example/Microservice 2", False, "service"), ("com.example/Microservice 3", False, "service"),
        ("org.postgresql/Postgres", False, "service"), ("com.amazon/S3", False, "service")}
    assert parsed.warnings == ["the data flows (<data><dataflow>) of 6 services are not read"]


def test_ikev2_transform_types_are_skipped_and_the_crypto_assets_read_as_from_the_json_twin():
    """A protocol's <ikev2TransformTypes> is not read; the cryptographic assets are, as from the JSON twin."""
    parsed = cyclonedx_xml.parse((CORPUS / "cyclonedx-python-lib-cryptography-full-1.6.cdx.xml").read_bytes())
    twin = cyclonedx_json.parse((CORPUS / "cyclonedx-python-lib-cryptography-full-1.6.cdx.json").read_bytes())
    assert [c.refs for c in parsed.components] == [("asset-1",), ("asset-2",), ("asset-3",), ("asset-4",)]
    assert parsed.components == twin.components
    assert parsed.warnings == [
        "the IKEv2 transform types (<ikev2TransformTypes>) of 1 cryptographic protocols are not read"]


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
    assert len(parsed.components) == len(re.findall(rb"<component[ >]", content)) - 1  # the metadata component
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
