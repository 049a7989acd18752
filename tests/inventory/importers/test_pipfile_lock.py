"""Pipfile.lock: default is runtime, develop is dev, direct unknown."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.inventory.importers import parse_file, pipfile_lock
from app.inventory.importers.base import ImporterError
from tests.inventory.importers.checks import by_name

SAMPLE = Path(__file__).parents[2] / "data" / "inventory" / "python" / "Pipfile.lock"
PATH_DEPENDENCY = Path(__file__).parents[2] / "data" / "realworld" / "lockfiles" / "dependabot-path_dependency-Pipfile.lock"


def test_every_distinct_package_of_both_sections_is_a_component():
    data = json.loads(SAMPLE.read_text())
    expected = len({name.lower() for section in ("default", "develop") for name in data[section]})
    assert len(pipfile_lock.parse(SAMPLE.read_bytes()).components) == expected == 4


def test_sections_give_the_scope_and_runtime_wins_for_a_package_in_both():
    components = by_name(pipfile_lock.parse(SAMPLE.read_bytes()))
    assert components["flask"].scope == "runtime"
    assert components["pytest"].scope == "dev"
    assert components["Werkzeug"].scope == "runtime"
    assert "werkzeug" not in components


def test_versions_hashes_purl_and_unknown_direct():
    flask = by_name(pipfile_lock.parse(SAMPLE.read_bytes()))["flask"]
    assert flask.version == "3.0.3"
    assert flask.purl == "pkg:pypi/flask@3.0.3"
    assert len(flask.hashes) == 2
    assert flask.direct is None


def test_a_git_entry_has_no_version_and_keeps_its_url_at_the_locked_ref():
    parsed = pipfile_lock.parse(SAMPLE.read_bytes())
    internal = by_name(parsed)["internal-lib"]
    assert internal.version == ""
    assert internal.repository_url == (
        "https://git.example.com/acme/internal-lib.git#9f1c2b7e5d3a4c6b8e0f1a2b3c4d5e6f7a8b9c0d")
    assert any("internal-lib" in warning for warning in parsed.warnings)


GIT_SOURCE = Path(__file__).parents[2] / "data" / "realworld" / "lockfiles" / "dependabot-git_source-Pipfile.lock"


def test_a_git_entry_keeps_its_repository_at_the_locked_commit_as_poetry_lock_does():
    """dependabot's git_source.lock: `"pythonfinder": {"git": "https://github.com/sarugaku/pythonfinder.git", "ref":
    "e63ef43..."}` is the repository at that commit (`url#ref`, as a poetry.lock git source reads), not the repository
    at whatever its default branch holds."""
    data = json.loads(GIT_SOURCE.read_text())
    git = data["default"]["pythonfinder"]
    parsed = parse_file("Pipfile.lock", GIT_SOURCE.read_bytes())
    assert len(parsed.components) == len(data["default"]) + len(data["develop"]) == 6
    pythonfinder = by_name(parsed)["pythonfinder"]
    assert pythonfinder.repository_url == f"{git['git']}#{git['ref']}"
    assert pythonfinder.repository_url.endswith("#e63ef4351b3a2757c374cd1b828a1adef87bb15e")
    assert all(c.repository_url == "" for c in parsed.components if c.name != "pythonfinder")


def test_a_git_entry_without_a_ref_keeps_its_url_alone() -> None:
    content = json.dumps({"_meta": {"pipfile-spec": 6}, "default": {
        "lib": {"git": "https://github.com/acme/lib.git", "editable": True}}, "develop": {}}).encode()
    (lib,) = pipfile_lock.parse(content).components
    assert lib.repository_url == "https://github.com/acme/lib.git"


def test_empty_sections_give_no_components_but_no_sections_is_an_error():
    assert pipfile_lock.parse(b'{"_meta": {}, "default": {}, "develop": {}}').components == []
    with pytest.raises(ImporterError):
        pipfile_lock.parse(b"{}")


def test_a_package_in_both_sections_at_two_versions_keeps_the_develop_version() -> None:
    content = json.dumps({"_meta": {"pipfile-spec": 6}, "default": {"urllib3": {"version": "==1.26.18"}},
                          "develop": {"urllib3": {"version": "==2.2.1"}, "pytest": {"version": "==8.1.1"}}}).encode()
    found = {(c.name, c.version): c.scope for c in pipfile_lock.parse(content).components}
    assert found == {("urllib3", "1.26.18"): "runtime", ("urllib3", "2.2.1"): "dev", ("pytest", "8.1.1"): "dev"}


def test_a_path_entry_to_a_folder_is_the_projects_own_code_not_a_component() -> None:
    """dependabot-core's path_dependency.lock: "e1839a8": {"editable": true, "path": "."} is the project itself."""
    data = json.loads(PATH_DEPENDENCY.read_text())
    folders = {name for section in ("default", "develop") for name, entry in data[section].items() if "path" in entry}
    assert folders == {"e1839a8"}
    parsed = parse_file("Pipfile.lock", PATH_DEPENDENCY.read_bytes())
    names = {name for section in ("default", "develop") for name in data[section]}
    assert {c.name for c in parsed.components} == names - folders
    assert all(c.version for c in parsed.components)
    assert parsed.warnings == ["1 package(s) installed from folders of the project (path entries: default.e1839a8 at .) "
                               "are the project's own code, not components"]
