"""npm package.json: the direct dependencies a project declares (ranges, not resolved versions)."""

from __future__ import annotations

from app.inventory.importers._common import SCOPE_RANK, filename_of, guarded, json_object
from app.inventory.importers._npm import (
    NPM_ONLY_KEYS,
    Components,
    is_exact_version,
    is_local_folder,
    load_json_object,
    local_folders_warning,
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


def _real_package(name: str, spec: str) -> tuple[str, str]:
    """An npm alias ("my-lodash": "npm:lodash@^4.17.0") declares the real package (lodash) and its range (^4.17.0);
    any other spec declares the package of its own name."""
    if spec.startswith("npm:"):
        target = spec[4:]
        at = target.find("@", 1)
        if at == -1:
            return target or name, "*"
        if at > 0:
            return target[:at], target[at + 1 :] or "*"
    return name, spec


def _is_project_code(spec: str) -> bool:
    """A workspace package (`workspace:`), a linked folder (`link:`, `portal:`) or a `file:` folder of the project is
    the project's own code, not a component; a `file:` archive is a package."""
    return spec.startswith(("workspace:", "portal:")) or is_local_folder(spec)


def _workspace_warning(names: list[str]) -> str:
    """What an import says of the workspace packages it did not take for components (the first ten named)."""
    listed = sorted(set(names))
    shown = ", ".join(listed[:10]) + (", ..." if len(listed) > 10 else "")
    return (f"{len(listed)} package(s) of the project's workspace (workspace: protocol: {shown}) are the project's "
            "own code, not components")


@guarded(FORMAT)
def parse(content: bytes) -> ParsedFile:
    """Every declared dependency is direct; its scope comes from its section; a range is kept as the declared range,
    never as a version (only an exact pin is a version); an npm: alias is the package it names; the project's own
    workspace packages and folders are not components."""
    manifest = load_json_object(content, FORMAT)
    components = Components("npm")
    workspace: list[str] = []
    folders: list[str] = []
    aliases: dict[tuple[str, str], list[str]] = {}  # component key -> the names it is declared under
    for name, (spec, scope) in manifest_dependencies(manifest, FORMAT).items():
        if _is_project_code(spec):
            (workspace if spec.startswith("workspace:") else folders).append(name)
            continue
        real_name, declared = _real_package(name, spec)
        version = declared if is_exact_version(declared) else ""
        names = aliases.setdefault((real_name, version), [])
        names.append(name if name == real_name else f"{name} ({spec})")
        entry = components.add(real_name, version)
        entry.direct = True
        if len(names) == 1:
            entry.scope_rank, entry.declared = SCOPE_RANK[scope], declared
        else:  # the same package under two names (itself and an alias, to install two majors): both ranges apply
            entry.scope_rank = min(entry.scope_rank, SCOPE_RANK[scope])
            if declared not in entry.declared.split(" || "):
                entry.declared = f"{entry.declared} || {declared}"
    parsed = ParsedFile(format=FORMAT, components=components.records(), manifest=True)
    if any(not component.version for component in parsed.components):
        parsed.warnings.append(
            "package.json gives version ranges, not the installed versions; import the lockfile for exact ones"
        )
    for key, names in aliases.items():
        if len(names) > 1:
            parsed.warnings.append(f"{key[0]} is declared under {len(names)} names ({', '.join(names)}): one "
                                   f"component with every declared range ({components.entries[key].declared})")
    if folders:
        parsed.warnings.append(local_folders_warning(folders))
    if workspace:
        parsed.warnings.append(_workspace_warning(workspace))
    return parsed
