"""npm package.json: the direct dependencies a project declares (ranges, not resolved versions)."""

from __future__ import annotations

from app.inventory.importers._common import SCOPE_RANK, filename_of, guarded
from app.inventory.importers._npm import (
    Components,
    load_json_object,
    manifest_dependencies,
)
from app.inventory.importers.base import ParsedFile

FORMAT = "package.json"

# Names other JSON importers own: package.json must never claim them by content.
_OTHER_JSON_NAMES = frozenset({"package-lock.json", "npm-shrinkwrap.json", "bower.json", ".bower.json",
                               "composer.json", "composer.lock"})
# Keys only npm manifests carry (bower.json has name/dependencies/devDependencies too).
_NPM_ONLY_KEYS = (b'"scripts"', b'"engines"', b'"peerDependencies"', b'"optionalDependencies"',
                  b'"workspaces"', b'"packageManager"')


def sniff(filename: str, head: bytes) -> bool:
    """Claim files named package.json, or JSON objects with dependency sections and npm-only keys."""
    name = filename_of(filename)
    if name == "package.json":
        return True
    if name in _OTHER_JSON_NAMES or name.endswith(("-lock.json", "package-lock.json")):
        return False
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not stripped.startswith(b"{") or b'"lockfileVersion"' in head:
        return False
    if b'"dependencies"' not in head and b'"devDependencies"' not in head:
        return False
    # SBOM documents are JSON objects too; they have their own importers.
    if b'"bomFormat"' in head or b'"spdxVersion"' in head:
        return False
    return any(key in head for key in _NPM_ONLY_KEYS)


@guarded(FORMAT)
def parse(content: bytes) -> ParsedFile:
    """Every declared dependency is direct; its scope comes from its section; the range is its version."""
    manifest = load_json_object(content, FORMAT)
    components = Components("npm")
    for name, (spec, scope) in manifest_dependencies(manifest, FORMAT).items():
        entry = components.add(name, spec)
        entry.direct = True
        entry.scope_rank = SCOPE_RANK[scope]
    parsed = ParsedFile(format=FORMAT, components=components.records())
    if parsed.components:
        parsed.warnings.append(
            "package.json gives version ranges, not the installed versions; import the lockfile for exact ones"
        )
    return parsed
