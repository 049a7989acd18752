"""CycloneDX JSON 1.2-1.7: read directly after schema validation, compared with cyclonedx-python-lib."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.inventory.importers import cyclonedx_json, parse_file
from app.inventory.importers.base import ImporterError
from app.inventory.importers.identity import merge_records
from tests.helpers import DATA, REALWORLD
from tests.inventory.importers.checks import by_name, refused

REAL = REALWORLD / "cyclonedx"
SAMPLES = Path(__file__).parents[2] / "data" / "inventory" / "sbom"
FILES = [REAL / "juice-shop-11.1.2.cdx.json", REAL / "dropwizard-1.3.15.cdx.json",
         REAL / "laravel-7.12.0.cdx-1.4.json", SAMPLES / "device-1.5.cdx.json", SAMPLES / "device-1.6.cdx.json"]


def count_components(items) -> int:
    return sum(1 + count_components(item.get("components", [])) for item in items)


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.name)
def test_every_component_except_the_metadata_component_is_imported(path):
    expected = count_components(json.loads(path.read_text()).get("components", []))
    parsed = cyclonedx_json.parse(path.read_bytes())
    assert len(parsed.components) == expected
    root = json.loads(path.read_text())["metadata"]["component"]["name"]
    assert root not in {component.name for component in parsed.components}


def test_juice_shop_counts_spot_check_and_file_order():
    raw = (REAL / "juice-shop-11.1.2.cdx.json").read_bytes()
    parsed = cyclonedx_json.parse(raw)
    assert len(parsed.components) == 840
    first = parsed.components[0]
    assert (first.name, first.version, first.purl) == ("body-parser", "1.19.0", "pkg:npm/body-parser@1.19.0")
    assert first.licence_expression == "MIT"
    assert first.hashes == ("sha1:96b2709e57c9c4e09a6fd66a8fd979844f69f08a",)
    assert first.direct is None  # no dependency graph in this BOM
    assert first.repository_url == "git+https://github.com/expressjs/body-parser.git"


def test_a_graph_without_a_single_edge_leaves_direct_unknown_and_says_why():
    """cyclonedx-py's pipenv output: the root and every component listed with an empty dependsOn."""
    content = (DATA / "realworld" / "cyclonedx" / "cyclonedx-py-pipenv-with-extras-1.5.cdx.json").read_bytes()
    document = json.loads(content)
    assert document["dependencies"] and not any(entry.get("dependsOn") for entry in document["dependencies"])
    for reader in ("direct", "library"):
        parsed = cyclonedx_json.read_document(content, reader=reader)
        assert len(parsed.components) == len(document["components"]) == 25
        assert {component.direct for component in parsed.components} == {None}
        assert any("lists no dependency of anything" in warning for warning in parsed.warnings)


def test_the_placeholder_unknown_see_url_names_no_licence():
    """cyclonedx-dotnet writes name "Unknown - See URL" (url aka.ms/deprecateLicenseUrl) where NuGet gives only a
    licence URL (DoYouTrustYourNuGetPackages' bom.xml, 6 packages): it is no licence, so the look-up will run."""
    component = {"type": "library", "name": "Fractions", "version": "7.3.0", "purl": "pkg:nuget/Fractions@7.3.0",
                 "licenses": [{"license": {"name": "Unknown - See URL", "url": "https://aka.ms/deprecateLicenseUrl"}}]}
    content = json.dumps({"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [component]}).encode()
    for reader in ("direct", "library"):
        (record,) = cyclonedx_json.read_document(content, reader=reader).components
        assert (record.licence_expression, record.unknown_licences) == ("", ()), reader


def test_licence_names_are_kept_whole_not_split_on_the_and_inside_them():
    """As CycloneDX's keycloak-10.0.2 example (bom-examples) declares jboss-transaction-api: two licence names."""
    component = {"type": "library", "bom-ref": "tx", "group": "org.jboss.spec.javax.transaction",
                 "name": "jboss-transaction-api_1.2_spec", "version": "1.1.1.Final",
                 "purl": "pkg:maven/org.jboss.spec.javax.transaction/jboss-transaction-api_1.2_spec@1.1.1.Final",
                 "licenses": [{"license": {"name": "Common Development and Distribution License"}},
                              {"license": {"name": "GNU General Public License, Version 2 with the Classpath Exception"}},
                              {"license": {"name": "MIT OR Apache-2.0"}}, {"license": {"id": "EPL-2.0"}}]}
    content = json.dumps({"bomFormat": "CycloneDX", "specVersion": "1.4", "version": 1,
                          "components": [component]}).encode()
    for reader in ("direct", "library"):
        (record,) = cyclonedx_json.read_document(content, reader=reader).components
        assert record.licence_expression == (
            "EPL-2.0 AND (Common Development and Distribution License) AND (GNU General Public License, Version 2 "
            "with the Classpath Exception) AND (MIT OR Apache-2.0)"), reader
        assert record.unknown_licences == ("Common Development and Distribution License",
                                           "GNU General Public License, Version 2 with the Classpath Exception")


def test_laravel_graph_gives_direct_and_parents():
    components = by_name(cyclonedx_json.parse((REAL / "laravel-7.12.0.cdx-1.4.json").read_bytes()))
    assert components["laravel/laravel"].direct is True
    assert components["asm89/stack-cors"].direct is False
    assert components["asm89/stack-cors"].parents == ("pkg:composer/fruitcake/laravel-cors@v1.0.6",)
    assert components["asm89/stack-cors"].supplier == "Alexander"
    assert components["asm89/stack-cors"].ecosystem == "composer"


def test_dropwizard_maven_names_publisher_and_free_text_licences():
    parsed = cyclonedx_json.parse((REAL / "dropwizard-1.3.15.cdx.json").read_bytes())
    components = by_name(parsed)
    jackson = components["com.fasterxml.jackson.core:jackson-annotations"]
    assert jackson.supplier == "FasterXML"
    assert jackson.purl == "pkg:maven/com.fasterxml.jackson.core/jackson-annotations@2.9.10?type=jar"
    checker = components["org.checkerframework:checker-compat-qual"]
    assert checker.unknown_licences  # a licence given only as a free-text name is flagged
    # The graph leaves the parent POM out, so direct cannot be told.
    assert jackson.direct is None and parsed.warnings


def test_sample_1_5_scope_nested_components_and_generated_purls():
    components = by_name(cyclonedx_json.parse((SAMPLES / "device-1.5.cdx.json").read_bytes()))
    assert components["Flask"].direct is True
    assert components["Flask"].supplier == "Pallets"
    assert components["Werkzeug"].parents == ("pkg:pypi/flask@3.0.3",)
    assert components["pytest"].scope == "dev"
    assert components["libcrypto"].purl == "pkg:generic/libcrypto@3.0.13"
    assert components["libcrypto"].parents == ("pkg:generic/openssl@3.0.13",)
    assert components["openssl"].supplier == "OpenSSL Software Foundation"


def test_sample_1_6_manufacturer_authors_and_expression():
    components = by_name(cyclonedx_json.parse((SAMPLES / "device-1.6.cdx.json").read_bytes()))
    assert components["zlib"].supplier == "Jean-loup Gailly and Mark Adler"
    assert components["Mbed-TLS/mbedtls"].supplier == "Arm Limited"
    assert components["Mbed-TLS/mbedtls"].licence_expression == "Apache-2.0 OR GPL-2.0-or-later"
    assert components["FreeRTOS-Kernel"].purl == "pkg:generic/FreeRTOS-Kernel@11.1.0"
    assert components["zlib"].direct is False


def test_a_bom_without_components_gives_none():
    content = b'{"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1}'
    assert cyclonedx_json.parse(content).components == []


def test_unsupported_spec_version_and_other_json_are_refused():
    error = refused(cyclonedx_json, b'{"bomFormat": "CycloneDX", "specVersion": "9.9"}')
    assert error.field == "specVersion"
    with pytest.raises(ImporterError):
        cyclonedx_json.parse(b'{"name": "not-a-bom"}')


def test_components_without_bom_ref_keep_their_own_purls() -> None:
    """bom-ref is optional: two components without one must not share a purl."""
    import json as _json

    content = _json.dumps({"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1, "components": [
        {"type": "library", "name": "a", "version": "1.0.0", "purl": "pkg:npm/a@1.0.0"},
        {"type": "library", "name": "b", "version": "2.0.0"},
        {"type": "library", "name": "c", "version": "3.0.0", "purl": "pkg:npm/c@3.0.0"},
    ]}).encode()
    purls = [component.purl for component in cyclonedx_json.parse(content).components]
    assert purls[0] == "pkg:npm/a@1.0.0" and purls[2] == "pkg:npm/c@3.0.0"
    assert "b" in purls[1] and len(set(purls)) == 3


# --- Bounded memory: components go through the library a chunk at a time --------------------------


def generated_bom(count: int) -> bytes:
    """A BOM with nested components, varied fields and a graph with a repeated entry and a self-listed root."""
    def component(n: int, nested: list[dict] | None = None) -> dict:
        item = {
            "type": "library", "bom-ref": f"ref-{n}", "name": f"pkg-{n % 17}", "version": f"1.{n % 5}.{n % 3}",
            "licenses": [{"license": {"id": ("MIT", "Apache-2.0", "GPL-2.0-or-later")[n % 3]}}]
            if n % 4 else [{"expression": "MIT OR BSD-3-Clause"}],
            "hashes": [{"alg": "SHA-256", "content": f"{n:064x}"}] if n % 2 else [],
            "scope": ("required", "optional", "excluded")[n % 3],
            "externalReferences": [{"type": "vcs", "url": f"https://example.org/repo/{n}"}] if n % 5 == 0 else [],
        }
        if n % 3:
            item["purl"] = f"pkg:npm/pkg-{n % 17}@1.{n % 5}.{n % 3}"
        if n % 7 == 0:
            item["group"] = "org.example"
        if nested:
            item["components"] = nested
        return item

    components = []
    for n in range(count):
        nested = [component(count + n * 2 + k) for k in range(2)] if n % 9 == 0 else None
        components.append(component(n, nested))
    components.append({"type": "application", "bom-ref": "root", "name": "the-product"})
    refs = [f"ref-{n}" for n in range(count * 3)]
    dependencies = [{"ref": "root", "dependsOn": [*refs[:5], refs[3]]}]
    dependencies += [{"ref": refs[n], "dependsOn": [refs[(n * 7 + 1) % count], refs[(n * 3 + 2) % count]]}
                     for n in range(count)]
    dependencies += [{"ref": refs[4], "dependsOn": [refs[9]]}, {"ref": refs[10]}]  # listed twice; no dependsOn
    return json.dumps({
        "bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
        "metadata": {"component": {"type": "application", "bom-ref": "root", "name": "the-product"}},
        "components": components, "dependencies": dependencies,
    }).encode()


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.name)
def test_chunked_reading_gives_the_records_of_one_whole_bom(path):
    content = path.read_bytes()
    whole = cyclonedx_json.read_document(content, chunk=None, reader="library")
    for chunk in (1, 7, 1000):
        assert cyclonedx_json.read_document(content, chunk=chunk, reader="library") == whole
    assert cyclonedx_json.parse(content).components == whole.components


def test_chunked_reading_of_nested_components_and_a_graph_equals_one_whole_bom():
    content = generated_bom(300)
    whole = cyclonedx_json.read_document(content, chunk=None, reader="library")
    assert len(whole.components) == 300 + 2 * 34  # the root listed among the components is left out
    assert any(record.parents for record in whole.components)
    assert {record.direct for record in whole.components} == {True, False}
    for chunk in (1, 13, 100, 1000):
        assert cyclonedx_json.read_document(content, chunk=chunk, reader="library") == whole


def test_duplicate_bom_refs_are_read_as_one_whole_bom():
    raw = json.loads(generated_bom(20))
    raw["components"].append(dict(raw["components"][0]))  # an exact duplicate: the library keeps one
    content = json.dumps(raw).encode()
    whole = cyclonedx_json.read_document(content, chunk=None, reader="library")
    assert cyclonedx_json.read_document(content, reader="library") == whole
    assert merge_records(cyclonedx_json.read_document(content).components) == whole.components
    assert len(parse_file("bom.json", content).components) == 20 + 2 * 3


def test_a_component_without_a_name_is_skipped_with_a_warning_that_names_it():
    content = (b'{"bomFormat": "CycloneDX", "specVersion": "1.4", "components": [{"type": "library", "name": "a"},'
               b' {"type": "library", "version": "1"}]}')
    parsed = cyclonedx_json.parse(content)
    assert [component.name for component in parsed.components] == ["a"]
    assert parsed.warnings[0].startswith("components[1] (an entry) is not valid CycloneDX")


@pytest.mark.parametrize("count", [2, 5])
def test_invalid_licence_entries_are_left_out_each_said_when_few_and_in_one_warning_when_many(count):
    """A NuGet SBOM writer put each licence as {"url": ...} (no id or name), 139 times: 139 warnings were noise."""
    components = ",".join(f'{{"type": "library", "name": "p{index}", "version": "1.0", '
                          f'"licenses": [{{"url": "https://example.com/LICENSE-{index}"}}]}}' for index in range(count))
    content = f'{{"bomFormat": "CycloneDX", "specVersion": "1.4", "components": [{components}]}}'.encode()
    parsed = cyclonedx_json.parse(content)
    assert len(parsed.components) == count and all(not c.licence_expression for c in parsed.components)
    if count == 2:
        assert [w.split(":")[0] for w in parsed.warnings] == ["components[0] (p0 1.0)", "components[1] (p1 1.0)"]
    else:
        assert len(parsed.warnings) == 1
        assert parsed.warnings[0].startswith("5 licenses entries are not valid CycloneDX and are not read (their "
                                             "components are kept): components[0] (p0 1.0): licenses[0] (")
        assert parsed.warnings[0].endswith("also components[1] (p1 1.0): licenses[0], components[2] (p2 1.0): "
                                           "licenses[0], components[3] (p3 1.0): licenses[0], components[4] (p4 1.0): "
                                           "licenses[0]")


def test_a_malformed_dependency_names_its_field():
    raw = json.loads(generated_bom(5))
    raw["dependencies"][1]["dependsOn"] = ["ref-1", 5]
    error = refused(cyclonedx_json, json.dumps(raw).encode(), reader="library")
    assert error.field == "dependencies[1].dependsOn[1]"
    raw["dependencies"][1] = {"dependsOn": []}
    error = refused(cyclonedx_json, json.dumps(raw).encode(), reader="library")
    assert error.field == "dependencies[1].ref"


def test_a_malformed_dependency_is_skipped_with_a_warning_that_names_it():
    raw = json.loads(generated_bom(5))
    raw["dependencies"][1]["dependsOn"] = ["ref-1", 5]
    parsed = cyclonedx_json.parse(json.dumps(raw).encode())
    assert len(parsed.components) == 5 + 2
    assert any(warning.startswith("dependencies[1] is not valid CycloneDX") for warning in parsed.warnings)


# --- Reading the JSON directly gives the library's records -----------------------------------------------------


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.name)
def test_direct_reading_gives_the_records_of_the_library(path):
    content = path.read_bytes()
    direct, library = cyclonedx_json.read_document(content), cyclonedx_json.read_document(content, reader="library")
    assert direct.components == library.components


def test_direct_reading_of_nested_components_and_a_graph_gives_the_records_of_the_library():
    content = generated_bom(300)
    direct, library = cyclonedx_json.read_document(content), cyclonedx_json.read_document(content, reader="library")
    assert direct.components == library.components


def test_a_scoped_npm_package_without_a_group_takes_its_scope_from_the_purl():
    """npm's own `npm sbom` (npm 10.2.4, prosopo/captcha's sbom.cyclonedx.json) names `@prosopo/client-example` as
    `client-example`, with no group: only the purl says the scope."""
    content = (b'{"bomFormat": "CycloneDX", "specVersion": "1.5", "components": [{"type": "library", "name": '
               b'"client-example", "version": "2.0.3", "purl": "pkg:npm/%40prosopo/client-example@2.0.3"}, '
               b'{"type": "library", "group": "@babel", "name": "core", "version": "7.0.0", '
               b'"purl": "pkg:npm/%40babel/core@7.0.0"}]}')
    assert [c.name for c in cyclonedx_json.parse(content).components] == ["@prosopo/client-example", "@babel/core"]
