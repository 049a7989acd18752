"""What changed between two releases: added, removed, upgraded, downgraded, licence changed.

Pure: plain values in, plain values out. A package is the same package when its ecosystem and
its name as the ecosystem compares names (PEP 503 for PyPI...) are the same; versions are
ordered by the ecosystem's own rules (packaging for PyPI, univers for the others).
A package present in several versions in one release (npm does that) is paired version by
version: versions present on both sides are unchanged, the rest are paired in order. A version's licence has
changed only when both sides state one and they differ: an empty licence is one not stated (not looked up yet).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cmp_to_key, lru_cache, partial
from typing import Any, Protocol, TypeVar

from packaging.version import InvalidVersion, Version

from app.inventory.advisories.matching import _parsed, normalise_name, osv_ecosystem

ADDED = "added"
REMOVED = "removed"
UPGRADED = "upgraded"
DOWNGRADED = "downgraded"
LICENCE_CHANGED = "licence_changed"
UNCHANGED = "unchanged"
CHANGE_KINDS: tuple[str, ...] = (ADDED, REMOVED, UPGRADED, DOWNGRADED, LICENCE_CHANGED)


class _Ordered(Protocol):
    """A value with an order: a parsed version (packaging, univers) or its text."""

    def __lt__(self, other: Any, /) -> bool: ...

    def __gt__(self, other: Any, /) -> bool: ...


_O = TypeVar("_O", bound=_Ordered)


@dataclass(frozen=True)
class DiffItem:
    """One component as the diff needs it."""

    name: str
    version: str
    ecosystem: str
    licence_expression: str = ""


@dataclass(frozen=True)
class Change:
    """One difference: `old`/`new` are None for an added/removed component."""

    kind: str
    name: str
    ecosystem: str
    old: DiffItem | None
    new: DiffItem | None

    def both(self) -> tuple[DiffItem, DiffItem]:
        """The old and the new component of an upgrade, a downgrade or a licence change."""
        if self.old is None or self.new is None:
            raise ValueError(f"The {self.kind} change of {self.name} has no old or no new component.")
        return self.old, self.new

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "ecosystem": self.ecosystem,
            "old_version": self.old.version if self.old else None,
            "new_version": self.new.version if self.new else None,
            "old_licence": self.old.licence_expression if self.old else None,
            "new_licence": self.new.licence_expression if self.new else None,
        }


@dataclass
class ReleaseDiff:
    """Every change, and the kind of change of each component of the newer release."""

    changes: list[Change] = field(default_factory=list)
    # (ecosystem key, name key, version) of the newer release -> (kind, previous version)
    kinds: dict[tuple[str, str, str], tuple[str, str]] = field(default_factory=dict)

    def count(self, kind: str) -> int:
        return sum(1 for change in self.changes if change.kind == kind)

    def counts(self) -> dict[str, int]:
        return {kind: self.count(kind) for kind in CHANGE_KINDS}

    def of(self, kind: str) -> list[Change]:
        return [change for change in self.changes if change.kind == kind]


@lru_cache(maxsize=65536)
def package_key(ecosystem: str, name: str) -> tuple[str, str]:
    """The identity of a package across releases (cached: the same packages recur in every release)."""
    return osv_ecosystem(ecosystem or "generic").lower(), normalise_name(ecosystem or "generic", name)


def compare_versions(ecosystem: str, left: str, right: str) -> int:
    """-1, 0 or 1 by the ecosystem's version rules; versions it cannot parse compare as PEP 440, then as text."""
    kind = osv_ecosystem(ecosystem or "generic")
    a, b = _parsed(kind, left), _parsed(kind, right)
    if a is not None and b is not None:
        try:
            return _sign(a, b)
        except TypeError:
            return _sign(left, right)
    try:
        pep440 = Version(left), Version(right)
    except InvalidVersion:
        return _sign(left, right)
    return _sign(*pep440)


def _sign(a: _O, b: _O) -> int:
    return (a > b) - (a < b)


def diff(old: Iterable[DiffItem], new: Iterable[DiffItem]) -> ReleaseDiff:
    """The changes from the `old` release to the `new` one."""
    before: dict[tuple[str, str], dict[str, DiffItem]] = defaultdict(dict)
    after: dict[tuple[str, str], dict[str, DiffItem]] = defaultdict(dict)
    for item in old:
        before[package_key(item.ecosystem, item.name)].setdefault(item.version, item)
    for item in new:
        after[package_key(item.ecosystem, item.name)].setdefault(item.version, item)
    result = ReleaseDiff()
    for key in sorted(set(before) | set(after)):
        old_versions, new_versions = before.get(key, {}), after.get(key, {})
        for version in sorted(old_versions.keys() & new_versions.keys()):
            previous, current = old_versions[version], new_versions[version]
            if previous.licence_expression and current.licence_expression and (
                    previous.licence_expression != current.licence_expression):  # "" is not stated, not a change
                result.changes.append(Change(LICENCE_CHANGED, current.name, current.ecosystem, previous, current))
                result.kinds[(*key, version)] = (LICENCE_CHANGED, version)
            else:
                result.kinds[(*key, version)] = (UNCHANGED, version)
        if old_versions.keys() == new_versions.keys():
            continue  # the same versions on both sides (most packages between two builds): nothing came or went
        ecosystem = next(iter((new_versions or old_versions).values())).ecosystem
        order = cmp_to_key(partial(compare_versions, ecosystem))
        # A version only pairs with a version: a package that lost its exact version (a manifest's range) was neither
        # upgraded nor downgraded: its old version went and the unversioned one came (which readiness refuses).
        gone = sorted(old_versions.keys() - new_versions.keys(), key=lambda v: (v == "", order(v)))
        came = sorted(new_versions.keys() - old_versions.keys(), key=lambda v: (v == "", order(v)))
        pairs = min(len([v for v in gone if v]), len([v for v in came if v]))
        for previous_version, version in zip(gone[:pairs], came[:pairs], strict=True):
            previous, current = old_versions[previous_version], new_versions[version]
            kind = UPGRADED if compare_versions(ecosystem, version, previous_version) >= 0 else DOWNGRADED
            result.changes.append(Change(kind, current.name, current.ecosystem, previous, current))
            result.kinds[(*key, version)] = (kind, previous_version)
        for version in came[pairs:]:
            current = new_versions[version]
            result.changes.append(Change(ADDED, current.name, current.ecosystem, None, current))
            result.kinds[(*key, version)] = (ADDED, "")
        for previous_version in gone[pairs:]:
            previous = old_versions[previous_version]
            result.changes.append(Change(REMOVED, previous.name, previous.ecosystem, previous, None))
    return result


def kind_of(result: ReleaseDiff, item: DiffItem) -> tuple[str, str]:
    """(change kind, previous version) of a component of the newer release."""
    return result.kinds.get((*package_key(item.ecosystem, item.name), item.version), (ADDED, ""))
