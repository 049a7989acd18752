"""pyproject.toml: PEP 621 dependencies, optional-dependencies, dependency groups, Poetry tables."""

from __future__ import annotations

import tomllib

import pytest

from app.inventory.importers import parse_file, pyproject_toml
from tests.helpers import DATA, REALWORLD
from tests.inventory.importers.checks import by_name, refused
from tests.inventory.realworld import pep503, pyproject_names

FLASK = REALWORLD / "lockfiles" / "flask-pyproject.toml"
POETRY = REALWORLD / "lockfiles" / "poetry-pyproject.toml"
LOCKFILES = DATA / "realworld" / "lockfiles"


@pytest.mark.parametrize("path", [FLASK, POETRY])
def test_every_declared_package_is_one_component(path):
    parsed = pyproject_toml.parse(path.read_bytes())
    names = {pep503(component.name) for component in parsed.components}
    assert names == pyproject_names(path)
    assert len(parsed.components) == len(names)


def test_pep621_scopes_runtime_optional_and_dev_groups():
    components = by_name(pyproject_toml.parse(FLASK.read_bytes()))
    assert components["werkzeug"].scope == "runtime"
    assert components["werkzeug"].direct is True
    assert components["asgiref"].scope == "optional"
    assert components["pytest"].scope == "dev"
    assert components["ruff"].purl == "pkg:pypi/ruff"


def test_a_package_in_an_extra_and_a_dev_group_keeps_the_wider_scope():
    components = by_name(pyproject_toml.parse(FLASK.read_bytes()))
    assert components["python-dotenv"].scope == "optional"


def test_ranges_give_no_exact_version_and_one_warning():
    parsed = pyproject_toml.parse(FLASK.read_bytes())
    assert by_name(parsed)["blinker"].version == ""
    assert len(parsed.warnings) == 1


def test_poetry_groups_are_dev_and_direct_url_keeps_the_repository():
    components = by_name(pyproject_toml.parse(POETRY.read_bytes()))
    assert components["pytest-xdist"].scope == "dev"
    assert components["mypy"].scope == "dev"
    assert components["poetry-core"].repository_url == "git+https://github.com/python-poetry/poetry-core.git"
    assert components["dulwich"].scope == "runtime"  # runtime in [project] beats the test group


def test_exact_pins_give_versions_in_pep621_and_poetry_syntax():
    content = b"""
[project]
dependencies = ["Requests==2.32.3", "attrs===23.1.0", "idna==3.*"]
[tool.poetry.dependencies]
python = "^3.11"
pydantic = "2.9.2"
rich = {version = "==13.9.4", optional = true}
typer = "^0.12"
"""
    components = by_name(pyproject_toml.parse(content))
    assert components["Requests"].version == "2.32.3"
    assert components["Requests"].purl == "pkg:pypi/requests@2.32.3"
    assert components["attrs"].version == "23.1.0"
    assert components["idna"].version == ""
    assert components["pydantic"].version == "2.9.2"
    assert components["rich"].version == "13.9.4"
    assert components["rich"].scope == "optional"
    assert components["typer"].version == ""
    assert "python" not in components


def test_a_manifest_without_dependencies_gives_no_components():
    assert pyproject_toml.parse(b'[project]\nname = "x"\n').components == []
    assert pyproject_toml.parse(b"").components == []


def test_dynamic_dependencies_are_not_in_the_file_and_the_import_says_so():
    """pydantic-ai-slim: dynamic = ["version", "dependencies", "optional-dependencies"] (hatchling fills them in)."""
    parsed = pyproject_toml.parse((DATA / "realworld" / "lockfiles" / "pydantic-ai-slim-pyproject.toml").read_bytes())
    assert parsed.components == []
    assert parsed.warnings == [
        "project.dependencies and project.optional-dependencies are dynamic (marked in project.dynamic, filled in by "
        "the build backend): this file does not list them; import the lock file or an SBOM of the build"]


def test_a_dynamic_version_alone_gives_no_warning():
    content = b'[project]\nname = "x"\ndynamic = ["version"]\ndependencies = ["a==1"]\n'
    assert pyproject_toml.parse(content).warnings == []


def test_a_toml_syntax_error_names_the_line():
    error = refused(pyproject_toml, b'[project]\nname = "x"\ndependencies = [\n  "a",\n  = \n')
    assert error.line is not None
    assert "line" in str(error)


@pytest.mark.parametrize("name", ["cdxgen-pyproject_uv-workspace-pyproject.toml", "uv-pyx-workspace-pyproject.toml"])
def test_uv_workspace_members_are_the_projects_own_code_not_components(name: str) -> None:
    """[tool.uv.sources] name = { workspace = true }: the package is a member of the project's own workspace."""
    path = LOCKFILES / name
    data = tomllib.loads(path.read_text())
    members = {pep503(key) for key, source in data["tool"]["uv"]["sources"].items() if source.get("workspace")}
    declared_members = pyproject_names(path) & members
    assert declared_members  # my-lib; pyx-member-33 (the only member of 37 the dev group names)
    parsed = parse_file("pyproject.toml", path.read_bytes())
    assert {pep503(c.name) for c in parsed.components} == pyproject_names(path) - members
    (warning,) = [w for w in parsed.warnings if "workspace" in w]
    assert all(member in warning for member in declared_members)
    assert f"{len(declared_members)} package(s)" in warning


def test_a_poetry_path_dependency_to_a_folder_is_the_projects_own_code_not_a_component() -> None:
    """dependabot-core's dir_dependency: toml = { path = "../toml" } next to pytest = "*"."""
    path = LOCKFILES / "dependabot-dir_dependency-pyproject.toml"
    poetry = tomllib.loads(path.read_text())["tool"]["poetry"]["dependencies"]
    folders = {name for name, spec in poetry.items() if isinstance(spec, dict) and "path" in spec}
    assert folders == {"toml"}
    parsed = parse_file("pyproject.toml", path.read_bytes())
    assert {c.name for c in parsed.components} == set(poetry) - folders - {"python"} == {"pytest"}
    assert any("toml" in warning and "own code" in warning for warning in parsed.warnings)


def test_poetry_alternatives_per_python_or_platform_give_no_version_unless_all_pin_it_and_keep_every_range() -> None:
    """Rasa's pyproject.toml: numpy is >=1.19.2,<1.22.0 on Python 3.7, >=1.19.2,<1.25.0 on 3.8-3.10 and 1.22.3 on
    Windows with Python 3.10, as a list of constraints; no single version applies to the project."""
    path = LOCKFILES / "cdxgen-pyproject-author-comma-pyproject.toml"
    dependencies = tomllib.loads(path.read_text())["tool"]["poetry"]["dependencies"]
    lists = {name: [item["version"] for item in spec] for name, spec in dependencies.items() if isinstance(spec, list)}
    varied = {name: versions for name, versions in lists.items() if len(set(versions)) > 1}
    assert set(varied) == {"tensorflow-io-gcs-filesystem", "dask", "numpy", "scipy", "scikit-learn", "spacy"}
    parsed = parse_file("pyproject.toml", path.read_bytes())
    components = by_name(parsed)
    for name, versions in varied.items():
        assert components[name].version == ""
        assert components[name].purl == f"pkg:pypi/{pep503(name)}"
        assert components[name].declared == " || ".join(dict.fromkeys(versions))
    assert components["numpy"].declared == ">=1.19.2,<1.22.0 || >=1.19.2,<1.25.0 || 1.22.3"
    assert components["pydantic"].declared == lists["pydantic"][0]  # a list of one is that one constraint
    (warning,) = [w for w in parsed.warnings if "per Python version or platform" in w]
    assert all(name in warning for name in varied)


def test_a_pep508_direct_reference_to_a_folder_is_the_projects_own_code_not_a_component() -> None:
    """uv's root_editable test package: `black @ {root:uri}/../black_editable` (hatch's context formatting) installs a
    folder beside the project, its own code, not the black of PyPI."""
    path = LOCKFILES / "uv-root_editable-pyproject.toml"
    assert tomllib.loads(path.read_text())["project"]["dependencies"] == ["black @ {root:uri}/../black_editable"]
    parsed = parse_file("pyproject.toml", path.read_bytes())
    assert parsed.components == []
    (warning,) = parsed.warnings
    assert "1 package(s) installed from folders of the project" in warning and "black" in warning


def test_file_urls_of_folders_are_skipped_and_of_archives_kept_with_their_version_and_origin() -> None:
    content = (b'[project]\nname = "app"\nversion = "1"\ndependencies = [\n'
               b'  "sub @ file:./packages/sub",\n  "mine @ file:///srv/src/mine",\n'
               b'  "wheelie @ file:///srv/dist/wheelie-2.0.1-py3-none-any.whl",\n  "requests>=2",\n]\n')
    parsed = parse_file("pyproject.toml", content)
    assert [(c.name, c.version, c.purl, c.repository_url, c.declared) for c in parsed.components] == [
        ("wheelie", "2.0.1", "pkg:pypi/wheelie@2.0.1", "file:///srv/dist/wheelie-2.0.1-py3-none-any.whl", ""),
        ("requests", "", "pkg:pypi/requests", "", ">=2"),
    ]
    assert any("2 package(s) installed from folders of the project" in w and "mine, sub" in w for w in parsed.warnings)
