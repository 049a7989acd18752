"""package.json: every declared dependency is direct, scoped by its section; a range is the declared range, never a version."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.inventory.importers import package_json, parse_file
from tests.helpers import DATA

LOCKFILES = DATA / "realworld" / "lockfiles"
NODEGOAT = Path(__file__).resolve().parents[3].parent / "shared" / "realworld" / "lockfiles" / "nodegoat-package.json"


def test_nodegoat_manifest_lists_every_declared_dependency_as_direct() -> None:
    raw = json.loads(NODEGOAT.read_bytes())
    parsed = package_json.parse(NODEGOAT.read_bytes())
    assert parsed.format == "package.json"
    names = {c.name for c in parsed.components}
    assert names == set(raw["dependencies"]) | set(raw["devDependencies"])
    assert all(c.direct is True and c.parents == () for c in parsed.components)


def test_sections_give_the_scope() -> None:
    parsed = package_json.parse(NODEGOAT.read_bytes())
    found = {c.name: c for c in parsed.components}
    assert found["express"].scope == "runtime"
    assert found["mocha"].scope == "dev"


def test_ranges_are_declared_ranges_and_only_exact_versions_are_versions() -> None:
    raw = json.loads(NODEGOAT.read_text())
    found = {c.name: c for c in package_json.parse(NODEGOAT.read_bytes()).components}
    assert (found["body-parser"].version, found["body-parser"].declared) == ("", raw["dependencies"]["body-parser"])
    assert found["body-parser"].purl == "pkg:npm/body-parser"
    assert (found["marked"].version, found["marked"].declared) == ("0.3.5", "0.3.5")
    assert found["marked"].purl == "pkg:npm/marked@0.3.5"
    assert found["grunt-if"].version == ""
    assert found["grunt-if"].declared == "https://github.com/binarymist/grunt-if/tarball/master"
    assert {c.name for c in found.values() if c.version} == {
        name for section in ("dependencies", "devDependencies") for name, spec in raw.get(section, {}).items()
        if spec[:1].isdigit() and all(part.isdigit() for part in spec.split("."))}


def test_the_projects_own_licence_is_not_a_component_licence() -> None:
    parsed = package_json.parse(NODEGOAT.read_bytes())
    assert all(c.licence_expression == "" for c in parsed.components)


def test_optional_and_peer_dependencies_are_optional() -> None:
    content = json.dumps({
        "name": "lib",
        "optionalDependencies": {"fsevents": "^2.3.3"},
        "peerDependencies": {"react": "^18.0.0"},
        "devDependencies": {"react": "18.2.0", "typescript": "^5.4.5"},
    }).encode()
    found = {c.name: c for c in package_json.parse(content).components}
    assert found["fsevents"].scope == "optional"
    assert found["react"].scope == "optional"  # a peer the consumer provides, also installed for dev work
    assert (found["react"].version, found["react"].declared) == ("", "^18.0.0")
    assert found["typescript"].scope == "dev"
    assert len(found) == 3


def test_optional_dependencies_override_the_same_name_in_dependencies() -> None:
    content = json.dumps({"dependencies": {"x": "^1.0.0"}, "optionalDependencies": {"x": "^1.2.0"}}).encode()
    (component,) = package_json.parse(content).components
    assert (component.scope, component.version, component.declared) == ("optional", "", "^1.2.0")


def test_scoped_names_keep_their_scope() -> None:
    (component,) = package_json.parse(b'{"dependencies": {"@babel/core": "7.24.5"}}').components
    assert component.purl == "pkg:npm/%40babel/core@7.24.5"
    assert component.name == "@babel/core"


def test_an_npm_alias_is_the_package_it_names_with_every_declared_range() -> None:
    """dependabot-core's npm_with_alias_multiversion: is-number ^7.0.0, and is-number ^3.0.0 under the alias
    is-number-legacy (two majors of one package)."""
    path = LOCKFILES / "dependabot-npm_with_alias_multiversion-package.json"
    raw = json.loads(path.read_text())["dependencies"]
    alias_name, alias_spec = next((name, spec) for name, spec in raw.items() if spec.startswith("npm:"))
    real_name, _, alias_range = alias_spec.removeprefix("npm:").partition("@")
    parsed = parse_file("package.json", path.read_bytes())
    found = {c.name: c for c in parsed.components}
    assert set(found) == set(raw) - {alias_name} == {real_name, "micromatch"}
    assert found[real_name].declared == f"{raw[real_name]} || {alias_range}" == "^7.0.0 || ^3.0.0"
    assert (found[real_name].version, found[real_name].purl) == ("", "pkg:npm/is-number")
    assert found["micromatch"].purl == f"pkg:npm/micromatch@{raw['micromatch']}"
    assert any(alias_name in warning and real_name in warning for warning in parsed.warnings)


@pytest.mark.parametrize("name", ["dependabot-npm_with_workspace_link-package.json",
                                  "dependabot-missing_workspace_package-package.json"])
def test_workspace_packages_and_folders_of_the_project_are_its_own_code_not_components(name: str) -> None:
    """`file:packages/my-lib` and `workspace:*` install the project's own code: skipped, and the import names them."""
    path = LOCKFILES / name
    raw = json.loads(path.read_text())
    declared = {dep: spec for section in ("dependencies", "devDependencies") for dep, spec in raw.get(section, {}).items()}
    own = {dep for dep, spec in declared.items() if spec.startswith(("file:", "workspace:"))}
    assert own  # my-lib (file:packages/my-lib), @waystone/tsconfig (workspace:*)
    parsed = parse_file("package.json", path.read_bytes())
    assert {c.name for c in parsed.components} == set(declared) - own
    (warning,) = [w for w in parsed.warnings if "own code" in w]
    assert all(dep in warning for dep in own)
