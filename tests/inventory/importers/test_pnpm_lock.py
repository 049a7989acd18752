"""pnpm-lock.yaml 5.x, 6.x and 9.x: package keys, peer suffixes, importers, scopes, errors."""

from __future__ import annotations

from pathlib import Path

from app.inventory.importers import pnpm_lock
from tests.helpers import DATA
from tests.inventory.importers.checks import by_key, refused

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "inventory" / "javascript"


def test_v6_sample_components_and_direct_dependencies() -> None:
    parsed = pnpm_lock.parse((SAMPLES / "pnpm-lock-v6.yaml").read_bytes())
    assert parsed.format == "pnpm-lock.yaml"
    found = by_key(parsed.components)
    assert len(found) == 17
    direct = {name for (name, _), c in found.items() if c.direct}
    assert direct == {"agent-base", "chalk", "follow-redirects", "ms", "fsevents", "@types/debug", "@types/ms",
                      "typescript"}
    assert found[("ms", "2.1.2")].direct is False


def test_v6_sample_scopes_and_parents() -> None:
    found = by_key(pnpm_lock.parse((SAMPLES / "pnpm-lock-v6.yaml").read_bytes()).components)
    assert found[("typescript", "5.4.5")].scope == "dev"
    assert found[("fsevents", "2.3.3")].scope == "optional"
    assert found[("has-flag", "4.0.0")].scope == "runtime"
    assert found[("has-flag", "4.0.0")].parents == ("pkg:npm/supports-color@7.2.0",)
    assert found[("@types/ms", "0.7.34")].parents == ("pkg:npm/%40types/debug@4.1.12",)
    assert found[("ms", "2.1.2")].hashes[0].startswith("sha512:")


def test_v9_sample_merges_peer_variants_and_reads_snapshots() -> None:
    parsed = pnpm_lock.parse((SAMPLES / "pnpm-lock-v9.yaml").read_bytes())
    found = by_key(parsed.components)
    assert len(found) == 8
    react_dom = found[("react-dom", "18.2.0")]
    assert react_dom.direct is True
    assert found[("scheduler", "0.23.0")].parents == ("pkg:npm/react-dom@18.2.0",)
    assert set(found[("loose-envify", "1.4.0")].parents) == {
        "pkg:npm/react-dom@18.2.0", "pkg:npm/react@18.2.0", "pkg:npm/scheduler@0.23.0"}


def test_v9_workspace_importers_give_direct_and_dev() -> None:
    found = by_key(pnpm_lock.parse((SAMPLES / "pnpm-lock-v9.yaml").read_bytes()).components)
    assert found[("lodash", "4.17.21")].direct is True
    types = found[("@types/lodash", "4.17.0")]
    assert (types.direct, types.scope, types.purl) == (True, "dev", "pkg:npm/%40types/lodash@4.17.0")
    assert found[("js-tokens", "4.0.0")].scope == "runtime"
    assert not any(name == "@acme/utils" for name, _ in found)  # a link: to a workspace folder


def test_v5_slash_keys_and_underscore_peer_suffix() -> None:
    content = b"""lockfileVersion: 5.4

specifiers:
  '@babel/core': ^7.20.0
  react-dom: ^18.2.0

dependencies:
  react-dom: 18.2.0_react@18.2.0

devDependencies:
  '@babel/core': 7.20.12

packages:

  /@babel/core/7.20.12:
    resolution: {integrity: sha512-AAAA}
    dev: true

  /react-dom/18.2.0_react@18.2.0:
    resolution: {integrity: sha512-BBBB}
    dependencies:
      react: 18.2.0
    dev: false

  /react/18.2.0:
    resolution: {integrity: sha512-CCCC}
    dev: false
"""
    found = by_key(pnpm_lock.parse(content).components)
    assert set(found) == {("@babel/core", "7.20.12"), ("react-dom", "18.2.0"), ("react", "18.2.0")}
    assert found[("@babel/core", "7.20.12")].scope == "dev"
    assert found[("@babel/core", "7.20.12")].direct is True
    assert found[("react", "18.2.0")].parents == ("pkg:npm/react-dom@18.2.0",)
    assert found[("react", "18.2.0")].direct is False


def test_dev_only_transitive_package_is_dev_and_shared_one_is_runtime() -> None:
    content = b"""lockfileVersion: '9.0'
importers:
  .:
    dependencies:
      a: {specifier: ^1.0.0, version: 1.0.0}
    devDependencies:
      b: {specifier: ^1.0.0, version: 1.0.0}
packages:
  a@1.0.0: {resolution: {integrity: sha512-AAAA}}
  b@1.0.0: {resolution: {integrity: sha512-AAAA}}
  shared@1.0.0: {resolution: {integrity: sha512-AAAA}}
  only-dev@1.0.0: {resolution: {integrity: sha512-AAAA}}
snapshots:
  a@1.0.0:
    dependencies: {shared: 1.0.0}
  b@1.0.0:
    dependencies: {shared: 1.0.0, only-dev: 1.0.0}
  shared@1.0.0: {}
  only-dev@1.0.0: {}
"""
    found = by_key(pnpm_lock.parse(content).components)
    assert found[("shared", "1.0.0")].scope == "runtime"
    assert found[("only-dev", "1.0.0")].scope == "dev"
    assert found[("shared", "1.0.0")].parents == ("pkg:npm/a@1.0.0", "pkg:npm/b@1.0.0")


def test_v9_alias_reference_points_to_the_real_package() -> None:
    content = b"""lockfileVersion: '9.0'
importers:
  .:
    dependencies:
      string-width-cjs: {specifier: npm:string-width@^4.2.0, version: string-width@4.2.3}
packages:
  string-width@4.2.3: {resolution: {integrity: sha512-AAAA}}
snapshots:
  string-width@4.2.3: {}
"""
    (component,) = pnpm_lock.parse(content).components
    assert (component.name, component.version, component.direct) == ("string-width", "4.2.3", True)


def test_tarball_package_takes_name_and_version_from_its_fields() -> None:
    content = b"""lockfileVersion: '6.0'
dependencies:
  tool:
    specifier: https://codeload.github.com/acme/tool/tar.gz/abc123
    version: '@codeload.github.com/acme/tool/tar.gz/abc123'
packages:
  '@codeload.github.com/acme/tool/tar.gz/abc123':
    resolution: {tarball: https://codeload.github.com/acme/tool/tar.gz/abc123}
    name: tool
    version: 2.0.0
    dev: false
"""
    (component,) = pnpm_lock.parse(content).components
    assert (component.name, component.version) == ("tool", "2.0.0")


def test_yaml_error_names_the_line() -> None:
    content = b"lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies: [\n"
    error = refused(pnpm_lock, content)
    assert error.line is not None and error.line >= 4


def test_a_local_package_without_a_name_is_skipped_with_a_warning() -> None:
    content = (b"lockfileVersion: '9.0'\n\nimporters:\n  .:\n    dependencies:\n      lodash:\n        specifier: ^4.17.21\n"
               b"        version: 4.17.21\n      local:\n        specifier: file:packages/local\n"
               b"        version: file:packages/local\n\npackages:\n  lodash@4.17.21:\n"
               b"    resolution: {integrity: sha512-v2kDEe57lecTulaDIuNTPy3Ry4gLGJ6Z1O3vE1krgXZNrsQ+LFTGHVxVjcXPs17LhbZVGedAJv8XZ1tvj5FvSg==}\n"
               b"  file:packages/local:\n    resolution: {directory: packages/local, type: directory}\n\n"
               b"snapshots:\n  lodash@4.17.21: {}\n  file:packages/local: {}\n")
    parsed = pnpm_lock.parse(content)
    assert [(c.name, c.version, c.direct) for c in parsed.components] == [("lodash", "4.17.21", True)]
    assert any("folders of the project" in warning and "not components" in warning for warning in parsed.warnings)


# As vite's pnpm-lock.yaml (lockfile 9.0) writes them: folders of the repository installed with `file:`, referenced
# by version (`file:...`, key `name@file:...`) or by an alias (`'@scope/other@file:...'`).
LOCAL_FOLDERS = b"""lockfileVersion: '9.0'
importers:
  playground/json:
    devDependencies:
      '@vitejs/test-json-module':
        specifier: file:./json-module
        version: file:playground/json/json-module
      '@vitejs/test-json-require':
        specifier: file:./dep-json-require
        version: '@vitejs/require@file:playground/json/dep-json-require'
packages:
  '@vitejs/test-json-module@file:playground/json/json-module':
    resolution: {directory: playground/json/json-module, type: directory}
  '@vitejs/require@file:playground/json/dep-json-require':
    resolution: {directory: playground/json/dep-json-require, type: directory}
  ms@2.1.3:
    resolution: {integrity: sha512-6FlzubTLZG3J2a/NVCAleEhjzq5oxgHyaCU9yYXvcLsvoVaHJq/s5xXI6/XXP6tz7R9xAOtHnSO/tXtF3WRTlA==}
  debug@4.4.0:
    resolution: {integrity: sha512-6WTZ/IxCY/T6BALoZHaE4ctp9xm+Z5kY/pzYaCHRFeyVhojxlrm+46y68HA6hr0TcwEssoxNiDEUJQjfPZ/RYA==}
snapshots:
  '@vitejs/test-json-module@file:playground/json/json-module':
    dependencies:
      debug: 4.4.0
  '@vitejs/require@file:playground/json/dep-json-require':
    optionalDependencies:
      ms: 2.1.3
  debug@4.4.0:
    dependencies:
      ms: 2.1.3
  ms@2.1.3: {}
"""


def test_folders_of_the_project_installed_as_packages_are_not_components_and_what_they_use_is_direct() -> None:
    parsed = pnpm_lock.parse(LOCAL_FOLDERS)
    found = {c.name: (c.version, c.direct, c.scope, c.parents) for c in parsed.components}
    assert found == {"debug": ("4.4.0", True, "dev", ()), "ms": ("2.1.3", True, "dev", ("pkg:npm/debug@4.4.0",))}
    assert any("2 package(s) installed from folders of the project" in warning for warning in parsed.warnings)


def test_the_node_runtime_pnpm_installs_is_not_the_npm_package_node() -> None:
    content = b"""lockfileVersion: '9.0'
importers:
  .:
    devDependencies:
      node:
        specifier: runtime:26.7.0
        version: runtime:26.7.0
      ms:
        specifier: ^2.1.3
        version: 2.1.3
packages:
  node@runtime:26.7.0:
    resolution:
      type: variations
      variants: []
  ms@2.1.3:
    resolution: {integrity: sha512-6FlzubTLZG3J2a/NVCAleEhjzq5oxgHyaCU9yYXvcLsvoVaHJq/s5xXI6/XXP6tz7R9xAOtHnSO/tXtF3WRTlA==}
snapshots:
  node@runtime:26.7.0: {}
  ms@2.1.3: {}
"""
    parsed = pnpm_lock.parse(content)
    assert [c.purl for c in parsed.components] == ["pkg:npm/ms@2.1.3"]
    assert any("node@runtime:26.7.0: the Node.js runtime" in warning for warning in parsed.warnings)


def test_trivys_lockfile_with_file_and_tarball_packages_reads_every_package_but_the_project_s_own_folder() -> None:
    import yaml

    path = DATA / "realworld" / "lockfiles" / "trivy-pnpm-lock-archives.yaml"
    raw = yaml.safe_load(path.read_text())
    parsed = pnpm_lock.parse(path.read_bytes())
    folders = {key for key, package in raw["packages"].items() if package["resolution"].get("type") == "directory"}
    assert folders == {"file:package1"}  # installed from the project's folder `package1` (npm lists such a link too)
    assert len(parsed.components) == len(raw["packages"]) - 1
    found = {c.name: c for c in parsed.components}
    assert found["lodash"].version == "4.17.21" and "package1" not in found  # a local tarball stays a package
    # What the folder uses (asynckit) is used by the project itself.
    assert {name for name, c in found.items() if c.direct} == set(raw["dependencies"]) - {"package1"} | {"asynckit"}


def test_a_lockfile_led_by_pnpms_own_environment_document_reads_the_projects_document() -> None:
    """pnpm 10+ may write its environment lockfile (the package manager and its config dependencies) first."""
    import yaml

    path = DATA / "realworld" / "lockfiles" / "trivy-pnpm-lock-v9-multiple-documents.yaml"
    environment, project = yaml.safe_load_all(path.read_text())
    assert "packageManagerDependencies" in environment["importers"]["."]
    parsed = pnpm_lock.parse(path.read_bytes())
    assert [(c.name, c.version, c.direct) for c in parsed.components] == [
        (name.rsplit("@", 1)[0], name.rsplit("@", 1)[1], True) for name in project["packages"]]
    assert any("2 YAML documents" in warning and "skipped" in warning for warning in parsed.warnings)


def test_a_large_real_v9_lockfile_is_read_whole_by_libyaml() -> None:
    """cdxgen's 450 KB, 1,352-package v9 lockfile took 4 s with PyYAML's pure Python loader and 0.7 s with libyaml's
    (measured; the suite checks the loader, not the clock)."""
    import yaml

    from app.inventory.importers import _npm

    path = DATA / "realworld" / "lockfiles" / "cdxgen-pnpm-lock-v9b.yaml"
    raw = yaml.load(path.read_text(), Loader=yaml.CSafeLoader)
    parsed = pnpm_lock.parse(path.read_bytes())
    keys = {key.split("(", 1)[0] for key in raw["snapshots"]}
    assert len(parsed.components) == len(raw["packages"]) == len(keys)
    assert _npm._SAFE_LOADER is yaml.CSafeLoader


LOCKFILES = DATA / "realworld" / "lockfiles"


def test_pnpm_7s_5_4_inline_specifiers_lockfile_is_read_with_v5_keys_and_v6_importers() -> None:
    """pnpm 7 wrote lockfileVersion '5.4-inlineSpecifiers' (here pnpm's own lockfile): package keys "/name/1.0.0_peer"
    as in 5.x, importers {specifier, version} as in 6.0. The version is read by the number it starts with."""
    import yaml

    path = LOCKFILES / "pnpm-5.4-inlineSpecifiers-pnpm-lock.yaml"
    raw = yaml.load(path.read_text(), Loader=yaml.CSafeLoader)
    assert raw["lockfileVersion"] == "5.4-inlineSpecifiers"
    expected = set()
    for key, package in raw["packages"].items():
        if "name" in package:  # a git or tarball package says what it is
            expected.add((package["name"], str(package["version"])))
        else:
            name, _, version = key[1:].rpartition("/")
            expected.add((name, version.split("_", 1)[0]))
    parsed = pnpm_lock.parse(path.read_bytes())
    assert {(c.name, c.version) for c in parsed.components} == expected and len(expected) == 1545
    assert parsed.warnings == []
    direct = {(c.name, c.version) for c in parsed.components if c.direct}
    for importer in raw["importers"].values():
        for section in ("dependencies", "devDependencies", "optionalDependencies"):
            for name, pair in (importer.get(section) or {}).items():
                if pair["version"][0].isdigit():  # a release (not a folder's link:, an alias's /key, a git path)
                    assert (name, pair["version"].split("_", 1)[0]) in direct


def test_a_package_key_of_another_registry_is_the_package_after_the_registrys_host() -> None:
    """osv-scalibr's exotic keys: "registry.npmjs.org/@foo/bar/1.1.0", "example.com/foo/1.3.0_bar@2.0.0" are @foo/bar
    1.1.0 and foo 1.3.0 (osv-scalibr expects these seven); a git host path and "/foo/bar" name no version."""
    parsed = pnpm_lock.parse((LOCKFILES / "osv-scalibr-exotic-pnpm-lock.yaml").read_bytes())
    assert [(c.name, c.version) for c in parsed.components] == [
        ("foo", "1.0.0"), ("@foo/bar", "1.0.0"), ("foo", "1.1.0"), ("@foo/bar", "1.1.0"), ("foo", "1.2.0"),
        ("foo", "1.3.0"), ("foo", "1.4.0")]
    assert [warning.split("]", 1)[0] for warning in parsed.warnings if warning.endswith("skipped")] == [
        "packages['github.com/kevva/is-positive'", "packages['/foo/bar'"]


def test_each_package_key_is_read_by_its_own_shape_whatever_the_lockfile_version_says() -> None:
    """dependabot's peer_disambiguation fixture says 5.4 but keys most packages "/name@1.0.0" (the 6.0 shape) and the
    peer-resolved ones "/name/1.0.0_peer@1.0.0" (the 5.x shape): every one of its 122 packages is a component."""
    import yaml

    path = LOCKFILES / "dependabot-peer_disambiguation-pnpm-lock.yaml"
    raw = yaml.safe_load(path.read_text())
    assert raw["lockfileVersion"] == 5.4
    assert any("_" in key for key in raw["packages"]) and any(key.rfind("@") > 0 for key in raw["packages"])
    parsed = pnpm_lock.parse(path.read_bytes())
    assert len(parsed.components) == len(raw["packages"]) == 122 and parsed.warnings == []
    assert {c.name for c in parsed.components if c.direct} == set(raw["devDependencies"])
    assert {c.scope for c in parsed.components} == {"dev"}
    assert all(c.parents for c in parsed.components if not c.direct)


def test_a_package_from_git_or_a_tarball_outside_a_registry_keeps_its_version_and_where_it_came_from() -> None:
    """As in package-lock.json and yarn.lock v1: the repository at its commit (git) or the tarball (codeload, a URL)
    is the package's repository_url, so it does not pass for the registry's release of that version."""
    import yaml

    for file_name in ("pnpm-with-git-protocol-dep-pnpm-lock.yaml", "pnpm-with-non-package-dep-pnpm-lock.yaml",
                      "osv-scalibr-commits-pnpm-lock.yaml"):
        path = LOCKFILES / file_name
        raw = yaml.safe_load(path.read_text())
        found = by_key(pnpm_lock.parse(path.read_bytes()).components)
        assert len(found) == len(raw["packages"])
        for key, package in raw["packages"].items():
            resolution = package["resolution"]
            origin = (f"{resolution['repo']}#{resolution['commit']}" if resolution.get("type") == "git"
                      else resolution["tarball"])
            component = found[(package.get("name", key.split("@", 1)[0]), str(package["version"]))]
            assert component.repository_url == origin, key
