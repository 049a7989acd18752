"""Inventory tasks for My tasks: SOUP lists to approve and freeze, to prepare, anomaly reviews due, advisories to
triage. Each list is a few indexed queries with LIMIT, whatever the size of the inventory."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from flask import Flask, url_for
from sqlalchemy import String, and_, cast, exists, func, select

from app.access import Permission
from app.extensions import db
from app.formatting import humanise
from app.inbox.registry import Task, TaskGroup, add_sources
from app.inventory import summary
from app.inventory.anomalies import services as anomaly_services
from app.inventory.models import Product, Release, ReleaseStatus
from app.signatures.models import Meaning, Signature

AREA = "Inventory"


def _authored(*, by_other_than: int | None = None) -> Any:
    """A draft release's SOUP list carries an authored (prepared) signature (by someone other than the user)."""
    condition = and_(Signature.entity_type == "release", Signature.entity_id == cast(Release.id, String),
                     Signature.meaning == Meaning.AUTHORED)
    if by_other_than is not None:
        condition = and_(condition, Signature.signer_id != by_other_than)
    return exists().where(condition)


def _newest_drafts() -> Any:
    """The newest draft release of each product (older drafts of a product are superseded by it)."""
    return (select(func.max(Release.id)).where(Release.status == ReleaseStatus.DRAFT)
            .group_by(Release.product_id).scalar_subquery())


def _releases(condition: Any, limit: int) -> tuple[int, list[tuple[Release, str]]]:
    count = db.session.scalar(select(func.count(Release.id)).where(Release.id.in_(_newest_drafts()), condition)) or 0
    if not limit or not count:
        return count, []
    rows = db.session.execute(
        select(Release, Product.name).join(Product, Product.id == Release.product_id)
        .where(Release.id.in_(_newest_drafts()), condition).order_by(Release.updated_at, Release.id).limit(limit)
    ).all()
    return count, [(release, product) for release, product in rows]


def _to_freeze(user: Any, limit: int) -> TaskGroup:
    count, releases = _releases(_authored(by_other_than=user.id), limit)
    return TaskGroup("inventory.freeze", "SOUP lists to approve and freeze", count, [
        Task(f"{product} {release.version}", url_for("inventory.releases_detail", release_id=release.id,
                                                     _anchor="freeze"),
             "prepared and signed as author; check it and sign to freeze")
        for release, product in releases], area=AREA)


def _to_prepare(limit: int) -> TaskGroup:
    count, releases = _releases(~_authored(), limit)
    tasks = []
    stored = summary.summaries_of([release.id for release, _product in releases])
    for release, product in releases:
        stats = stored[release.id]
        blocked = [f"{stats.unassessed} to assess"] if stats.unassessed else []
        if stats.open_components:
            blocked.append(f"{stats.open_components} with open advisories")
        tasks.append(Task(f"{product} {release.version}", url_for("inventory.releases_detail", release_id=release.id,
                                                                  _anchor="freeze"),
                          "; ".join(blocked) if blocked else "run the readiness check and sign as prepared"))
    return TaskGroup("inventory.prepare", "Draft releases to prepare (newest draft per product)", count, tasks,
                     url_for("inventory.products_list"), area=AREA)


def _reviews_due(today: date, limit: int) -> TaskGroup:
    count = sum(anomaly_services.reviews_due_counts(today).values())
    items = anomaly_services.reviews_due(today, limit=limit) if limit and count else []
    return TaskGroup("inventory.reviews", "Anomaly reviews due", count, [
        Task(f"{item.name} {item.version}",
             url_for("inventory.anomaly_reviews_create", component_id=item.component_id),
             f"{humanise(item.status.state.value)}, class {item.safety_class}", item.status.due)
        for item in items if item.component_id is not None], url_for("inventory.anomaly_reviews_due"), area=AREA)


def _advisories(limit: int) -> TaskGroup:
    releases, _open_total, count = summary.open_advisories_and_releases(limit=max(limit, 1))
    return TaskGroup("inventory.advisories", "Releases with advisories to triage", count, [
        Task(f"{row['product']} {row['release']}", url_for("inventory.release_advisories", release_id=row["release_id"]),
             f"{row['open']} open advisory match(es) on {row['components']} component(s)")
        for row in releases[:limit]], url_for("inventory.advisories_list", affecting="yes"), area=AREA)


def inventory_tasks(user: Any, today: date, limit: int) -> Sequence[TaskGroup]:
    """What waits in the inventory for this user."""
    groups = []
    if user.has(Permission.INVENTORY_FREEZE):
        groups.append(_to_freeze(user, limit))
    if user.has(Permission.INVENTORY_EDIT):
        groups += [_to_prepare(limit), _reviews_due(today, limit), _advisories(limit)]
    return groups


def init_app(app: Flask) -> None:
    """Hand the inventory's tasks to My tasks."""
    add_sources(app, inventory_tasks)
