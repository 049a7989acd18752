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
