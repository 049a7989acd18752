"""poetry.lock: every [[package]] is a component; parents from [package.dependencies]."""

from __future__ import annotations

import tomllib

import pytest

from app.inventory.importers import parse_file, poetry_lock
from tests.helpers import DATA, REALWORLD
from tests.inventory.importers.checks import by_name

REAL = REALWORLD / "lockfiles" / "poetry-poetry.lock"
LOCKFILES = DATA / "realworld" / "lockfiles"


def test_every_package_table_is_a_component():
    expected = len(tomllib.loads(REAL.read_text())["package"])
    parsed = poetry_lock.parse(REAL.read_bytes())
    assert len(parsed.components) == expected == 78


def test_spot_check_anyio():
    anyio = by_name(poetry_lock.parse(REAL.read_bytes()))["anyio"]
    assert anyio.version == "4.13.0"
    assert anyio.purl == "pkg:pypi/anyio@4.13.0"
    assert anyio.direct is None  # a lock file alone does not name the project's own requests
    assert anyio.scope == "runtime"
    assert "sha256:08b310f9e24a9594186fd75b4f73f4a4152069e3853f1ed8bfbf58369f4ad708" in anyio.hashes


def test_parents_come_from_other_packages_dependency_tables():
    components = by_name(poetry_lock.parse(REAL.read_bytes()))
    assert "pkg:pypi/httpx@0.28.1" in components["anyio"].parents
    # cachecontrol declares "msgpack" and "requests" as dependencies
    assert components["cachecontrol"].purl in components["msgpack"].parents


def test_groups_decide_the_scope():
    data = tomllib.loads(REAL.read_text())
    dev_only = next(item["name"] for item in data["package"] if "main" not in item.get("groups", ["main"]))
    assert by_name(poetry_lock.parse(REAL.read_bytes()))[dev_only].scope == "dev"


def test_a_lock_from_poetry_1_8_has_no_groups_so_the_import_says_dev_packages_are_listed_as_runtime():
    """python-poetry/poetry's own poetry.lock from Poetry 1.8.5 (lock-version 2.0): no category, no groups."""
    lock = DATA / "realworld" / "lockfiles" / "poetry-1.8-poetry.lock"
    data = tomllib.loads(lock.read_text())
    parsed = poetry_lock.parse(lock.read_bytes())
    assert len(parsed.components) == len(data["package"]) == 68
    assert {component.scope for component in parsed.components} == {"runtime"}
    assert parsed.warnings == ["this poetry.lock (lock-version 2.0) does not record which packages are dev-only "
                               "(Poetry 1.5 to 1.8 wrote no category or groups): they are listed as runtime"]


def test_a_lock_with_groups_or_categories_gives_no_scope_warning():
    assert poetry_lock.parse(REAL.read_bytes()).warnings == []
    assert poetry_lock.parse(b'[[package]]\nname = "a"\nversion = "1"\ncategory = "main"\n').warnings == []


def test_git_source_is_the_repository_url_with_the_locked_commit() -> None:
    components = by_name(poetry_lock.parse(REAL.read_bytes()))
    assert components["poetry-core"].repository_url == (
        "https://github.com/python-poetry/poetry-core.git#e3998b0e111dc03e4aa721fd054c48e5c7de6fc5")


def test_legacy_category_and_optional_flags():
    content = b"""
[[package]]
name = "pytest"
version = "7.0.0"
category = "dev"
optional = false

[[package]]
name = "PySocks"
version = "1.7.1"
category = "main"
optional = true
"""
    components = by_name(poetry_lock.parse(content))
    assert components["pytest"].scope == "dev"
    assert components["PySocks"].scope == "optional"
    assert components["PySocks"].purl == "pkg:pypi/pysocks@1.7.1"


def test_empty_lock_gives_no_components():
    assert poetry_lock.parse(b"").components == []


def test_a_directory_source_is_the_projects_own_code_not_a_component() -> None:
    """dependabot-core's dir_dependency.lock: toml 0.10.0 from [package.source] type = "directory", url = "../toml"."""
    path = LOCKFILES / "dependabot-dir_dependency-poetry.lock"
    packages = tomllib.loads(path.read_text())["package"]
    folders = {p["name"]: p["source"]["url"] for p in packages if p.get("source", {}).get("type") == "directory"}
    assert folders == {"toml": "../toml"}
    parsed = parse_file("poetry.lock", path.read_bytes())
    assert {c.name for c in parsed.components} == {p["name"] for p in packages} - set(folders)
    assert len(parsed.components) == len(packages) - 1 == 12
    assert any("toml at ../toml" in warning and "own code" in warning for warning in parsed.warnings)


@pytest.mark.parametrize("name", ["dependabot-url_dependency-poetry.lock", "dependabot-file_dependency-poetry.lock"])
def test_a_url_or_archive_source_keeps_where_the_package_came_from(name: str) -> None:
    """url_dependency.lock: toml from a GitHub tag archive; file_dependency.lock: toml from toml-8.2.54.tar.gz."""
    path = LOCKFILES / name
    (package,) = [p for p in tomllib.loads(path.read_text())["package"] if "source" in p]
    assert package["source"]["type"] in ("url", "file")
    component = by_name(parse_file("poetry.lock", path.read_bytes()))[package["name"]]
    assert component.repository_url == package["source"]["url"]
    assert component.purl == f"pkg:pypi/{package['name']}@{package['version']}"


def test_a_git_source_keeps_the_repository_and_the_locked_commit() -> None:
    """osv-scalibr's source-git.lock: ike from https://github.com/dzshn/ike, branch main, commit cd66602."""
    path = LOCKFILES / "osv-scalibr-source-git-poetry.lock"
    (package,) = tomllib.loads(path.read_text())["package"]
    (component,) = parse_file("poetry.lock", path.read_bytes()).components
    assert component.repository_url == f"{package['source']['url']}#{package['source']['resolved_reference']}"
    assert component.repository_url == "https://github.com/dzshn/ike#cd66602cd29f61a2d2e7fb995fef1e61708c034d"
    assert (component.name, component.version) == ("ike", "0.2.0")
