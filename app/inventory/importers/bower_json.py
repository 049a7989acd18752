"""bower.json: the direct front-end dependencies a project declares (Bower endpoints, mostly ranges).

A value is a range ("~1.2.2"), "source#target" ("jquery#~3.0", "owner/repo#v1.0",
"https://host/repo.git#1.0") or a bare source. The purl type is "bower" (a type of the purl spec;
packageurl-python builds any type).
"""

from __future__ import annotations

import re

from app.inventory.importers._common import SCOPE_RANK, filename_of, guarded, json_object
from app.inventory.importers._npm import (
    NPM_ONLY_KEYS,
    Components,
    dependency_map,
    is_exact_version,
    load_json_object,
)
from app.inventory.importers.base import ParsedFile

FORMAT = "bower.json"

_SECTIONS = (("dependencies", "runtime"), ("devDependencies", "dev"))
_REGISTRY_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def claims(content: bytes) -> bool:
    """A JSON object that carries Bower's own top-level "moduleType" key."""
    document = json_object(content)
    return document is not None and "moduleType" in document and "lockfileVersion" not in document and not any(
        key in document for key in NPM_ONLY_KEYS)


def named(filename: str) -> bool:
    """bower.json / .bower.json."""
    return filename_of(filename) in {"bower.json", ".bower.json"}


def _endpoint(key: str, value: str) -> tuple[str, str, str]:
    """Return (name, version text, repository) for one dependency value."""
    source, hash_sign, target = value.rpartition("#")
    if not hash_sign:
        if "://" in value or value.startswith("git@"):
            return key, "", value  # a bare repository: no version is pinned
        return key, value, ""
    if _REGISTRY_NAME.fullmatch(source):
        return source, target, ""  # "jquery#~3.0": registry package under a local name
    return key, target, source


@guarded(FORMAT)
def parse(content: bytes) -> ParsedFile:
    """Every declared dependency is direct; dependencies are runtime, devDependencies dev."""
    manifest = load_json_object(content, FORMAT)
    components = Components("bower")
    for section, scope in _SECTIONS:
        for key, value in dependency_map(manifest.get(section), section, FORMAT).items():
            name, target, repository = _endpoint(key, str(value).strip())
            entry = components.add(name, target if is_exact_version(target) else "")
            entry.declared = entry.declared or target or str(value).strip()
            entry.direct = True
            entry.scope_rank = min(entry.scope_rank, SCOPE_RANK[scope])
            if repository and not entry.repository_url:
                entry.repository_url = repository
    parsed = ParsedFile(format=FORMAT, components=components.records(), manifest=True)
    if any(not component.version for component in parsed.components):
        parsed.warnings.append("bower.json gives version ranges, not the installed versions")
    return parsed
