"""uv.lock through tomllib.

The project itself is the package whose source is `{ editable = "." }` or `{ virtual = "." }`
(several in a workspace); it is not a component. Its dependencies are direct, everything else is
transitive. A transitive package takes the scope of the widest direct dependency that reaches it.
"""

from __future__ import annotations

from collections import deque

from app.inventory.importers._common import (
    filename_of,
    guarded,
    load_toml,
    optional_text,
    require_list,
    require_mapping,
    require_text,
    toml_document,
)
from app.inventory.importers._python import file_hashes, lock_packages, parents_by_child, pypi_name, pypi_purl
from app.inventory.importers.base import ComponentRecord, ParsedFile

FORMAT = "uv.lock"


def claims(content: bytes) -> bool:
    """TOML with a top-level integer `version`, `requires-python` and [[package]] tables (uv writes all three)."""
    document = toml_document(content)
    return document is not None and isinstance(document.get("version"), int) and "requires-python" in document \
        and isinstance(document.get("package"), list)


def named(filename: str) -> bool:
    """uv.lock, also with a prefix."""
    return filename_of(filename).endswith("uv.lock")


def _is_root(source: object) -> bool:
    return isinstance(source, dict) and ("editable" in source or "virtual" in source)


@guarded(FORMAT)
def parse(content: bytes) -> ParsedFile:
    """Each non-project [[package]] is a component; the project's dependencies are direct."""
    keys: list[tuple[str, str]] = []
    where_of: dict[tuple[str, str], str] = {}
    by_key: dict[tuple[str, str], dict[str, object]] = {}
    versions_of: dict[str, list[str]] = {}
    roots: list[tuple[str, str]] = []
    for where, package, name in lock_packages(load_toml(content, FORMAT), FORMAT):
        is_root = _is_root(package.get("source"))
        # Workspace members and virtual projects may carry no version.
        version = optional_text(package.get("version"))
        if not version and not is_root:
            require_text(package.get("version"), FORMAT, f"{where}.version")
        key = (pypi_name(name), version)
        keys.append(key)
        where_of[key] = where
        by_key[key] = package
        versions_of.setdefault(key[0], []).append(version)
        if is_root:
            roots.append(key)

    def resolve(entry: object, where: str) -> tuple[str, str] | None:
        item = require_mapping(entry, FORMAT, where)
        name = pypi_name(require_text(item.get("name"), FORMAT, f"{where}.name"))
        candidates = versions_of.get(name)
        if not candidates:
            return None
        wanted = optional_text(item.get("version"))
        return (name, wanted if wanted in candidates else candidates[0])

    def edges(key: tuple[str, str], table: str) -> list[tuple[str, str]]:
        package = by_key[key]
        where = f"{where_of[key]}.{table}"
        value = package.get(table)
        if value is None:
            return []
        # "dependencies" is one list; the optional/dev tables hold one list per extra or group.
        groups: list[object] = (
            [value] if table == "dependencies" else list(require_mapping(value, FORMAT, where).values())
        )
        found: list[tuple[str, str]] = []
        for group in groups:
            for position, entry in enumerate(require_list(group, FORMAT, where)):
                target = resolve(entry, f"{where}[{position}]")
                if target is not None:
                    found.append(target)
        return found

    root_set = set(roots)
    direct_scope: dict[tuple[str, str], str] = {}
    for root in roots:
        for table, scope in (("dependencies", "runtime"), ("optional-dependencies", "optional"),
                             ("dev-dependencies", "dev")):
            for target in edges(root, table):
                if target not in root_set and target not in direct_scope:
                    direct_scope[target] = scope

    # Parents: one pass over every package's edges (runtime and extras, which are what pull in code).
    children: dict[tuple[str, str], list[tuple[str, str]]] = {}
    purl_of: dict[tuple[str, str], str] = {}
    for key in keys:
        if key in root_set:
            continue
        children[key] = edges(key, "dependencies") + edges(key, "optional-dependencies")
        purl_of[key] = pypi_purl(FORMAT, str(by_key[key]["name"]), key[1])
    parents = parents_by_child((purl_of[key], target) for key, found in children.items() for target in found)

    # Breadth-first from the direct dependencies, runtime first, so each package gets the widest scope.
    scope_of: dict[tuple[str, str], str] = {}
    for wanted in ("runtime", "optional", "dev"):
        queue = deque(key for key, scope in direct_scope.items() if scope == wanted and key not in scope_of)
        for key in queue:
            scope_of[key] = wanted
        while queue:
            current = queue.popleft()
            for target in children.get(current, []):
                if target not in scope_of and target not in root_set:
                    scope_of[target] = wanted
                    queue.append(target)

    result = ParsedFile(format=FORMAT)
    if not roots and keys:
        result.warnings.append("uv.lock names no editable or virtual project; direct dependencies unknown")
    for key in keys:
        if key in root_set:
            continue
        package = by_key[key]
        source = package.get("source")
        repository_url = optional_text(source.get("git")) if isinstance(source, dict) else ""
        result.components.append(
            ComponentRecord(
                name=str(package["name"]),
                version=key[1],
                ecosystem="pypi",
                purl=purl_of[key],
                direct=(key in direct_scope) if roots else None,
                parents=parents.get(key, ()),
                scope=direct_scope.get(key) or scope_of.get(key, "runtime"),
                repository_url=repository_url,
                hashes=file_hashes([package.get("sdist")], package.get("wheels")),
            )
        )
    return result
