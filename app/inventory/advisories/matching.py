"""Does an OSV advisory affect a component version? Each ecosystem's own version rules decide.

Implements the evaluation algorithm of the OSV schema ("Evaluation" section): events of a range
are sorted by version, `introduced` opens, `fixed` closes at that version, `last_affected` closes
after it, and `limit` events bound the range from above. GIT ranges need the repository and are
ignored. Pure: no Flask, no ORM.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from functools import lru_cache
from typing import Any, TypeVar

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version
from univers import versions as univers_versions
from univers.nuget import InvalidNuGetVersion

from app.inventory.advisories.osv import AdvisoryRecord, AffectedPackage, Range

K = TypeVar("K", bound=Hashable)

# Our ecosystem names are purl types; OSV names ecosystems its own way. Both spellings are accepted.
PURL_TYPE_TO_OSV: dict[str, str] = {
    "pypi": "PyPI",
    "npm": "npm",
    "maven": "Maven",
    "nuget": "NuGet",
    "golang": "Go",
    "cargo": "crates.io",
    "gem": "RubyGems",
    "composer": "Packagist",
    "hex": "Hex",
    "pub": "Pub",
    "swift": "SwiftURL",
    "deb": "Debian",
    "apk": "Alpine",
}
_OSV_NAMES = {name.lower(): name for name in PURL_TYPE_TO_OSV.values()}

_Parser = Callable[[str], Any]


def _pypi(text: str) -> Version:
    return Version(text)


def _univers(cls: type[univers_versions.Version]) -> _Parser:
    def parse(text: str) -> Any:
        return cls(text)

    return parse


# ECOSYSTEM ranges use the ecosystem's own ordering; an ecosystem missing here has no ordering we
# trust, so only its explicit `versions` list can match.
_ECOSYSTEM_PARSERS: dict[str, _Parser] = {
    "PyPI": _pypi,
    "npm": _univers(univers_versions.SemverVersion),
    "Maven": _univers(univers_versions.MavenVersion),
    "NuGet": _univers(univers_versions.NugetVersion),
    "Go": _univers(univers_versions.GolangVersion),
    "crates.io": _univers(univers_versions.SemverVersion),
    "RubyGems": _univers(univers_versions.RubygemsVersion),
    "Packagist": _univers(univers_versions.ComposerVersion),
    "Hex": _univers(univers_versions.SemverVersion),
    "Pub": _univers(univers_versions.SemverVersion),
    "SwiftURL": _univers(univers_versions.SemverVersion),
    "Debian": _univers(univers_versions.DebianVersion),
    "Alpine": _univers(univers_versions.AlpineLinuxVersion),
}
_SEMVER = "SEMVER"
_EVALUATED_RANGE_TYPES = ("ECOSYSTEM", _SEMVER)
# Names that the ecosystem's registry treats case-insensitively.
_CASE_INSENSITIVE = {"NuGet", "Packagist", "crates.io"}


@lru_cache(maxsize=1024)  # pure, and called once per component of every import and match
def osv_ecosystem(ecosystem: str) -> str:
    """OSV's name for an ecosystem given as a purl type or as an OSV name ("Debian:11" counts as "Debian")."""
    base = ecosystem.split(":", 1)[0].strip()
    lowered = base.lower()
    if lowered in PURL_TYPE_TO_OSV:
        return PURL_TYPE_TO_OSV[lowered]
    if lowered in ("go", "crates", "rubygems", "packagist"):
        return {"go": "Go", "crates": "crates.io", "rubygems": "RubyGems", "packagist": "Packagist"}[lowered]
    return _OSV_NAMES.get(lowered, base)


@lru_cache(maxsize=65536)  # pure: the same packages recur in every release
def normalise_name(ecosystem: str, name: str) -> str:
    """A package name as the ecosystem compares it: PEP 503 for PyPI, group:artifact for Maven."""
    osv = osv_ecosystem(ecosystem)
    text = name.strip()
    if osv == "PyPI":
        return canonicalize_name(text)
    if osv == "Maven":
        return text.replace("/", ":")
    if osv in _CASE_INSENSITIVE:
        return text.lower()
    return text


@lru_cache(maxsize=65536)
def _parsed(kind: str, text: str) -> Any | None:
    """The version parsed by `kind` (an OSV ecosystem or SEMVER), None when it cannot be parsed."""
    parser = _univers(univers_versions.SemverVersion) if kind == _SEMVER else _ECOSYSTEM_PARSERS.get(kind)
    if parser is None or not text.strip():
        return None
    try:
        return parser(text.strip())
    except (InvalidVersion, InvalidNuGetVersion, ValueError, TypeError):
        # univers's InvalidVersion is a ValueError; its NuGet parser raises its own type.
        return None


def affects(affected: AffectedPackage, ecosystem: str, name: str, version: str) -> bool:
    """True when the package is the same and the version is in the explicit list or inside one of the ranges."""
    osv = osv_ecosystem(ecosystem)
    if osv_ecosystem(affected.ecosystem) != osv:
        return False
    if normalise_name(osv, affected.name) != normalise_name(osv, name):
        return False
    return version_affected(affected, osv, version)


def version_affected(affected: AffectedPackage, osv: str, version: str) -> bool:
    """The version part of `affects`, for a package already known to be the same one."""
    if _in_versions_list(affected.versions, osv, version):
        return True
    return any(_in_range(rng, osv, version) for rng in affected.ranges)


def _in_versions_list(listed: Sequence[str], osv: str, version: str) -> bool:
    if version in listed:
        return True
    # "2.10" and "2.10.0" are one PyPI release; compare parsed versions when the text differs.
    wanted = _parsed(osv, version)
    if wanted is None:
        return False
    try:
        return wanted in _parsed_list(osv, tuple(listed))
    except (TypeError, ValueError):
        return False


@lru_cache(maxsize=16384)
def _parsed_list(osv: str, listed: tuple[str, ...]) -> list[Any]:
    # A list, not a set: some univers classes hash equal versions ("1.0", "1.0.0") differently.
    return [parsed for parsed in (_parsed(osv, item) for item in listed) if parsed is not None]


def _in_range(rng: Range, osv: str, version: str) -> bool:
    if rng.type not in _EVALUATED_RANGE_TYPES:
        return False  # GIT (commit hashes) cannot be evaluated offline
    kind = _SEMVER if rng.type == _SEMVER else osv
    current = _parsed(kind, version)
    if current is None:
        return False
    ordered: list[tuple[tuple[int, Any], str]] = []
    limits: list[Any] = []
    for event_kind, value in rng.events:
        if event_kind == "limit":
            if value == "*":
                limits.append(None)
                continue
            bound = _parsed(kind, value)
            if bound is None:
                return False  # a range we cannot read is not evidence either way
            limits.append(bound)
            continue
        if event_kind == "introduced" and value == "0":
            ordered.append(((0, 0), event_kind))  # "0" is before every version
            continue
        parsed = _parsed(kind, value)
        if parsed is None:
            return False
        ordered.append(((1, parsed), event_kind))
    try:
        if limits and not any(bound is None or current < bound for bound in limits):
            return False
        ordered.sort(key=lambda item: item[0])
        return _walk_events(current, ordered)
    except (TypeError, ValueError):
        return False  # versions the ecosystem's rules cannot order never match, never raise


def _walk_events(current: Any, ordered: Sequence[tuple[tuple[int, Any], str]]) -> bool:
    vulnerable = False
    for (zero_or_version, event_version), event_kind in ordered:
        if event_kind == "introduced":
            if zero_or_version == 0 or current >= event_version:
                vulnerable = True
        elif zero_or_version == 1 and (
            (event_kind == "fixed" and current >= event_version)
            or (event_kind == "last_affected" and current > event_version)
        ):
            vulnerable = False
    return vulnerable


def match_components(
    advisories: Iterable[AdvisoryRecord],
    components: Iterable[tuple[K, str, str, str]],
    *,
    include_withdrawn: bool = False,
) -> dict[K, list[str]]:
    """Advisory ids affecting each (key, ecosystem, name, version); withdrawn advisories count only on request.

    Keys without any match are left out. Ids keep the order the advisories came in.
    """
    index: dict[tuple[str, str], list[tuple[AdvisoryRecord, AffectedPackage]]] = defaultdict(list)
    for advisory in advisories:
        if advisory.is_withdrawn and not include_withdrawn:
            continue
        for affected in advisory.affected:
            osv = osv_ecosystem(affected.ecosystem)
            index[(osv, normalise_name(osv, affected.name))].append((advisory, affected))
    matches: dict[K, list[str]] = {}
    for key, ecosystem, name, version in components:
        osv = osv_ecosystem(ecosystem)
        found: list[str] = []
        for advisory, affected in index.get((osv, normalise_name(osv, name)), ()):
            if advisory.id not in found and version_affected(affected, osv, version):
                found.append(advisory.id)
        if found:
            matches[key] = found
    return matches
