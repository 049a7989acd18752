"""Advisories: import OSV files in bulk, match them to component versions, triage the matches.

Services flush; the view or CLI command commits. Imports bypass per-row audit events (Core inserts)
and record one `advisories.imported` event with the counts.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from flask import Flask, current_app
from sqlalchemy import Select, String, and_, bindparam, case, cast, delete, exists, func, insert, or_, select, update

from app.audit import services as audit
from app.auth.models import User
from app.db import row_id, utcnow
from app.errors import PermissionDenied, ValidationFailed, one_of
from app.extensions import db
from app.inventory.advisories.matching import normalise_name, osv_ecosystem, version_affected
from app.inventory.advisories.models import (
    Advisory,
    AdvisoryAffected,
    AdvisoryImport,
    AdvisoryMatch,
    Justification,
    MatchState,
)
from app.inventory.advisories.osv import (
    SEVERITY_LEVELS,
    AdvisoryFormatError,
    AdvisoryRecord,
    AffectedPackage,
    Range,
    parse_advisories,
)
from app.inventory.advisories.policies import can_import_advisories, can_triage_match
from app.inventory.models import Component, Product, Release

T = TypeVar("T")
CHUNK = 500  # bound parameters per IN (...) list, well below every engine's limit


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    """Slices of at most `size` items."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


_MATCH_LISTENERS = "advisory_match_listeners"
_ARRIVAL_LISTENERS = "advisory_arrival_listeners"


def on_advisories_imported(app: Flask, listener: Callable[[], object]) -> None:
    """A higher package hears, inside the transaction, when an import changed advisories and refreshed every match
    (the anomaly review schedule follows them); each listener once."""
    listeners: list[Callable[[], object]] = app.extensions.setdefault(_MATCH_LISTENERS, [])
    if listener not in listeners:
        listeners.append(listener)


def on_advisories_arrived(app: Flask, listener: Callable[[list[int]], object]) -> None:
    """A higher package hears, after the match listeners, the ids of the advisories an import brought new or whose
    affected packages changed (what is "new since the last review"); each listener once."""
    listeners: list[Callable[[list[int]], object]] = app.extensions.setdefault(_ARRIVAL_LISTENERS, [])
    if listener not in listeners:
        listeners.append(listener)


# --- import -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AdvisoryImportCounts:
    """What one import counted: stored on the import, recorded in the audit trail and returned."""

    advisories: int
    added: int
    updated: int
    unchanged: int
    withdrawn: int
    affected_packages: int
    versions: int
    matches_added: int
    matches_removed: int

    def counts(self) -> dict[str, Any]:
        """The counts alone, by name (what the import row stores and the audit event records)."""
        return {item.name: getattr(self, item.name) for item in dataclasses.fields(AdvisoryImportCounts)}


@dataclass(frozen=True)
class AdvisoryImportResult(AdvisoryImportCounts):
    """What one import changed; `as_dict` is what the CLI prints."""

    import_id: int
    filename: str
    sha256: str
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"import_id": self.import_id, "filename": self.filename, "sha256": self.sha256, **self.counts(),
                "warnings": len(self.warnings)}


def osv_time(text: str) -> datetime | None:
    """An RFC 3339 time as naive UTC; None when absent or unreadable (the text is not evidence of anything)."""
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text.strip().replace("z", "Z"))
    except ValueError:
        return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _ranges_json(ranges: Iterable[Range]) -> list[dict[str, Any]]:
    return [{"type": item.type, "events": [list(event) for event in item.events]} for item in ranges]


def _affected_rows(record: AdvisoryRecord) -> list[dict[str, Any]]:
    rows = []
    for affected in record.affected:
        if not affected.name:
            continue  # an affected entry without a package (e.g. a bare GIT repository) matches no component
        ecosystem = osv_ecosystem(affected.ecosystem)
        rows.append(
            {
                "ecosystem": ecosystem[:60],
                "name": normalise_name(ecosystem, affected.name)[:300],
                "ranges": _ranges_json(affected.ranges),
                "versions": list(affected.versions),
                "purl": affected.purl[:600],
            }
        )
    return rows


def _advisory_row(record: AdvisoryRecord, affected: list[dict[str, Any]], source: str, now: datetime) -> dict[str, Any]:
    return {
        "osv_id": record.id[:200],
        "aliases": list(record.aliases),
        "summary": record.summary,
        "details": record.details,
        "severity": record.severity,
        "severity_level": record.severity_level,
        "severity_score": record.severity_score,
        "published": osv_time(record.published),
        "modified": osv_time(record.modified),
        "withdrawn": osv_time(record.withdrawn),
        "reference_urls": list(record.references),
        "content_hash": _digest(dataclasses.asdict(record)),
        "affected_hash": _digest(affected),
        "received_at": now,
        "imported_at": now,
        "source_file": source[:255],
    }


def import_advisories(
    filename: str, content: bytes, *, by: User | None = None, channel: str = "web", max_bytes: int | None = None
) -> AdvisoryImportResult:
    """Upsert every OSV record of the file by its id (a changed record replaces the old), then refresh matches.

    One transaction; a file where nothing parses raises ValidationFailed and changes nothing.
    """
    if by is not None and not can_import_advisories(by):
        raise PermissionDenied("You may not import advisories.")
    if max_bytes is not None and len(content) > max_bytes:
        raise ValidationFailed(f"{filename} is {len(content):,} bytes; the limit is {max_bytes:,} bytes.")
    if not content:
        raise ValidationFailed(f"{filename} is empty.")
    try:
        parsed = parse_advisories(filename, content)
    except AdvisoryFormatError as error:
        raise ValidationFailed(f"Cannot import {filename}: {error}") from error
    return store_advisories(parsed.advisories, parsed.warnings, filename=filename, content=content, by=by,
                            channel=channel)


def store_advisories(
    records: Sequence[AdvisoryRecord], warnings: Sequence[str], *, filename: str, content: bytes,
    by: User | None = None, channel: str = "web", skipped_unchanged: int = 0,
) -> AdvisoryImportResult:
    """Upsert parsed OSV records by id (withdrawn ones are kept, marked by their `withdrawn` time), refresh the
    matches and tell the listeners; `skipped_unchanged` counts records a caller found unchanged without parsing."""
    now = utcnow()
    table = Advisory.__table__
    existing = {
        row.osv_id: row
        for row in db.session.execute(
            select(table.c.id, table.c.osv_id, table.c.content_hash, table.c.affected_hash, table.c.received_at)
        )
    }
    new_rows: list[dict[str, Any]] = []
    changed_rows: list[dict[str, Any]] = []
    affected_by_osv: dict[str, list[dict[str, Any]]] = {}
    arrived: set[str] = set()
    unchanged = skipped_unchanged
    for record in records:
        affected = _affected_rows(record)
        row = _advisory_row(record, affected, filename, now)
        old = existing.get(row["osv_id"])
        if old is None:
            new_rows.append(row)
            arrived.add(row["osv_id"])
        elif old.content_hash == row["content_hash"]:
            unchanged += 1
            continue
        else:
            if old.affected_hash == row["affected_hash"]:
                row["received_at"] = old.received_at  # same packages and versions: nothing new to review
            else:
                arrived.add(row["osv_id"])
            changed_rows.append({**row, "_id": old.id})
        affected_by_osv[row["osv_id"]] = affected
    if new_rows:
        db.session.execute(insert(table), new_rows)
    if changed_rows:
        columns = [key for key in changed_rows[0] if key != "_id"]
        statement = update(table).where(table.c.id == bindparam("_id")).values({key: bindparam(key) for key in columns})
        db.session.execute(statement, changed_rows)
        affected_table = AdvisoryAffected.__table__
        for part in chunks([row["_id"] for row in changed_rows]):
            db.session.execute(delete(affected_table).where(affected_table.c.advisory_id.in_(part)))
    ids = {row.osv_id: row.id for row in db.session.execute(select(table.c.osv_id, table.c.id))}
    affected_rows = [
        {**item, "advisory_id": ids[osv_id]} for osv_id, items in affected_by_osv.items() for item in items
    ]
    if affected_rows:
        db.session.execute(insert(AdvisoryAffected.__table__), affected_rows)
    _rerank_matches([row["_id"] for row in changed_rows])
    added, removed = refresh_all_matches() if affected_by_osv else (0, 0)
    if affected_by_osv:
        for listener in current_app.extensions.get(_MATCH_LISTENERS, ()):
            listener()
    if arrived:
        arrived_ids = sorted(ids[osv_id] for osv_id in arrived)
        for arrival_listener in current_app.extensions.get(_ARRIVAL_LISTENERS, ()):
            arrival_listener(arrived_ids)
    tally = AdvisoryImportCounts(
        advisories=len(records) + skipped_unchanged,
        added=len(new_rows),
        updated=len(changed_rows),
        unchanged=unchanged,
        withdrawn=sum(1 for record in records if record.is_withdrawn),
        affected_packages=sum(len(items) for items in affected_by_osv.values()),
        versions=sum(len(item["versions"]) for items in affected_by_osv.values() for item in items),
        matches_added=added,
        matches_removed=removed,
    )
    counts = tally.counts()
    run = AdvisoryImport(
        filename=filename[:255],
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        channel=channel,
        imported_by_id=by.id if by is not None else None,
        imported_at=now,
        counts=counts,
        warnings=list(warnings[:1000]),
    )
    db.session.add(run)
    db.session.flush()
    audit.record(
        "advisories.imported", run, filename=run.filename, sha256=run.sha256, warnings=len(warnings), **counts
    )
    return AdvisoryImportResult(
        **dataclasses.asdict(tally), import_id=run.id, filename=run.filename, sha256=run.sha256,
        warnings=list(warnings),
    )


# --- matching -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Candidate:
    advisory_id: int
    ecosystem: str
    package: AffectedPackage


def _package_of(ecosystem: str, name: str, ranges: list[dict[str, Any]], versions: list[str]) -> AffectedPackage:
    return AffectedPackage(
        ecosystem=ecosystem,
        name=name,
        ranges=tuple(
            Range(str(item.get("type", "")), tuple((str(kind), str(value)) for kind, value in item.get("events", [])))
            for item in ranges
        ),
        versions=tuple(versions),
    )


def _candidates(keys: set[tuple[str, str]]) -> dict[tuple[str, str], list[_Candidate]]:
    """Affected packages of non-withdrawn advisories for these (OSV ecosystem, normalised name) keys: one query per 500 names."""
    names = sorted({name for _ecosystem, name in keys})
    found: dict[tuple[str, str], list[_Candidate]] = defaultdict(list)
    affected = AdvisoryAffected.__table__
    advisories = Advisory.__table__
    for part in chunks(names):
        query = (
            select(affected.c.advisory_id, affected.c.ecosystem, affected.c.name, affected.c.ranges, affected.c.versions)
            .join(advisories, advisories.c.id == affected.c.advisory_id)
            .where(affected.c.name.in_(part), advisories.c.withdrawn.is_(None))
        )
        for row in db.session.execute(query):
            key = (row.ecosystem, row.name)
            if key in keys:
                package = _package_of(row.ecosystem, row.name, row.ranges or [], row.versions or [])
                found[key].append(_Candidate(row.advisory_id, row.ecosystem, package))
    return found


def _matching_pairs(components: Sequence[Any]) -> set[tuple[int, int]]:
    """(component id, advisory id) for every component row (id, ecosystem, name, version) an advisory affects."""
    keyed = []
    for row in components:
        osv = osv_ecosystem(row.ecosystem)
        keyed.append((row.id, (osv, normalise_name(osv, row.name)), row.version))
    candidates = _candidates({key for _id, key, _version in keyed})
    pairs: set[tuple[int, int]] = set()
    verdicts: dict[tuple[int, str, str], bool] = {}
    for component_id, (osv, name), version in keyed:
        for candidate in candidates.get((osv, name), ()):
            # The same version recurs across releases: evaluate each (affected row, version) once.
            memo = (id(candidate), osv, version)
            hit = verdicts.get(memo)
            if hit is None:
                hit = verdicts[memo] = version_affected(candidate.package, osv, version)
            if hit:
                pairs.add((component_id, candidate.advisory_id))
    return pairs


def _rank_of(level: Any) -> Any:
    """severity_rank() in SQL, of a severity level column or expression."""
    return case(_SEVERITY_ORDER, value=level, else_=len(_SEVERITY_ORDER))


def _rerank_matches(advisory_ids: Sequence[int]) -> None:
    """The matches of these (changed) advisories take their advisory's severity rank again."""
    table = AdvisoryMatch.__table__
    advisories = Advisory.__table__
    level = select(advisories.c.severity_level).where(advisories.c.id == table.c.advisory_id).scalar_subquery()
    for part in chunks(list(advisory_ids)):
        db.session.execute(update(table).where(table.c.advisory_id.in_(part)).values(severity_rank=_rank_of(level)))


def _severity_ranks(advisory_ids: Iterable[int]) -> dict[int, int]:
    advisories = Advisory.__table__
    ranks: dict[int, int] = {}
    for part in chunks(sorted(set(advisory_ids))):
        for advisory_id, level in db.session.execute(
            select(advisories.c.id, advisories.c.severity_level).where(advisories.c.id.in_(part))
        ):
            ranks[advisory_id] = severity_rank(level)
    return ranks


def _sync(components: Sequence[Any], existing_query: Select[Any]) -> tuple[int, int]:
    found = _matching_pairs(components)
    existing = {(row.component_id, row.advisory_id): row.id for row in db.session.execute(existing_query)}
    table = AdvisoryMatch.__table__
    new = sorted(found - set(existing))
    stale = sorted(existing[pair] for pair in set(existing) - found)
    now = utcnow()
    if new:
        decided = _earlier_decisions(components, new)
        release_of = {row.id: row.release_id for row in components}
        ranks = _severity_ranks(advisory_id for _component_id, advisory_id in new)
        rows = []
        for component_id, advisory_id in new:
            row = {"component_id": component_id, "advisory_id": advisory_id, "matched_at": now,
                   "state": MatchState.OPEN.value, "note": "", "justification": "", "release_id": release_of[component_id],
                   "severity_rank": ranks.get(advisory_id, len(_SEVERITY_ORDER))}
            earlier = decided.get((component_id, advisory_id))
            if earlier is not None:
                row.update(earlier)
            rows.append(row)
        db.session.execute(insert(table), rows)
    for part in chunks(stale):
        db.session.execute(delete(table).where(table.c.id.in_(part)))
    return len(new), len(stale)


def _earlier_decisions(
    components: Sequence[Any], new: Sequence[tuple[int, int]]
) -> dict[tuple[int, int], dict[str, Any]]:
    """Triage decisions to carry over to new (component, advisory) matches: the latest decision on the same advisory
    for the same package version in another release of the same product (a decision is about our use, so it never
    crosses products). Queries only advisories that were ever decided."""
    by_id = {row.id: row for row in components}
    advisory_ids = {advisory_id for _component_id, advisory_id in new}
    table = AdvisoryMatch.__table__
    comp = Component.__table__
    releases = Release.__table__
    decided: dict[tuple[int, str, str, str, int], dict[str, Any]] = {}
    for part in chunks(sorted(advisory_ids)):
        query = (
            select(table.c.advisory_id, table.c.state, table.c.note, table.c.justification, table.c.decided_by_id,
                   table.c.decided_at,
                   comp.c.ecosystem, comp.c.name, comp.c.version, releases.c.product_id)
            .join(comp, comp.c.id == table.c.component_id)
            .join(releases, releases.c.id == comp.c.release_id)
            .where(table.c.advisory_id.in_(part), table.c.state != MatchState.OPEN.value)
            .order_by(table.c.decided_at)
        )
        for row in db.session.execute(query):
            osv = osv_ecosystem(row.ecosystem)
            key = (row.product_id, osv, normalise_name(osv, row.name), row.version, row.advisory_id)
            decided[key] = {"state": row.state, "note": row.note, "justification": row.justification,
                            "decided_by_id": row.decided_by_id,
                            "decided_at": row.decided_at}
    if not decided:
        return {}
    decided_advisories = {key[-1] for key in decided}
    wanted = [(c, a) for c, a in new if a in decided_advisories]
    product_of = _products_of(sorted({c for c, _a in wanted}))
    carried: dict[tuple[int, int], dict[str, Any]] = {}
    for component_id, advisory_id in wanted:
        row = by_id[component_id]
        osv = osv_ecosystem(row.ecosystem)
        key = (product_of.get(component_id, -1), osv, normalise_name(osv, row.name), row.version, advisory_id)
        if key in decided:
            carried[(component_id, advisory_id)] = decided[key]
    return carried


def _products_of(component_ids: list[int]) -> dict[int, int]:
    comp = Component.__table__
    releases = Release.__table__
    products: dict[int, int] = {}
    for part in chunks(component_ids):
        for component_id, product_id in db.session.execute(
            select(comp.c.id, releases.c.product_id).join(releases, releases.c.id == comp.c.release_id).where(comp.c.id.in_(part))
        ):
            products[component_id] = product_id
    return products


def _component_rows(query: Select[Any]) -> Sequence[Any]:
    """The rows of a Core query of component columns, read on the session's connection after a flush (the ORM's
    result processing cost more than the query for a release of 1,000 components)."""
    db.session.flush()
    return db.session.connection().execute(query).all()


def refresh_matches(release: Release) -> tuple[int, int]:
    """Match the release's components against the stored advisories; returns (added, removed). Call after an import."""
    components = Component.__table__
    rows = _component_rows(
        select(components.c.id, components.c.release_id, components.c.ecosystem, components.c.name,
               components.c.version).where(components.c.release_id == release.id)
    )
    table = AdvisoryMatch.__table__
    existing = select(table.c.id, table.c.component_id, table.c.advisory_id).where(table.c.release_id == release.id)
    added, removed = _sync(rows, existing)
    if added or removed:
        audit.record("advisories.matched", release, added=added, removed=removed)
    return added, removed


def refresh_all_matches() -> tuple[int, int]:
    """Match every component of every release (new advisories reach frozen releases too: they are monitored)."""
    components = Component.__table__
    rows = _component_rows(select(components.c.id, components.c.release_id, components.c.ecosystem, components.c.name,
                                  components.c.version))
    table = AdvisoryMatch.__table__
    return _sync(rows, select(table.c.id, table.c.component_id, table.c.advisory_id))


def triage_match(match: AdvisoryMatch, state: str, note: str, *, by: User, justification: str = "") -> AdvisoryMatch:
    """Decide in VEX terms whether an advisory affects the component: not_affected needs one of the CycloneDX/OpenVEX
    justifications, affected needs the mitigation (the note), every decision but `open` needs a note."""
    if not can_triage_match(by, match):
        raise PermissionDenied("You may not triage advisories.")
    new_state = one_of(MatchState, state, f"Unknown state {state!r}.")
    note = note.strip()
    justification = justification.strip()
    if new_state != MatchState.OPEN and not note:
        if new_state == MatchState.AFFECTED:
            raise ValidationFailed("Describe the mitigation: an 'affected' decision needs it.")
        raise ValidationFailed("Say why: a decision other than 'open' needs a note.")
    if new_state == MatchState.NOT_AFFECTED:
        one_of(Justification, justification,
               "Choose the justification of 'not affected' (one of the CycloneDX or OpenVEX justifications).")
    else:
        justification = ""
    old_state = match.state
    match.state = new_state.value
    match.note = note
    match.justification = justification
    match.decided_by_id = by.id
    match.decided_at = utcnow()
    db.session.flush()
    audit.record("advisory_match.triaged", match, old_state=old_state, state=new_state.value, note=note,
                 justification=justification)
    return match


# --- queries for the pages ----------------------------------------------------------------------


_SEVERITY_ORDER = {level: rank for rank, level in enumerate(reversed(SEVERITY_LEVELS))}  # critical first


def severity_rank(level: str) -> int:
    """Sort key: critical, high, medium, low, then no level."""
    return _SEVERITY_ORDER.get(level, len(_SEVERITY_ORDER))


@dataclass(frozen=True)
class AdvisoryFilters:
    """The filters of the advisories list, as given in the query string."""

    ecosystem: str = ""
    package: str = ""
    severity: str = ""
    affecting: str = ""  # "yes" | "no" | ""
    text: str = ""
    show_withdrawn: bool = False


def advisories_query(filters: AdvisoryFilters) -> Select[Any]:
    """The advisories matching the filters, newest first (indexed columns only in the joins)."""
    query = select(Advisory).order_by(Advisory.published.desc().nulls_last(), Advisory.id.desc())
    if not filters.show_withdrawn:
        query = query.where(Advisory.withdrawn.is_(None))
    if filters.ecosystem or filters.package:
        conditions = [AdvisoryAffected.advisory_id == Advisory.id]
        if filters.ecosystem:
            conditions.append(AdvisoryAffected.ecosystem == osv_ecosystem(filters.ecosystem))
        if filters.package:
            package = filters.package.strip()
            ecosystem = osv_ecosystem(filters.ecosystem) if filters.ecosystem else ""
            wanted = normalise_name(ecosystem, package) if ecosystem else package
            conditions.append(or_(AdvisoryAffected.name == wanted, AdvisoryAffected.name.ilike(f"%{_like(package)}%", escape="\\")))
        query = query.where(exists().where(and_(*conditions)))
    if filters.severity:
        query = query.where(Advisory.severity_level == ("" if filters.severity == "none" else filters.severity))
    if filters.affecting in ("yes", "no"):
        affecting = exists().where(AdvisoryMatch.advisory_id == Advisory.id)
        query = query.where(affecting if filters.affecting == "yes" else ~affecting)
    if filters.text:
        pattern = f"%{_like(filters.text.strip())}%"
        query = query.where(
            or_(
                Advisory.osv_id.ilike(pattern, escape="\\"),
                Advisory.summary.ilike(pattern, escape="\\"),
                cast(Advisory.aliases, String).ilike(pattern, escape="\\"),
            )
        )
    return query


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def ecosystems() -> list[str]:
    """The OSV ecosystems present in the stored advisories (for the filter)."""
    return list(db.session.scalars(select(AdvisoryAffected.ecosystem).distinct().order_by(AdvisoryAffected.ecosystem)))


def list_extras(advisory_ids: Sequence[int]) -> tuple[dict[int, list[str]], dict[int, int]]:
    """For one page of advisories: their package names and how many of our components each affects (two queries)."""
    packages: dict[int, list[str]] = defaultdict(list)
    counts: dict[int, int] = {}
    if not advisory_ids:
        return packages, counts
    for advisory_id, ecosystem, name in db.session.execute(
        select(AdvisoryAffected.advisory_id, AdvisoryAffected.ecosystem, AdvisoryAffected.name)
        .where(AdvisoryAffected.advisory_id.in_(advisory_ids))
        .order_by(AdvisoryAffected.id)
    ):
        label = f"{name} ({ecosystem})"
        if label not in packages[advisory_id]:
            packages[advisory_id].append(label)
    for advisory_id, count in db.session.execute(
        select(AdvisoryMatch.advisory_id, func.count(AdvisoryMatch.id))
        .where(AdvisoryMatch.advisory_id.in_(advisory_ids))
        .group_by(AdvisoryMatch.advisory_id)
    ):
        counts[advisory_id] = count
    return packages, counts


@dataclass(frozen=True)
class AffectedRow:
    """One affected component for the release or advisory pages."""

    match: AdvisoryMatch
    component: Component
    advisory: Advisory
    release: Release
    product: Product


def _affected_rows_query() -> Select[Any]:
    return (
        select(AdvisoryMatch, Component, Advisory, Release, Product)
        .join(Component, Component.id == AdvisoryMatch.component_id)
        .join(Advisory, Advisory.id == AdvisoryMatch.advisory_id)
        .join(Release, Release.id == Component.release_id)
        .join(Product, Product.id == Release.product_id)
    )


def release_advisories(release: Release, *, state: str = "") -> list[AffectedRow]:
    """Every affected component of the release with its advisory, worst severity first (one query; for exports and
    checks: the pages read a page of release_matches_query instead)."""
    query = _affected_rows_query().where(AdvisoryMatch.release_id == release.id)
    if state:
        query = query.where(AdvisoryMatch.state == state)
    rows = [AffectedRow(*row) for row in db.session.execute(query)]
    return sorted(rows, key=lambda row: (severity_rank(row.advisory.severity_level), row.component.name.lower(), row.advisory.osv_id))


SEVERITY_FILTERS = (*reversed(SEVERITY_LEVELS), "none")  # critical, high, medium, low, none


@dataclass(frozen=True)
class MatchFilters:
    """The filters of a list of advisory matches, as given in the query string (unknown values are ignored)."""

    state: str = ""  # a MatchState
    severity: str = ""  # one of SEVERITY_FILTERS
    q: str = ""  # in the component's name or the advisory's id
    component_id: int | None = None

    @classmethod
    def from_args(cls, args: Any) -> MatchFilters:
        state = args.get("state", "")
        severity = args.get("severity", "")
        return cls(
            state=state if state in {s.value for s in MatchState} else "",
            severity=severity if severity in SEVERITY_FILTERS else "",
            q=args.get("q", "").strip()[:200],
            component_id=args.get("component", type=row_id),
        )

    def active(self) -> bool:
        return bool(self.state or self.severity or self.q or self.component_id)


def _with_rows() -> Any:
    from sqlalchemy.orm import joinedload

    return (joinedload(AdvisoryMatch.component).joinedload(Component.release).joinedload(Release.product),
            joinedload(AdvisoryMatch.advisory))


WORST_ORDER = (AdvisoryMatch.severity_rank, AdvisoryMatch.component_id, AdvisoryMatch.advisory_id)


def release_matches_query(release: Release, filters: MatchFilters | None = None) -> Select[Any]:
    """The release's advisory matches (with component and advisory loaded), worst severity first, narrowed by the
    filters: a select for paginating that reads the release's matches in the order of their index."""
    filters = filters or MatchFilters()
    query = select(AdvisoryMatch).where(AdvisoryMatch.release_id == release.id)
    if filters.state:
        query = query.where(AdvisoryMatch.state == filters.state)
    if filters.severity:
        query = query.where(AdvisoryMatch.severity_rank == severity_rank("" if filters.severity == "none" else filters.severity))
    if filters.component_id is not None:
        query = query.where(AdvisoryMatch.component_id == filters.component_id)
    if filters.q:
        pattern = f"%{_like(filters.q)}%"
        query = query.where(or_(
            exists().where(Component.id == AdvisoryMatch.component_id, Component.name.ilike(pattern, escape="\\")),
            exists().where(Advisory.id == AdvisoryMatch.advisory_id, Advisory.osv_id.ilike(pattern, escape="\\")),
        ))
    return query.options(*_with_rows()).order_by(*WORST_ORDER)


def worst_release_matches(release: Release, limit: int = 20) -> list[AdvisoryMatch]:
    """The release's `limit` worst matches (severity first), with their component and advisory: one indexed query."""
    return list(db.session.scalars(release_matches_query(release).limit(limit)))


def advisory_matches_query(advisory: Advisory) -> Select[Any]:
    """Every match of one advisory (component, release and product loaded), by product, release and component:
    a select for paginating."""
    return (
        select(AdvisoryMatch)
        .join(Component, Component.id == AdvisoryMatch.component_id)
        .join(Release, Release.id == AdvisoryMatch.release_id)
        .join(Product, Product.id == Release.product_id)
        .where(AdvisoryMatch.advisory_id == advisory.id)
        .options(*_with_rows())
        .order_by(Product.name, Release.id, Component.name, AdvisoryMatch.id)
    )


def advisory_components(advisory: Advisory) -> list[AffectedRow]:
    """Every component of every release this advisory affects, by product and release (one query)."""
    query = _affected_rows_query().where(AdvisoryMatch.advisory_id == advisory.id)
    rows = [AffectedRow(*row) for row in db.session.execute(query)]
    return sorted(rows, key=lambda row: (row.product.name.lower(), row.release.id, row.component.name.lower()))


def component_matches(component: Component, *, limit: int | None = None) -> list[AdvisoryMatch]:
    """The advisories affecting one component, worst severity first (all, or the worst `limit`)."""
    query = (
        select(AdvisoryMatch)
        .join(Advisory, Advisory.id == AdvisoryMatch.advisory_id)
        .where(AdvisoryMatch.component_id == component.id)
        .options(_contains_advisory())
        .order_by(AdvisoryMatch.severity_rank, Advisory.osv_id)
    )
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def component_match_count(component: Component) -> int:
    """How many advisories affect one component."""
    return int(db.session.scalar(select(func.count(AdvisoryMatch.id)).where(AdvisoryMatch.component_id == component.id)) or 0)


def _contains_advisory() -> Any:
    from sqlalchemy.orm import contains_eager

    return contains_eager(AdvisoryMatch.advisory)


@dataclass
class VexResult:
    """What reading a VEX into a release did."""

    applied: int = 0
    unchanged: int = 0
    unknown: list[str] = dataclasses.field(default_factory=list)  # "advisory on component" not in the release
    refused: list[str] = dataclasses.field(default_factory=list)  # decisions our triage rules refuse, with why


def apply_vex(release: Release, decisions: Sequence[Any], *, by: User, source: str) -> VexResult:
    """Take the triage of a VEX (vex.read_vex) into the release's matches, each decision through triage_match (its
    permission, rules and audit): a decision names an advisory (id or alias) and a component (purl or name@version)
    of the release; one the release does not have, or one the rules refuse, is reported and changes nothing."""
    index: dict[tuple[str, str], AdvisoryMatch] = {}
    for row in release_advisories(release):
        for advisory_id in (row.advisory.osv_id, *(row.advisory.aliases or ())):
            for ref in (row.component.purl, f"{row.component.name}@{row.component.version}"):
                if ref:
                    index.setdefault((advisory_id.upper(), ref), row.match)
    result = VexResult()
    for decision in decisions:
        match = index.get((decision.advisory_id.upper(), decision.component_ref))
        label = f"{decision.advisory_id} on {decision.component_ref}"
        if match is None:
            result.unknown.append(label)
            continue
        if (match.state, match.justification) == (decision.state, decision.justification) and decision.state != "open":
            result.unchanged += 1
            continue
        try:
            triage_match(match, decision.state, decision.note or f"Stated in the VEX file {source}", by=by,
                         justification=decision.justification)
        except ValidationFailed as error:
            result.refused.append(f"{label}: {error.message}")
            continue
        result.applied += 1
    audit.record("release.vex_imported", release, file=source, applied=result.applied, unchanged=result.unchanged,
                 unknown=len(result.unknown), refused=len(result.refused))
    return result
