"""What a CycloneDX BOM lists that is no SOUP: files, data and cryptographic assets, Go packages inside their module, the
project's own modules of a multi-project build. Each is left out with one warning, and what the product reaches
through it keeps its direct flag.

Expected values are computed from the raw files in each test (json), not by the importers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from app.inventory.importers import cyclonedx_json, cyclonedx_xml, parse_file
from tests.helpers import DATA, REALWORLD

CORPUS = DATA / "realworld" / "cyclonedx"
MINIKUBE = CORPUS / "cyclonedx-gomod-minikube-1.23.1-with-files-trimmed.cdx.json"
JABREF = CORPUS / "jabref-gradle-plugin-3.2.4-trimmed.cdx.json"
DDC = CORPUS / "cdxgen-ddc-sbom.json"
CBOM_KEY = CORPUS / "bom-examples-cbom-key.cdx.json"
CBOM_WITH_DEPENDENCIES = CORPUS / "bom-examples-cbom-with-dependencies.cdx.json"


def walk(items: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for item in items:
        yield item
        yield from walk(item.get("components", []))


def graph(raw: dict[str, Any]) -> dict[str, list[str]]:
    return {entry["ref"]: entry.get("dependsOn", []) for entry in raw.get("dependencies", [])}


# --- Files, data and cryptographic assets -------------------------------------------------------------------------

def test_cyclonedx_gomods_source_files_and_packages_are_not_components_the_modules_are():
    """cyclonedx-gomod -files -packages (minikube 1.23.1, trimmed to five modules): every module lists its Go packages
    and every package its .go files (2,147 in the whole BOM, which gave 2,672 components for 136 modules)."""
    raw = json.loads(MINIKUBE.read_text())
    files = [item for item in walk(raw["components"]) if item["type"] == "file"]
    packages = [package for module in raw["components"] for package in module["components"]]
    root_needs = graph(raw)[raw["metadata"]["component"]["bom-ref"]]
    assert len(files) == 34 and len(packages) == 17 and all("?type=package" in p["purl"] for p in packages)

    parsed = parse_file(MINIKUBE.name, MINIKUBE.read_bytes())

    assert [(c.name, c.version) for c in parsed.components] == [(m["name"], m["version"]) for m in raw["components"]]
    assert {c.refs[0]: c.direct for c in parsed.components} == {m["bom-ref"]: m["bom-ref"] in root_needs
                                                                for m in raw["components"]}
    assert parsed.warnings == [
        "components that are not software packages are left out (34 files): metadata.go in "
        "cloud.google.com/go/compute/metadata v0.93.3, iam.go in cloud.google.com/go/iam v0.93.3, annotate.go in "
        "cloud.google.com/go/internal v0.93.3, retry.go in cloud.google.com/go/internal v0.93.3, optional.go in "
        "cloud.google.com/go/internal/optional v0.93.3, ...",
        "Go packages listed inside their modules are parts of those modules, not components of their own "
        "(17 packages): cloud.google.com/go/compute/metadata in cloud.google.com/go v0.93.3, cloud.google.com/go/iam "
        "in cloud.google.com/go v0.93.3, cloud.google.com/go/internal in cloud.google.com/go v0.93.3, "
        "cloud.google.com/go/internal/optional in cloud.google.com/go v0.93.3, cloud.google.com/go/internal/trace in "
        "cloud.google.com/go v0.93.3, ..."]


# A component of each CycloneDX 1.4-1.7 type, nested in a library: kept (software or what it runs on) or left out.
KEPT = ["library", "framework", "application", "container", "platform", "operating-system", "device", "device-driver",
        "firmware", "machine-learning-model"]
LEFT_OUT = ["file", "data", "cryptographic-asset"]


@pytest.mark.parametrize("kind", KEPT + LEFT_OUT)
def test_each_component_type_is_kept_or_left_out_by_what_it_is(kind: str) -> None:
    bom = {"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
           "metadata": {"component": {"type": "application", "name": "pump", "version": "2.0", "bom-ref": "root"}},
           "components": [{"type": "library", "name": "host", "version": "1.0", "bom-ref": "host",
                           "components": [{"type": kind, "name": "item", "version": "3.1", "bom-ref": "item"}]},
                          {"type": "library", "name": "leaf", "version": "0.1", "bom-ref": "leaf"}],
           "dependencies": [{"ref": "root", "dependsOn": ["host", "item"]}, {"ref": "item", "dependsOn": ["leaf"]}]}
    parsed = parse_file("bom.cdx.json", json.dumps(bom).encode())
    found = {c.name: (c.component_type, c.direct) for c in parsed.components}
    if kind in KEPT:
        assert found == {"host": ("library", True), "item": (kind, True), "leaf": ("library", False)}
        assert parsed.warnings == []
    else:
        # left out; what the product reaches only through it is then a dependency of the product
        assert found == {"host": ("library", True), "leaf": ("library", True)}
        assert len(parsed.warnings) == 1 and parsed.warnings[0].endswith("): item in host 1.0")


def test_a_file_with_a_package_url_is_the_package_it_names():
    bom = {"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1, "components": [
        {"type": "file", "name": "jquery.min.js", "version": "3.7.1", "purl": "pkg:npm/jquery@3.7.1"},
        {"type": "file", "name": "LICENSE", "hashes": [{"alg": "SHA-1", "content": "0" * 40}], "version": "1"}]}
    parsed = parse_file("bom.cdx.json", json.dumps(bom).encode())
    assert [(c.name, c.purl, c.component_type) for c in parsed.components] == [
        ("jquery.min.js", "pkg:npm/jquery@3.7.1", "file")]
    assert parsed.warnings == ["components that are not software packages are left out (1 file): LICENSE 1"]


def test_a_cbom_s_cryptographic_assets_are_left_out_never_merged():
    """CycloneDX's CBOM key example: a public key and the algorithm it is for, both named RSA-2048, and AES-128-GCM.
    They were merged into one "component" RSA-2048 (same generic purl) beside AES-128-GCM."""
    raw = json.loads(CBOM_KEY.read_text())
    assert [(c["type"], c["name"]) for c in raw["components"]] == [
        ("cryptographic-asset", "RSA-2048"), ("cryptographic-asset", "RSA-2048"), ("cryptographic-asset", "AES-128-GCM")]
    parsed = parse_file(CBOM_KEY.name, CBOM_KEY.read_bytes())
    assert parsed.components == []
    assert parsed.warnings == ["components that are not software packages are left out (3 cryptographic assets): "
                               "RSA-2048, RSA-2048, AES-128-GCM"]


def test_a_cbom_keeps_the_libraries_and_their_graph():
    """CycloneDX's CBOM example with dependencies: the product needs a crypto library that provides AES and needs
    another library."""
    raw = json.loads(CBOM_WITH_DEPENDENCIES.read_text())
    needs = graph(raw)
    parsed = parse_file(CBOM_WITH_DEPENDENCIES.name, CBOM_WITH_DEPENDENCIES.read_bytes())
    assert [(c.name, c.direct, c.parents) for c in parsed.components] == [
        ("Crypto library", True, ()), ("Some library", False, ("pkg:generic/Crypto%20library@1.0.0",))]
    assert needs["acme-application"] == ["crypto-library"] and needs["crypto-library"] == ["some-library"]
    assert parsed.warnings == ["components that are not software packages are left out (1 cryptographic asset): AES"]


# --- The project's own modules of a multi-project build -----------------------------------------------------------

def own_module_facts(raw: dict[str, Any], own: set[str]) -> tuple[set[str], int]:
    """The refs the project's modules depend on (not modules themselves) and how many components are not modules."""
    needs = graph(raw)
    direct = {child for ref in own for child in needs.get(ref, []) if child not in own}
    return direct, sum(1 for item in walk(raw["components"]) if item["bom-ref"] not in own)


def test_gradle_plugins_own_projects_are_left_out_and_what_they_use_is_direct():
    """JabRef's bom.json (cyclonedx-gradle-plugin 3.2.4, trimmed): the build's ten Gradle projects are components
    marked with a `project_path` qualifier, the graph starts at them and leaves the metadata component out; so the
    import said "direct unknown" of every package and listed jablib, jabgui, ... as SOUP."""
    raw = json.loads(JABREF.read_text())
    own = {c["bom-ref"] for c in raw["components"] if "project_path=" in c["purl"]}
    assert len(own) == 10 and raw["metadata"]["component"]["bom-ref"] not in graph(raw)
    direct, packages = own_module_facts(raw, own)

    parsed = cyclonedx_json.parse(JABREF.read_bytes())

    assert len(parsed.components) == packages == 19
    assert {c.refs[0] for c in parsed.components if c.direct} == direct
    assert {c.direct for c in parsed.components if c.refs[0] not in direct} == {False}
    assert not any("project_path" in parent for c in parsed.components for parent in c.parents)
    assert parsed.warnings == [
        "the project's own modules are not third-party packages and are left out; what they depend on is a direct "
        "dependency (10 modules): jablib unspecified, jabls unspecified, jabsrv unspecified, test-support unspecified, "
        "versions unspecified, jabkit 100.0.0, jabsrv-cli 100.0.0, jabls-cli 100.0.0, jabgui 100.0.0, JabRef "
        "unspecified"]


def test_cdxgens_gradle_sub_projects_are_left_out_and_what_they_use_is_direct():
    """cdxgen 8.4's BOM of dependency-diff-check, a Gradle build of three sub-projects: they are plain components of
    the product's group and version (no group, "latest"), the only ones the product depends on; so the import took
    them for the only direct SOUP and every package they use for transitive."""
    raw = json.loads(DDC.read_text())
    root = raw["metadata"]["component"]
    own = set(graph(raw)[root["bom-ref"]])
    assert {c["name"] for c in raw["components"] if c["bom-ref"] in own} == {
        "dependency-diff-check-client-starter", "dependency-diff-check-common-core", "dependency-diff-check-service"}
    assert {(c.get("group"), c["version"]) for c in raw["components"] if c["bom-ref"] in own} == {
        (root.get("group", ""), root["version"])}
    direct, packages = own_module_facts(raw, own)

    parsed = cyclonedx_json.parse(DDC.read_bytes())

    assert len(parsed.components) == packages == 53
    assert {c.refs[0] for c in parsed.components if c.direct} == direct and len(direct) == 10
    assert not any("dependency-diff-check" in parent for c in parsed.components for parent in c.parents)
    assert parsed.warnings[0].endswith("(3 modules): dependency-diff-check-client-starter latest, "
                                       "dependency-diff-check-common-core latest, dependency-diff-check-service latest")


def test_sub_projects_nested_in_the_metadata_component_are_reached_through():
    """Newer cdxgen lists the sub-projects inside the metadata component, not among the components: the product
    depends on them and they on the packages."""
    bom = {"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
           "metadata": {"component": {"type": "application", "name": "app", "version": "1.0", "bom-ref": "root",
                                      "purl": "pkg:maven/com.acme/app@1.0",
                                      "components": [{"type": "library", "name": "core", "bom-ref": "core",
                                                      "purl": "pkg:maven/com.acme/core@1.0"}]}},
           "components": [{"type": "library", "group": "org.slf4j", "name": "slf4j-api", "version": "2.0.7",
                           "bom-ref": "slf4j", "purl": "pkg:maven/org.slf4j/slf4j-api@2.0.7"}],
           "dependencies": [{"ref": "root", "dependsOn": ["core"]}, {"ref": "core", "dependsOn": ["slf4j"]}]}
    parsed = parse_file("bom.json", json.dumps(bom).encode())
    assert [(c.name, c.direct, c.parents) for c in parsed.components] == [("org.slf4j:slf4j-api", True, ())]


def test_a_package_that_happens_to_share_the_products_version_is_no_module():
    """Only a Maven artifact of the product's own group and version is taken for a module: an npm product at 1.0.0
    depending on isarray 1.0.0, or a Maven one on another group's artifact at its version, keeps them."""
    for root_purl, purl in [("pkg:npm/device-ui@1.0.0", "pkg:npm/isarray@1.0.0"),
                            ("pkg:maven/com.acme/app@1.0.0", "pkg:maven/org.other/util@1.0.0")]:
        bom = {"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
               "metadata": {"component": {"type": "application", "name": "app", "bom-ref": "root", "purl": root_purl}},
               "components": [{"type": "library", "name": "dep", "version": "1.0.0", "bom-ref": "dep", "purl": purl}],
               "dependencies": [{"ref": "root", "dependsOn": ["dep"]}]}
        parsed = parse_file("bom.json", json.dumps(bom).encode())
        assert [(c.purl, c.direct) for c in parsed.components] == [(purl, True)] and parsed.warnings == []


def test_a_maven_aggregate_without_the_product_in_its_graph_keeps_its_modules():
    """dropwizard-parent's aggregate BOM lists io.dropwizard modules of its version, but its graph never reaches them
    from the product: nothing says they are the product's modules, so they stay (direct unknown, as before)."""
    content = (REALWORLD / "cyclonedx" / "dropwizard-1.3.15.cdx.json").read_bytes()
    parsed = cyclonedx_json.parse(content)
    assert "io.dropwizard:dropwizard-core" in {c.name for c in parsed.components}
    assert len(parsed.components) == len(json.loads(content)["components"])


def test_the_xml_twin_of_a_gradle_bom_leaves_out_the_same_modules():
    xml = CORPUS / "jabref-gradle-plugin-3.2.4-trimmed.cdx.xml"
    assert cyclonedx_xml.parse(xml.read_bytes()).warnings == cyclonedx_json.parse(JABREF.read_bytes()).warnings
