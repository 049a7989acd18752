"""Compute and read the currency of a release's component versions (flushes; the caller commits).

Computed from the stored registry metadata (app.sources) when a release's packages are looked up, so the release
page filters on a stored column and a page costs the same whatever the release's size.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select

from app.db import utcnow
from app.extensions import db
from app.inventory.models import Component, Release
from app.inventory.obsolescence.currency import assess
from app.inventory.obsolescence.models import VersionCurrency
from app.sources.models import LookupState, PackageMetadata
from app.sources.registries import normalise_name

FILTERS = {"outdated": "Outdated", "yanked": "Yanked", "deprecated": "Deprecated", "current": "Up to date",
           "unknown": "Not looked up"}


def refresh(release: Release, found: Mapping[tuple[str, str], PackageMetadata]) -> int:
    """Store the currency of the release's component versions whose package metadata was found; returns how many
    versions were computed (each (ecosystem, name, version) once, however many releases ship it)."""
    wanted = {(eco, name) for (eco, name), meta in found.items() if meta.state == LookupState.FOUND}
    if not wanted:
        return 0
    spellings = db.session.execute(
        select(Component.ecosystem, Component.name, Component.version).where(
            Component.release_id == release.id, Component.ecosystem.in_({eco for eco, _ in wanted})).distinct())
    keys = [(str(eco), str(name), str(version)) for eco, name, version in spellings
            if (eco, normalise_name(str(eco), str(name))) in wanted]
    stored = _stored(keys)
    now = utcnow()
    for ecosystem, name, version in keys:
        meta = found[(ecosystem, normalise_name(ecosystem, name))]
        currency = assess(ecosystem, version, latest_version=meta.latest_version, releases=meta.releases or (),
                          yanked=meta.yanked or (), package_deprecation=meta.deprecated)
        row = stored.get((ecosystem, name, version))
        if row is None:
            row = VersionCurrency(ecosystem=ecosystem, name=name, version=version)
            db.session.add(row)
        row.latest_version, row.releases_behind = currency.latest_version[:120], currency.releases_behind
        row.days_behind, row.yanked, row.deprecated = currency.days_behind, currency.yanked, currency.deprecated
        row.deprecation, row.computed_at = currency.deprecation, now
    db.session.flush()
    return len(keys)


def _stored(keys: Iterable[tuple[str, str, str]]) -> dict[tuple[str, str, str], VersionCurrency]:
    found: dict[tuple[str, str, str], VersionCurrency] = {}
    by_name: dict[str, set[tuple[str, str, str]]] = {}
    for key in keys:
        by_name.setdefault(key[1], set()).add(key)
    names = sorted(by_name)
    for start in range(0, len(names), 500):
        for row in db.session.scalars(select(VersionCurrency).where(VersionCurrency.name.in_(names[start:start + 500]))):
            key = (row.ecosystem, row.name, row.version)
            if key in by_name.get(row.name, ()):
                found[key] = row
    return found


def currency_of(components: Iterable[Component]) -> dict[int, VersionCurrency]:
    """The stored currency of these components (a page of them), by component id, in one query."""
    listed = list(components)
    names = sorted({component.name for component in listed})
    if not names:
        return {}
    rows = {(row.ecosystem, row.name, row.version): row for row in db.session.scalars(
        select(VersionCurrency).where(VersionCurrency.name.in_(names)))}
    return {component.id: rows[key] for component in listed
            if (key := (component.ecosystem, component.name, component.version)) in rows}


def _matching() -> Select[tuple[int]]:
    return select(VersionCurrency.id).where(
        VersionCurrency.ecosystem == Component.ecosystem, VersionCurrency.name == Component.name,
        VersionCurrency.version == Component.version)


def filter_condition(value: str) -> ColumnElement[bool] | None:
    """The release page's obsolescence filter as a condition on Component (None for an unknown value)."""
    matching = _matching()
    if value == "outdated":
        return exists(matching.where(VersionCurrency.releases_behind > 0))
    if value == "yanked":
        return exists(matching.where(VersionCurrency.yanked.is_(True)))
    if value == "deprecated":
        return exists(matching.where(VersionCurrency.deprecated.is_(True)))
    if value == "current":
        return exists(matching.where(and_(VersionCurrency.releases_behind == 0, VersionCurrency.yanked.is_(False),
                                          VersionCurrency.deprecated.is_(False))))
    if value == "unknown":
        return ~exists(matching)
    return None


def withdrawn_keys(release: Release) -> dict[tuple[str, str, str], VersionCurrency]:
    """The release's component versions that the registry yanked or deprecated, by (ecosystem, name, version)."""
    query = (select(VersionCurrency).join(Component, and_(
        Component.ecosystem == VersionCurrency.ecosystem, Component.name == VersionCurrency.name,
        Component.version == VersionCurrency.version))
        .where(Component.release_id == release.id, or_(VersionCurrency.yanked.is_(True),
                                                       VersionCurrency.deprecated.is_(True))).distinct())
    return {(row.ecosystem, row.name, row.version): row for row in db.session.scalars(query)}


def counts(release: Release) -> dict[str, int]:
    """How many of the release's components are outdated, yanked, deprecated, or not looked up yet."""
    found: dict[str, int] = {}
    for value in ("outdated", "yanked", "deprecated", "unknown"):
        condition = filter_condition(value)
        assert condition is not None
        counted = db.session.scalar(select(func.count(Component.id)).where(Component.release_id == release.id, condition))
        found[value] = int(counted or 0)
    return found
