"""package-lock.json v1, v2 and v3: components, scopes, direct/transitive, parents, errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.inventory.importers import package_lock, parse_file
from app.inventory.importers.base import ComponentRecord, ImporterError
from tests.helpers import DATA
from tests.inventory.importers.checks import by_key, refused

REALWORLD = Path(__file__).resolve().parents[3].parent / "shared" / "realworld" / "lockfiles"
NODEGOAT_LOCK = REALWORLD / "nodegoat-package-lock.json"
SAMPLES = Path(__file__).resolve().parents[2] / "data" / "inventory" / "javascript"


def lock(packages: dict[str, Any], version: int = 3) -> bytes:
    return json.dumps({"name": "demo", "version": "1.0.0", "lockfileVersion": version, "packages": packages}).encode()


@pytest.fixture(scope="module")
def nodegoat() -> dict[tuple[str, str], ComponentRecord]:
    parsed = package_lock.parse(NODEGOAT_LOCK.read_bytes())
    assert parsed.format == "package-lock.json"
    return by_key(parsed.components)


def test_nodegoat_has_one_component_per_distinct_name_and_version(nodegoat: dict) -> None:
    raw = json.loads(NODEGOAT_LOCK.read_bytes())
    expected = {
        (path.rsplit("node_modules/", 1)[1], info["version"])
        for path, info in raw["packages"].items()
        if path and not info.get("link")
    }
    assert len(expected) < len(raw["packages"]) - 1  # the file really repeats packages at several paths
    assert set(nodegoat) == expected


def test_nodegoat_direct_dependencies_are_those_of_the_root_entry(nodegoat: dict) -> None:
    raw = json.loads(NODEGOAT_LOCK.read_bytes())
    root = raw["packages"][""]
    declared = set(root["dependencies"]) | set(root["devDependencies"])
    direct = {name for (name, _), component in nodegoat.items() if component.direct}
    assert direct == declared


def test_nodegoat_scoped_package_keeps_its_scope_as_purl_namespace(nodegoat: dict) -> None:
    component = nodegoat[("@cypress/listr-verbose-renderer", "0.4.1")]
    assert component.purl == "pkg:npm/%40cypress/listr-verbose-renderer@0.4.1"
    assert component.parents == ("pkg:npm/cypress@3.3.1",)
    assert component.scope == "dev"
    assert component.direct is False


def test_nodegoat_dev_dependency_is_direct_and_dev(nodegoat: dict) -> None:
    cypress = nodegoat[("cypress", "3.3.1")]
    assert cypress.direct is True
    assert cypress.scope == "dev"


def test_nodegoat_runtime_direct_dependency(nodegoat: dict) -> None:
    express = nodegoat[("express", "4.16.4")]
    assert express.direct is True
    assert express.scope == "runtime"
    assert express.ecosystem == "npm"
    assert express.hashes and express.hashes[0].startswith("sha512:")


def test_nodegoat_transitive_dependency_names_its_parent(nodegoat: dict) -> None:
    accepts = nodegoat[("accepts", "1.3.5")]
    assert accepts.direct is False
    assert "pkg:npm/express@4.16.4" in accepts.parents


def test_nodegoat_optional_platform_package(nodegoat: dict) -> None:
    assert nodegoat[("fsevents", "1.2.9")].scope == "optional"


def test_nodegoat_licences_are_normalised_and_odd_ones_flagged(nodegoat: dict) -> None:
    assert nodegoat[("abbrev", "1.1.1")].licence_expression == "ISC"  # from a bundled copy inside fsevents
    licensed = [c for c in nodegoat.values() if c.licence_expression]
    assert any(c.licence_expression == "MIT" for c in licensed)
    flagged = {u for c in nodegoat.values() for u in c.unknown_licences}
    assert "MIT/X11" in flagged  # license-expression itself cannot parse it; kept as written


def test_nodegoat_every_transitive_package_has_a_parent(nodegoat: dict) -> None:
    orphans = [key for key, c in nodegoat.items() if c.direct is False and not c.parents]
    assert orphans == []


def test_v3_sample_nested_versions_resolve_to_the_nearest_node_modules() -> None:
    parsed = package_lock.parse((SAMPLES / "package-lock-v3.json").read_bytes())
    found = by_key(parsed.components)
    assert len(found) == 18
    assert found[("ms", "2.1.2")].parents == ("pkg:npm/debug@4.3.4",)
    assert found[("ms", "2.0.0")].parents == ("pkg:npm/debug@3.1.0",)
    assert found[("debug", "3.1.0")].parents == ("pkg:npm/follow-redirects@1.5.10",)
    assert found[("ms", "2.1.3")].direct is True and found[("ms", "2.1.3")].parents == ()


def test_v3_sample_scopes_from_flags() -> None:
    found = by_key(package_lock.parse((SAMPLES / "package-lock-v3.json").read_bytes()).components)
    assert found[("typescript", "5.4.5")].scope == "dev"
    assert found[("typescript", "5.4.5")].licence_expression == "Apache-2.0"
    assert found[("fsevents", "2.3.3")].scope == "optional"
    assert found[("chalk", "4.1.2")].scope == "runtime"


def test_v3_workspace_links_are_not_components_but_their_dependencies_are_direct() -> None:
    found = by_key(package_lock.parse((SAMPLES / "package-lock-v3.json").read_bytes()).components)
    assert not any(name == "@acme/utils" for name, _ in found)
    assert found[("lodash", "4.17.21")].direct is True


def test_v1_sample_resolves_requires_through_nested_dependencies() -> None:
    parsed = package_lock.parse((SAMPLES / "package-lock-v1.json").read_bytes())
    found = by_key(parsed.components)
    assert len(found) == 17
    assert found[("ms", "2.0.0")].parents == ("pkg:npm/debug@3.1.0",)
    assert found[("ms", "2.1.2")].parents == ("pkg:npm/debug@4.3.4",)
    assert found[("debug", "4.3.4")].parents == ("pkg:npm/agent-base@6.0.2",)
    assert found[("@types/ms", "0.7.34")].scope == "dev"
    assert found[("fsevents", "2.3.3")].scope == "optional"


def test_v1_does_not_claim_to_know_direct_dependencies() -> None:
    parsed = package_lock.parse((SAMPLES / "package-lock-v1.json").read_bytes())
    assert {c.direct for c in parsed.components} == {None}
    assert any("direct" in warning for warning in parsed.warnings)


def test_scoped_package_nested_under_another_package() -> None:
    content = lock({
        "": {"dependencies": {"a": "^1.0.0", "@scope/b": "^2.0.0"}},
        "node_modules/a": {"version": "1.0.0", "dependencies": {"@scope/b": "^1.0.0"}},
        "node_modules/a/node_modules/@scope/b": {"version": "1.5.0"},
        "node_modules/@scope/b": {"version": "2.0.0"},
    })
    found = by_key(package_lock.parse(content).components)
    nested = found[("@scope/b", "1.5.0")]
    assert nested.purl == "pkg:npm/%40scope/b@1.5.0"
    assert nested.parents == ("pkg:npm/a@1.0.0",)
    assert nested.direct is False
    assert found[("@scope/b", "2.0.0")].direct is True


def test_same_package_at_several_paths_is_one_component_with_merged_parents() -> None:
    content = lock({
        "": {"dependencies": {"a": "1", "b": "1", "c": "^2"}},
        "node_modules/a": {"version": "1.0.0", "dependencies": {"c": "^1"}},
        "node_modules/a/node_modules/c": {"version": "1.0.0", "dev": True},
        "node_modules/b": {"version": "1.0.0", "dependencies": {"c": "^1"}},
        "node_modules/b/node_modules/c": {"version": "1.0.0"},
        "node_modules/c": {"version": "2.0.0"},
    })
    components = package_lock.parse(content).components
    assert [(c.name, c.version) for c in components].count(("c", "1.0.0")) == 1
    c1 = by_key(components)[("c", "1.0.0")]
    assert c1.parents == ("pkg:npm/a@1.0.0", "pkg:npm/b@1.0.0")
    assert c1.scope == "runtime"  # needed at run time through b, so the dev flag at a's copy does not win


def test_dev_optional_flag_means_optional_in_production() -> None:
    content = lock({
        "": {"devDependencies": {"x": "1"}, "optionalDependencies": {"y": "1"}},
        "node_modules/x": {"version": "1.0.0", "dev": True, "optional": True},
        "node_modules/y": {"version": "1.0.0", "devOptional": True},
    })
    found = by_key(package_lock.parse(content).components)
    assert found[("x", "1.0.0")].scope == "dev"
    assert found[("y", "1.0.0")].scope == "optional"


def test_link_entries_and_the_root_are_not_components() -> None:
    content = lock({
        "": {"name": "demo", "version": "1.0.0", "dependencies": {"local": "file:../local"}},
        "node_modules/local": {"resolved": "../local", "link": True},
    })
    assert package_lock.parse(content).components == []


def test_aliased_package_is_recorded_under_its_real_name() -> None:
    content = lock({
        "": {"dependencies": {"string-width-cjs": "npm:string-width@^4.2.0"}},
        "node_modules/string-width-cjs": {"name": "string-width", "version": "4.2.3"},
    })
    (component,) = package_lock.parse(content).components
    assert (component.name, component.version) == ("string-width", "4.2.3")
    assert component.purl == "pkg:npm/string-width@4.2.3"


def test_bundled_packages_are_components_with_the_bundling_package_as_parent() -> None:
    content = lock({
        "": {"dependencies": {"host": "1"}},
        "node_modules/host": {"version": "1.0.0", "bundleDependencies": ["inner"], "dependencies": {"inner": "1"}},
        "node_modules/host/node_modules/inner": {"version": "1.0.0", "inBundle": True, "license": "ISC"},
    })
    found = by_key(package_lock.parse(content).components)
    assert found[("inner", "1.0.0")].parents == ("pkg:npm/host@1.0.0",)
    assert found[("inner", "1.0.0")].licence_expression == "ISC"


def test_old_licenses_array_becomes_an_or_expression() -> None:
    content = lock({"node_modules/x": {"version": "1.0.0", "license": [{"type": "MIT"}, {"type": "Apache-2.0"}]}})
    (component,) = package_lock.parse(content).components
    assert component.licence_expression == "MIT OR Apache-2.0"


def test_broken_json_names_the_line() -> None:
    content = b'{\n  "lockfileVersion": 3,\n  "packages": {\n    "": {}\n    "node_modules/x": {}\n  }\n}\n'
    error = refused(package_lock, content)
    assert error.line == 5
    assert "line 5" in str(error)


def test_an_entry_without_version_is_kept_from_its_resolved_location_with_a_warning() -> None:
    parsed = package_lock.parse(lock({"": {}, "node_modules/x": {"resolved": "https://example/x-1.2.3.tgz"},
                                      "node_modules/y": {}}))
    (component,) = parsed.components
    assert (component.name, component.version, component.repository_url) == ("x", "", "https://example/x-1.2.3.tgz")
    assert any('packages["node_modules/x"] has no version' in warning for warning in parsed.warnings)
    assert any('packages["node_modules/y"] has no version and no resolved location; skipped' in warning
               for warning in parsed.warnings)


def test_a_v1_git_dependency_keeps_its_tag_as_version_and_its_url_as_location() -> None:
    content = json.dumps({"lockfileVersion": 1, "dependencies": {
        "a": {"version": "git+https://github.com/acme/a.git#v2.1.0"},
        "b": {"version": "github:acme/b#4f1c2e0"}}}).encode()
    found = {c.name: c for c in package_lock.parse(content).components}
    assert (found["a"].version, found["a"].repository_url) == ("2.1.0", "git+https://github.com/acme/a.git#v2.1.0")
    assert (found["b"].version, found["b"].repository_url) == ("", "github:acme/b#4f1c2e0")


def test_a_v1_folder_of_the_project_is_not_a_component_but_a_file_archive_and_what_the_folder_nests_are() -> None:
    """As atom's lockfile v1 lists its bundled packages: `"about": {"version": "file:packages/about"}`."""
    content = json.dumps({"lockfileVersion": 1, "dependencies": {
        "about": {"version": "file:packages/about", "requires": {"etch": "0.9.0"},
                  "dependencies": {"etch": {"version": "0.9.0"}}},
        "vendored": {"version": "file:vendor/vendored-1.2.0.tgz"},
        "ms": {"version": "2.1.3"},
    }}).encode()
    parsed = package_lock.parse(content)
    assert sorted(c.name for c in parsed.components) == ["etch", "ms", "vendored"]
    assert any("1 package(s) installed from folders of the project (file: directories: about)" in warning
               for warning in parsed.warnings)


def test_entry_that_is_not_an_object_names_the_field() -> None:
    error = refused(package_lock, lock({"node_modules/x": "1.0.0"}))
    assert error.field == 'packages["node_modules/x"]'


def test_v1_missing_version_names_the_nested_field() -> None:
    content = json.dumps({"lockfileVersion": 1, "dependencies": {"a": {"version": "1.0.0", "dependencies": {"b": {}}}}})
    error = refused(package_lock, content.encode())
    assert error.field == 'dependencies["a"].dependencies["b"].version'


def test_a_json_array_is_refused() -> None:
    with pytest.raises(ImporterError, match="object"):
        package_lock.parse(b"[1, 2]")


def test_not_utf8_is_refused_clearly() -> None:
    with pytest.raises(ImporterError, match="UTF-8"):
        package_lock.parse(b'{"lockfileVersion": 3, "packages": {"\xff": 1}}')


def test_an_entry_outside_the_project_is_named_by_the_last_folder_of_its_key() -> None:
    """npm's arborist fixture: `../m/node_modules/n/o` is the folder `o` inside package n of a sibling project, so
    the package is o (npm names a folder by its last part, with its @scope/ folder); n/o is no npm name."""
    path = DATA / "realworld" / "lockfiles" / "npm-cli-arborist-external-link-package-lock.json"
    assert "../m/node_modules/n/o" in json.loads(path.read_text())["packages"]
    found = by_key(package_lock.parse(path.read_bytes()).components)
    assert sorted(found) == [("b", "1.0.0"), ("c", "1.0.0"), ("k", "1.0.0"), ("o", "1.0.0"), ("o2", "1.0.0"),
                             ("x", "1.0.0")]
    assert found[("o", "1.0.0")].purl == "pkg:npm/o@1.0.0"
    assert found[("c", "1.0.0")].parents == ("pkg:npm/b@1.0.0",)


def test_a_scoped_package_outside_the_project_keeps_its_scope_and_a_name_field_wins() -> None:
    content = lock({
        "": {"dependencies": {"a": "file:../lib/node_modules/@acme/a", "b": "file:../lib/node_modules/x/b"}},
        "../lib/node_modules/@acme/a": {"version": "1.0.0"},
        "../lib/node_modules/x/b": {"name": "@acme/b", "version": "2.0.0"},
        "node_modules/a": {"resolved": "../lib/node_modules/@acme/a", "link": True},
        "node_modules/b": {"resolved": "../lib/node_modules/x/b", "link": True},
    })
    assert sorted(by_key(package_lock.parse(content).components)) == [("@acme/a", "1.0.0"), ("@acme/b", "2.0.0")]


def test_git_dependencies_of_a_v1_lockfile_keep_their_repository_without_credentials_and_are_said():
    """osv-scalibr's commits.v1.json: lockfile v1 writes a git dependency's URL (a token in one) as its "version"."""
    content = (DATA / "realworld" / "lockfiles" / "osv-scalibr-commits.v1-package-lock.json").read_bytes()
    parsed = parse_file("package-lock.json", content)
    found = {c.name: c for c in parsed.components}
    assert (found["is-number-2"].version, found["is-number-2"].repository_url) == (
        "", "github:jonschlinkert/is-number#d5ac0584ee9ae7bd9288220a39780f155b9ad4c8")
    assert "dummy-token" not in found["is-number-5"].repository_url
    assert found["ansi-styles"].version == "1.0.0"
    assert any(w.startswith("10 git or URL dependencies have no version (lockfile v1 records only where they came "
                            "from") for w in parsed.warnings), parsed.warnings
