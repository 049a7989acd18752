"""pyproject.toml manifests (PEP 621, PEP 735 dependency groups, Poetry) through tomllib + packaging.

A manifest lists what the project asks for, so every entry is direct; versions are exact only
when the manifest pins one. A package named twice keeps one record with the widest scope. Dependencies the
manifest marks dynamic are not in it: the import says so. A package the project takes from its own workspace or
from one of its folders is the project's own code, not a component.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.version import InvalidVersion, Version

from app.inventory.importers._common import (
    filename_of,
    guarded,
    load_toml,
    require_mapping,
    toml_document,
    version_of_url,
    wider_scope,
)
from app.inventory.importers._python import exact_version, is_folder, is_project_folder, pypi_name, pypi_purl
from app.inventory.importers.base import ComponentRecord, ImporterError, ParsedFile

FORMAT = "pyproject.toml"


def claims(content: bytes) -> bool:
    """TOML with a PEP 621 [project] table or a [tool.poetry] table."""
    document = toml_document(content)
    if document is None:
        return False
    tool = document.get("tool")
    return isinstance(document.get("project"), dict) or (isinstance(tool, dict) and isinstance(tool.get("poetry"), dict))


def named(filename: str) -> bool:
    """pyproject.toml (any prefix, e.g. flask-pyproject.toml)."""
    return filename_of(filename).endswith("pyproject.toml")


@dataclass
class _Entry:
    name: str
    version: str
    scope: str
    repository_url: str = ""
    sources: list[str] = field(default_factory=list)
    declared: str = ""


class _Collector:
    """Collects declarations in file order, merging a package declared in several places."""

    def __init__(self) -> None:
        self.entries: dict[str, _Entry] = {}
        self.folders: dict[str, str] = {}  # packages installed from folders of the project: normalised -> as written
        self.varied: list[str] = []  # Poetry dependencies whose alternatives (per Python or platform) differ

    def add(self, name: str, version: str, scope: str, where: str, repository_url: str = "",
            declared: str = "") -> None:
        key = pypi_name(name)
        entry = self.entries.get(key)
        if entry is None:
            self.entries[key] = _Entry(name, version, scope, repository_url, [where], declared)
            return
        entry.scope = wider_scope(entry.scope, scope)
        entry.version = entry.version or version
        entry.declared = entry.declared or declared
        entry.repository_url = entry.repository_url or repository_url
        entry.sources.append(where)


def _pep508(collector: _Collector, items: object, scope: str, where: str) -> None:
    if not isinstance(items, list):
        raise ImporterError(f"{FORMAT}: expected an array of requirement strings", field=where)
    for index, item in enumerate(items):
        if isinstance(item, dict):
            continue  # {include-group = "..."} (PEP 735): the included group is read on its own.
        if not isinstance(item, str):
            raise ImporterError(f"{FORMAT}: expected a requirement string", field=f"{where}[{index}]")
        try:
            requirement = Requirement(item)
        except InvalidRequirement as error:
            raise ImporterError(
                f"{FORMAT}: invalid requirement {item!r}: {str(error).splitlines()[0]}",
                field=f"{where}[{index}]",
            ) from error
        url = requirement.url or ""
        if is_project_folder(url):  # `name @ file:./lib`, `name @ {root:uri}/lib` (hatch): the project's own code
            collector.folders.setdefault(pypi_name(requirement.name), requirement.name)
            continue
        # A direct reference to a distribution archive pins the version its file name gives (name-1.2.3-py3-...whl).
        version = exact_version(requirement.specifier) or (version_of_url(url) if url else "")
        collector.add(requirement.name, version, scope, where, url,
                      "" if version else str(requirement.specifier) or url or "*")


def _poetry_exact(constraint: str) -> str:
    # In Poetry a bare version ("1.2.3") or "==1.2.3" is an exact pin; "^", "~", ranges are not.
    text = constraint.strip()
    if text.startswith("=="):
        text = text[2:].strip()
    if not text or any(char in text for char in "^~<>=!*, |"):
        return ""
    try:
        Version(text)
    except InvalidVersion:
        return ""
    return text


def _poetry(collector: _Collector, table: object, scope: str, where: str) -> None:
    """A list of constraints (one per Python version or platform) gets an exact version only when every alternative
    pins the same one; its declared range lists them all. A path to a folder is the project's own code."""
    for name, spec in require_mapping(table, FORMAT, where).items():
        if name.lower() == "python":
            continue  # the interpreter constraint, not a package
        specs = spec if isinstance(spec, list) else [spec]
        alternatives: list[str] = []  # the version constraint of each alternative ("" for a git, url or path one)
        url, optional, folder = "", True, False
        for item in specs:
            if isinstance(item, str):
                alternatives.append(item.strip())
                optional = False
            elif isinstance(item, dict):
                path = item.get("path")
                if isinstance(path, str) and is_folder(path):
                    folder = True
                    continue
                alternatives.append(item["version"].strip() if isinstance(item.get("version"), str) else "")
                optional = optional and item.get("optional") is True
                url = url or str(item.get("git") or item.get("url") or path or "")
            else:
                raise ImporterError(f"{FORMAT}: expected a version string or table", field=f"{where}.{name}")
        if folder and not alternatives:
            collector.folders.setdefault(pypi_name(name), name)
            continue
        versions = {_poetry_exact(text) for text in alternatives}
        declared = " || ".join(dict.fromkeys(text for text in alternatives if text))
        if len(set(alternatives)) > 1:
            collector.varied.append(f"{name} ({declared})")
        entry_scope = "optional" if optional and alternatives and scope == "runtime" else scope
        collector.add(name, versions.pop() if len(versions) == 1 else "", entry_scope, where, url, declared)


def _uv_sources(sources: dict[str, Any]) -> dict[str, str]:
    """The packages [tool.uv.sources] takes from the project's workspace or from a folder (the project's own code):
    normalised name -> "workspace" or "folder"."""
    own: dict[str, str] = {}
    for name, source in sources.items():
        alternatives = source if isinstance(source, list) else [source]
        kinds = {"workspace" if item.get("workspace") is True else
                 "folder" if isinstance(item.get("path"), str) and is_folder(item["path"]) else "package"
                 for item in alternatives if isinstance(item, dict)}
        if len(kinds) == 1 and "package" not in kinds:
            own[pypi_name(name)] = kinds.pop()
    return own


def _own_code_warning(names: list[str], how: str) -> str:
    """What an import says of the project's own packages it did not take for components (the first ten named)."""
    listed = sorted(set(names))
    shown = ", ".join(listed[:10]) + (", ..." if len(listed) > 10 else "")
    return f"{len(listed)} package(s) {how}: {shown}) are the project's own code, not components"


@guarded(FORMAT)
def parse(content: bytes) -> ParsedFile:
    """PEP 621 dependencies (runtime), optional-dependencies (optional), groups and Poetry dev groups (dev)."""
    data = load_toml(content, FORMAT)
    collector = _Collector()
    project = require_mapping(data.get("project", {}), FORMAT, "project")
    if "dependencies" in project:
        _pep508(collector, project["dependencies"], "runtime", "project.dependencies")
    optional: dict[str, Any] = require_mapping(
        project.get("optional-dependencies", {}), FORMAT, "project.optional-dependencies"
    )
    for extra, items in optional.items():
        _pep508(collector, items, "optional", f"project.optional-dependencies.{extra}")
    groups = require_mapping(data.get("dependency-groups", {}), FORMAT, "dependency-groups")
    for group, items in groups.items():
        _pep508(collector, items, "dev", f"dependency-groups.{group}")

    tool = require_mapping(data.get("tool", {}), FORMAT, "tool")
    poetry = require_mapping(tool.get("poetry", {}), FORMAT, "tool.poetry")
    if "dependencies" in poetry:
        _poetry(collector, poetry["dependencies"], "runtime", "tool.poetry.dependencies")
    if "dev-dependencies" in poetry:
        _poetry(collector, poetry["dev-dependencies"], "dev", "tool.poetry.dev-dependencies")
    for group, body in require_mapping(poetry.get("group", {}), FORMAT, "tool.poetry.group").items():
        body = require_mapping(body, FORMAT, f"tool.poetry.group.{group}")
        if "dependencies" in body:
            scope = "runtime" if group == "main" else "dev"
            _poetry(collector, body["dependencies"], scope, f"tool.poetry.group.{group}.dependencies")

    uv = require_mapping(tool.get("uv", {}), FORMAT, "tool.uv")
    own_code = _uv_sources(require_mapping(uv.get("sources", {}), FORMAT, "tool.uv.sources"))
    own_code.update(dict.fromkeys(collector.folders, "folder"))

    result = ParsedFile(format=FORMAT, manifest=True)
    unpinned: list[str] = []
    own: dict[str, list[str]] = {"workspace": [], "folder": []}
    for key, name in collector.folders.items():
        if key not in collector.entries:  # a Poetry path dependency the [project] table does not name too
            own["folder"].append(name)
    for key, entry in collector.entries.items():
        if key in own_code:
            own[own_code[key]].append(entry.name)
            continue
        if not entry.version:
            unpinned.append(entry.name)
        result.components.append(
            ComponentRecord(
                name=entry.name,
                version=entry.version,
                ecosystem="pypi",
                purl=pypi_purl(FORMAT, entry.name, entry.version),
                direct=True,
                scope=entry.scope,
                repository_url=entry.repository_url,
                declared=entry.declared,
            )
        )
    dynamic = [name for name in ("dependencies", "optional-dependencies")
               if isinstance(project.get("dynamic"), list) and name in project["dynamic"] and name not in project]
    if dynamic:  # PEP 621: a build backend fills them in when it builds, so this file does not list them
        result.warnings.append(
            f"project.{' and project.'.join(dynamic)} {'are' if len(dynamic) > 1 else 'is'} dynamic (marked in "
            "project.dynamic, filled in by the build backend): this file does not list them; import the lock "
            "file or an SBOM of the build")
    if own["workspace"]:
        result.warnings.append(_own_code_warning(
            own["workspace"], "of the project's workspace ([tool.uv.sources] workspace = true"))
    if own["folder"]:
        result.warnings.append(_own_code_warning(own["folder"], "installed from folders of the project (path dependencies"))
    if collector.varied:
        result.warnings.append(
            f"{len(collector.varied)} Poetry dependencies give one constraint per Python version or platform: none of "
            "them gets a version unless every alternative pins the same one; the declared range lists them all: "
            f"{'; '.join(collector.varied[:20])}")
    if unpinned:
        result.warnings.append(
            f"{len(unpinned)} dependencies have no exact version in a manifest (import the lock file "
            f"for exact versions): {', '.join(unpinned[:20])}"
        )
    return result
