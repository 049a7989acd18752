"""npm package.json: the direct dependencies a project declares (ranges, not resolved versions)."""

from __future__ import annotations

from app.inventory.importers._common import SCOPE_RANK, filename_of, guarded, json_object
from app.inventory.importers._npm import (
    NPM_ONLY_KEYS,
    Components,
    is_exact_version,
    load_json_object,
    manifest_dependencies,
)
from app.inventory.importers.base import ParsedFile

FORMAT = "package.json"

# Names other JSON importers own: package.json must never claim them by content.
_OTHER_JSON_NAMES = frozenset({"package-lock.json", "npm-shrinkwrap.json", "bower.json", ".bower.json",
                               "composer.json", "composer.lock"})


def claims(content: bytes) -> bool:
    """A JSON object with dependency sections (objects) and at least one key only npm manifests carry."""
    document = json_object(content)
    if document is None or "lockfileVersion" in document or "bomFormat" in document or "spdxVersion" in document:
        return False
    if not any(isinstance(document.get(section), dict) for section in ("dependencies", "devDependencies")):
        return False
    return any(key in document for key in NPM_ONLY_KEYS)


def named(filename: str) -> bool:
    """package.json, also with a prefix (nodegoat-package.json)."""
    name = filename_of(filename)
    return name == "package.json" or (name.endswith("-package.json") and name not in _OTHER_JSON_NAMES)


@guarded(FORMAT)
def parse(content: bytes) -> ParsedFile:
    """Every declared dependency is direct; its scope comes from its section; a range is kept as the declared range,
    never as a version (only an exact pin is a version)."""
    manifest = load_json_object(content, FORMAT)
    components = Components("npm")
    for name, (spec, scope) in manifest_dependencies(manifest, FORMAT).items():
        entry = components.add(name, spec if is_exact_version(spec) else "")
        entry.direct = True
        entry.scope_rank = SCOPE_RANK[scope]
        entry.declared = spec
    parsed = ParsedFile(format=FORMAT, components=components.records(), manifest=True)
    if any(not component.version for component in parsed.components):
        parsed.warnings.append(
            "package.json gives version ranges, not the installed versions; import the lockfile for exact ones"
        )
    return parsed
