"""yarn.lock: classic v1 (yarn's own indented text format) and berry v2+ (YAML).

Each entry is keyed by the descriptors ("name@range", comma-separated) that resolved to it.
A dependency "b" "^1.0.0" of an entry points to the entry whose descriptors include "b@^1.0.0":
that is how parents are found. Classic files do not say what is direct; berry files do, through
their workspace entries. No yarn.lock tells dev from runtime: a package is "runtime", or
"optional" when berry marks the only way to it optional. A package from git keeps its repository at
the locked commit as where it came from (`resolved` in v1, berry's `resolution` "name@<repo>#commit=<sha>").

The v1 reader is a small line parser. PyPI has two candidates, neither fit: `pyarn` is GPL-3.0+,
"Planning" status and documents no error handling; `yarnlock` (Rust) also keys results by bare
package name, so one of two versions of a package shadows the other, and its errors carry no
line number, which this importer must report.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from app.inventory.importers._common import decode_text, filename_of, guarded, without_credentials
from app.inventory.importers._npm import (
    Components,
    Entry,
    expect_object,
    expect_text,
    is_local_folder,
    load_yaml_mapping,
    local_folders_warning,
    settle_scopes,
    split_scope,
)
from app.inventory.importers.base import ImporterError, ParsedFile

FORMAT = "yarn.lock"

_QUOTED = re.compile(r'"(?:[^"\\\n]|\\.)*"')
_WORD = re.compile(r'[^\s,:"]+')
_BERRY_MARKER = re.compile(r"^__metadata:", re.MULTILINE)
# Berry protocols that are the project's own code, not a third-party package.
_LOCAL_PROTOCOLS = frozenset({"workspace", "link", "portal"})
_EDGE_SECTIONS = ("dependencies", "optionalDependencies")
_SCOPE_WARNING = "yarn.lock does not record which packages are dev-only: they are listed as runtime"


# A classic entry without the header (some tools strip it): `name@range:` then `  version "x"` and `  resolved "..."`.
_HEADERLESS_V1 = re.compile(rb'\A(?:\s*#[^\n]*\n|\s*\n)*"?[^\s#"][^\n]*@[^\n]*:\r?\n  version "[^"\n]+"\r?\n  resolved "')


def claims(content: bytes) -> bool:
    """Text with the classic "# yarn lockfile v1" header or berry's top-level __metadata block, or that begins with a
    classic entry (its version and resolved lines) when the header was left out."""
    return (b"# yarn lockfile v1" in content[:1024] or re.search(rb"^__metadata:\r?\n", content, re.MULTILINE) is not None
            or _HEADERLESS_V1.match(bytes(content[:4096])) is not None)


def named(filename: str) -> bool:
    """yarn.lock, also with a prefix or a suffix in the name (yarn-v1.lock, app.yarn.lock)."""
    name = filename_of(filename)
    return name.endswith(".lock") and "yarn" in name


@dataclass
class _Block:
    """One top-level entry of a yarn.lock: its descriptors, the line it starts on and its fields."""

    descriptors: list[str]
    line: int
    fields: dict[str, Any] = field(default_factory=dict)


def _tokens(text: str, line: int) -> list[tuple[str, str]]:
    """Split one v1 line into (kind, text) tokens: "str", ",", ":"; a "#" at a token start ends the line."""
    tokens: list[tuple[str, str]] = []
    pos = 0
    size = len(text)
    while pos < size:
        char = text[pos]
        if char in " \t":
            pos += 1
        elif char == '"':
            match = _QUOTED.match(text, pos)
            if match is None:
                raise ImporterError(f"{FORMAT}: a quoted string does not close", line=line)
            try:
                value = json.loads(match.group())
            except ValueError as error:
                raise ImporterError(f"{FORMAT}: bad escape in a quoted string", line=line) from error
            tokens.append(("str", value))
            pos = match.end()
        elif char in ",:":
            tokens.append((char, char))
            pos += 1
        elif char == "#":
            break
        else:
            match = _WORD.match(text, pos)
            if match is None:  # only a stray quote-free control sequence can get here
                raise ImporterError(f"{FORMAT}: unexpected character {char!r}", line=line)
            tokens.append(("str", match.group()))
            pos = match.end()
    return tokens


def _classic_blocks(text: str) -> list[_Block]:
    """Read yarn's v1 format: two-space indents, `key value` pairs, `key1, key2:` opening a block."""
    blocks: list[_Block] = []
    stack: list[dict[str, Any]] = []  # stack[i] is the open object at indent level i+1
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip("\r")
        content = line.lstrip(" ")
        if not content or content.startswith("#"):
            continue
        if content[0] == "\t":
            raise ImporterError(f"{FORMAT}: tabs are not allowed for indentation", line=number)
        indent = len(line) - len(content)
        if indent % 2:
            raise ImporterError(f"{FORMAT}: indentation must be a multiple of two spaces", line=number)
        level = indent // 2
        if level > len(stack):
            raise ImporterError(f"{FORMAT}: line is indented deeper than its block", line=number)
        del stack[level:]
        tokens = _tokens(content, number)
        if not tokens:
            continue
        if tokens[-1][0] == ":":
            keys = _keys(tokens[:-1], number)
            child: dict[str, Any] = {}
            if level == 0:
                blocks.append(_Block(descriptors=keys, line=number, fields=child))
            else:
                for key in keys:
                    stack[level - 1][key] = child
            stack.append(child)
            continue
        if level == 0:
            raise ImporterError(f"{FORMAT}: expected an entry such as `name@range:`", line=number)
        if len(tokens) == 3 and tokens[1][0] == ":":  # `key: value`, which yarn's own parser reads too
            tokens = [tokens[0], tokens[2]]
        if len(tokens) != 2 or tokens[0][0] != "str" or tokens[1][0] != "str":
            raise ImporterError(f"{FORMAT}: expected `key value` or `key:`", line=number)
        key, value = tokens[0][1], tokens[1][1]
        target = stack[level - 1]
        if key in target:
            raise ImporterError(f"{FORMAT}: {key!r} appears twice in one block", line=number)
        target[key] = value
    return blocks


def _keys(tokens: list[tuple[str, str]], line: int) -> list[str]:
    """Turn `k1, k2` tokens into keys; anything else is a malformed header."""
    keys: list[str] = []
    expect_key = True
    for kind, value in tokens:
        if expect_key and kind == "str":
            keys.append(value)
            expect_key = False
        elif not expect_key and kind == ",":
            expect_key = True
        else:
            raise ImporterError(f"{FORMAT}: malformed key list before ':'", line=line)
    if expect_key:
        raise ImporterError(f"{FORMAT}: missing key before ':'", line=line)
    return keys


def _split_descriptor(descriptor: str) -> tuple[str, str]:
    """Split "name@range" (the name may be "@scope/name") into its parts."""
    at = descriptor.find("@", 1)
    if at <= 0:
        return descriptor, ""
    return descriptor[:at], descriptor[at + 1 :]


def _alias_target(name: str, spec: str) -> str:
    # "alias@npm:real@^1.0.0" installs the package "real" under the folder "alias".
    if spec.startswith("npm:"):
        real, rest = _split_descriptor(spec[4:])
        if rest:
            return real
    return name


def _link_parents(
    entries: list[tuple[Entry, dict[str, Any], str]],
    by_descriptor: dict[str, Entry],
    berry: bool,
) -> dict[tuple[str, str], list[tuple[tuple[str, str], bool]]]:
    """Record each entry as a parent of what it depends on; return the graph for the scope walk."""
    children: dict[tuple[str, str], list[tuple[tuple[str, str], bool]]] = {}
    for entry, fields, where in entries:
        edges = children.setdefault((entry.name, entry.version), [])
        meta = fields.get("dependenciesMeta") if berry else None
        for section in _EDGE_SECTIONS:
            needs = fields.get(section)
            if not needs:
                continue
            for dependency, spec in expect_object(needs, f"{where}.{section}", FORMAT).items():
                target = _lookup(by_descriptor, str(dependency), str(spec), berry)
                if target is not None:
                    target.parents[entry.purl] = None
                    optional = section == "optionalDependencies" or _meta_optional(meta, dependency)
                    edges.append(((target.name, target.version), optional))
    return children


def _meta_optional(meta: Any, dependency: Any) -> bool:
    """Berry marks an optional dependency with dependenciesMeta: {name: {optional: true}}."""
    if not isinstance(meta, dict):
        return False
    flags = meta.get(dependency)
    return isinstance(flags, dict) and flags.get("optional") is True


def _lookup(by_descriptor: dict[str, Entry], name: str, spec: str, berry: bool) -> Entry | None:
    target = by_descriptor.get(f"{name}@{spec}")
    if target is None and berry and ":" not in spec:
        # Older berry lockfiles write bare ranges in dependency lists but "npm:" in keys.
        target = by_descriptor.get(f"{name}@npm:{spec}")
    return target


def _parse_classic(text: str) -> ParsedFile:
    components = Components("npm")
    by_descriptor: dict[str, Entry] = {}
    entries: list[tuple[Entry, dict[str, Any], str]] = []
    folders: list[str] = []
    for block in _classic_blocks(text):
        where = f"{block.descriptors[0]!r} (line {block.line})"
        version = block.fields.get("version")
        if not isinstance(version, str) or not version:
            raise ImporterError(f"{FORMAT}: entry has no version", line=block.line, field="version")
        name, spec = _split_descriptor(block.descriptors[0])
        if is_local_folder(spec):
            folders.append(name)
            continue
        resolved = block.fields.get("resolved")
        real_name = (_registry_tarball_name(resolved) if isinstance(resolved, str) else "") or _alias_target(name, spec)
        entry = components.add(real_name, version)
        entry.scope_rank = 0
        entry.take_first(integrity=block.fields.get("integrity"))
        if isinstance(resolved, str) and not entry.repository_url and not _from_registry(resolved):
            entry.repository_url = resolved.split("#", 1)[0] if resolved.startswith("http") else resolved
        for descriptor in block.descriptors:
            by_descriptor[descriptor] = entry
        entries.append((entry, block.fields, where))
    _link_parents(entries, by_descriptor, berry=False)
    warnings = [
        "yarn.lock v1 does not say which packages are direct dependencies; import package.json for that",
        _SCOPE_WARNING,
    ]
    if folders:
        warnings.append(local_folders_warning(folders))
    return ParsedFile(format=FORMAT, components=components.records(), warnings=warnings)


def _from_registry(resolved: str) -> bool:
    """A `resolved` URL of a registry's tarball (`.../name/-/name-1.0.0.tgz`, private registries too), not a git
    repository or a tarball from elsewhere, which is where the package came from."""
    return resolved.startswith(("http://", "https://")) and "/-/" in resolved.split("#", 1)[0]


def _registry_tarball_name(resolved: str) -> str:
    """The package a registry's tarball URL names (`.../abbrev/-/abbrev-1.1.1.tgz`, `.../@scope/name/-/name-1.0.0.tgz`,
    `@scope%2fname` too), which an alias (`"remote@https://registry.npmjs.org/abbrev/-/abbrev-1.1.1.tgz"`) installs
    under another folder; "" for any other URL (git, codeload, a local archive: no name to take)."""
    if not _from_registry(resolved):
        return ""
    path = resolved.split("#", 1)[0].split("?", 1)[0]
    folder, _, tarball = path.rpartition("/-/")
    parts = folder.split("/")
    last = unquote(parts[-1])
    if len(parts) > 1 and parts[-2].startswith("@") and "/" not in last:
        last = f"{unquote(parts[-2])}/{last}"
    bare = split_scope(last)[1]
    if not bare or "/" in bare or not tarball.startswith(f"{bare}-") or not tarball.endswith(".tgz"):
        return ""
    return last


def _berry_origin(reference: str) -> str:
    """Where a berry package that is no registry release came from: its git repository at the locked commit
    ("repo#commit", as the pnpm and poetry importers record it), else the archive or URL it was installed from; ""
    for a registry release (`npm:`). A patched package came from where its original did."""
    if reference.startswith("patch:"):
        # patch:<source descriptor, %-encoded>#<patch file>::<bindings>
        return _berry_origin(_split_descriptor(unquote(reference[len("patch:"):].split("#", 1)[0]))[1])
    source = reference.split("::", 1)[0]  # berry's bindings (::locator=..., ::version=...) name no source
    if ":" not in source or source.startswith("npm:"):
        return ""
    location, _, fragment = source.partition("#")
    for parameter in fragment.split("&"):
        key, equals, value = parameter.partition("=")
        if not equals:  # lockfiles of berry 2 wrote `#commit:abc123`
            key, _, value = parameter.partition(":")
        if key == "commit" and value:
            return without_credentials(f"{location}#{value}")
    return without_credentials(source)


def _parse_berry(text: str) -> ParsedFile:
    data = load_yaml_mapping(text, FORMAT)
    components = Components("npm")
    by_descriptor: dict[str, Entry] = {}
    entries: list[tuple[Entry, dict[str, Any], str]] = []
    workspaces: list[tuple[dict[str, Any], str]] = []
    for key, fields in data.items():
        if key == "__metadata":
            continue
        if not isinstance(key, str):
            raise ImporterError(f"{FORMAT}: entry key {key!r} must be a descriptor string such as \"name@npm:^1.0.0\"")
        where = key
        if not isinstance(fields, dict):
            raise ImporterError(f"{FORMAT}: entry {where!r} must be a mapping", field=where)
        descriptors = [part.strip() for part in key.split(",") if part.strip()]
        resolution = fields.get("resolution")
        locator = resolution if isinstance(resolution, str) and resolution else descriptors[0] if descriptors else ""
        name, reference = _split_descriptor(locator)
        protocol = reference.split(":", 1)[0] if ":" in reference else "npm"
        if protocol in _LOCAL_PROTOCOLS or fields.get("linkType") == "soft":
            if protocol == "workspace":
                workspaces.append((fields, where))
            continue
        if not name:
            raise ImporterError(f"{FORMAT}: entry {where!r} has no package name", field=where)
        version = expect_text(fields.get("version"), f"{where}.version", FORMAT)
        if protocol == "patch":
            # A patched package keeps its name and version: it is the same component as the original.
            name = _split_descriptor(unquote(reference[len("patch:") :]))[0] or name
        entry = components.add(name, version)
        entry.scope_rank = 0
        origin = _berry_origin(reference)
        if origin and not entry.repository_url:
            entry.repository_url = origin
        for descriptor in descriptors:
            by_descriptor[descriptor] = entry
        entries.append((entry, fields, where))
    children = _link_parents(entries, by_descriptor, berry=True)
    warnings = [_SCOPE_WARNING]
    if workspaces:
        roots: list[tuple[tuple[str, str], int]] = []
        for entry in components.entries.values():
            entry.direct = False
        for fields, where in workspaces:
            meta = fields.get("dependenciesMeta")
            for section in ("dependencies", "optionalDependencies"):
                needs = fields.get(section)
                if not needs:
                    continue
                for dependency, spec in expect_object(needs, f"{where}.{section}", FORMAT).items():
                    target = _lookup(by_descriptor, str(dependency), str(spec), berry=True)
                    if target is not None:
                        target.direct = True
                        optional = section == "optionalDependencies" or _meta_optional(meta, dependency)
                        roots.append(((target.name, target.version), 1 if optional else 0))
        best = settle_scopes(roots, children)
        for key, entry in components.entries.items():
            entry.scope_rank = best.get(key, 0)
    else:
        warnings.insert(0, "this yarn.lock has no workspace entry, so direct dependencies are not known")
    return ParsedFile(format=FORMAT, components=components.records(), warnings=warnings)


@guarded(FORMAT)
def parse(content: bytes) -> ParsedFile:
    """One component per distinct name@version; parents from each entry's dependency descriptors."""
    text = decode_text(content, FORMAT)
    if "# yarn lockfile v1" not in text[:4096] and _BERRY_MARKER.search(text):
        return _parse_berry(text)
    return _parse_classic(text)
