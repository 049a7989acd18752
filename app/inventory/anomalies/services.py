"""Anomaly reviews of exact component versions (IEC 62304 7.1.3): record, find the current one, list what is due.

A review belongs to the version (OSV ecosystem, normalised name, version), so it holds in every release
that ships that version. Services flush; the view commits.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app
from sqlalchemy import Integer, String, and_, bindparam, delete, func, insert, or_, select, text, update

from app.audit import services as audit
from app.auth.models import User
from app.db import utcnow
from app.errors import PermissionDenied, ValidationFailed, one_of
from app.extensions import db
from app.inventory.advisories import services as advisory_services
from app.inventory.advisories.matching import normalise_name, osv_ecosystem
from app.inventory.advisories.models import Advisory, AdvisoryMatch
from app.inventory.advisories.services import chunks, component_matches
from app.inventory.anomalies import rules as review_rules
from app.inventory.anomalies.models import AnomalyReview, Conclusion, ReviewSchedule
from app.inventory.anomalies.policies import can_record_review
from app.inventory.anomalies.rules import ReviewState, ReviewStatus
from app.inventory.models import Component, Product, Release, ReleaseStatus

VersionKey = tuple[str, str, str]  # (OSV ecosystem, normalised name, version)
MAX_LINKS = 50


def version_key(component: Component) -> VersionKey:
    """The identity a review is about: the same package version in any release."""
    ecosystem = osv_ecosystem(component.ecosystem)
    return ecosystem, normalise_name(ecosystem, component.name), component.version


def cadence_months() -> dict[str, int]:
    """Review period in months by safety class, from the settings."""
    config = current_app.config
    return {
        "A": int(config["ANOMALY_REVIEW_MONTHS_CLASS_A"]),
        "B": int(config["ANOMALY_REVIEW_MONTHS_CLASS_B"]),
        "C": int(config["ANOMALY_REVIEW_MONTHS_CLASS_C"]),
    }


def init_app(app: Flask) -> None:
    """Keep the review schedule current when an advisory import changes what affects which version."""
    advisory_services.on_advisories_imported(app, refresh_schedule)


def _remind_days() -> int:
    return int(current_app.config["ANOMALY_REVIEW_REMIND_DAYS"])


def reviews_of(component: Component, *, limit: int = 50) -> list[AnomalyReview]:
    """The reviews of the component's exact version, newest first."""
    ecosystem, package, version = version_key(component)
    query = (
        select(AnomalyReview)
        .where(AnomalyReview.ecosystem == ecosystem, AnomalyReview.package == package, AnomalyReview.version == version)
        .order_by(AnomalyReview.reviewed_at.desc(), AnomalyReview.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


def review_to_carry(component: Component) -> AnomalyReview | None:
    """The review a new review of this version starts from: the latest of this very version (a periodic review
    carries its bug list over while the version is unchanged), else the latest of an earlier version of the same
    package (re-asked when the version changes: each anomaly is to be checked again for the new version)."""
    same = reviews_of(component, limit=1)
    if same:
        return same[0]
    ecosystem, package, version = version_key(component)
    return db.session.scalar(
        select(AnomalyReview)
        .where(AnomalyReview.ecosystem == ecosystem, AnomalyReview.package == package, AnomalyReview.version != version)
        .order_by(AnomalyReview.reviewed_at.desc(), AnomalyReview.id.desc()).limit(1))


def _received_for(component_ids: Sequence[int]) -> dict[int, list[datetime]]:
    """When each advisory now affecting these components arrived."""
    received: dict[int, list[datetime]] = defaultdict(list)
    for part in chunks(list(component_ids)):
        for component_id, arrived in db.session.execute(
            select(AdvisoryMatch.component_id, Advisory.received_at)
            .join(Advisory, Advisory.id == AdvisoryMatch.advisory_id)
            .where(AdvisoryMatch.component_id.in_(part), Advisory.withdrawn.is_(None))
        ):
            received[component_id].append(arrived)
    return received


def review_status(component: Component, today: date, *, last: AnomalyReview | None = None) -> ReviewStatus:
    """Current, due soon, overdue, new advisory since the last review, or never reviewed."""
    if last is None:
        reviews = reviews_of(component, limit=1)
        last = reviews[0] if reviews else None
    received = _received_for([component.id]).get(component.id, [])
    return review_rules.status_on(
        today,
        last_reviewed_at=last.reviewed_at if last else None,
        due=last.next_due if last else None,
        advisories_received=received,
        remind_days=_remind_days(),
    )


def current_review(component: Component, today: date) -> AnomalyReview | None:
    """The last review of this exact version when it is still current (not due, no advisory since)."""
    reviews = reviews_of(component, limit=1)
    if not reviews:
        return None
    return reviews[0] if review_status(component, today, last=reviews[0]).is_current else None


def has_current_review(component: Component, today: date) -> bool:
    """True when this exact version has a review that is neither due nor older than an advisory affecting it,
    and whose conclusion is not "reject" (a rejected version cannot be released)."""
    review = current_review(component, today)
    return review is not None and review.conclusion != Conclusion.REJECT


def _clean_links(links: Iterable[str]) -> list[str]:
    cleaned: list[str] = []
    for raw in links:
        link = raw.strip()
        if not link:
            continue
        parts = urlsplit(link)
        if parts.scheme not in ("http", "https") or not parts.netloc or any(ch.isspace() for ch in link):
            raise ValidationFailed(f"Not a web link: {link[:200]!r}. Give one http(s) address per line.")
        if len(link) > 2000:
            raise ValidationFailed("A link is longer than 2000 characters.")
        if link not in cleaned:
            cleaned.append(link)
    if len(cleaned) > MAX_LINKS:
        raise ValidationFailed(f"At most {MAX_LINKS} links per review.")
    return cleaned


def record_review(
    component: Component,
    *,
    by: User,
    anomalies: str,
    links: Iterable[str] = (),
    advisories_considered: Iterable[str] = (),
    conclusion: str,
    rationale: str = "",
) -> AnomalyReview:
    """Record a review of the component's exact version by `by`; the next one falls due by its safety class.

    Relevant anomalies are required (write "none found" and link the list you checked); a conclusion other
    than acceptable needs a rationale; considered advisories must be ones that affect this version.
    """
    if not can_record_review(by, component):
        raise PermissionDenied("You may not record anomaly reviews.")
    outcome = one_of(Conclusion, conclusion, f"Unknown conclusion {conclusion!r}.")
    anomalies = anomalies.strip()
    rationale = rationale.strip()
    if not anomalies:
        raise ValidationFailed(
            "Describe the relevant anomalies (security and other known bugs), or state that none were found and where you looked."
        )
    if outcome != Conclusion.ACCEPTABLE and not rationale:
        raise ValidationFailed("A conclusion other than acceptable needs a rationale (the risk control or the reason to reject).")
    cleaned_links = _clean_links(links)
    affecting = {match.advisory.osv_id for match in component_matches(component)}
    considered = list(dict.fromkeys(item.strip() for item in advisories_considered if item.strip()))
    unknown = [item for item in considered if item not in affecting]
    if unknown:
        raise ValidationFailed(f"These advisories do not affect {component.name} {component.version}: {', '.join(unknown)}.")
    now = utcnow()
    ecosystem, package, version = version_key(component)
    review = AnomalyReview(
        component_id=component.id,
        ecosystem=ecosystem,
        package=package,
        version=version,
        display_name=component.name,
        reviewer_id=by.id,
        reviewer_name=by.full_name,
        reviewed_at=now,
        safety_class=component.safety_class,
        anomalies=anomalies,
        links=cleaned_links,
        advisories_considered=considered,
        conclusion=outcome.value,
        rationale=rationale,
        next_due=review_rules.next_due(now.date(), component.safety_class, cadence_months()),
    )
    db.session.add(review)
    db.session.flush()
    refresh_schedule([component_review_key(component)])
    audit.record(
        "anomaly_review.recorded",
        review,
        conclusion=outcome.value,
        next_due=review.next_due.isoformat(),
        advisories=len(considered),
    )
    return review


# --- what is due ---------------------------------------------------------------------------------

MONITORED = (ReleaseStatus.DRAFT.value, ReleaseStatus.FROZEN.value)
RELEASES_KEPT = 5  # release labels kept per scheduled version, as many as any page shows (the count says how many in all)


@dataclass(frozen=True)
class DueReview:
    """A component version whose anomaly review is due, overdue, never done or overtaken by an advisory."""

    key: VersionKey
    name: str
    version: str
    safety_class: str
    component_id: int | None  # one component shipping it (the newest), for the link
    releases: tuple[str, ...]
    status: ReviewStatus
    last_reviewed_at: datetime | None
    release_count: int = 0


def component_review_key(component: Component) -> str:
    """The stored identity of the component's version (the same in every release shipping it)."""
    return review_rules.review_key(component.ecosystem, component.name, component.version)


@dataclass(frozen=True)
class _Members:
    """What the schedule needs of the monitored components shipping one version, aggregated in SQL."""

    safety_class: str  # the highest of its uses
    newest_id: int
    newest_name: str
    release_count: int
    releases: list[str]  # "Product 1.2", oldest first, at most RELEASES_KEPT
    arrivals: list[datetime]  # when each advisory now affecting it arrived, oldest first


def _key_parts(keys: Sequence[str] | None) -> Iterable[Sequence[str] | None]:
    return [None] if keys is None else chunks(keys)


def _monitored(query: Any, part: Sequence[str] | None) -> Any:
    query = query.join(Release, Release.id == Component.release_id).where(Release.status.in_(MONITORED))
    return query if part is None else query.where(Component.review_key.in_(part))


def _members(keys: Sequence[str] | None) -> dict[str, _Members]:
    """Per version key (all, or those of `keys`): the components of draft and frozen releases shipping it.

    Grouped by the database, so the cost follows the number of versions, not of releases times components.
    """
    summary: dict[str, tuple[str, int, int]] = {}
    names: dict[int, str] = {}
    releases: dict[str, list[str]] = defaultdict(list)
    arrivals: dict[str, list[datetime]] = defaultdict(list)
    for part in _key_parts(keys):
        grouped = _monitored(
            select(Component.review_key, func.max(Component.safety_class).label("safety_class"),
                   func.max(Component.id).label("newest_id"),
                   func.count(func.distinct(Component.release_id)).label("release_count")),
            part,
        ).group_by(Component.review_key).subquery()
        for row in db.session.execute(
            select(grouped, Component.name).join(Component, Component.id == grouped.c.newest_id)
        ):
            summary[row.review_key] = (row.safety_class, row.newest_id, row.release_count)
            names[row.newest_id] = row.name
        first = _monitored(
            select(Component.review_key, Component.release_id, func.min(Component.id).label("first_id")), part
        ).group_by(Component.review_key, Component.release_id).subquery()
        ranked = select(
            first,
            func.row_number().over(partition_by=first.c.review_key, order_by=first.c.first_id).label("rank"),
        ).subquery()
        for row in db.session.execute(
            select(ranked.c.review_key, Product.name.label("product"), Release.version.label("release"))
            .join(Release, Release.id == ranked.c.release_id)
            .join(Product, Product.id == Release.product_id)
            .where(ranked.c.rank <= RELEASES_KEPT)
            .order_by(ranked.c.review_key, ranked.c.rank)
        ):
            releases[row.review_key].append(f"{row.product} {row.release}")
        for key, arrived in db.session.execute(
            _monitored(
                select(Component.review_key, Advisory.received_at)
                .select_from(AdvisoryMatch)
                .join(Component, Component.id == AdvisoryMatch.component_id)
                .join(Advisory, Advisory.id == AdvisoryMatch.advisory_id)
                .where(Advisory.withdrawn.is_(None)),
                part,
            ).distinct()
        ):
            arrivals[key].append(arrived)
    return {
        key: _Members(safety_class, newest_id, names[newest_id], count, list(dict.fromkeys(releases[key])),
                      sorted(set(arrivals.get(key, []))))
        for key, (safety_class, newest_id, count) in summary.items()
    }


def _last_reviews() -> dict[VersionKey, tuple[datetime, date]]:
    """The latest review (time, next due) of every reviewed version: two columns, one grouped query."""
    latest = (
        select(
            AnomalyReview.ecosystem,
            AnomalyReview.package,
            AnomalyReview.version,
            func.max(AnomalyReview.id).label("last_id"),
        )
        .group_by(AnomalyReview.ecosystem, AnomalyReview.package, AnomalyReview.version)
        .subquery()
    )
    query = select(
        AnomalyReview.ecosystem, AnomalyReview.package, AnomalyReview.version, AnomalyReview.reviewed_at, AnomalyReview.next_due
    ).join(latest, latest.c.last_id == AnomalyReview.id)
    return {(e, p, v): (at, due) for e, p, v, at, due in db.session.execute(query)}


def _latest_reviews(keys: Sequence[str] | None) -> dict[str, tuple[datetime, date]]:
    """The latest review (time, next due) of each version key that has one."""
    if keys is None:
        return {"\t".join(key): value for key, value in _last_reviews().items()}
    wanted = set(keys)
    latest: dict[str, tuple[int, datetime, date]] = {}
    packages = sorted({key.split("\t")[1] for key in wanted})
    for part in chunks(packages):
        for row in db.session.execute(
            select(AnomalyReview.id, AnomalyReview.ecosystem, AnomalyReview.package, AnomalyReview.version,
                   AnomalyReview.reviewed_at, AnomalyReview.next_due).where(AnomalyReview.package.in_(part))
        ):
            key = "\t".join((row.ecosystem, row.package, row.version))
            if key in wanted and (key not in latest or row.id > latest[key][0]):
                latest[key] = (row.id, row.reviewed_at, row.next_due)
    return {key: (at, due) for key, (_id, at, due) in latest.items()}


WHOLE_SCAN_OVER = 2000  # keys to refresh above which refresh_schedule reads every monitored version once

_SCHEDULE_COLUMNS = (
    "ecosystem", "package", "version", "display_name", "component_id", "releases", "release_count", "safety_class",
    "last_reviewed_at", "next_due", "new_advisories", "monitored_since", "due_on",
)


def refresh_schedule(keys: Iterable[str] | None = None) -> int:
    """Recompute the stored review schedule of these version keys (of every monitored version when None).

    Call it in the transaction that changed what a schedule follows from: the components of a release (import,
    identity or safety class edits), a review, the advisories matched. A key no monitored component ships any
    more leaves the schedule. Returns how many schedule rows were written or removed.
    """
    wanted = None if keys is None else sorted(set(keys) - {""})
    if wanted == []:
        return 0
    # Many keys (a large import): one pass over every monitored version reads faster than lists of keys.
    scope = set(wanted) if wanted is not None and len(wanted) > WHOLE_SCAN_OVER else None
    if scope is not None:
        wanted = None
    members = _members(wanted)
    if scope is not None:
        members = {key: rows for key, rows in members.items() if key in scope}
    reviews = _latest_reviews(wanted if wanted is None else sorted(members))
    table = ReviewSchedule.__table__
    columns = [table.c.id, table.c.review_key, *(table.c[name] for name in _SCHEDULE_COLUMNS)]
    existing: dict[str, dict[str, Any]] = {}
    for part in [None] if wanted is None else chunks(wanted):
        query = select(*columns) if part is None else select(*columns).where(table.c.review_key.in_(part))
        existing.update({row.review_key: dict(row._mapping) for row in db.session.execute(query)
                         if scope is None or row.review_key in scope})
    today = utcnow().date()
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for key, member in members.items():
        ecosystem, package, version = key.split("\t", 2)
        safety_class = member.safety_class
        last = reviews.get(key)
        arrivals = member.arrivals
        old = existing.get(key)
        since = old["monitored_since"] if old else today
        values = {
            "ecosystem": ecosystem, "package": package, "version": version, "display_name": member.newest_name[:300],
            "component_id": member.newest_id, "releases": member.releases, "release_count": member.release_count,
            "safety_class": safety_class, "last_reviewed_at": last[0] if last else None,
            "next_due": last[1] if last else None,
            "new_advisories": review_rules.newer_advisories(last[0] if last else None, arrivals),
            "monitored_since": since,
            "due_on": review_rules.schedule_due_on(
                required=review_rules.review_required(safety_class), last_reviewed_at=last[0] if last else None,
                next_due=last[1] if last else None, advisories_received=arrivals, monitored_since=since,
            ),
        }
        if old is None:
            inserts.append({"review_key": key, **values})
        elif any(old[name] != value for name, value in values.items()):
            updates.append({"_id": old["id"], **values})
    gone = [row["id"] for key, row in existing.items() if key not in members]
    for start in range(0, len(inserts), 2000):
        db.session.execute(insert(table), inserts[start:start + 2000])
    if updates:
        statement = (update(table).where(table.c.id == bindparam("_id"))
                     .values({name: bindparam(name) for name in _SCHEDULE_COLUMNS}))
        db.session.execute(statement, updates)
    for part in chunks(gone):
        db.session.execute(delete(table).where(table.c.id.in_(part)))
    return len(inserts) + len(updates) + len(gone)


def refresh_schedule_for_new_release(release: Release) -> int:
    """Schedule the versions of a release that held nothing before this import.

    A version already scheduled gains this release (the newest: its label goes last, its component becomes the
    link) and keeps its dates, since nothing it is due from changed; a version that is new to the schedule, that
    this release raises to a higher class, or that an advisory affects is recomputed in full by refresh_schedule.
    So an import into a new release costs the same however many releases already ship its versions.
    """
    components, table = Component.__table__, ReviewSchedule.__table__
    shipped = (select(components.c.review_key, func.max(components.c.safety_class).label("safety_class"))
               .where(components.c.release_id == release.id, components.c.review_key != "")
               .group_by(components.c.review_key).subquery())
    advised = (select(components.c.review_key).join(AdvisoryMatch, AdvisoryMatch.component_id == components.c.id)
               .where(AdvisoryMatch.release_id == release.id))
    # Which versions need the full recompute is decided by the database: only those keys come back.
    rows = db.session.execute(
        select(shipped.c.review_key, or_(table.c.id.is_(None), shipped.c.safety_class > table.c.safety_class,
                                         shipped.c.review_key.in_(advised)))
        .outerjoin(table, table.c.review_key == shipped.c.review_key)).all()
    if not rows:
        return 0
    recompute = {key for key, full in rows if full}
    gaining = len(rows) - len(recompute)
    if gaining:  # the recomputed ones are gained too, then refresh_schedule rewrites them whole
        db.session.execute(_gained_release(release))
    return gaining + refresh_schedule(recompute)


def _gained_release(release: Release) -> Any:
    """One UPDATE for the scheduled versions a new release ships: the release's newest component of the version
    becomes the link (and its name the label), the count goes up by one and the release's label joins the list
    while it holds fewer than RELEASES_KEPT (and not already). Set-based: the database does it row by row, with
    no schedule row read into Python (one executemany of 1,000 rows cost more than the components' INSERT)."""
    table, components = ReviewSchedule.__table__, Component.__table__
    newest = (select(components.c.review_key, func.max(components.c.id).label("newest_id"))
              .where(components.c.release_id == release.id).group_by(components.c.review_key).subquery())
    name = select(func.substr(components.c.name, 1, 300)).where(components.c.id == newest.c.newest_id).scalar_subquery()
    label = bindparam("label", f"{release.product.name} {release.version}", type_=String)
    kept = bindparam("kept", RELEASES_KEPT, type_=Integer)
    if db.session.get_bind().dialect.name == "postgresql":
        releases = ("CASE WHEN json_array_length({table}.releases) < :kept "
                    "AND NOT {table}.releases::jsonb @> to_jsonb(CAST(:label AS text)) "
                    "THEN ({table}.releases::jsonb || to_jsonb(CAST(:label AS text)))::json "
                    "ELSE {table}.releases END")
    else:
        releases = ("CASE WHEN json_array_length({table}.releases) < :kept "
                    "AND NOT EXISTS (SELECT 1 FROM json_each({table}.releases) AS kept_label "
                    "WHERE kept_label.value = :label) "
                    "THEN json_insert({table}.releases, '$[#]', :label) "
                    "ELSE {table}.releases END")
    return (update(table).where(table.c.review_key == newest.c.review_key)
            .values(component_id=newest.c.newest_id, display_name=name, release_count=table.c.release_count + 1,
                    releases=text(releases.format(table=table.name)).bindparams(label, kept))
            .execution_options(synchronize_session=False))


def _due_query(today: date) -> Any:
    horizon = today + timedelta(days=_remind_days())
    return select(ReviewSchedule).where(ReviewSchedule.due_on <= horizon)


def _state_condition(state: str, today: date) -> Any:
    """The stored schedule rows in one review state (as scheduled_status decides it), as a SQL condition."""
    reviewed = ReviewSchedule.last_reviewed_at.is_not(None)
    conditions = {
        ReviewState.NEVER_REVIEWED.value: ReviewSchedule.last_reviewed_at.is_(None),
        ReviewState.NEW_ADVISORY.value: and_(reviewed, ReviewSchedule.new_advisories > 0),
        ReviewState.OVERDUE.value: and_(reviewed, ReviewSchedule.new_advisories == 0, ReviewSchedule.next_due <= today),
        ReviewState.DUE_SOON.value: and_(reviewed, ReviewSchedule.new_advisories == 0, ReviewSchedule.next_due > today),
    }
    return conditions[state]


DUE_STATES = (ReviewState.NEW_ADVISORY, ReviewState.OVERDUE, ReviewState.NEVER_REVIEWED, ReviewState.DUE_SOON)


def reviews_due_query(today: date, *, state: str = "") -> Any:
    """Versions in draft or frozen releases whose review is due now or within the reminder window (or in one such
    state), the longest due first: a select of ReviewSchedule rows for paginating (one indexed range)."""
    query = _due_query(today)
    if state:
        query = query.where(_state_condition(state, today))
    return query.order_by(ReviewSchedule.due_on, ReviewSchedule.display_name, ReviewSchedule.id)


def due_review(row: ReviewSchedule, today: date) -> DueReview:
    """A stored schedule row as the pages show it, with its state on `today`."""
    return DueReview(
        key=(row.ecosystem, row.package, row.version),
        name=row.display_name,
        version=row.version,
        safety_class=row.safety_class,
        component_id=row.component_id,
        releases=tuple(row.releases or ()),
        status=review_rules.scheduled_status(
            today, last_reviewed_at=row.last_reviewed_at, next_due=row.next_due, new_advisories=row.new_advisories,
            remind_days=_remind_days(),
        ),
        last_reviewed_at=row.last_reviewed_at,
        release_count=row.release_count,
    )


def reviews_due(today: date, *, limit: int | None = None) -> list[DueReview]:
    """Versions in draft or frozen releases that need a review now or within the reminder window, longest due first
    (all of them, or the first `limit`): one query on the stored schedule, whatever the number of components.

    A version needs reviews when it is class B/C somewhere, or when it was reviewed before (then its own class sets
    the period); a version hit by an advisory newer than its last review is due since that advisory arrived.
    """
    query = reviews_due_query(today)
    if limit is not None:
        query = query.limit(limit)
    return [due_review(row, today) for row in db.session.scalars(query)]


def reviews_due_counts(today: date) -> dict[str, int]:
    """How many versions are in each due state (one aggregate query on the stored schedule)."""
    counts = [func.count().filter(_state_condition(state.value, today)) for state in DUE_STATES]
    row = db.session.execute(_due_query(today).with_only_columns(*counts)).one()
    return {state.value: int(value or 0) for state, value in zip(DUE_STATES, row, strict=True)}
