"""Pages for advisories, anomaly reviews and the licence policy, on the inventory blueprint.

app/inventory/views.py imports this module at its end, so these routes join the `inventory` blueprint.
The partials templates/inventory/_release_advisories.html, _release_licences.html and
_component_anomalies.html read their data through the template globals registered here.
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.auth.decorators import permission_required
from app.auth.permissions import Permission
from app.auth.views import safe_next
from app.db import utcnow
from app.errors import DomainError
from app.extensions import db
from app.inventory import advisory_services, anomaly_services, licence_services
from app.inventory.advisory_forms import (
    AdvisoryImportForm,
    AnomalyReviewForm,
    LicencePolicyEntryForm,
    RemoveEntryForm,
    TriageForm,
)
from app.inventory.advisory_models import Advisory, AdvisoryImport, AdvisoryMatch
from app.inventory.advisory_policies import can_edit_licence_policy, can_record_review, can_triage_match
from app.inventory.licence_policy import Category
from app.inventory.models import Component, Release
from app.inventory.views import bp
from app.pagination import paginate

SEVERITIES = ("critical", "high", "medium", "low", "none")


# --- advisories ---------------------------------------------------------------------------------


@bp.route("/advisories")
@permission_required(Permission.INVENTORY_READ)
def advisories_list() -> Any:
    filters = advisory_services.AdvisoryFilters(
        ecosystem=request.args.get("ecosystem", "").strip()[:60],
        package=request.args.get("package", "").strip()[:300],
        severity=request.args.get("severity", "") if request.args.get("severity", "") in SEVERITIES else "",
        affecting=request.args.get("affecting", "") if request.args.get("affecting", "") in ("yes", "no") else "",
        text=request.args.get("q", "").strip()[:200],
        show_withdrawn=request.args.get("withdrawn") == "1",
    )
    page = paginate(advisory_services.advisories_query(filters))
    packages, counts = advisory_services.list_extras([advisory.id for advisory in page.items])
    last_import = db.session.scalar(select(AdvisoryImport).order_by(AdvisoryImport.id.desc()).limit(1))
    return render_template(
        "inventory/advisories_list.html",
        page=page,
        filters=filters,
        packages=packages,
        counts=counts,
        ecosystems=advisory_services.ecosystems(),
        severities=SEVERITIES,
        last_import=last_import,
    )


@bp.route("/advisories/<int:advisory_id>")
@permission_required(Permission.INVENTORY_READ)
def advisories_detail(advisory_id: int) -> Any:
    advisory = db.get_or_404(Advisory, advisory_id)
    rows = advisory_services.advisory_components(advisory)
    return render_template(
        "inventory/advisories_detail.html",
        advisory=advisory,
        rows=rows,
        triage_form=TriageForm(),
        can_triage=can_triage_match(current_user, None),
    )


@bp.route("/advisories/import", methods=["GET", "POST"])
@permission_required(Permission.INVENTORY_EDIT)
def advisories_import() -> Any:
    form = AdvisoryImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            result = advisory_services.import_advisories(
                upload.filename or "upload",
                upload.read(),
                by=current_user,
                channel="web",
                max_bytes=current_app.config["ADVISORY_UPLOAD_MAX_BYTES"],
            )
        except DomainError as error:
            db.session.rollback()
            form.file.errors = [error.message]
        else:
            db.session.commit()
            flash(
                f"{result.filename}: {result.added} new, {result.updated} updated, {result.unchanged} unchanged advisories; "
                f"{result.matches_added} new matches with our components.",
                "success",
            )
            if result.warnings:
                flash(f"{len(result.warnings)} records were skipped: {result.warnings[0]}", "warning")
            return redirect(url_for("inventory.advisories_import"))
    imports = db.session.scalars(
        select(AdvisoryImport).options(selectinload(AdvisoryImport.imported_by)).order_by(AdvisoryImport.id.desc()).limit(10)
    ).all()
    status = 422 if form.is_submitted() and form.errors else 200
    return render_template("inventory/advisories_import.html", form=form, imports=imports), status


@bp.route("/advisory-matches/<int:match_id>/triage", methods=["POST"])
@permission_required(Permission.INVENTORY_EDIT)
def advisory_matches_triage(match_id: int) -> Any:
    match = db.get_or_404(AdvisoryMatch, match_id)
    form = TriageForm()
    target = safe_next(request.form.get("next")) or url_for("inventory.advisories_detail", advisory_id=match.advisory_id)
    if form.validate_on_submit():
        try:
            advisory_services.triage_match(match, form.state.data or "", form.note.data or "", by=current_user)
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(f"{match.advisory.osv_id} on {match.component.name} {match.component.version}: {match.state.replace('_', ' ')}.", "success")
    else:
        flash("The decision could not be read; try again.", "error")
    return redirect(target)


# --- anomaly reviews ----------------------------------------------------------------------------


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
    if request.method == "GET":
        form.advisories.data = [match.advisory.osv_id for match in matches]
    if form.validate_on_submit():
        try:
            anomaly_services.record_review(
                component,
                by=current_user,
                anomalies=form.anomalies.data or "",
                links=(form.links.data or "").splitlines(),
                advisories_considered=form.advisories.data or [],
                conclusion=form.conclusion.data or "",
                rationale=form.rationale.data or "",
            )
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(f"Anomaly review of {component.name} {component.version} recorded.", "success")
            return redirect(_component_url(component))
    status = 422 if form.is_submitted() else 200
    return render_template(
        "inventory/anomaly_reviews_create.html",
        component=component,
        form=form,
        matches=matches,
        panel=component_anomaly_panel(component),
        component_url=_component_url(component),
    ), status


def _component_url(component: Component) -> str:
    if "inventory.components_detail" in current_app.view_functions:
        return url_for("inventory.components_detail", component_id=component.id)
    return url_for("inventory.anomaly_reviews_due")


@bp.route("/anomaly-reviews")
@permission_required(Permission.INVENTORY_READ)
def anomaly_reviews_due() -> Any:
    items = anomaly_services.reviews_due(utcnow().date())
    state = request.args.get("state", "")
    if state:
        items = [item for item in items if item.status.state == state]
    return render_template("inventory/anomaly_reviews_due.html", items=items, state=state, today=utcnow().date())


# --- licence policy -----------------------------------------------------------------------------


@bp.route("/licence-policy")
@permission_required(Permission.INVENTORY_READ)
def licence_policy() -> Any:
    # "Change" links prefill the form with the entry's key and verdict.
    prefill = {"key": request.args.get("key", "")[:200], "verdict": request.args.get("verdict", "review")}
    return _render_policy(LicencePolicyEntryForm(formdata=None, data=prefill))


def _render_policy(form: LicencePolicyEntryForm, status: int = 200) -> Any:
    policy = licence_services.current_policy()
    entries = licence_services.entries()
    categories = [
        {
            "category": category,
            "label": licence_services.CATEGORY_LABELS[category],
            "verdict": policy.categories[category].value,
            "entry": next((entry for entry in entries if entry.key == category.value), None),
        }
        for category in Category
    ]
    overrides = [entry for entry in entries if entry.key not in {item.value for item in Category}]
    return render_template(
        "inventory/licence_policy.html",
        categories=categories,
        overrides=overrides,
        form=form,
        remove_form=RemoveEntryForm(formdata=None),
        can_edit=can_edit_licence_policy(current_user),
    ), status


@bp.route("/licence-policy", methods=["POST"])
@permission_required(Permission.LICENCE_POLICY_EDIT)
def licence_policy_save() -> Any:
    form = LicencePolicyEntryForm()
    if form.validate_on_submit():
        version = int(form.version.data) if (form.version.data or "").isdigit() else None
        try:
            entry = licence_services.save_entry(
                form.key.data or "", form.verdict.data or "", form.note.data or "", by=current_user, version=version
            )
        except DomainError as error:
            db.session.rollback()
            form.key.errors = [*form.key.errors, error.message]
            return _render_policy(form, error.status_code)
        db.session.commit()
        flash(f"{entry.key}: {entry.verdict}. Draft releases were re-evaluated.", "success")
        return redirect(url_for("inventory.licence_policy"))
    return _render_policy(form, 422)


@bp.route("/licence-policy/<int:entry_id>/remove", methods=["POST"])
@permission_required(Permission.LICENCE_POLICY_EDIT)
def licence_policy_remove(entry_id: int) -> Any:
    form = RemoveEntryForm()
    if not form.validate_on_submit():
        flash("Give a reason to remove the entry.", "error")
        return redirect(url_for("inventory.licence_policy"))
    try:
        key = licence_services.remove_entry(entry_id, by=current_user, reason=form.reason.data or "")
    except DomainError as error:
        db.session.rollback()
        if error.status_code == 404:
            abort(404)
        flash(error.message, "error")
        return redirect(url_for("inventory.licence_policy"))
    db.session.commit()
    flash(f"{key}: the default applies again. Draft releases were re-evaluated.", "success")
    return redirect(url_for("inventory.licence_policy"))


# --- data for the partials included by the release and component pages ---------------------------


@bp.app_template_global()
def release_advisory_panel(release: Release) -> dict[str, Any]:
    """Affected components of a release, worst first, with the triage counts (templates/inventory/_release_advisories.html)."""
    return {
        "rows": advisory_services.release_advisories(release),
        "counts": advisory_services.release_advisory_counts(release),
        "triage_form": TriageForm(formdata=None),
        "can_triage": can_triage_match(current_user, None),
    }


@bp.app_template_global()
def release_licence_panel(release: Release) -> dict[str, Any]:
    """Licence verdict counts and the licences behind review/deny (templates/inventory/_release_licences.html)."""
    return licence_services.licence_summary(release)


@bp.app_template_global()
def component_anomaly_panel(component: Component) -> dict[str, Any]:
    """Review status, past reviews and advisories of one component version (templates/inventory/_component_anomalies.html)."""
    today = utcnow().date()
    reviews = anomaly_services.reviews_of(component, limit=20)
    return {
        "status": anomaly_services.review_status(component, today, last=reviews[0] if reviews else None),
        "reviews": reviews,
        "matches": advisory_services.component_matches(component),
        "required": anomaly_services.review_rules.review_required(component.safety_class),
        "months": anomaly_services.cadence_months().get(component.safety_class, 1),
        "can_review": can_record_review(current_user, component),
        "licence": licence_services.component_verdict(component),
    }


@bp.app_template_global()
def has_endpoint(endpoint: str) -> bool:
    """Whether a page exists (partials link to pages of the inventory that may not be registered in every build)."""
    return endpoint in current_app.view_functions
