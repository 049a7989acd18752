"""Anomaly review pages on the inventory blueprint: record a review of a component version, what is due.

app/inventory/views.py imports this module at its end, so these routes join the `inventory` blueprint.
The partial templates/inventory/_component_anomalies.html reads its data through `component_anomaly_panel`.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app import unit_of_work
from app.access import Permission, permission_required
from app.db import utcnow
from app.extensions import db
from app.inventory.advisories import services as advisory_services
from app.inventory.anomalies import rules, services
from app.inventory.anomalies.forms import AnomalyReviewForm
from app.inventory.anomalies.policies import can_record_review
from app.inventory.blueprint import bp
from app.inventory.licences import services as licence_services
from app.inventory.models import Component
from app.pagination import paginate


@bp.route("/components/<int:component_id>/anomaly-reviews/new", methods=["GET", "POST"])
@permission_required(Permission.INVENTORY_EDIT)
def anomaly_reviews_create(component_id: int) -> Any:
    component = db.get_or_404(Component, component_id)
    if not can_record_review(current_user, component):
        abort(403)
    matches = advisory_services.component_matches(component)
    form = AnomalyReviewForm()
    form.advisories.choices = [
        (match.advisory.osv_id, f"{match.advisory.osv_id}: {match.advisory.headline}") for match in matches
    ]
    carried = services.review_to_carry(component)
    if request.method == "GET":
        form.advisories.data = [match.advisory.osv_id for match in matches]
        if carried is not None:
            form.anomalies.data, form.links.data = carried.anomalies, "\n".join(carried.links or ())
    if form.validate_on_submit():
        outcome = unit_of_work.run(
            lambda: services.record_review(
                component,
                by=current_user,
                anomalies=form.anomalies.data or "",
                links=(form.links.data or "").splitlines(),
                advisories_considered=form.advisories.data or [],
                conclusion=form.conclusion.data or "",
                rationale=form.rationale.data or "",
            )
        )
        if outcome.ok:
            flash(f"Anomaly review of {component.name} {component.version} recorded.", "success")
            return redirect(_component_url(component))
    status = 422 if form.is_submitted() else 200
    return render_template(
        "inventory/anomaly_reviews_create.html",
        component=component,
        form=form,
        matches=matches,
        carried=carried,
        panel=component_anomaly_panel(component),
        component_url=_component_url(component),
    ), status


def _component_url(component: Component) -> str:
    return url_for("inventory.components_detail", component_id=component.id)


@bp.route("/anomaly-reviews")
@permission_required(Permission.INVENTORY_READ)
def anomaly_reviews_due() -> Any:
    today = utcnow().date()
    state = request.args.get("state", "")
    state = state if state in {s.value for s in services.DUE_STATES} else ""
    page = paginate(services.reviews_due_query(today, state=state))
    items = [services.due_review(row, today) for row in page.items]
    return render_template("inventory/anomaly_reviews_due.html", items=items, page=page, state=state, today=today)


PANEL_ROWS = 20


@bp.app_template_global()
def component_anomaly_panel(component: Component) -> dict[str, Any]:
    """Review status, past reviews and advisories of one component version (templates/inventory/_component_anomalies.html)."""
    today = utcnow().date()
    reviews = services.reviews_of(component, limit=PANEL_ROWS)
    return {
        "status": services.review_status(component, today, last=reviews[0] if reviews else None),
        "reviews": reviews,
        "matches": advisory_services.component_matches(component, limit=PANEL_ROWS),
        "match_count": advisory_services.component_match_count(component),
        "required": rules.review_required(component.safety_class),
        "months": services.cadence_months().get(component.safety_class, 1),
        "can_review": can_record_review(current_user, component),
        "licence": licence_services.component_verdict(component),
    }
