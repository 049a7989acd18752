"""npm package-lock.json / npm-shrinkwrap.json, lockfile versions 1, 2 and 3.

v2/v3 list every installed package under `packages`, keyed by its `node_modules/...` path; the
root "" entry (and workspace folders) declare the direct dependencies. v1 nests a `dependencies`
tree whose entries name what they need in `requires`. A dependency is found the way Node finds
it: in the requiring package's own node_modules, then in each enclosing one up to the root.
"""

from __future__ import annotations

from typing import Any

from app.inventory.importers._common import filename_of, guarded, json_object, version_of_url, without_credentials
from app.inventory.importers._npm import (
    Components,
    Entry,
    expect_object,
    expect_text,
    is_exact_version,
    is_local_folder,
    load_json_object,
    local_folders_warning,
)
from app.inventory.importers.base import ImporterError, ParsedFile

FORMAT = "package-lock.json"

_NAMES = frozenset({"package-lock.json", "npm-shrinkwrap.json"})
_NODE_MODULES = "node_modules/"
# Sections of an installed package that pull other packages in (devDependencies of an installed
# package are never installed, so only a project root's count).
_PACKAGE_EDGES = ("dependencies", "optionalDependencies", "peerDependencies")
_ROOT_EDGES = ("dependencies", "optionalDependencies", "peerDependencies", "devDependencies")


def claims(content: bytes) -> bool:
    """A JSON object with a top-level "lockfileVersion" and a "packages" or "dependencies" object."""
    document = json_object(content)
    return document is not None and "lockfileVersion" in document and (
        isinstance(document.get("packages"), dict) or isinstance(document.get("dependencies"), dict))


def named(filename: str) -> bool:
    """package-lock.json / npm-shrinkwrap.json, also with a prefix (nodegoat-package-lock.json)."""
    name = filename_of(filename)
    return name in _NAMES or name.endswith("-package-lock.json")


def _absorb(entry: Entry, info: dict[str, Any]) -> None:
    """Fold one occurrence of a package into its component: widest scope, first licence and hashes."""
    # npm: dev = only in the dev tree; optional = only in the optional tree (dev+optional = optional
    # dependency of a dev dependency, still dev-only); devOptional = dev, or optional in production.
    if info.get("dev") is True:
        rank = 2
    elif info.get("optional") is True or info.get("devOptional") is True:
        rank = 1
    else:
        rank = 0
    entry.scope_rank = min(entry.scope_rank, rank)
    entry.take_first(licence=info.get("license") or info.get("licenses"), integrity=info.get("integrity"))


def _real_name_version(name: str, version: str) -> tuple[str, str]:
    # An alias ("my-lodash": "npm:lodash@4.17.21") installs the real package under another folder name.
    if version.startswith("npm:"):
        target = version[4:]
        at = target.find("@", 1)
        if at > 0 and target[at + 1 :]:
            return target[:at], target[at + 1 :]
    return name, version


def _resolve(packages: dict[str, Any], path: str, name: str) -> str | None:
    """Find the path Node would load `name` from when required by the package at `path`."""
    base = path
    while True:
        candidate = f"{base}/node_modules/{name}" if base else f"node_modules/{name}"
        if candidate in packages:
            return candidate
        if not base:
            return None
        cut = base.rfind("/node_modules/")
        base = base[:cut] if cut != -1 else ""


def _is_location(version: str) -> bool:
    """A lockfile "version" that is where the package came from (git dependencies of lockfile v1), not a version."""
    return "://" in version or version.startswith(("git+", "github:", "gitlab:", "bitbucket:", "file:"))


def _version_of_location(location: str) -> str:
    """The version a git or tarball location names: a `#v1.2.3`/`#semver:1.2.3` reference or an archive's name."""
    reference = location.split("#", 1)[1] if "#" in location else ""
    reference = reference.removeprefix("semver:")
    if reference and is_exact_version(reference.removeprefix("v")):
        return reference.removeprefix("v")
    found = version_of_url(location.split("#", 1)[0])
    return found if is_exact_version(found) else ""


def _folder_name(rest: str) -> str:
    """The package name npm gives the folder at `node_modules/<rest>`: its last part, with the @scope/ folder above
    it ("@babel/core"). A key outside the project (`../m/node_modules/n/o`, a folder inside package n) names o."""
    if "/" not in rest:
        return rest
    parts = rest.rstrip("/").split("/")
    if len(parts) > 1 and parts[-2].startswith("@"):
        return f"{parts[-2]}/{parts[-1]}"
    return parts[-1]


def _parse_packages(packages: dict[str, Any], components: Components, warnings: list[str]) -> None:
    at_path: dict[str, Entry] = {}
    roots: list[tuple[str, dict[str, Any]]] = []
    installed: list[tuple[str, dict[str, Any], Entry]] = []
    add = components.add
    for path, info in packages.items():
        if type(info) is not dict:
            field = f'packages["{path}"]'
            raise ImporterError(f"{FORMAT}: {field} must be an object", field=field)
        cut = path.rfind(_NODE_MODULES)
        if cut == -1:
            # "" is the project itself, other paths without node_modules are workspace folders:
            # both are ours, not third-party components, but they declare the direct dependencies.
            roots.append((path, info))
            continue
        if info.get("link") is True:
            continue  # a symlink to a workspace folder or a local directory, not a package
        folder_name = _folder_name(path[cut + 13 :])  # len("node_modules/")
        version = info.get("version")
        location = ""
        if type(version) is not str or not version or not folder_name:
            field = f'packages["{path}"]'
            if not folder_name:
                warnings.append(f"{field} has no package name in its path; skipped")
                continue
            resolved = info.get("resolved")
            if version is None and isinstance(resolved, str) and resolved:
                # npm writes no version for some git dependencies: the resolved URL says where it came from.
                version, location = _version_of_location(resolved), resolved
                warnings.append(f"{field} has no version (a git or URL dependency); its version is taken from "
                                f"{without_credentials(resolved)!r}" if version else
                                f"{field} has no version (a git or URL dependency): it is listed without one")
            elif version is None or version == "":
                warnings.append(f"{field} has no version and no resolved location; skipped")
                continue
            else:
                version = expect_text(version, f"{field}.version", FORMAT)
        elif _is_location(version):
            version, location = _version_of_location(version), version
        declared = info.get("name")
        name = declared if type(declared) is str and declared else folder_name
        if version.startswith("npm:"):
            name, version = _real_name_version(name, version)
        entry = add(name, version)
        if location and not entry.repository_url:
            entry.repository_url = location
        if entry.direct is None:
            entry.direct = False
        _absorb(entry, info)
        at_path[path] = entry
        installed.append((path, info, entry))

    for path, info, entry in installed:
        purl = entry.purl
        for section in _PACKAGE_EDGES:
            needs = info.get(section)
            if not needs:
                continue
            if type(needs) is not dict:
                expect_object(needs, f'packages["{path}"].{section}', FORMAT)
            for dependency in needs:
                # Fast path first (own node_modules, then the top level), the full walk otherwise.
                own = f"{path}/node_modules/{dependency}"
                if own in packages:
                    target_path: str | None = own
                elif "/node_modules/" not in path:
                    target_path = f"node_modules/{dependency}"
                else:
                    target_path = _resolve(packages, path, dependency)
                target = at_path.get(target_path) if target_path is not None else None
                if target is not None:
                    target.parents[purl] = None

    for path, info in roots:
        for section in _ROOT_EDGES:
            needs = info.get(section)
            if not needs:
                continue
            for dependency in expect_object(needs, f'packages["{path}"].{section}', FORMAT):
                target_path = _resolve(packages, path, dependency)
                target = at_path.get(target_path) if target_path is not None else None
                if target is not None:
                    target.direct = True


def _parse_v1(dependencies: dict[str, Any], components: Components, warnings: list[str]) -> None:
    # Pass 1 visits the nested tree (iteratively: deep trees must not exhaust the stack) and makes
    # the components; pass 2 resolves each `requires` through the enclosing dependency maps.
    visited: list[tuple[str, dict[str, Any], tuple[dict[str, Any], ...], Entry | None]] = []
    folders: list[str] = []
    unversioned: dict[str, None] = {}
    entry_of: dict[int, Entry] = {}
    pending: list[tuple[str, dict[str, Any], tuple[dict[str, Any], ...]]] = [
        ("dependencies", dependencies, ())
    ]
    while pending:
        field, level, enclosing = pending.pop()
        chain = (level, *enclosing)  # innermost map first, as Node searches
        for name, info in level.items():
            item_field = f'{field}["{name}"]'
            if not isinstance(info, dict):
                raise ImporterError(f"{FORMAT}: {item_field} must be an object", field=item_field)
            version = expect_text(info.get("version"), f"{item_field}.version", FORMAT)
            entry: Entry | None = None
            if is_local_folder(version):  # the project's own code (v2/v3 write it as a link)
                folders.append(name)
            else:
                location = ""
                if _is_location(version):  # v1 writes a git dependency's URL (credentials included) as its version
                    version, location = _version_of_location(version), version
                    if not version:
                        unversioned.setdefault(name, None)
                real_name, real_version = _real_name_version(name, version)
                entry = components.add(real_name, real_version)
                if location and not entry.repository_url:
                    entry.repository_url = location
                _absorb(entry, info)
                entry_of[id(info)] = entry
            nested = info.get("dependencies")
            if nested:
                nested_map = expect_object(nested, f"{item_field}.dependencies", FORMAT)
                visited.append((item_field, info, (nested_map, *chain), entry))
                pending.append((f"{item_field}.dependencies", nested_map, chain))
            else:
                visited.append((item_field, info, chain, entry))

    if folders:
        warnings.append(local_folders_warning(folders))
    if unversioned:
        shown = ", ".join(list(unversioned)[:20]) + (", ..." if len(unversioned) > 20 else "")
        warnings.append(f"{len(unversioned)} git or URL dependencies have no version (lockfile v1 records only where "
                        f"they came from, kept as their repository; copies of one at several commits are one "
                        f"component): {shown}")
    for item_field, info, chain, entry in visited:
        requires = info.get("requires")
        if not requires or entry is None:
            continue
        for dependency in expect_object(requires, f"{item_field}.requires", FORMAT):
            for level in chain:
                found = level.get(dependency)
                if found is not None:
                    target = entry_of.get(id(found))
                    if target is not None:
                        target.parents[entry.purl] = None
                    break


@guarded(FORMAT)
def parse(content: bytes) -> ParsedFile:
    """One component per distinct name@version; root deps are direct; parents come from requiring entries."""
    data = load_json_object(content, FORMAT)
    lockfile_version = data.get("lockfileVersion")
    components = Components("npm")
    warnings: list[str] = []
    if lockfile_version is not None and lockfile_version not in (1, 2, 3):
        warnings.append(f"lockfileVersion {lockfile_version!r} is not one this importer knows (1, 2, 3)")
    packages = data.get("packages")
    if packages is not None:
        _parse_packages(expect_object(packages, "packages", FORMAT), components, warnings)
    elif data.get("dependencies") is not None:
        _parse_v1(expect_object(data["dependencies"], "dependencies", FORMAT), components, warnings)
        warnings.append(
            "lockfile v1 does not say which packages are direct dependencies; import package.json for that"
        )
    elif lockfile_version is None:
        raise ImporterError(f"{FORMAT}: neither lockfileVersion, packages nor dependencies found")
    return ParsedFile(format=FORMAT, components=components.records(), warnings=warnings)
