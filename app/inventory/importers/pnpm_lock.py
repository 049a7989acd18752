"""pnpm-lock.yaml, lockfile versions 5.x, 6.x and 9.x.

Direct dependencies come from `importers` (workspaces, v5.3+ and v9) or from the top-level
`dependencies`/`devDependencies`/`optionalDependencies` (single projects, v5 and v6). Packages
are keyed "/name/1.0.0" (v5), "/name@1.0.0" (v6) or "name@1.0.0" (v9, graph in `snapshots`); a
"(peer@x)" or "_peer@x" suffix marks a peer-resolved copy of the same package, and a registry other
than the default puts its host in front ("registry.example.com/name/1.0.0"). Each key is read by its
own shape: pnpm 7 wrote "5.4-inlineSpecifiers" files, and hand-edited files mix the shapes. Scope is
decided by walking the graph from the importers: reached from `dependencies` means runtime, otherwise
from `optionalDependencies` optional, otherwise dev. A package from git or from a tarball outside a
registry keeps its own version and records where it came from, as the npm and yarn importers do.
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
    is_exact_version,
    load_yaml_mappings,
    local_folders_warning,
    settle_scopes,
)
from app.inventory.importers.base import ImporterError, ParsedFile

FORMAT = "pnpm-lock.yaml"

_HEAD = re.compile(rb"^lockfileVersion:\s*['\"]?\d", re.MULTILINE)
_VERSION_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_HOST = re.compile(r"[A-Za-z0-9.-]+(?:\+\d+)?")  # pnpm writes a registry's host:port as host+port
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
    """Read lockfileVersion (5.4, '6.0', '9.0', pnpm 7's '5.4-inlineSpecifiers') as the major number it starts with."""
    text = expect_text(value, "lockfileVersion", FORMAT)
    number = _VERSION_NUMBER.match(text)
    if number is None:
        raise ImporterError(f"{FORMAT}: lockfileVersion {text!r} is not a number", field="lockfileVersion")
    return int(float(number.group()))


def _without_host(key: str) -> str:
    """A key of a registry other than the default starts with its host, a port after "+" ("registry.npmjs.org/foo/1.1.0",
    "example.com/foo/1.3.0_bar@2.0.0", "localhost+4873/foo@1.0.0"): the package is what follows. Other keys start
    with "/", a name and "@", or a protocol ("file:"), none of which is a host."""
    host, slash, rest = key.partition("/")
    return rest if slash and _HOST.fullmatch(host) else key


def _key_name_version(key: str) -> tuple[str, str]:
    """The name and version a package key spells, read by the key's shape whatever the lockfile's version:
    "name@ref" (v6 "/name@1.0.0(peer@1.0.0)", v9 "name@1.0.0" or "name@https://...") or "name/1.0.0" (v5
    "/name/1.0.0_peer@1.0.0"), peer suffix dropped; ("", "") when it spells neither (a git host path such as
    "github.com/kevva/is-positive", whose `name`/`version` fields, when it has them, say what it is)."""
    body = key.split("(", 1)[0]
    body = body[1:] if body.startswith("/") else _without_host(body)
    at = body.find("@", 1)
    name = body[:at] if at > 0 else ""
    if _package_name(name):
        return name, body[at + 1 :]
    # "name/version": the version is only ever an exact one, so a path whose last part is not (a commit) is no key.
    name, _, version = body.rpartition("/")
    version = version.split("_", 1)[0]
    return (name, version) if _package_name(name) and is_exact_version(version) else ("", "")


def _package_name(text: str) -> bool:
    """An npm package name's shape: "name" or "@scope/name", not a longer path."""
    return bool(text) and text.count("/") == (1 if text.startswith("@") else 0)


def _name_version(key: str, info: dict[str, Any]) -> tuple[str, str]:
    """Take name and version from a package key; tarball and git packages carry `name`/`version` fields, which win."""
    name, version = _key_name_version(key)
    declared_name = info.get("name")
    if isinstance(declared_name, str) and declared_name:
        name = declared_name
    declared_version = info.get("version")
    if isinstance(declared_version, (str, int, float)) and not isinstance(declared_version, bool):
        version = str(declared_version)
    if not name or not version:
        raise ImporterError(f"{FORMAT}: cannot read a name and version from package key {key!r}", field=key)
    return name, version


def _registry_tarball(url: str) -> bool:
    """A registry's tarball URL (`.../name/-/name-1.0.0.tgz`, private registries too): the registry release itself."""
    return url.startswith(("http://", "https://")) and "/-/" in url.split("#", 1)[0]


def _origin(info: dict[str, Any], key_version: str) -> str:
    """Where a package that is no registry release came from: its git repository at the commit ("repo#commit"), or
    the tarball it was installed from when its key names no version (or pnpm marks it git-hosted) and the tarball is
    not a registry's; "" for a registry release."""
    resolution = info.get("resolution")
    if not isinstance(resolution, dict):
        return ""
    repository, commit = resolution.get("repo"), resolution.get("commit")
    if resolution.get("type") == "git" and isinstance(repository, str) and repository:
        return f"{repository}#{commit}" if isinstance(commit, str) and commit else repository
    tarball = resolution.get("tarball")
    if not isinstance(tarball, str) or not tarball or _registry_tarball(tarball):
        return ""
    return tarball if resolution.get("gitHosted") is True or not is_exact_version(key_version) else ""


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
            name, version = _name_version(key_text, info)
        except ImporterError as error:
            # e.g. a local `file:` directory package that records neither name nor version: skip that entry only
            warnings.append(f"{graph_name}[{key_text!r}]: {error.message.removeprefix(FORMAT + ': ')}; skipped")
            continue
        entry = components.add(name, version)
        origin = _origin(info, _key_name_version(key_text)[1])
        if origin and not entry.repository_url:
            entry.repository_url = origin
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
