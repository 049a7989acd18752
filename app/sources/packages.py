"""Look packages up in their registries (PyPI JSON API, npm registry) and keep what they say as PackageMetadata.

Base URLs are settings (PYPI_URL, NPM_REGISTRY_URL) so that a company can point at its mirror (Artifactory,
Nexus, devpi, Verdaccio). A look-up that fails keeps the facts of the last good answer. Flushes; the caller commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from flask import current_app
from sqlalchemy import select, tuple_

from app.db import utcnow
from app.extensions import db
from app.sources import fetch, registries
from app.sources.models import LookupState, PackageMetadata

BASE_URL_SETTINGS = {"pypi": "PYPI_URL", "npm": "NPM_REGISTRY_URL"}
SOURCE_LABELS = {"pypi": "PyPI JSON API", "npm": "npm registry"}


def base_url(ecosystem: str) -> str:
    """The configured registry (or mirror) of an ecosystem."""
    return str(current_app.config[BASE_URL_SETTINGS[ecosystem]])


def supported(ecosystem: str) -> bool:
    return ecosystem in BASE_URL_SETTINGS


def stored(keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], PackageMetadata]:
    """The stored metadata of (ecosystem, name) pairs, by their canonical key (one query per 500)."""
    wanted = list(dict.fromkeys((eco, registries.normalise_name(eco, name)) for eco, name in keys))
    found: dict[tuple[str, str], PackageMetadata] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        for row in db.session.scalars(
                select(PackageMetadata).where(tuple_(PackageMetadata.ecosystem, PackageMetadata.name).in_(chunk))):
            found[(row.ecosystem, row.name)] = row
    return found


def look_up(packages: Iterable[tuple[str, str]], *, versions: dict[tuple[str, str], str] | None = None,
            ) -> dict[tuple[str, str], PackageMetadata]:
    """Look up (ecosystem, name) pairs of supported ecosystems; returns the metadata by canonical key."""
    keys = list(dict.fromkeys((eco, registries.normalise_name(eco, name)) for eco, name in packages if supported(eco)))
    existing = stored(keys)
    now = utcnow()
    for ecosystem in sorted({eco for eco, _ in keys}):
        names = [name for eco, name in keys if eco == ecosystem]
        urls = {name: registries.package_url(ecosystem, base_url(ecosystem), name) for name in names}
        answers = fetch.fetch_all(ecosystem, list(urls.values()))
        for name, url in urls.items():
            row = existing.get((ecosystem, name))
            if row is None:
                row = PackageMetadata(ecosystem=ecosystem, name=name, state=LookupState.FAILED, url=url,
                                      licences_by_version={}, releases=[], yanked=[], maintainers=[])
                db.session.add(row)
                existing[(ecosystem, name)] = row
            version = (versions or {}).get((ecosystem, name), "")
            _apply(row, answers[url], version, now)
    db.session.flush()
    return {key: existing[key] for key in keys}


def _apply(row: PackageMetadata, answer: fetch.Answer, version: str, now: datetime) -> None:
    row.url = answer.url
    row.looked_up_at = now
    if answer.state == fetch.AnswerState.OFFLINE:
        row.state, row.error = LookupState.OFFLINE, answer.error
        return
    if answer.state == fetch.AnswerState.FAILED:
        row.state, row.error = LookupState.FAILED, answer.error
        return
    assert answer.response is not None
    if (answer.from_cache and row.response_id == answer.response.id and row.found_at is not None
            and row.state == LookupState.FOUND):
        return  # the facts were read from this very answer: nothing to read again
    row.response = answer.response
    if answer.state == fetch.AnswerState.NOT_FOUND:
        row.state, row.error = LookupState.NOT_FOUND, f"no such package (HTTP {answer.response.status_code})"
        return
    try:
        facts = registries.parse(row.ecosystem, answer.body, version)
    except registries.RegistryFormatError as error:
        row.state, row.error = LookupState.FAILED, f"the registry's answer could not be read: {error}"[:500]
        return
    row.state, row.error, row.found_at = LookupState.FOUND, "", answer.response.checked_at
    row.licence, row.licence_field, row.licence_version = facts.licence, facts.licence_field, facts.licence_version
    row.licences_by_version = dict(facts.licences_by_version)
    row.repository_url, row.homepage = facts.repository_url[:500], facts.homepage[:500]
    row.latest_version = facts.latest_version
    row.releases = [list(item) for item in facts.releases]
    row.first_release_at = _time(facts.releases[0][1]) if facts.releases else None
    row.latest_release_at = _time(max(time for _v, time in facts.releases)) if facts.releases else None
    row.yanked, row.deprecated, row.maintainers = list(facts.yanked), facts.deprecated, list(facts.maintainers)


def _time(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
