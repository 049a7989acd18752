"""Alerts on released software: an advisory that arrives after a release was frozen opens one triage item per
product, puts its matches on the frozen releases under investigation, shows in the QA and engineering inbox, and
goes to the product's subscribers in one digest mail per product. The anomaly review of an affected version is
due at once because the advisory arrived after its last review (the schedule follows the matches).

Services flush; the import's caller commits. Raised by every advisory import (upload, CLI, sync) through
advisories.services.on_advisories_arrived, so every path behaves the same.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import Flask, current_app, has_request_context, url_for
from sqlalchemy import Select, and_, exists, func, select
from sqlalchemy.orm import joinedload

from app.access import Permission
from app.audit import services as audit
from app.auth.models import User
from app.db import utcnow
from app.errors import PermissionDenied
from app.extensions import db
from app.inbox.registry import Task, TaskGroup, add_sources
from app.inventory.advisories import services as advisory_services
from app.inventory.advisories.models import Advisory, AdvisoryMatch, MatchState
from app.inventory.advisories.services import chunks
from app.inventory.models import Component, Product, Release, ReleaseStatus
from app.inventory.monitoring.models import ProductAlert, ProductSubscription
from app.notifications.services import public_base_url, queue_email

AREA = "Inventory"
UNDECIDED = (MatchState.OPEN.value, MatchState.UNDER_INVESTIGATION.value)
DIGEST_SHOWN = 50  # advisories listed per product in one digest mail (the rest are counted)


def _note(osv_id: str) -> str:
    return f"Raised by post-market monitoring: {osv_id} arrived after the release was frozen; to be investigated."


def raise_alerts(advisory_ids: Sequence[int]) -> list[ProductAlert]:
    """For advisories that just arrived (or whose affected packages changed): one triage item per product with a
    frozen release they affect, their open matches there put under investigation; then the digests. Returns the
    alerts raised (new or raised again)."""
    groups: dict[tuple[int, int], list[AdvisoryMatch]] = defaultdict(list)
    for part in chunks(sorted(set(advisory_ids))):
        query = (select(AdvisoryMatch, Release.product_id).join(Release, Release.id == AdvisoryMatch.release_id)
                 .where(AdvisoryMatch.advisory_id.in_(part), Release.status == ReleaseStatus.FROZEN.value)
                 .order_by(AdvisoryMatch.id))
        for match, product_id in db.session.execute(query):
            groups[(product_id, match.advisory_id)].append(match)
    if not groups:
        return []
    existing = {(alert.product_id, alert.advisory_id): alert for part in chunks(sorted({a for _p, a in groups}))
                for alert in db.session.scalars(select(ProductAlert).where(ProductAlert.advisory_id.in_(part)))}
    osv_ids: dict[int, str] = {}
    for part in chunks(sorted({a for _p, a in groups})):
        osv_ids.update((row.id, row.osv_id) for row in db.session.execute(
            select(Advisory.id, Advisory.osv_id).where(Advisory.id.in_(part))))
    now = utcnow()
    raised = []
    for (product_id, advisory_id), matches in sorted(groups.items()):
        alert = existing.get((product_id, advisory_id))
        if alert is None:
            alert = ProductAlert(product=db.session.get(Product, product_id), advisory=db.session.get(Advisory, advisory_id),
                                 raised_at=now)
            db.session.add(alert)
        else:
            alert.raised_at, alert.mailed_at = now, None
        investigated = 0
        for match in matches:
            if match.state == MatchState.OPEN.value:
                match.state = MatchState.UNDER_INVESTIGATION.value
                match.note = _note(osv_ids[advisory_id])
                match.decided_at = now
                investigated += 1
        db.session.flush()
        audit.record("advisory_alert.raised", alert, advisory=osv_ids[advisory_id], matches=len(matches),
                     put_under_investigation=investigated)
        raised.append(alert)
    queue_digests()
    return raised


# --- digests --------------------------------------------------------------------------------------


@dataclass
class DigestResult:
    products: int = 0
    mails: int = 0


def _release_labels(pairs: set[tuple[int, int]]) -> dict[tuple[int, int], list[str]]:
    """(product, advisory) -> "1.2: name version" of the frozen components the advisory affects (one query per 500)."""
    labels: dict[tuple[int, int], list[str]] = defaultdict(list)
    advisory_ids = sorted({advisory_id for _product, advisory_id in pairs})
    for part in chunks(advisory_ids):
        for product_id, advisory_id, release, name, version in db.session.execute(
            select(Release.product_id, AdvisoryMatch.advisory_id, Release.version, Component.name, Component.version)
            .join(Release, Release.id == AdvisoryMatch.release_id).join(Component, Component.id == AdvisoryMatch.component_id)
            .where(AdvisoryMatch.advisory_id.in_(part), Release.status == ReleaseStatus.FROZEN.value)
            .order_by(Release.id, Component.name)
        ):
            if (product_id, advisory_id) in pairs:
                labels[(product_id, advisory_id)].append(f"release {release}: {name} {version}")
    return labels


def _path(endpoint: str, **values: Any) -> str:
    """A page's path, also outside a request (the worker's sync)."""
    if has_request_context():
        return url_for(endpoint, **values)
    with current_app.test_request_context("/"):
        return url_for(endpoint, **values)


def digest_body(product: Product, alerts: Sequence[ProductAlert], labels: dict[tuple[int, int], list[str]],
                base_url: str) -> str:
    """The plain-text digest of one product: each new advisory with its severity and the frozen components hit."""
    lines = [f"{len(alerts)} advisory(ies) arrived that affect frozen releases of {product.name}.",
             "Each is under investigation; triage it and review the anomalies of the affected versions.", ""]
    for alert in alerts[:DIGEST_SHOWN]:
        advisory = alert.advisory
        level = advisory.severity_level or "no severity given"
        lines.append(f"{advisory.osv_id} ({level}): {advisory.headline}")
        for label in labels.get((alert.product_id, alert.advisory_id), [])[:10]:
            lines.append(f"  - {label}")
        lines.append(f"  {base_url}{_path('inventory.advisories_detail', advisory_id=advisory.id)}")
        lines.append("")
    if len(alerts) > DIGEST_SHOWN:
        lines.append(f"... and {len(alerts) - DIGEST_SHOWN} more.")
    lines.append(f"The product: {base_url}{_path('inventory.products_detail', product_id=product.id)}")
    lines.append("You receive this because you follow the product; unfollow it on the product's page.")
    return "\n".join(lines)


def queue_digests() -> DigestResult:
    """One mail per product and subscriber for the alerts not mailed yet; they count as mailed even when the
    product has no subscriber (a later subscriber gets later alerts)."""
    pending = list(db.session.scalars(
        select(ProductAlert).where(ProductAlert.mailed_at.is_(None))
        .options(joinedload(ProductAlert.product), joinedload(ProductAlert.advisory))
        .order_by(ProductAlert.product_id, ProductAlert.id)))
    result = DigestResult()
    if not pending:
        return result
    by_product: dict[int, list[ProductAlert]] = defaultdict(list)
    for alert in pending:
        by_product[alert.product_id].append(alert)
    subscribers: dict[int, list[str]] = defaultdict(list)
    for part in chunks(sorted(by_product)):
        for product_id, email in db.session.execute(
            select(ProductSubscription.product_id, User.email).join(User, User.id == ProductSubscription.user_id)
            .where(ProductSubscription.product_id.in_(part), User.active.is_(True), User.email != "")
            .order_by(User.id)
        ):
            subscribers[product_id].append(email)
    labels = _release_labels({(alert.product_id, alert.advisory_id) for alert in pending})
    base = public_base_url()
    now = utcnow()
    for product_id, alerts in by_product.items():
        product = alerts[0].product
        if subscribers[product_id]:
            body = digest_body(product, alerts, labels, base)
            subject = f"Provenance: {len(alerts)} new advisory(ies) on released {product.name}"
            for email in subscribers[product_id]:
                queue_email(email, subject, body)
                result.mails += 1
            result.products += 1
        for alert in alerts:
            alert.mailed_at = now
    db.session.flush()
    return result


# --- subscriptions --------------------------------------------------------------------------------


def can_follow(user: Any, _product: Product | None) -> bool:
    """Anyone who may read the inventory may follow a product's alerts."""
    return bool(user.has(Permission.INVENTORY_READ))


def subscription_of(user: Any, product: Product) -> ProductSubscription | None:
    """The user's subscription to the product, if any."""
    return db.session.scalar(select(ProductSubscription).where(ProductSubscription.product_id == product.id,
                                                               ProductSubscription.user_id == user.id))


def subscribe(user: User, product: Product) -> ProductSubscription:
    """Follow the product's alerts (following twice changes nothing)."""
    if not can_follow(user, product):
        raise PermissionDenied("You may not follow this product.")
    found = subscription_of(user, product)
    if found is None:
        found = ProductSubscription(product=product, user=user)
        db.session.add(found)
        db.session.flush()
    return found


def unsubscribe(user: User, product: Product) -> bool:
    """Stop following the product's alerts; False when the user did not follow it."""
    found = subscription_of(user, product)
    if found is None:
        return False
    db.session.delete(found)
    db.session.flush()
    return True


def subscriber_count(product: Product) -> int:
    """How many users follow the product."""
    return int(db.session.scalar(select(func.count(ProductSubscription.id))
                                 .where(ProductSubscription.product_id == product.id)) or 0)


# --- open alerts ----------------------------------------------------------------------------------


def _undecided() -> Any:
    """The alert still has a match on a frozen release of its product that is open or under investigation."""
    return exists().where(and_(
        AdvisoryMatch.advisory_id == ProductAlert.advisory_id, AdvisoryMatch.state.in_(UNDECIDED),
        Release.id == AdvisoryMatch.release_id, Release.product_id == ProductAlert.product_id,
        Release.status == ReleaseStatus.FROZEN.value))


def open_alerts_query(product: Product | None = None) -> Select[Any]:
    """Open triage items (newest first), with their advisory and product: a select for paginating."""
    query = (select(ProductAlert, Advisory, Product).join(Advisory, Advisory.id == ProductAlert.advisory_id)
             .join(Product, Product.id == ProductAlert.product_id).where(_undecided())
             .order_by(ProductAlert.raised_at.desc(), ProductAlert.id.desc()))
    return query if product is None else query.where(ProductAlert.product_id == product.id)


def open_alert_count() -> int:
    """How many triage items are open."""
    return int(db.session.scalar(select(func.count(ProductAlert.id)).where(_undecided())) or 0)


def alert_tasks(user: Any, today: date, limit: int) -> Sequence[TaskGroup]:
    """QA and engineering (who triage advisories) see each open alert once."""
    if not user.has(Permission.INVENTORY_EDIT):
        return []
    count = open_alert_count()
    rows = list(db.session.execute(open_alerts_query().limit(limit))) if limit and count else []
    return [TaskGroup("inventory.alerts", "Advisories on released software", count, [
        Task(f"{advisory.osv_id} on {product.name}", url_for("inventory.advisories_detail", advisory_id=advisory.id),
             f"{advisory.severity_level or 'no severity'}; arrived after a release was frozen: under investigation",
             alert.raised_at.date())
        for alert, advisory, product in rows], url_for("inventory.advisories_sync_status"), area=AREA)]


def _arrived(advisory_ids: list[int]) -> None:
    raise_alerts(advisory_ids)


def init_app(app: Flask) -> None:
    """Raise alerts after every advisory import; show them in My tasks."""
    advisory_services.on_advisories_arrived(app, _arrived)
    add_sources(app, alert_tasks)

