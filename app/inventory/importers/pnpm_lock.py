"""pnpm-lock.yaml, lockfile versions 5.x, 6.x and 9.x.

Direct dependencies come from `importers` (workspaces, v5.3+ and v9) or from the top-level
`dependencies`/`devDependencies`/`optionalDependencies` (single projects, v5 and v6). Packages
are keyed "/name/1.0.0" (v5), "/name@1.0.0" (v6) or "name@1.0.0" (v9, graph in `snapshots`); a
"(peer@x)" or "_peer@x" suffix marks a peer-resolved copy of the same package. Scope is decided
by walking the graph from the importers: reached from `dependencies` means runtime, otherwise
from `optionalDependencies` optional, otherwise dev.
"""

from __future__ import annotations

import re
from typing import Any

from app.inventory.importers._common import SCOPE_RANK, decode_text, filename_of, guarded
from app.inventory.importers._npm import (
    Components,
    Entry,
    expect_object,
    expect_text,
    load_yaml_mappings,
    local_folders_warning,
    settle_scopes,
)
from app.inventory.importers.base import ImporterError, ParsedFile

FORMAT = "pnpm-lock.yaml"

_HEAD = re.compile(rb"^lockfileVersion:\s*['\"]?\d", re.MULTILINE)
_SECTIONS = (("dependencies", "runtime"), ("optionalDependencies", "optional"), ("devDependencies", "dev"))
_EDGE_SECTIONS = ("dependencies", "optionalDependencies")


def claims(content: bytes) -> bool:
    """YAML text with a top-level `lockfileVersion:` key (not JSON, whose keys are quoted)."""
    stripped = content.lstrip(b"\xef\xbb\xbf \t\r\n")
    return not stripped.startswith((b"{", b"<")) and _HEAD.search(content) is not None


def named(filename: str) -> bool:
    """pnpm-lock.yaml (and the older shrinkwrap.yaml)."""
    return filename_of(filename) in {"pnpm-lock.yaml", "pnpm-lock.yml", "shrinkwrap.yaml"}


def _major(value: Any) -> int:
    """Read lockfileVersion (5.4, '6.0', '9.0') as its major number."""
    text = expect_text(value, "lockfileVersion", FORMAT)
    try:
        return int(float(text))
    except ValueError as error:
        raise ImporterError(f"{FORMAT}: lockfileVersion {text!r} is not a number", field="lockfileVersion") from error


def _name_version(key: str, major: int, info: dict[str, Any]) -> tuple[str, str]:
    """Take name and version from a package key; tarball and git keys carry `name`/`version` fields."""
    body = key.removeprefix("/")
    body = body.split("(", 1)[0]  # v6/v9 peer suffix: "react-dom@18.2.0(react@18.2.0)"
    if major < 6 and key.startswith("/"):
        name, _, version = body.rpartition("/")
        version = version.split("_", 1)[0]  # v5 peer suffix: "/react-dom/18.2.0_react@18.2.0"
    else:
        at = body.find("@", 1)
        name, version = (body[:at], body[at + 1 :]) if at > 0 else ("", "")
    declared_name = info.get("name")
    if isinstance(declared_name, str) and declared_name:
        name = declared_name
    declared_version = info.get("version")
    if isinstance(declared_version, (str, int, float)) and not isinstance(declared_version, bool):
        version = str(declared_version)
    if not name or not version:
        raise ImporterError(f"{FORMAT}: cannot read a name and version from package key {key!r}", field=key)
    return name, version


def _local_folder(info: dict[str, Any]) -> bool:
    """A package pnpm installed from a folder of the project (`file:` a directory): the project's own code."""
    resolution = info.get("resolution")
    return isinstance(resolution, dict) and (resolution.get("type") == "directory" or "directory" in resolution)


def _runtime(key: str) -> bool:
    """pnpm's `runtime:` protocol (pnpm 10): the Node.js runtime it installs, not the npm package of that name."""
    return "@runtime:" in key.split("(", 1)[0]


def _candidates(name: str, ref: str) -> tuple[str, ...]:
    """Keys a dependency reference can point to, across lockfile versions."""
    if ref.startswith("/"):
        return (ref,)  # v5/v6 alias or explicit path
    return (f"{name}@{ref}", ref, f"/{name}@{ref}", f"/{name}/{ref}")


def _reference(value: Any, field: str) -> str:
    """A dependency's resolved reference: a plain string (v5, snapshots) or {specifier, version} (v6/v9)."""
    if isinstance(value, dict):
        value = value.get("version")
    return expect_text(value, field, FORMAT)


@guarded(FORMAT)
def parse(content: bytes) -> ParsedFile:
    """One component per distinct name@version; direct and scope from the importers; parents from the graph."""
    documents = load_yaml_mappings(decode_text(content, FORMAT), FORMAT)
    # pnpm 10+ can write its own environment lockfile (configDependencies, packageManagerDependencies: pnpm itself
    # and its config plug-ins) as a first YAML document; the project's lockfile is the last one.
    data = documents[-1]
    major = _major(data.get("lockfileVersion"))
    warnings: list[str] = []
    if len(documents) > 1:
        warnings.append(f"the file holds {len(documents)} YAML documents: the last one is the project's lockfile and "
                        "was read; the ones before it (pnpm's own environment lockfile: the package manager and its "
                        "config dependencies, not part of the product) were skipped")
    if major not in (5, 6, 7, 9):
        warnings.append(f"lockfileVersion {major} is not one this importer knows (5, 6, 9)")
    packages = expect_object(data.get("packages"), "packages", FORMAT)
    snapshots = expect_object(data.get("snapshots"), "snapshots", FORMAT)
    # v9 splits metadata (packages) from the graph (snapshots); earlier versions keep both in packages.
    graph = snapshots if snapshots else packages

    graph_name = "snapshots" if snapshots else "packages"
    components = Components("npm")
    entry_of: dict[str, Entry] = {}
    nodes: dict[str, dict[str, Any]] = {}
    local: dict[str, dict[str, Any]] = {}  # the project's own folders installed as packages: their graph nodes
    runtimes: list[str] = []
    for key, node in graph.items():
        key_text = str(key)
        node_map = expect_object(node, f"{graph_name}[{key_text!r}]", FORMAT)
        meta_key = key_text.split("(", 1)[0]
        info = expect_object(packages.get(meta_key, node_map), f"packages[{meta_key!r}]", FORMAT)
        if _local_folder(info):
            local[key_text] = node_map
            continue
        if _runtime(key_text):
            runtimes.append(meta_key)
            continue
        try:
            name, version = _name_version(key_text, major, info)
        except ImporterError as error:
            # e.g. a local `file:` directory package that records neither name nor version: skip that entry only
            warnings.append(f"{graph_name}[{key_text!r}]: {error.message.removeprefix(FORMAT + ': ')}; skipped")
            continue
        entry = components.add(name, version)
        entry_of[key_text] = entry
        nodes[key_text] = node_map
        resolution = info.get("resolution")
        integrity = resolution.get("integrity") if isinstance(resolution, dict) else None
        entry.take_first(licence=info.get("license"), integrity=integrity)

    def resolve(name: str, ref: str) -> str | None:
        """The graph key a dependency points to: a component's, or a local folder's (in `local`); None otherwise."""
        if ref.startswith(("link:", "workspace:")):
            return None  # the project's own folders, not packages
        if ref.startswith("file:"):  # a local tarball or folder pnpm installed as a package (it has its own entry)
            candidates: tuple[str, ...] = (ref, f"{name}@{ref}")  # v5/v6 keys are the reference, v9 ones name@ref
        else:
            candidates = _candidates(name, ref)
        return next((key for key in candidates if key in entry_of or key in local), None)

    def through_folders(key: str | None, optional: bool = False) -> list[tuple[str, bool]]:
        """The components a dependency stands for: itself, or what a local folder (the project's own code, not a
        component) depends on, as if the project depended on it directly."""
        found: list[tuple[str, bool]] = []
        pending, seen = [(key, optional)], set()
        while pending:
            current, is_optional = pending.pop()
            if current is None or current in seen:
                continue
            seen.add(current)
            if current in entry_of:
                found.append((current, is_optional))
                continue
            for section in _EDGE_SECTIONS:
                field = f"[{current!r}].{section}"
                for dependency, value in expect_object(local[current].get(section), field, FORMAT).items():
                    pending.append((resolve(str(dependency), _reference(value, f"{field}[{dependency!r}]")),
                                    is_optional or section == "optionalDependencies"))
        return found

    # Graph edges give parents; collect children once so the scope walk does not re-read YAML.
    children: dict[str, list[tuple[str, bool]]] = {}
    for key_text, node in nodes.items():
        parent = entry_of[key_text]
        edges: list[tuple[str, bool]] = []
        for section in _EDGE_SECTIONS:
            field = f"[{key_text!r}].{section}"
            for dependency, value in expect_object(node.get(section), field, FORMAT).items():
                for child, optional in through_folders(resolve(str(dependency), _reference(
                        value, f"{field}[{dependency!r}]")), section == "optionalDependencies"):
                    entry_of[child].parents[parent.purl] = None
                    edges.append((child, optional))
        children[key_text] = edges

    importers = expect_object(data.get("importers"), "importers", FORMAT)
    if not importers and any(section in data for section, _ in _SECTIONS):
        importers = {".": data}  # a single-project v5/v6 lockfile keeps them at the top level
    roots: list[tuple[str, int]] = []
    for path, importer in importers.items():
        importer_map = expect_object(importer, f"importers[{path!r}]", FORMAT)
        for section, scope in _SECTIONS:
            field = f"importers[{path!r}].{section}"
            for dependency, value in expect_object(importer_map.get(section), field, FORMAT).items():
                for child, optional in through_folders(resolve(str(dependency), _reference(
                        value, f"{field}[{dependency!r}]"))):
                    roots.append((child, max(SCOPE_RANK[scope], SCOPE_RANK["optional"]) if optional
                                  else SCOPE_RANK[scope]))

    for entry in components.entries.values():
        entry.direct = False
    for key, _ in roots:
        entry_of[key].direct = True
    best = settle_scopes(roots, children)
    for key, entry in entry_of.items():
        rank = best.get(key)
        if rank is None:
            # Not reachable from any importer: trust the lockfile's own v5/v6 flags.
            info = nodes[key]
            rank = 2 if info.get("dev") is True else 1 if info.get("optional") is True else 0
        entry.scope_rank = min(entry.scope_rank, rank)
    if local:
        warnings.append(local_folders_warning(
            (key.split("(", 1)[0].rsplit("@file:", 1)[0] or key for key in local),
            then=": what they depend on is listed as the project's own dependencies"))
    if runtimes:
        warnings.append(f"{', '.join(sorted(runtimes))}: the Node.js runtime pnpm installs (runtime: protocol), not an "
                        "npm package; not a component")
    if not importers:
        warnings.append("this pnpm-lock.yaml lists no importers, so direct dependencies are not known")
        for entry in components.entries.values():
            entry.direct = None
    return ParsedFile(format=FORMAT, components=components.records(), warnings=warnings)
