"""Shared pieces of the JavaScript importers: JSON/YAML loading, field checks, purls, licences, aggregation.

Everything here is pure and cached where the same input recurs (purls, licences), so a
900 KB lockfile costs little more than its own `json.loads`.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import yaml
from license_expression import ExpressionError
from packageurl import PackageURL

from app import nesting
from app.inventory.importers._common import RANK_SCOPE, SCOPE_RANK
from app.inventory.importers.base import ComponentRecord, ImporterError, parsed_once
from app.inventory.licences.expressions import normalise_licence

# package.json sections and the scope each one means (peer dependencies are provided by the
# consumer, so for this package they are optional).
MANIFEST_SECTIONS: tuple[tuple[str, str], ...] = (
    ("dependencies", "runtime"),
    ("optionalDependencies", "optional"),
    ("peerDependencies", "optional"),
    ("devDependencies", "dev"),
)

K = TypeVar("K")

# Top-level keys only npm manifests carry (bower.json has name/dependencies/devDependencies too).
NPM_ONLY_KEYS = ("scripts", "engines", "peerDependencies", "optionalDependencies", "workspaces", "packageManager")

# An exact npm version (semver with optional pre-release/build): only those go into a purl;
# a range such as "^1.2.0" is not a version of anything.
_EXACT_VERSION = re.compile(r"v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?")


def load_json_object(content: bytes, format_name: str) -> dict[str, Any]:
    """Decode a JSON document whose top level must be an object; errors name the line."""
    if not isinstance(content, (bytes, bytearray)):
        raise ImporterError(f"{format_name}: expected the file's bytes")
    try:
        # json.loads on bytes detects UTF-8/16/32 and a UTF-8 BOM by itself, at full speed.
        data = parsed_once(content, "json", lambda: nesting.load_json(content))
    except json.JSONDecodeError as error:
        raise ImporterError(f"{format_name}: invalid JSON: {error.msg}", line=error.lineno) from error
    except UnicodeDecodeError as error:
        raise ImporterError(f"{format_name}: the file is not UTF-8 text") from error
    except nesting.UnreadableData as error:
        raise ImporterError(f"{format_name}: {error}") from error
    if not isinstance(data, dict):
        raise ImporterError(f"{format_name}: the top level must be a JSON object")
    return data


# libyaml's loader, when PyYAML was built with it: the same safe constructors, about ten times faster than the pure
# Python one (a 450 KB pnpm-lock.yaml took 4 s); nesting.load_yaml measures the depth before libyaml builds anything.
_SAFE_LOADER: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml_mapping(text: str, format_name: str) -> dict[Any, Any]:
    """Load YAML with the safe loader; the top level must be a mapping; errors name the line."""
    documents = load_yaml_mappings(text, format_name)
    if len(documents) != 1:
        raise ImporterError(f"{format_name}: expected one YAML document, found {len(documents)}")
    return documents[0]


def load_yaml_mappings(text: str, format_name: str) -> list[dict[Any, Any]]:
    """Load every document of a YAML stream with the safe loader; each must be a mapping; errors name the line."""
    try:
        documents = nesting.load_yaml_documents(text, _SAFE_LOADER)
    except nesting.UnreadableData as error:
        raise ImporterError(f"{format_name}: {error}") from error
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = error.problem or error.context or "invalid YAML"
        raise ImporterError(f"{format_name}: invalid YAML: {problem}", line=line) from error
    except yaml.YAMLError as error:
        raise ImporterError(f"{format_name}: invalid YAML: {error}") from error
    if not documents or not all(isinstance(document, dict) for document in documents):
        raise ImporterError(f"{format_name}: the top level must be a mapping")
    return documents


def expect_object(value: Any, field_name: str, format_name: str) -> dict[Any, Any]:
    """Return value if it is an object (None counts as empty); else raise naming the field."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ImporterError(f"{format_name}: {field_name} must be an object", field=field_name)
    return value


def expect_text(value: Any, field_name: str, format_name: str) -> str:
    """Return value as text (YAML numbers become text); a missing or other value raises naming the field."""
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if value is None or value == "":
        raise ImporterError(f"{format_name}: {field_name} is missing", field=field_name)
    raise ImporterError(f"{format_name}: {field_name} must be a string", field=field_name)


def dependency_map(value: Any, field_name: str, format_name: str) -> dict[str, str]:
    """Return a {name: range} section; every key and value must be text."""
    section = expect_object(value, field_name, format_name)
    for name, spec in section.items():
        if not isinstance(name, str) or not name:
            raise ImporterError(f"{format_name}: {field_name} has an empty or non-text name", field=field_name)
        if not isinstance(spec, str):
            raise ImporterError(
                f"{format_name}: {field_name}[{name!r}] must be a string", field=f"{field_name}[{name!r}]"
            )
    return section


def split_scope(name: str) -> tuple[str | None, str]:
    """Split an npm name into (@scope or None, bare name): "@babel/core" -> ("@babel", "core")."""
    if name.startswith("@"):
        scope, slash, bare = name.partition("/")
        if slash and bare:
            return scope, bare
    return None, name


def is_exact_version(text: str) -> bool:
    """Tell whether text is one exact semver version rather than a range or a URL."""
    return _EXACT_VERSION.fullmatch(text) is not None


_ARCHIVES = (".tgz", ".tar.gz", ".tar", ".zip")


def is_local_folder(spec: str) -> bool:
    """A `file:` (or `link:`) reference to a folder of the project, installed as a package: the project's own code, not
    a component. A `file:` archive (.tgz, .zip...) is a package."""
    return spec.startswith(("file:", "link:")) and not spec.split("#", 1)[0].lower().endswith(_ARCHIVES)


def local_folders_warning(names: Iterable[str], *, then: str = "") -> str:
    """What an import says of the project's folders it did not take for components (the first ten named)."""
    listed = sorted(set(names))
    shown = ", ".join(listed[:10]) + (", ..." if len(listed) > 10 else "")
    return (f"{len(listed)} package(s) installed from folders of the project (file: directories: {shown}) are the "
            f"project's own code, not components{then}")


@functools.lru_cache(maxsize=65536)
def npm_purl(name: str, version: str) -> str:
    """Build the npm purl; the scope is the namespace ("pkg:npm/%40babel/core@7.0.0")."""
    namespace, bare = split_scope(name)
    return PackageURL(type="npm", namespace=namespace, name=bare, version=version or None).to_string()


@functools.lru_cache(maxsize=65536)
def purl_for(ecosystem: str, name: str, version: str) -> str:
    """Build a purl for an npm-style or bower package; a version that is a range is left out."""
    exact = version if is_exact_version(version) else ""
    if ecosystem == "npm":
        return npm_purl(name, exact)
    return PackageURL(type=ecosystem, name=name, version=exact or None).to_string()


@functools.lru_cache(maxsize=8192)
def _licence_text(raw: str) -> tuple[str, tuple[str, ...]]:
    try:
        return normalise_licence(raw)
    except (ExpressionError, AttributeError, TypeError, ValueError):
        # license-expression 30.4 itself fails with AttributeError on text such as "MIT/X11".
        text = raw.strip()
        return text, (text,)


def licence_of(value: Any) -> tuple[str, tuple[str, ...]]:
    """Normalise a package's licence field: a string, {"type": ...}, or an old `licenses` list (OR)."""
    if value is None:
        return "", ()
    if isinstance(value, str):
        return _licence_text(value)
    if isinstance(value, dict):
        return licence_of(value.get("type"))
    if isinstance(value, list):
        present = [part for part in (licence_of(item) for item in value) if part[0]]
        if not present:
            return "", ()
        if len(present) == 1:
            return present[0]
        # The old `licenses` array lists alternatives the user may pick from.
        return _licence_text(" OR ".join(f"({text})" if " " in text else text for text, _ in present))
    return "", ()


@functools.lru_cache(maxsize=65536)
def _sri_to_hashes(integrity: str) -> tuple[str, ...]:
    hashes: list[str] = []
    for token in integrity.split():
        algorithm, dash, digest = token.partition("-")
        if not dash or algorithm not in {"sha1", "sha256", "sha384", "sha512"}:
            continue
        try:
            raw = base64.b64decode(digest.split("?", 1)[0], validate=True)
        except (binascii.Error, ValueError):
            continue  # a damaged hash is not a reason to refuse the file; it is just not kept
        hashes.append(f"{algorithm}:{raw.hex()}")
    return tuple(hashes)


def integrity_hashes(value: Any) -> tuple[str, ...]:
    """Turn a Subresource Integrity string ("sha512-<base64>") into "sha512:<hex>" hashes."""
    if isinstance(value, str) and value:
        return _sri_to_hashes(value)
    return ()


@dataclass(slots=True)
class Entry:
    """A component being assembled from one or more places in a lockfile."""

    name: str
    version: str
    purl: str
    ecosystem: str = "npm"
    scope_rank: int = 2
    direct: bool | None = None
    parents: dict[str, None] = field(default_factory=dict)  # ordered set
    licence: tuple[str, tuple[str, ...]] = ("", ())
    hashes: tuple[str, ...] = ()
    supplier: str = ""
    repository_url: str = ""
    description: str = ""
    declared: str = ""  # a manifest's range for this package

    def take_first(self, licence: Any = None, integrity: Any = None) -> None:
        """Keep the first licence and the first integrity hashes that any occurrence of the package declares."""
        if licence is not None and not self.licence[0]:
            self.licence = licence_of(licence)
        if not self.hashes:
            self.hashes = integrity_hashes(integrity)

    def record(self) -> ComponentRecord:
        """Freeze the assembled entry into a ComponentRecord (its own purl is never its parent)."""
        parents = tuple(self.parents)
        if self.purl in self.parents:  # a package that requires itself through a cycle is not its parent
            parents = tuple(parent for parent in parents if parent != self.purl)
        return ComponentRecord(
            name=self.name,
            version=self.version,
            ecosystem=self.ecosystem,
            purl=self.purl,
            licence_expression=self.licence[0],
            unknown_licences=self.licence[1],
            direct=self.direct,
            parents=parents,
            scope=RANK_SCOPE[self.scope_rank],
            supplier=self.supplier,
            repository_url=self.repository_url,
            description=self.description,
            hashes=self.hashes,
            declared=self.declared,
        )


class Components:
    """Components keyed by (name, version) in first-seen order: the same package at several paths is one."""

    def __init__(self, ecosystem: str = "npm") -> None:
        self.ecosystem = ecosystem
        self.entries: dict[tuple[str, str], Entry] = {}

    def add(self, name: str, version: str) -> Entry:
        """Return the entry of name@version, creating it on first sight."""
        key = (name, version)
        entry = self.entries.get(key)
        if entry is None:
            try:
                purl = purl_for(self.ecosystem, name, version)
            except (TypeError, ValueError) as error:
                # packageurl refuses names that are empty once trimmed ("/", " "): the file is wrong.
                raise ImporterError(f"{self.ecosystem}: {name!r} is not a valid package name") from error
            entry = Entry(name=name, version=version, purl=purl, ecosystem=self.ecosystem)
            self.entries[key] = entry
        return entry

    def records(self) -> list[ComponentRecord]:
        """Return the frozen records in file order."""
        return [entry.record() for entry in self.entries.values()]


def settle_scopes(roots: Iterable[tuple[K, int]], children: Mapping[K, Iterable[tuple[K, bool]]]) -> dict[K, int]:
    """Give each node reachable from the roots its lowest scope rank; an optional edge makes at least optional."""
    best: dict[K, int] = {}
    # Ranks only grow along an edge, so buckets processed in rank order settle each node at its
    # lowest rank and expand it at most once per rank: linear in the size of the graph.
    buckets: list[list[K]] = [[], [], []]
    for node, rank in roots:
        buckets[rank].append(node)
    for rank, bucket in enumerate(buckets):
        while bucket:
            node = bucket.pop()
            if best.get(node, 3) <= rank:
                continue
            best[node] = rank
            for child, optional in children.get(node, ()):
                child_rank = max(rank, 1) if optional else rank
                if best.get(child, 3) > child_rank:
                    buckets[child_rank].append(child)
    return best


def manifest_dependencies(
    manifest: Mapping[str, Any], format_name: str, sections: Iterable[tuple[str, str]] = MANIFEST_SECTIONS
) -> dict[str, tuple[str, str]]:
    """Return {name: (range, scope)} from package.json-like sections; npm lets optional override runtime."""
    result: dict[str, tuple[str, str]] = {}
    for section, scope in sections:
        for name, spec in dependency_map(manifest.get(section), section, format_name).items():
            known = result.get(name)
            text = str(spec)
            if known is None:
                result[name] = (text, scope)
            elif section == "optionalDependencies" and known[1] == "runtime":
                result[name] = (text, scope)  # npm: optionalDependencies replace the same name in dependencies
            elif SCOPE_RANK[scope] < SCOPE_RANK[known[1]]:
                result[name] = (known[0], scope)
    return result

