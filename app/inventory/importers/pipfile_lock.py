"""Pipfile.lock (pipenv) through json: "default" is runtime, "develop" is dev.

The lock does not say which packages the Pipfile asked for, so direct stays None. A package in
both sections at the same version is one component with runtime scope; at two versions it is two
components, the develop one with dev scope. An entry installed from a folder (`"path": "."`, the project itself, or
another of its folders) is the project's own code, not a component. A git (or other VCS) entry keeps its repository at
the locked `ref` as where it came from (`url#ref`, as poetry.lock).
"""

from __future__ import annotations

from app.inventory.importers._common import (
    filename_of,
    guarded,
    json_object,
    load_json,
    optional_text,
    require_mapping,
)
from app.inventory.importers._python import exact_version, is_folder, pypi_name, pypi_purl
from app.inventory.importers.base import ComponentRecord, ImporterError, ParsedFile

FORMAT = "Pipfile.lock"


def claims(content: bytes) -> bool:
    """A JSON object whose top-level _meta names a pipfile-spec."""
    document = json_object(content)
    meta = document.get("_meta") if document is not None else None
    return isinstance(meta, dict) and "pipfile-spec" in meta


def named(filename: str) -> bool:
    """Pipfile.lock, also with a prefix."""
    return filename_of(filename).endswith("pipfile.lock")


def _origin(entry: dict[str, object]) -> str:
    """Where a VCS entry came from: its repository at the locked reference (`url#ref`, as poetry.lock and uv.lock
    record a git source), else ""."""
    for vcs in ("git", "hg", "svn", "bzr"):
        url = optional_text(entry.get(vcs))
        if url:
            ref = optional_text(entry.get("ref"))
            return f"{url}#{ref}" if ref else url
    return ""


def _folder(entry: dict[str, object]) -> str:
    """The folder an entry installs (its `path`, unless that is a distribution archive), else ""."""
    path = entry.get("path")
    if isinstance(path, str) and is_folder(path):
        return path or "."
    return ""


@guarded(FORMAT)
def parse(content: bytes) -> ParsedFile:
    """Each entry of "default" (runtime) and "develop" (dev) but the project's own folders is a component with its
    pinned version."""
    data = require_mapping(load_json(content, FORMAT), FORMAT, "(document)")
    if "default" not in data and "develop" not in data:
        raise ImporterError(f"{FORMAT}: neither a \"default\" nor a \"develop\" section", field="default")
    result = ParsedFile(format=FORMAT)
    seen: set[tuple[str, str]] = set()
    folders: list[str] = []
    for section, scope in (("default", "runtime"), ("develop", "dev")):
        entries = require_mapping(data.get(section, {}), FORMAT, section)
        for name, raw in entries.items():
            entry = require_mapping(raw, FORMAT, f"{section}.{name}")
            folder = _folder(entry)
            if folder:
                folders.append(f"{section}.{name} at {folder}")
                continue
            raw_version = entry.get("version")
            if raw_version is not None and not isinstance(raw_version, str):
                raise ImporterError(f"{FORMAT}: expected a version string", field=f"{section}.{name}.version")
            version = exact_version(raw_version) if raw_version else ""
            key = (pypi_name(name), version)
            if key in seen:
                continue
            seen.add(key)
            if not version:
                result.warnings.append(f"{section}.{name}: no pinned version (VCS, path or editable entry)")
            hashes = entry.get("hashes", [])
            if not isinstance(hashes, list) or not all(isinstance(item, str) for item in hashes):
                raise ImporterError(f"{FORMAT}: expected an array of hash strings", field=f"{section}.{name}.hashes")
            result.components.append(
                ComponentRecord(
                    name=name,
                    version=version,
                    ecosystem="pypi",
                    purl=pypi_purl(FORMAT, name, version),
                    direct=None,
                    scope=scope,
                    repository_url=_origin(entry),
                    hashes=tuple(hashes),
                )
            )
    if folders:
        result.warnings.append(f"{len(folders)} package(s) installed from folders of the project (path entries: "
                               f"{', '.join(folders[:10])}{', ...' if len(folders) > 10 else ''}) are the project's "
                               "own code, not components")
    return result
