"""How current one package version is, from its registry's metadata (pure: no Flask, no ORM).

Releases behind: the stable releases of the package whose version orders after this one (a later upload of an older
line, such as a 3.2.x security fix after 4.0, is not counted). Days behind ("libyear" in days): from this version's
upload to the upload of the registry's latest version; 0 when this is the latest. A version the registry withdrew is
"yanked" (PyPI's yanked flag); npm has no yank after 72 hours, its equivalent is a deprecated version, and a whole
package can be deprecated with a message (npm). Unknown facts stay None, never guessed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from packaging.version import InvalidVersion, Version
from univers import versions as univers_versions


@dataclass(frozen=True)
class Currency:
    """What the registry says of one exact version."""

    latest_version: str = ""
    releases_behind: int | None = None
    days_behind: int | None = None
    yanked: bool = False
    deprecated: bool = False
    deprecation: str = ""  # the registry's message when the package or the version is deprecated

    @property
    def outdated(self) -> bool:
        return bool(self.releases_behind)


def _pypi(text: str) -> tuple[Any, bool]:
    parsed = Version(text)
    return parsed, parsed.is_prerelease or parsed.is_devrelease


def _semver(text: str) -> tuple[Any, bool]:
    parsed = univers_versions.SemverVersion(text.lstrip("v"))
    return parsed, bool(parsed.value.prerelease)


_PARSERS: dict[str, Callable[[str], tuple[Any, bool]]] = {"pypi": _pypi, "npm": _semver}


def _parse(ecosystem: str, text: str) -> tuple[Any, bool] | None:
    """(orderable version, is a pre-release), or None when the ecosystem's ordering cannot read it."""
    parser = _PARSERS.get(ecosystem)
    if parser is None:
        return None
    try:
        return parser(text)
    except (InvalidVersion, ValueError, TypeError):
        return None


def _time(value: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        return None
    return moment.replace(tzinfo=None) if moment.tzinfo is None else moment


def assess(ecosystem: str, version: str, *, latest_version: str, releases: Sequence[Sequence[str]],
           yanked: Sequence[str] = (), package_deprecation: str = "") -> Currency:
    """The currency of `version` given the registry's releases ((version, ISO upload time) pairs), its latest version,
    its withdrawn versions (PyPI yanked, npm deprecated) and the package's deprecation message."""
    withdrawn = version in set(yanked)
    is_npm = ecosystem == "npm"
    deprecated = bool(package_deprecation) or (is_npm and withdrawn)
    message = package_deprecation or ("this version is deprecated on npm" if is_npm and withdrawn else "")
    uploaded = {str(item[0]): str(item[1]) for item in releases if len(item) >= 2}
    mine = _parse(ecosystem, version)
    behind: int | None = None
    if mine is not None and uploaded:
        behind = 0
        withdrawn_versions = set(yanked)
        for other in uploaded:
            if other in withdrawn_versions:
                continue
            parsed = _parse(ecosystem, other)
            if parsed is not None and not parsed[1] and parsed[0] > mine[0]:
                behind += 1
    days: int | None = None
    if latest_version and latest_version == version:
        days = 0
    elif latest_version and version in uploaded and latest_version in uploaded:
        start, end = _time(uploaded[version]), _time(uploaded[latest_version])
        if start is not None and end is not None and start.tzinfo == end.tzinfo:
            days = max(0, (end - start).days)
    if behind == 0 and latest_version and latest_version != version and mine is not None:
        latest = _parse(ecosystem, latest_version)
        if latest is not None and latest[0] > mine[0] and not latest[1]:
            behind = 1  # the registry's latest is newer, though its upload is not in the list it gave
    return Currency(latest_version=latest_version, releases_behind=behind, days_behind=days,
                    yanked=withdrawn and not is_npm, deprecated=deprecated, deprecation=message[:500])
