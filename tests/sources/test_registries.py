"""Reading registry answers: recorded PyPI JSON API documents and npm packuments, and answers that are not."""

from __future__ import annotations

import json

import pytest

from app.sources import registries
from tests.sources.mirror import DATA


def pypi(name: str) -> bytes:
    return (DATA / "pypi" / f"{name}.json").read_bytes()


def npm(name: str) -> bytes:
    return (DATA / "npm" / f"{name}.json").read_bytes()


@pytest.mark.parametrize(("name", "licence", "field", "repository"), [
    ("flask", "BSD-3-Clause", "license_expression", "https://github.com/pallets/flask"),  # PEP 639
    ("poetry-core", "MIT", "license_expression", "https://github.com/python-poetry/poetry-core"),
    ("requests", "Apache-2.0", "license", "https://github.com/psf/requests"),  # a valid SPDX id in `license`
    ("six", "MIT", "license", "https://github.com/benjaminp/six"),
])
def test_pypi_declared_licence_and_repository(name, licence, field, repository):
    facts = registries.parse_pypi(pypi(name))
    assert (facts.licence, facts.licence_field, facts.repository_url) == (licence, field, repository)
    assert facts.licence_version == facts.latest_version == json.loads(pypi(name))["info"]["version"]


def test_pypi_release_history_counts_every_version_with_files_and_its_first_upload():
    raw = json.loads(pypi("requests"))
    with_files = {version: files for version, files in raw["releases"].items() if files}
    facts = registries.parse_pypi(pypi("requests"))
    assert len(facts.releases) == len(with_files)
    first = min(min(f["upload_time_iso_8601"] for f in files) for files in with_files.values())
    assert facts.releases[0][1] == first.replace("Z", "").split(".")[0]
    assert set(facts.yanked) == {v for v, files in with_files.items() if all(f["yanked"] for f in files)}
    assert "2.32.0" in facts.yanked


def test_a_licence_classifier_is_used_when_license_is_free_text():
    doc = json.loads(pypi("six"))
    doc["info"]["license"] = "The MIT license, see LICENSE"
    doc["info"]["classifiers"] = ["License :: OSI Approved :: MIT License"]
    facts = registries.parse_pypi(json.dumps(doc).encode())
    assert (facts.licence, facts.licence_field) == ("MIT", "classifiers")


def test_free_text_without_classifier_is_kept_as_written_and_nothing_declared_is_empty():
    doc = json.loads(pypi("six"))
    doc["info"].update(license="Proprietary, ask us", classifiers=[], license_expression=None)
    assert registries.parse_pypi(json.dumps(doc).encode()).licence == "Proprietary, ask us"
    doc["info"].update(license="", classifiers=[])
    facts = registries.parse_pypi(json.dumps(doc).encode())
    assert (facts.licence, facts.licence_field, facts.licence_version) == ("", "", "")


def test_npm_licence_of_the_version_in_use_and_the_repository_from_its_manifest():
    facts = registries.parse_npm(npm("left-pad"), "1.3.0")
    assert (facts.licence, facts.licence_field, facts.licence_version) == ("WTFPL", "versions[1.3.0].license", "1.3.0")
    assert facts.repository_url == "https://github.com/stevemao/left-pad"
    assert facts.latest_version == "1.3.0"
    assert len(facts.releases) == len(json.loads(npm("left-pad"))["versions"])
    merge = registries.parse_npm(npm("lodash.merge"))
    assert (merge.licence, merge.repository_url) == ("MIT", "https://github.com/lodash/lodash")


@pytest.mark.parametrize(("body", "message"), [
    (b"<html>Service Unavailable</html>", "not JSON"),
    (b"[1, 2]", "not a JSON object"),
    (b'{"message": "Not Found"}', "not a PyPI JSON API project document"),
])
def test_an_answer_that_is_not_the_documented_json_is_refused_clearly(body, message):
    with pytest.raises(registries.RegistryFormatError, match=message):
        registries.parse_pypi(body)


def test_npm_document_without_versions_is_refused():
    with pytest.raises(registries.RegistryFormatError, match="not an npm packument"):
        registries.parse_npm(b'{"error": "not found"}')


@pytest.mark.parametrize(("url", "clean"), [
    ("git+https://github.com/pallets/flask.git", "https://github.com/pallets/flask"),
    ("git@github.com:stevemao/left-pad.git", "https://github.com/stevemao/left-pad"),
    ("git://github.com/a/b.git", "https://github.com/a/b"),
    ("expressjs/express", "https://github.com/expressjs/express"),
    ("gitlab:group/project", "https://gitlab.com/group/project"),
])
def test_repository_urls_are_made_browsable(url, clean):
    assert registries.clean_repository_url(url) == clean


def test_names_and_urls_follow_each_registry():
    assert registries.normalise_name("pypi", "Poetry_Core") == "poetry-core"
    assert registries.package_url("pypi", "https://mirror.example/pypi/", "Poetry_Core") == "https://mirror.example/pypi/poetry-core/json"
    assert registries.package_url("npm", "https://registry.npmjs.org", "@types/node") == "https://registry.npmjs.org/@types%2Fnode"


def test_absurd_nesting_is_refused_not_a_crash():
    with pytest.raises(registries.RegistryFormatError, match="not JSON"):
        registries.parse_pypi(b"[" * 200_000 + b"]" * 200_000)
