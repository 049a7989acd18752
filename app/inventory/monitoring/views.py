"""Monitoring pages on the inventory blueprint: the advisory sync's status (runs, last run per ecosystem, open
alerts on released software, "Sync now"), and following a product's alerts.

app/inventory/views.py imports this module at its end, so these routes join the `inventory` blueprint.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.orm import selectinload

from app import unit_of_work
from app.access import Permission, permission_required
from app.extensions import db
from app.inventory.advisories import sync
from app.inventory.advisories.models import AdvisorySyncRun
from app.inventory.advisories.policies import can_sync_advisories
from app.inventory.blueprint import bp
from app.inventory.models import Product
from app.inventory.monitoring import services as monitoring
from app.jobs import services as jobs
from app.pagination import paginate

ALERTS_SHOWN = 20  # open alerts on the sync page (the inbox counts them all)


@bp.route("/advisories/sync")
@permission_required(Permission.INVENTORY_READ)
def advisories_sync_status() -> Any:
    page = paginate(sync.runs_query().options(selectinload(AdvisorySyncRun.started_by)))
    alerts = list(db.session.execute(monitoring.open_alerts_query().limit(ALERTS_SHOWN)))
    return render_template(
        "inventory/advisories_sync.html",
        page=page,
        last_runs=sync.last_runs(),
        ecosystems=sync.inventory_ecosystems(),
        source=current_app.config["ADVISORY_SYNC_SOURCE"],
        schedule=current_app.config["ADVISORY_SYNC_CRONTAB"],
        job=jobs.latest(sync.JOB_KIND, sync.JOB_SUBJECT),
        can_sync=can_sync_advisories(current_user),
        alerts=alerts,
        alert_count=monitoring.open_alert_count(),
    )


@bp.post("/advisories/sync")
@permission_required(Permission.INVENTORY_FREEZE, Permission.SETTINGS_MANAGE)
def advisories_sync_start() -> Any:
    form = FlaskForm()
    if not form.validate_on_submit():
        flash("The request could not be read; try again.", "error")
        return redirect(url_for("inventory.advisories_sync_status"))
    outcome = unit_of_work.run(lambda: sync.start_sync(current_user))
    if outcome.ok and outcome.value is not None:
        _job, created = outcome.value
        flash("The sync is queued for the worker." if created else "A sync is already queued or running.",
              "success" if created else "info")
    return redirect(url_for("inventory.advisories_sync_status"))


def _follow(product_id: int, change: Callable[[Any, Product], object], message: str) -> Any:
    """Follow or stop following the product (one service call, committed), then back to its monitoring section."""
    product = db.get_or_404(Product, product_id)
    if FlaskForm().validate_on_submit() and unit_of_work.run(lambda: change(current_user, product)).ok:
        flash(message.format(product=product.name), "success")
    return redirect(url_for("inventory.products_detail", product_id=product.id, _anchor="monitoring"))


@bp.post("/products/<int:product_id>/subscription")
@permission_required(Permission.INVENTORY_READ)
def products_subscribe(product_id: int) -> Any:
    return _follow(product_id, monitoring.subscribe,
                   "You follow {product}: advisories that reach its frozen releases are e-mailed to you.")


@bp.post("/products/<int:product_id>/subscription/delete")
@permission_required(Permission.INVENTORY_READ)
def products_unsubscribe(product_id: int) -> Any:
    return _follow(product_id, monitoring.unsubscribe, "You no longer follow {product}.")


def product_panel(product: Product) -> dict[str, Any]:
    """What the product page shows of its monitoring: whether the user follows it, how many do, its open alerts."""
    return {
        "subscribed": monitoring.subscription_of(current_user, product) is not None,
        "subscribers": monitoring.subscriber_count(product),
        "alerts": list(db.session.execute(monitoring.open_alerts_query(product).limit(ALERTS_SHOWN))),
    }
