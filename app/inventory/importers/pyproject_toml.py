"""pyproject.toml manifests (PEP 621, PEP 735 dependency groups, Poetry) through tomllib + packaging.

A manifest lists what the project asks for, so every entry is direct; versions are exact only
when the manifest pins one. A package named twice keeps one record with the widest scope. Dependencies the
manifest marks dynamic are not in it: the import says so.
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
    wider_scope,
)
from app.inventory.importers._python import exact_version, pypi_name, pypi_purl
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
        collector.add(requirement.name, exact_version(requirement.specifier), scope, where, url,
                      str(requirement.specifier) or url or "*")


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
    for name, spec in require_mapping(table, FORMAT, where).items():
        if name.lower() == "python":
            continue  # the interpreter constraint, not a package
        specs = spec if isinstance(spec, list) else [spec]
        version, entry_scope, url, declared = "", scope, "", ""
        for item in specs:
            if isinstance(item, str):
                version = version or _poetry_exact(item)
                declared = declared or item.strip()
            elif isinstance(item, dict):
                if isinstance(item.get("version"), str):
                    version = version or _poetry_exact(item["version"])
                    declared = declared or item["version"].strip()
                if item.get("optional") is True and scope == "runtime":
                    entry_scope = "optional"
                url = url or str(item.get("git") or item.get("url") or "")
            else:
                raise ImporterError(f"{FORMAT}: expected a version string or table", field=f"{where}.{name}")
        collector.add(name, version, entry_scope, where, url, declared)


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

    result = ParsedFile(format=FORMAT, manifest=True)
    unpinned: list[str] = []
    for entry in collector.entries.values():
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
    if unpinned:
        result.warnings.append(
            f"{len(unpinned)} dependencies have no exact version in a manifest (import the lock file "
            f"for exact versions): {', '.join(unpinned[:20])}"
        )
    return result
