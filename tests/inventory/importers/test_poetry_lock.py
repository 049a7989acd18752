"""poetry.lock: every [[package]] is a component; parents from [package.dependencies]."""

from __future__ import annotations

import tomllib

from app.inventory.importers import poetry_lock
from tests.helpers import DATA, REALWORLD
from tests.inventory.importers.checks import by_name

REAL = REALWORLD / "lockfiles" / "poetry-poetry.lock"


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


def test_git_source_is_the_repository_url():
    components = by_name(poetry_lock.parse(REAL.read_bytes()))
    assert components["poetry-core"].repository_url == "https://github.com/python-poetry/poetry-core.git"


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
