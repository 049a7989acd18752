"""bower.json: direct dependencies with Bower endpoints, purl type bower."""

from __future__ import annotations

from pathlib import Path

from app.inventory.importers import bower_json

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "inventory" / "javascript" / "bower.json"


def test_sample_lists_runtime_and_dev_dependencies_as_direct() -> None:
    parsed = bower_json.parse(SAMPLE.read_bytes())
    assert parsed.format == "bower.json"
    assert len(parsed.components) == 6
    assert all(c.direct is True for c in parsed.components)
    scopes = {c.name: c.scope for c in parsed.components}
    assert scopes["jasmine-core"] == "dev"
    assert scopes["angular"] == "runtime"


def test_exact_versions_enter_the_bower_purl_and_ranges_do_not() -> None:
    found = {(c.name, c.version): c for c in bower_json.parse(SAMPLE.read_bytes()).components}
    assert found[("angular", "1.8.2")].purl == "pkg:bower/angular@1.8.2"
    assert found[("jquery", "")].purl == "pkg:bower/jquery"
    assert found[("jquery", "")].declared == "~3.6.0"
    assert found[("angular", "1.8.2")].ecosystem == "bower"


def test_a_registry_endpoint_under_a_local_name_uses_the_real_package() -> None:
    found = {(c.name, c.version) for c in bower_json.parse(SAMPLE.read_bytes()).components}
    assert ("jquery", "1.12.4") in found  # "jquery-legacy": "jquery#1.12.4"
    assert not any(name == "jquery-legacy" for name, _ in found)


def test_a_github_shorthand_keeps_its_source_as_repository() -> None:
    found = {c.name: c for c in bower_json.parse(SAMPLE.read_bytes()).components}
    assert found["moment"].version == "2.29.4"
    assert found["moment"].repository_url == "moment/moment"


def test_a_bare_git_url_has_no_version() -> None:
    content = b'{"dependencies": {"widget": "https://git.example/widget.git"}}'
    (component,) = bower_json.parse(content).components
    assert component.version == ""
    assert component.repository_url == "https://git.example/widget.git"
    assert component.purl == "pkg:bower/widget"
