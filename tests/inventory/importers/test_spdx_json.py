"""SPDX 2.2/2.3 JSON through spdx-tools: the described root is not a component."""

from __future__ import annotations

import json

import pytest

from app.inventory.importers import detect_format, parse_file, spdx_json
from app.inventory.importers.base import ImporterError
from tests.helpers import DATA, REALWORLD
from tests.inventory.importers.checks import by_name, refused

REAL = REALWORLD / "spdx"
FILES = sorted(REAL.glob("*.spdx.json"))


def described(data) -> set[str]:
    roots = set(data.get("documentDescribes", []))
    roots |= {item["relatedSpdxElement"] for item in data.get("relationships", [])
              if item["relationshipType"] == "DESCRIBES" and item["spdxElementId"] == data["SPDXID"]}
    return roots


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.name)
def test_every_package_but_the_described_root_is_a_component(path):
    data = json.loads(path.read_text())
    roots = described(data)
    expected = sum(1 for package in data.get("packages", []) if package["SPDXID"] not in roots)
    assert len(spdx_json.parse(path.read_bytes()).components) == expected


def test_rust_purls_from_external_refs_and_direct_from_depends_on():
    components = by_name(spdx_json.parse((REAL / "rust-hello-server.spdx.json").read_bytes()))
    assert set(components) == {"hyper", "tokio", "pretty_env_logger"}
    tokio = components["tokio"]
    assert (tokio.version, tokio.purl, tokio.ecosystem) == ("1.19.2", "pkg:cargo/tokio@1.19.2", "cargo")
    assert tokio.direct is True
    assert components["pretty_env_logger"].licence_expression == "MIT OR Apache-2.0"


def test_concluded_licence_noassertion_falls_back_to_declared():
    components = by_name(spdx_json.parse((REAL / "examplemaven-0.0.1.spdx.json").read_bytes()))
    junit = components["JUnit"]
    assert junit.licence_expression == "CPL-1.0"  # concluded NOASSERTION, declared CPL-1.0
    assert junit.scope == "dev"  # TEST_DEPENDENCY_OF the root
    assert junit.direct is True
    assert junit.supplier == "JUnit"
    assert components["Apache Log4j API"].licence_expression == ""


def test_dynamic_link_from_the_root_is_direct():
    components = by_name(spdx_json.parse((REAL / "sbom-with-dependency.spdx.json").read_bytes()))
    assert components["xlsx"].direct is True
    assert components["xlsx"].purl == "pkg:maven/org.webjars.npm/xlsx@0.16.6"
    assert components["xlsx"].supplier == "Webjar"


def test_transitive_packages_name_their_parent():
    document = {
        "spdxVersion": "SPDX-2.3", "dataLicense": "CC0-1.0", "SPDXID": "SPDXRef-DOCUMENT", "name": "d",
        "documentNamespace": "https://example.com/d", "creationInfo": {"created": "2024-01-01T00:00:00Z",
                                                                       "creators": ["Tool: test"]},
        "packages": [
            {"SPDXID": "SPDXRef-app", "name": "app", "downloadLocation": "NOASSERTION"},
            {"SPDXID": "SPDXRef-a", "name": "a", "versionInfo": "1", "downloadLocation": "NOASSERTION"},
            {"SPDXID": "SPDXRef-b", "name": "b", "versionInfo": "2", "downloadLocation": "NOASSERTION"},
            {"SPDXID": "SPDXRef-c", "name": "c", "versionInfo": "3", "downloadLocation": "NOASSERTION"},
        ],
        "relationships": [
            {"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES", "relatedSpdxElement": "SPDXRef-app"},
            {"spdxElementId": "SPDXRef-app", "relationshipType": "DEPENDS_ON", "relatedSpdxElement": "SPDXRef-a"},
            {"spdxElementId": "SPDXRef-b", "relationshipType": "DEPENDENCY_OF", "relatedSpdxElement": "SPDXRef-a"},
        ],
    }
    components = by_name(spdx_json.parse(json.dumps(document).encode()))
    assert components["a"].direct is True
    assert components["b"].direct is False
    assert components["b"].parents == ("pkg:generic/a@1",)
    assert components["c"].direct is None  # in no relationship at all


def test_a_structural_error_from_spdx_tools_becomes_one_importer_error():
    error = refused(spdx_json, b'{"spdxVersion": "SPDX-2.3", "SPDXID": "SPDXRef-DOCUMENT", "packages": [{"name": 1}]}')
    assert str(error).startswith("spdx-json:")


def test_githubs_api_answer_with_the_document_under_sbom_reads_as_the_document_itself() -> None:
    """GitHub's REST API (`gh api repos/OWNER/REPO/dependency-graph/sbom > sbom.json`) answers {"sbom": {...}}."""
    content = (DATA / "realworld" / "spdx" / "julia.spdx.json").read_bytes()
    wrapped = b'{"sbom": ' + content + b"}"
    plain = parse_file("julia.spdx.json", content)
    answer = parse_file("sbom.json", wrapped)
    assert answer.format == "spdx-json"
    assert answer.components == plain.components and answer.components


def test_an_object_with_sbom_and_other_keys_is_not_taken_for_githubs_answer() -> None:
    with pytest.raises(ImporterError, match="Unrecognised"):
        detect_format("x.json", b'{"sbom": {"spdxVersion": "SPDX-2.3"}, "other": 1}')


@pytest.mark.parametrize("name", ["manifest.spdx.json", "manifest.json"])
def test_an_spdx_3_json_ld_document_is_refused_saying_which_spdx_versions_are_read(name: str) -> None:
    """The head of Microsoft sbom-tool's samples/spdx_3.0/manifest.spdx.json (607 KB, @context and @graph only)."""
    content = b'{"@context": ["https://spdx.org/rdf/3.0.1/spdx-context.json"], "@graph": [{"type": "software_File"}]}'
    with pytest.raises(ImporterError, match=r"SPDX 3 \(JSON-LD\) document; SPDX 2.2 and 2.3 are supported"):
        parse_file(name, content)


def test_old_trivys_describe_relationship_is_read_as_describes() -> None:
    """trivy before 0.33 wrote "relationshipType": "DESCRIBE", which spdx-tools refuses (with no downloadLocation)."""
    path = DATA / "realworld" / "spdx" / "trivy-0.32-os-only.spdx.json"
    assert [r["relationshipType"] for r in json.loads(path.read_text())["relationships"]] == ["DESCRIBE", "CONTAINS"]
    parsed = parse_file(path.name, path.read_bytes())
    assert [(c.name, c.version, c.direct) for c in parsed.components] == [("alpine", "3.16.0", True)]
    assert "1 relationship types read as their SPDX spelling (DESCRIBE as DESCRIBES)" in parsed.warnings[0]


def test_a_relationship_of_a_type_spdx_does_not_know_is_left_out_and_said() -> None:
    document = json.loads((DATA / "realworld" / "spdx" / "trivy-0.32-os-only.spdx.json").read_text())
    document["relationships"].append({"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "LIKES",
                                      "relatedSpdxElement": "SPDXRef-OperatingSystem-bd17bf9010aa612c"})
    parsed = parse_file("x.spdx.json", json.dumps(document).encode())
    assert [c.name for c in parsed.components] == ["alpine"]
    assert "1 relationships of an unknown type left out" in parsed.warnings[0]


def test_trivys_lockfile_node_is_a_grouping_not_a_component() -> None:
    """trivy writes one APPLICATION package per lockfile (no version, no purl) that CONTAINS its packages."""
    path = DATA / "realworld" / "spdx" / "trivy-julia.spdx.json"
    document = json.loads(path.read_text())
    application = next(p for p in document["packages"] if p.get("primaryPackagePurpose") == "APPLICATION")
    parsed = parse_file(path.name, path.read_bytes())
    assert application["name"] not in {c.name for c in parsed.components}
    assert {c.name for c in parsed.components} == {p["name"] for p in document["packages"]
                                                    if p.get("primaryPackagePurpose") == "LIBRARY"}
    grouped = {c.purl.split("uuid=")[1][:4] for c in parsed.components if c.groups == (application["name"],)}
    assert grouped == {"ead4", "edca"}  # what the application CONTAINS; the B that A depends on is not in it
    # Two packages named B at 1.9.0 with their own UUIDs (two Julia registries): two components.
    found = {c.purl.split("uuid=")[1][:4]: c for c in parsed.components}
    assert [c.name for c in parsed.components] == ["A", "B", "B"]
    assert found["ead4"].direct is True and found["ead4"].parents == ()  # A, in the application
    assert found["f41f"].direct is False and found["f41f"].parents == (found["ead4"].purl,)  # A DEPENDS_ON it
    assert found["edca"].direct is True and found["edca"].parents == ()  # the other B, in the application


def test_a_document_without_its_name_is_read_leniently_like_its_tag_value_twin() -> None:
    document = json.loads((DATA / "realworld" / "spdx" / "trivy-julia.spdx.json").read_text())
    del document["name"]
    parsed = parse_file("x.spdx.json", json.dumps(document).encode())
    assert {c.name for c in parsed.components} == {"A", "B"}
    assert "1 document without a name read as 'unnamed'" in parsed.warnings[0]


def test_a_document_describing_only_several_unrelated_packages_lists_them_as_components() -> None:
    """spdx-examples' example7 lists hello's three Go modules in a document of their own: it DESCRIBES all three,
    holds no other package and no relationship between them, so they are what it lists, not a product."""
    path = DATA / "realworld" / "spdx" / "spdx-examples-example7-third-party-modules.spdx.json"
    document = json.loads(path.read_text())
    assert len(document["documentDescribes"]) == len(document["packages"]) == 3
    parsed = parse_file(path.name, path.read_bytes())
    assert [(c.name, c.direct) for c in parsed.components] == [
        ("golang.org/x/text", None), ("rsc.io/quote", None), ("rsc.io/sampler", None)]
    assert parsed.components[0].purl == "pkg:generic/golang.org/x/text"
    assert parsed.warnings == ["the document describes 3 packages and nothing else, none of them depending on or "
                               "containing another: they are read as the components it lists, not as a product"]


def test_a_document_describing_one_package_alone_still_gives_no_components() -> None:
    """A product SBOM that holds only its own root package (spdx-examples' example7 binary) does not list the root;
    the warning names the other documents that describe what the root links."""
    path = DATA / "realworld" / "spdx" / "spdx-examples-example7-bin.spdx.json"
    parsed = parse_file(path.name, path.read_bytes())
    assert parsed.components == []
    assert parsed.warnings == [
        "the document lists only the package it describes (hello); what it depends on, links or contains is described "
        "in other SPDX documents (DocumentRef-hello-imports: https://swinslow.net/spdx-examples/example7/hello-imports-"
        "c2d068df-67aa-4c68-98c8-100b450fc408): import those for its components"]


def test_a_packages_primary_purpose_gives_its_type():
    """trivy 0.58 (image alpine:3.15, as its documentation prints it) lists the image's operating system as a package of
    purpose OPERATING-SYSTEM, without a purl: it was a library called "alpine"."""
    document = {
        "spdxVersion": "SPDX-2.3", "dataLicense": "CC0-1.0", "SPDXID": "SPDXRef-DOCUMENT", "name": "alpine:3.15",
        "documentNamespace": "http://trivy.dev/container_image/alpine:3.15-12db86e1-4aa4-40ec-900b-5aaa5d82461b",
        "creationInfo": {"creators": ["Organization: aquasecurity", "Tool: trivy-0.58.0"],
                         "created": "2025-02-11T07:43:38Z"},
        "packages": [
            {"name": "alpine:3.15", "SPDXID": "SPDXRef-ContainerImage-d8b2a386253047e7", "downloadLocation": "NONE",
             "primaryPackagePurpose": "CONTAINER", "filesAnalyzed": False},
            {"name": "alpine", "SPDXID": "SPDXRef-OperatingSystem-c24750c3b737d897", "versionInfo": "3.15.11",
             "downloadLocation": "NONE", "primaryPackagePurpose": "OPERATING-SYSTEM", "filesAnalyzed": False},
            {"name": "libretls", "SPDXID": "SPDXRef-Package-343391d704e00fbd", "versionInfo": "3.3.4-r3",
             "downloadLocation": "NONE", "primaryPackagePurpose": "LIBRARY", "filesAnalyzed": False,
             "licenseConcluded": "ISC AND BSD-3-Clause AND MIT",
             "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
                               "referenceLocator": "pkg:apk/alpine/libretls@3.3.4-r3?arch=x86_64&distro=3.15.11"}]},
            {"name": "tool", "SPDXID": "SPDXRef-Package-tool", "versionInfo": "1", "downloadLocation": "NONE",
             "primaryPackagePurpose": "INSTALL", "filesAnalyzed": False},
        ],
        "relationships": [
            {"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES",
             "relatedSpdxElement": "SPDXRef-ContainerImage-d8b2a386253047e7"},
            {"spdxElementId": "SPDXRef-ContainerImage-d8b2a386253047e7", "relationshipType": "CONTAINS",
             "relatedSpdxElement": "SPDXRef-OperatingSystem-c24750c3b737d897"},
            {"spdxElementId": "SPDXRef-OperatingSystem-c24750c3b737d897", "relationshipType": "CONTAINS",
             "relatedSpdxElement": "SPDXRef-Package-343391d704e00fbd"},
        ],
    }
    components = by_name(spdx_json.parse(json.dumps(document).encode()))
    assert {name: item.component_type for name, item in components.items()} == {
        "alpine": "operating-system", "libretls": "library", "tool": "library"}
