"""SPDX 2.2 JSON from widely used generators that spdx-tools refuses strictly: Microsoft's SBOM tool (spdxVersion as
the last key, an actor without its type) and syft (timestamps to the nanosecond). Strict first, then lenient with a
warning; counts from the raw JSON in the test."""

from __future__ import annotations

import json
import re

from app.inventory.importers import detect_format, parse_file, spdx_json
from tests.helpers import DATA, REALWORLD
from tests.inventory.realworld import expected_components

REAL = DATA / "realworld" / "spdx"
MICROSOFT = REAL / "missionlz-manifest.spdx.json"
SYFT = REAL / "jx-3.10.16-darwin-arm64.spdx.json"


def test_a_document_whose_spdx_version_comes_last_is_detected_from_its_whole_content() -> None:
    content = MICROSOFT.read_bytes()
    assert list(json.loads(content))[-7] == "spdxVersion"  # after files, packages, relationships
    assert content.index(b'"spdxVersion"') > 100_000
    assert detect_format("bom.json", content) == "spdx-json"


def test_microsofts_sbom_tool_document_is_read_leniently_with_a_warning() -> None:
    parsed = parse_file("manifest.spdx.json", MICROSOFT.read_bytes())
    assert len(parsed.components) == expected_components(MICROSOFT)
    (warning,) = [w for w in parsed.warnings if "read leniently" in w]
    assert "does not follow SPDX-2.2 strictly" in warning and "actors without a type" in warning
    assert parsed.components[0].supplier == "Microsoft/GitHub"


def test_syfts_nanosecond_timestamp_is_cut_to_whole_seconds_with_a_warning() -> None:
    raw = json.loads(SYFT.read_text())
    assert "." in raw["creationInfo"]["created"]
    parsed = spdx_json.parse(SYFT.read_bytes())
    assert len(parsed.components) == expected_components(SYFT)
    assert any("timestamps cut to whole seconds" in warning for warning in parsed.warnings)


def test_a_strict_document_is_read_without_a_leniency_warning() -> None:
    parsed = spdx_json.parse((REALWORLD / "spdx" / "rust-hello-server.spdx.json").read_bytes())
    assert not any("leniently" in warning for warning in parsed.warnings)


def test_packages_without_download_location_are_read_leniently() -> None:
    """The real Microsoft document with every package's downloadLocation taken out in the test (real generators
    omit it; none of the stored real files does)."""
    raw = json.loads(MICROSOFT.read_text())
    for package in raw["packages"]:
        package.pop("downloadLocation", None)
    parsed = spdx_json.parse(json.dumps(raw).encode())
    assert len(parsed.components) == expected_components(MICROSOFT)
    assert any("packages without downloadLocation read as NOASSERTION" in warning for warning in parsed.warnings)


def test_a_tag_value_document_with_a_nanosecond_timestamp_is_read_leniently() -> None:
    from app.inventory.importers import spdx_tagvalue

    path = REAL / "image-reflector-controller-0.16.0.spdx"
    assert re.search(r"^Created: \S+T\d\d:\d\d:\d\d\.\d+Z$", path.read_text(), re.MULTILINE)
    parsed = spdx_tagvalue.parse(path.read_bytes())
    assert len(parsed.components) == expected_components(path)
    assert any("timestamps cut to whole seconds" in warning for warning in parsed.warnings)


GITHUB_REQUESTS = REAL / "github-dependency-graph-requests.spdx.json"
GITHUB_OSV_SCANNER = REAL / "github-dependency-graph-osv-scanner.spdx.json"
SYFT_DIRECTORY = REAL / "syft-1.42-terraform-provider-aci.spdx.json"


def test_githubs_dependency_graph_names_give_the_ecosystem_and_its_ranges_are_declared_not_versions() -> None:
    """GitHub's export of psf/requests: "pip:cryptography" at "< 40.0.0" (no purl), "pip:httpbin" at 0.10.0."""
    raw = json.loads(GITHUB_REQUESTS.read_text())
    ranges = {package["name"].split(":", 1)[1]: package["versionInfo"] for package in raw["packages"]
              if re.search(r"[<>=]", package["versionInfo"])}
    parsed = parse_file("requests.spdx.json", GITHUB_REQUESTS.read_bytes())
    components = {component.name: component for component in parsed.components}
    assert len(parsed.components) == len(raw["packages"]) - 1 == 22  # the repository itself is the product
    assert all(":" not in name for name in components)
    assert {c.ecosystem for c in parsed.components} == {"pypi", "githubactions"}  # "actions:actions/checkout"
    assert (components["cryptography"].version, components["cryptography"].declared) == ("", "< 40.0.0")
    assert components["cryptography"].purl == "pkg:pypi/cryptography"
    assert (components["httpbin"].version, components["httpbin"].purl) == ("0.10.0", "pkg:pypi/httpbin@0.10.0")
    assert {name: c.declared for name, c in components.items() if c.declared} == ranges and len(ranges) == 7
    assert parsed.warnings[0].startswith("7 packages have a version range, not a version (GitHub's dependency graph")


def test_a_licence_that_is_no_spdx_expression_is_kept_as_a_licence_name_and_the_rest_is_read() -> None:
    """GitHub's export of google/osv-scanner: one package's licenseConcluded is "Apache, Version 2.0"."""
    raw = json.loads(GITHUB_OSV_SCANNER.read_text())
    parsed = spdx_json.parse(GITHUB_OSV_SCANNER.read_bytes())
    assert len(parsed.components) == len(raw["packages"]) - 1 == 162
    components = {component.name: component for component in parsed.components}
    assert components["ansi-html"].licence_expression == "Apache, Version 2.0"
    assert components["ansi-html"].unknown_licences == ("Apache, Version 2.0",)
    assert components["ansi-html"].purl == "pkg:npm/ansi-html@0.0.1"
    (warning,) = parsed.warnings
    assert "read leniently: 1 licences that are not SPDX expressions read as licence names" in warning


def test_a_scanned_directory_that_contains_every_module_makes_direct_only_those_no_other_module_needs() -> None:
    """syft's directory scan: the root CONTAINS all 62 Go modules; ProtonMail/go-crypto is a DEPENDENCY_OF
    hashicorp/hc-install, so it is transitive; the main module's version UNKNOWN is syft's placeholder."""
    parsed = spdx_json.parse(SYFT_DIRECTORY.read_bytes())
    components = {component.name: component for component in parsed.components}
    assert len(parsed.components) == 62
    crypto = components["github.com/ProtonMail/go-crypto"]
    assert crypto.direct is False
    assert crypto.parents == (components["github.com/hashicorp/hc-install"].purl,)
    assert all(component.direct is (not component.parents) for component in parsed.components)
    assert sum(component.direct for component in parsed.components) == 12
    assert components["github.com/CiscoDevNet/terraform-provider-aci/v2"].version == ""


def test_files_are_not_read_so_a_manifests_files_cost_nothing_and_need_no_mending() -> None:
    """Microsoft's manifest with every file's checksums taken out in the test: files are not components, so the
    document is read without them (spdx-tools matched each of a package's hasFiles against every relationship)."""
    raw = json.loads(MICROSOFT.read_text())
    assert raw["files"] and any("hasFiles" in package for package in raw["packages"])
    for item in raw["files"]:
        item.pop("checksums", None)
    parsed = spdx_json.parse(json.dumps(raw).encode())
    assert len(parsed.components) == expected_components(MICROSOFT)
    assert not any("file" in warning for warning in parsed.warnings)


JACKSON_NPM = REAL / "boxyhq-jackson-syft-0.33-npm-trimmed.spdx"


def test_syft_033_npm_purls_with_an_encoded_slash_are_mended_as_in_cyclonedx() -> None:
    """boxyhq/jackson's npm/sbom.spdx (syft 0.33, tag-value): `pkg:npm/@ampproject%2Fremapping@2.1.1`, which
    packageurl refuses, is read as `pkg:npm/%40ampproject/remapping@2.1.1`, the purl its CycloneDX twin gives."""
    from app.inventory.importers import spdx_tagvalue

    written = re.findall(r"^ExternalRef: PACKAGE_MANAGER purl (\S+)$", JACKSON_NPM.read_text(), re.MULTILINE)
    encoded = [purl for purl in written if "%2F" in purl]
    assert len(written) == 8 and len(encoded) == 6
    parsed = spdx_tagvalue.parse(JACKSON_NPM.read_bytes())
    purls = {component.name: component.purl for component in parsed.components}
    assert encoded[0] == "pkg:npm/@ampproject%2Fremapping@2.1.1"
    assert purls["@ampproject/remapping"] == "pkg:npm/%40ampproject/remapping@2.1.1"
    assert purls["acorn"] == "pkg:npm/acorn@8.7.0"  # read as written
    assert not any("%2F" in purl for purl in purls.values())
    (warning,) = [w for w in parsed.warnings if "encoded slash" in w]
    assert warning.startswith("6 purls with an encoded slash in a scoped npm name") and "@xtuc/long" in warning


def test_an_encoded_slash_in_an_spdx_json_purl_is_mended_too() -> None:
    """The real syft 0.60 document with one package's purl written as syft 0.33 wrote scoped npm names."""
    raw = json.loads(SYFT.read_text())
    package = raw["packages"][0]
    (reference,) = [ref for ref in package["externalRefs"] if ref["referenceType"] == "purl"]
    reference["referenceLocator"] = "pkg:npm/@ampproject%2Fremapping@2.1.1"
    parsed = spdx_json.parse(json.dumps(raw).encode())
    (component,) = [c for c in parsed.components if c.refs == (package["SPDXID"],)]
    assert (component.purl, component.ecosystem) == ("pkg:npm/%40ampproject/remapping@2.1.1", "npm")
    assert any(w.startswith("1 purls with an encoded slash") for w in parsed.warnings)


SBOM4RUST = REAL / "screenly-cli-sbom4rust-0.5.2.spdx.json"


def test_sbom4rusts_checkum_value_is_read_as_the_checksum_value_with_a_warning() -> None:
    """Screenly/cli's sbom.spdx.json (sbom4rust 0.5.2, through lib4sbom): every checksum is {"algorithm": "SHA1",
    "checkumValue": ...}, which spdx-tools refuses; read leniently, each hash is kept."""
    raw = json.loads(SBOM4RUST.read_text())
    checksums = [item for package in raw["packages"] for item in package.get("checksums", [])]
    assert len(checksums) == 29 and all(set(item) == {"algorithm", "checkumValue"} for item in checksums)
    parsed = parse_file("sbom.spdx.json", SBOM4RUST.read_bytes())
    assert len(parsed.components) == len(raw["packages"]) == 31
    addr2line = next(c for c in parsed.components if c.name == "addr2line")
    assert addr2line.hashes == ("sha1:a736feffcc9892b0d164bfe3f2a7ac1f2d78ff4d",)
    assert sum(len(c.hashes) for c in parsed.components) == 29
    (warning,) = [w for w in parsed.warnings if "leniently" in w]
    assert warning.endswith("read leniently: 29 checksums under 'checkumValue' (sbom4rust's misspelling) read as "
                            "checksumValue")


def test_a_document_that_describes_every_crate_names_no_product_and_no_direct_dependency() -> None:
    """sbom4rust DESCRIBES every crate of Cargo.lock (one version of each name: 27 of these 31 packages) and gives
    their DEPENDS_ON graph: a described package that others depend on is no product. All are components, each keeps
    its parents, and which are direct is unknown."""
    raw = json.loads(SBOM4RUST.read_text())
    described = {r["relatedSpdxElement"] for r in raw["relationships"] if r["relationshipType"] == "DESCRIBES"}
    needed = {r["relatedSpdxElement"] for r in raw["relationships"] if r["relationshipType"] == "DEPENDS_ON"}
    assert len(described) == 27 and described & needed
    # the checksum misspelling is the test above's subject: spelled right here, so that only DESCRIBES is at stake
    parsed = spdx_json.parse(SBOM4RUST.read_bytes().replace(b'"checkumValue"', b'"checksumValue"'))
    assert not any("leniently" in w for w in parsed.warnings)
    assert len(parsed.components) == 31
    assert all(component.direct is None for component in parsed.components)
    purl_of = {c.refs[0]: c.purl for c in parsed.components}
    for component in parsed.components:  # the DEPENDS_ON graph, as sbom4rust wrote it, gives the parents
        assert set(component.parents) == {purl_of[r["spdxElementId"]] for r in raw["relationships"]
                                          if r["relationshipType"] == "DEPENDS_ON"
                                          and r["relatedSpdxElement"] == component.refs[0]}
    assert sum(bool(component.parents) for component in parsed.components) == 18
    assert any("describes 27 packages, some of which other packages depend on" in w for w in parsed.warnings)


def test_a_non_package_that_contains_every_package_is_no_dependency_edge() -> None:
    """jx's syft 0.60 document: the scanned archive (an id the document does not list) CONTAINS all 84 Go modules and
    nothing DESCRIBES: that says where the modules are, not which ones jx needs directly; before, all 84 were read as
    transitive with no parent."""
    raw = json.loads(SYFT.read_text())
    sources = {r["spdxElementId"] for r in raw["relationships"]}
    listed = {item["SPDXID"] for item in raw["packages"] + raw.get("files", [])}
    assert {r["relationshipType"] for r in raw["relationships"]} == {"CONTAINS"} and not sources & listed
    parsed = spdx_json.parse(SYFT.read_bytes())
    assert len(parsed.components) == 84
    assert all(c.direct is None and c.parents == () for c in parsed.components)
    assert any("were not read as dependencies" in w and next(iter(sources)) in w for w in parsed.warnings)


def test_a_described_file_that_contains_packages_stands_for_the_product() -> None:
    """The existing rule for a described root that CONTAINS packages (syft's scanned directory) holds for a described
    file: what it contains is direct unless another package needs it."""
    document = {
        "spdxVersion": "SPDX-2.3", "dataLicense": "CC0-1.0", "SPDXID": "SPDXRef-DOCUMENT", "name": "app",
        "documentNamespace": "https://example.com/app", "creationInfo": {"created": "2024-01-01T00:00:00Z",
                                                                         "creators": ["Tool: test"]},
        "files": [{"SPDXID": "SPDXRef-File-app", "fileName": "./app.bin",
                   "checksums": [{"algorithm": "SHA1", "checksumValue": "0" * 40}]}],
        "packages": [{"SPDXID": f"SPDXRef-{name}", "name": name, "versionInfo": "1.0", "downloadLocation": "NOASSERTION",
                      "filesAnalyzed": False} for name in ("a", "b")],
        "relationships": [
            {"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES", "relatedSpdxElement": "SPDXRef-File-app"},
            {"spdxElementId": "SPDXRef-File-app", "relationshipType": "CONTAINS", "relatedSpdxElement": "SPDXRef-a"},
            {"spdxElementId": "SPDXRef-File-app", "relationshipType": "CONTAINS", "relatedSpdxElement": "SPDXRef-b"},
            {"spdxElementId": "SPDXRef-a", "relationshipType": "DEPENDS_ON", "relatedSpdxElement": "SPDXRef-b"}],
    }
    found = {c.name: (c.direct, len(c.parents)) for c in spdx_json.parse(json.dumps(document).encode()).components}
    assert found == {"a": (True, 0), "b": (False, 1)}
