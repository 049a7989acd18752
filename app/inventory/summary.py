"""The release page's counts, stored per release (ReleaseSummary) and kept current whenever what they count changes.

A release page shows how many components there are by change, assessment, classification and licence verdict, the
licences to review or denied, and the advisory matches by triage state and severity. Counted per view, these cost
as much as the release is large; stored, a view reads one row. They are recomputed (a few grouped queries) in the
transaction that changes them:

- components or advisory matches written through the ORM (edits, classification, assessment, triage): by the
  session's after_flush listener below, for their releases;
- bulk writes: an import (`inventory.services.import_files`), a licence policy applied to a release
  (`licences.services.apply_licence_policy`) and an advisory import (the listener registered by `init_app`).

A release without a stored summary (one never written since) is counted on the spot, not stored.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import chain
from typing import Any

from flask import Flask
from sqlalchemy import and_, case, delete, event, func, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from app.db import utcnow
from app.extensions import db
from app.inventory.advisories import services as advisory_services
from app.inventory.advisories.models import AdvisoryMatch, MatchState
from app.inventory.models import ChangeKind, Component, LicenceState, Product, Release, ReleaseSummary

FLAGGED_VERDICTS = ("review", "deny")  # the verdicts whose licences the page lists (licences.policy.Verdict)
FLAGGED_SHOWN = 20
VERDICTS = ("allow", "review", "deny")
SEVERITIES = ("critical", "high", "medium", "low", "none")  # by severity rank (advisories.services.severity_rank)


@dataclass(frozen=True)
class Summary:
    """One release's counts, as stored (or counted on the spot)."""

    component_groups: tuple[tuple[str, bool, bool, str | None, int], ...]  # kind, assessed, classified, verdict, n
    flagged: tuple[dict[str, Any], ...]
    flagged_total: int
    advisory_groups: tuple[tuple[str, int, int], ...]  # state, severity rank, n
    affected_components: int
    open_components: int

    @property
    def components(self) -> int:
        return sum(group[-1] for group in self.component_groups)

    @property
    def unassessed(self) -> int:
        """Changed components not assessed yet (they stop the freeze)."""
        return sum(n for kind, assessed, _c, _v, n in self.component_groups if kind != ChangeKind.UNCHANGED and not assessed)

    def by_kind(self) -> dict[str, int]:
        """Components by their stored change against the previous release."""
        kinds: Counter[str] = Counter()
        for kind, _assessed, _classified, _verdict, n in self.component_groups:
            kinds[kind] += n
        return dict(kinds)

    def totals(self) -> dict[str, int]:
        """The release page's head: components, changed, changes to assess, not classified."""
        return {
            "components": self.components,
            "changed": sum(n for kind, _a, _c, _v, n in self.component_groups if kind != ChangeKind.UNCHANGED),
            "unassessed": self.unassessed,
            "unclassified": sum(n for _k, _a, classified, _v, n in self.component_groups if not classified),
        }

    def licences(self) -> dict[str, Any]:
        """Counts per verdict (and not yet evaluated), and the licences behind review and deny, most used first."""
        counts = {verdict: 0 for verdict in VERDICTS}
        counts["unset"] = 0
        for _kind, _assessed, _classified, verdict, n in self.component_groups:
            counts[verdict or "unset"] = counts.get(verdict or "unset", 0) + n
        return {"counts": counts, "total": sum(counts.values()), "flagged": list(self.flagged),
                "flagged_total": self.flagged_total}

    def advisories(self) -> dict[str, Any]:
        """Matches per triage state and per severity, in all, and the components affected."""
        counts: dict[str, Any] = {state.value: 0 for state in MatchState}
        by_severity = {level: 0 for level in SEVERITIES}
        for state, rank, n in self.advisory_groups:
            counts[state] = counts.get(state, 0) + n
            by_severity[SEVERITIES[rank] if 0 <= rank < len(SEVERITIES) else "none"] += n
        counts["total"] = sum(by_severity.values())
        counts["by_severity"] = by_severity
        counts["components"] = self.affected_components
        counts["open_components"] = self.open_components
        return counts


def _component_part(connection: Connection, release_id: int) -> dict[str, Any]:
    table = Component.__table__
    groups = [
        [kind, bool(assessed), bool(classification), verdict, int(n)]
        for kind, assessed, classification, verdict, n in connection.execute(
            select(table.c.change_kind, table.c.assessed, table.c.classification, table.c.licence_verdict, func.count())
            .where(table.c.release_id == release_id)
            .group_by(table.c.change_kind, table.c.assessed, table.c.classification, table.c.licence_verdict))
    ]
    merged: Counter[tuple[str, bool, bool, str | None]] = Counter()
    for kind, assessed, classified, verdict, n in groups:
        merged[(kind, assessed, classified, verdict)] += n
    # A blank licence is "not looked up yet" until the registries were asked (licences.lookup), then "none declared".
    waiting = case((and_(table.c.licence_expression == "",
                         table.c.licence_state == LicenceState.NOT_LOOKED_UP.value), 1), else_=0)
    flagged_query = (
        select(table.c.licence_expression, waiting, table.c.licence_verdict, func.count())
        .where(table.c.release_id == release_id, table.c.licence_verdict.in_(FLAGGED_VERDICTS))
        .group_by(table.c.licence_expression, waiting, table.c.licence_verdict)
    )
    flagged = [{"licence": expression or ("(not looked up yet)" if waits else "(none declared)"), "verdict": verdict,
                "components": int(n)}
               for expression, waits, verdict, n in connection.execute(flagged_query)]
    flagged.sort(key=lambda item: (item["verdict"], -item["components"], item["licence"]))
    return {
        "component_groups": [[*key, n] for key, n in sorted(merged.items(), key=lambda item: str(item[0]))],
        "flagged_licences": {"top": flagged[:FLAGGED_SHOWN], "total": len(flagged)},
    }


def _advisory_part(connection: Connection, release_id: int) -> dict[str, Any]:
    table = AdvisoryMatch.__table__
    groups = [[state, int(rank), int(n)] for state, rank, n in connection.execute(
        select(table.c.state, table.c.severity_rank, func.count()).where(table.c.release_id == release_id)
        .group_by(table.c.state, table.c.severity_rank))]
    by_component = (select(table.c.component_id, func.count().filter(table.c.state == MatchState.OPEN.value).label("open"))
                    .where(table.c.release_id == release_id).group_by(table.c.component_id).subquery())
    affected, open_components = connection.execute(
        select(func.count(), func.count().filter(by_component.c.open > 0)).select_from(by_component)).one()
    return {"advisory_groups": groups, "affected_components": int(affected or 0),
            "open_components": int(open_components or 0)}


def _counted(connection: Connection, release_id: int) -> dict[str, Any]:
    return {**_component_part(connection, release_id), **_advisory_part(connection, release_id)}


def _summary(values: dict[str, Any]) -> Summary:
    return Summary(
        component_groups=tuple((kind, bool(assessed), bool(classified), verdict, int(n))
                               for kind, assessed, classified, verdict, n in values["component_groups"]),
        flagged=tuple(values["flagged_licences"].get("top", ())),
        flagged_total=int(values["flagged_licences"].get("total", 0)),
        advisory_groups=tuple((state, int(rank), int(n)) for state, rank, n in values["advisory_groups"]),
        affected_components=int(values["affected_components"]),
        open_components=int(values["open_components"]),
    )


def refresh(release_ids: Iterable[int], *, components: bool = True, advisories: bool = True,
            connection: Connection | None = None) -> None:
    """Recount and store the summaries of these releases (only the parts named: components or advisory matches)."""
    connection = connection or db.session.connection()
    table = ReleaseSummary.__table__
    ids = sorted({int(release_id) for release_id in release_ids if release_id is not None})
    if not ids:
        return
    stored = {row.release_id: dict(row._mapping) for row in connection.execute(
        select(table).where(table.c.release_id.in_(ids)))}
    now = utcnow()
    for release_id in ids:
        old = stored.get(release_id)
        if old is None or (components and advisories):
            values = _counted(connection, release_id)
        else:
            values = {**old, **(_component_part(connection, release_id) if components else {}),
                      **(_advisory_part(connection, release_id) if advisories else {})}
            values.pop("release_id", None)
            values.pop("updated_at", None)
        connection.execute(delete(table).where(table.c.release_id == release_id))
        connection.execute(insert(table), {**values, "release_id": release_id, "updated_at": now})


def refresh_advisories_everywhere() -> None:
    """Recount the advisory matches of every release that has a summary or a match (after an advisory import)."""
    matched = select(AdvisoryMatch.release_id).distinct()
    summarised = select(ReleaseSummary.release_id)
    ids = set(db.session.scalars(matched)) | set(db.session.scalars(summarised))
    refresh(ids, components=False)


def summary_of(release_id: int) -> Summary:
    """The release's stored summary (one row), or its counts taken on the spot when none is stored yet."""
    table = ReleaseSummary.__table__
    row = db.session.execute(select(table).where(table.c.release_id == release_id)).first()
    return _summary(dict(row._mapping) if row is not None else _counted(db.session.connection(), release_id))


def summaries_of(release_ids: Iterable[int]) -> dict[int, Summary]:
    """The stored summaries of these releases in one query (counted on the spot for one not stored yet)."""
    ids = sorted(set(release_ids))
    if not ids:
        return {}
    table = ReleaseSummary.__table__
    stored = {row.release_id: dict(row._mapping)
              for row in db.session.execute(select(table).where(table.c.release_id.in_(ids)))}
    return {release_id: _summary(stored[release_id] if release_id in stored
                                 else _counted(db.session.connection(), release_id)) for release_id in ids}


def open_advisories_by_release(*, limit: int | None = None) -> tuple[list[dict[str, Any]], int]:
    """Releases with open matches (product, release, status, open matches, components with open matches), by product
    and newest release first, all of them or the first `limit`; and the open matches in all. Read from the stored
    summaries: one row per release, whatever the number of matches."""
    releases, open_total, _count = open_advisories_and_releases(limit=limit)
    return releases, open_total


def open_advisories_and_releases(*, limit: int | None = None) -> tuple[list[dict[str, Any]], int, int]:
    """open_advisories_by_release, and how many releases have open matches in all."""
    table = ReleaseSummary.__table__
    found: dict[int, tuple[int, int]] = {}
    for release_id, groups, open_components in db.session.execute(
        select(table.c.release_id, table.c.advisory_groups, table.c.open_components)
    ):
        open_matches = sum(int(n) for state, _rank, n in groups or () if state == MatchState.OPEN.value)
        if open_matches:
            found[release_id] = (open_matches, int(open_components))
    if not found:
        return [], 0, 0
    rows = db.session.execute(
        select(Release.id, Release.version, Release.status, Product.name)
        .join(Product, Product.id == Release.product_id)
        .where(Release.id.in_(list(found)))
        .order_by(Product.name, Release.id.desc())
        .limit(limit)
    )
    releases = [
        {"release_id": rid, "release": version, "status": status, "product": product, "open": found[rid][0],
         "components": found[rid][1]}
        for rid, version, status, product in rows
    ]
    return releases, sum(open_matches for open_matches, _components in found.values()), len(found)


def _after_flush(session: Session, _context: Any) -> None:
    """Components or matches written through the ORM: recount their releases in the same transaction."""
    components: set[int] = set()
    matches: set[int] = set()
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, Component):
            if obj in session.dirty and not session.is_modified(obj):
                continue
            components.add(obj.release_id)
        elif isinstance(obj, AdvisoryMatch):
            matches.add(obj.release_id)
    if components or matches:
        connection = session.connection()
        refresh(components, connection=connection)
        refresh(matches - components, components=False, connection=connection)


def init_app(app: Flask) -> None:
    """Recount on every flush that writes components or matches, and after every advisory import."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
    advisory_services.on_advisories_imported(app, refresh_advisories_everywhere)
