"""uv.lock: the editable/virtual project is the root; its dependencies are direct."""

from __future__ import annotations

import tomllib
from pathlib import Path

from app.inventory.importers import uv_lock
from tests.inventory.importers.checks import by_name

SAMPLE = Path(__file__).parents[2] / "data" / "inventory" / "python" / "uv.lock"


def test_every_package_except_the_project_is_a_component():
    packages = tomllib.loads(SAMPLE.read_text())["package"]
    expected = sum(1 for item in packages if "editable" not in item["source"] and "virtual" not in item["source"])
    parsed = uv_lock.parse(SAMPLE.read_bytes())
    assert len(parsed.components) == expected == 11
    assert "demo-device-service" not in by_name(parsed)


def test_the_projects_dependencies_are_direct_with_their_scope():
    components = by_name(uv_lock.parse(SAMPLE.read_bytes()))
    assert (components["requests"].direct, components["requests"].scope) == (True, "runtime")
    assert (components["pysocks"].direct, components["pysocks"].scope) == (True, "optional")
    assert (components["pytest"].direct, components["pytest"].scope) == (True, "dev")


def test_transitive_packages_inherit_the_scope_of_what_pulls_them_in():
    components = by_name(uv_lock.parse(SAMPLE.read_bytes()))
    assert (components["urllib3"].direct, components["urllib3"].scope) == (False, "runtime")
    assert (components["pluggy"].direct, components["pluggy"].scope) == (False, "dev")
    assert components["pluggy"].parents == ("pkg:pypi/pytest@8.3.3",)


def test_purl_and_hashes():
    certifi = by_name(uv_lock.parse(SAMPLE.read_bytes()))["certifi"]
    assert certifi.purl == "pkg:pypi/certifi@2024.8.30"
    assert "sha256:bec941d2aa8195e248a60b31ff9f0558284cf01a52591ceda73ea9afffd69fd9" in certifi.hashes


def test_two_versions_of_one_name_are_told_apart():
    content = b"""
version = 1
[[package]]
name = "app"
version = "0.1.0"
source = { virtual = "." }
dependencies = [{ name = "numpy", version = "2.1.0", source = { registry = "https://pypi.org/simple" } }]

[[package]]
name = "numpy"
version = "1.26.4"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "numpy"
version = "2.1.0"
source = { registry = "https://pypi.org/simple" }
"""
    parsed = uv_lock.parse(content)
    flags = {component.version: component.direct for component in parsed.components}
    assert flags == {"1.26.4": False, "2.1.0": True}


def test_without_a_project_direct_is_unknown():
    parsed = uv_lock.parse(b'version = 1\n[[package]]\nname = "a"\nversion = "1.0"\nsource = { registry = "x" }\n')
    assert parsed.components[0].direct is None
    assert parsed.warnings


def test_empty_lock_gives_no_components():
    assert uv_lock.parse(b"version = 1\n").components == []
