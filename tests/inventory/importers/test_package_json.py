"""package.json: every declared dependency is direct, scoped by its section; a range is the declared range, never a version."""

from __future__ import annotations

import json
from pathlib import Path

from app.inventory.importers import package_json

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
