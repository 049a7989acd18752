"""Anomaly reviews of exact component versions (IEC 62304 7.1.3): record, find the current one, list what is due.

A review belongs to the version (OSV ecosystem, normalised name, version), so it holds in every release
that ships that version. Services flush; the view commits.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import func, select

from app.audit import services as audit
from app.auth.models import User
from app.db import utcnow
from app.errors import PermissionDenied, ValidationFailed, one_of
from app.extensions import db
from app.inventory.advisories.matching import normalise_name, osv_ecosystem
from app.inventory.advisories.models import Advisory, AdvisoryMatch
from app.inventory.advisories.services import chunks, component_matches
from app.inventory.anomalies import rules as review_rules
from app.inventory.anomalies.models import AnomalyReview, Conclusion
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
    audit.record(
        "anomaly_review.recorded",
        review,
        conclusion=outcome.value,
        next_due=review.next_due.isoformat(),
        advisories=len(considered),
    )
    return review


# --- what is due --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DueReview:
    """A component version whose anomaly review is due, overdue, never done or overtaken by an advisory."""

    key: VersionKey
    name: str
    version: str
    safety_class: str
    component_id: int  # one component shipping it (the newest), for the link
    releases: tuple[str, ...]
    status: ReviewStatus
    last_reviewed_at: datetime | None


def _monitored_components() -> list[Any]:
    """Components of draft and frozen releases: id, ecosystem, name, version, safety class, release label."""
    query = (
        select(
            Component.id,
            Component.ecosystem,
            Component.name,
            Component.version,
            Component.safety_class,
            Product.name.label("product"),
            Release.version.label("release"),
        )
        .join(Release, Release.id == Component.release_id)
        .join(Product, Product.id == Release.product_id)
        .where(Release.status.in_([ReleaseStatus.DRAFT.value, ReleaseStatus.FROZEN.value]))
        .order_by(Component.id)
    )
    return list(db.session.execute(query))


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


def reviews_due(today: date) -> list[DueReview]:
    """Versions in draft or frozen releases that need a review now or within the reminder window, most urgent first.

    A version needs reviews when it is class B/C somewhere, or when it was reviewed before (then its own class sets
    the period). Four queries whatever the number of components.
    """
    rows = _monitored_components()
    last_reviews = _last_reviews()
    received = _received_for([row.id for row in rows])
    grouped: dict[VersionKey, list[Any]] = defaultdict(list)
    for row in rows:
        ecosystem = osv_ecosystem(row.ecosystem)
        grouped[(ecosystem, normalise_name(ecosystem, row.name), row.version)].append(row)
    due: list[DueReview] = []
    for key, members in grouped.items():
        safety_class = max((member.safety_class for member in members), default="A")
        last = last_reviews.get(key)
        if last is None and not review_rules.review_required(safety_class):
            continue
        arrivals = sorted({at for member in members for at in received.get(member.id, [])})
        status = review_rules.status_on(
            today,
            last_reviewed_at=last[0] if last else None,
            due=last[1] if last else None,
            advisories_received=arrivals,
            remind_days=_remind_days(),
        )
        if status.state == ReviewState.CURRENT:
            continue
        newest = members[-1]
        due.append(
            DueReview(
                key=key,
                name=newest.name,
                version=newest.version,
                safety_class=safety_class,
                component_id=newest.id,
                releases=tuple(dict.fromkeys(f"{member.product} {member.release}" for member in members)),
                status=status,
                last_reviewed_at=last[0] if last else None,
            )
        )
    urgency = {
        ReviewState.NEW_ADVISORY: 0,
        ReviewState.OVERDUE: 1,
        ReviewState.NEVER_REVIEWED: 2,
        ReviewState.DUE_SOON: 3,
    }
    return sorted(due, key=lambda item: (urgency[item.status.state], item.status.due or today, item.name.lower()))
