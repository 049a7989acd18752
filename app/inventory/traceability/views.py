"""SOUP requirements and test results pages on the inventory blueprint.

app/inventory/views.py imports this module at its end, so these routes join the `inventory` blueprint.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app import unit_of_work
from app.access import Permission, permission_required
from app.auth.views import safe_next
from app.db import stated_id
from app.errors import NotFound, PermissionDenied
from app.extensions import db
from app.inventory.blueprint import bp
from app.inventory.models import Component, ImportChannel, Product, Release
from app.inventory.traceability import junit, policies, services
from app.inventory.traceability.forms import LinkForm, NewRequirementForm, RequirementForm, TestResultsForm
from app.inventory.traceability.models import SoupRequirement, TestResult
from app.inventory.traceability.rules import Applicability, RequirementKind, RequirementStatus
from app.inventory.workflow import ComponentStatus
from app.pagination import paginate
from app.signatures.forms import signature_form
from app.signatures.models import Meaning

COMPONENT_CHOICES = 500  # the add form's components: the release's SOUP and OTSS items first, at most this many


def _get(model: Any, record_id: int) -> Any:
    record = db.session.get(model, record_id)
    if record is None:
        raise NotFound(f"There is no such {model.__tablename__.rstrip('s').replace('_', ' ')}.")
    return record


def _component_choices(release: Release) -> list[tuple[int, str]]:
    rows = db.session.execute(
        select(Component.id, Component.name, Component.version, Component.classification)
        .where(Component.release_id == release.id, Component.status != ComponentStatus.REMOVED)
        .order_by((Component.classification == "soup").desc(), Component.name).limit(COMPONENT_CHOICES))
    return [(row.id, f"{row.name} {row.version}".strip()) for row in rows]


def _values(form: RequirementForm) -> dict[str, Any]:
    return {name: getattr(form, name).data for name in ("identifier", "kind", "text", "acceptance_criterion", "status")}


def _requirements_context(release: Release, form: NewRequirementForm | None = None) -> dict[str, Any]:
    filters = services.RequirementFilters.from_args(request.args)
    page = paginate(services.release_requirements_query(release, filters), rows=True)
    ids = {row[0].id for row in page.items}
    run = services.latest_run(release)
    if form is None:
        form = NewRequirementForm(prefix="new")
    form.component_ids.choices = _component_choices(release)
    return {
        "release": release, "product": release.product, "page": page, "filters": filters, "form": form,
        "packages": services.packages_of(ids), "rationales": services.signed_rationales(ids), "run": run,
        "outcomes": services.outcomes_by_requirement(run.id if run else None, ids),
        "can_edit": policies.can_edit_requirements(current_user), "can_sign": policies.can_sign_rationale(current_user),
        "kinds": [kind.value for kind in RequirementKind], "statuses": [status.value for status in RequirementStatus],
        "states": [state.value for state in Applicability],
    }


@bp.get("/releases/<int:release_id>/requirements")
@permission_required(Permission.INVENTORY_READ)
def release_requirements(release_id: int) -> Any:
    release = _get(Release, release_id)
    return render_template("inventory/release_requirements.html", **_requirements_context(release))


@bp.post("/releases/<int:release_id>/requirements")
@permission_required(Permission.INVENTORY_EDIT)
def release_requirements_create(release_id: int) -> Any:
    release = _get(Release, release_id)
    form = NewRequirementForm(prefix="new")
    form.component_ids.choices = _component_choices(release)
    if form.validate_on_submit():
        components = list(db.session.scalars(select(Component).where(
            Component.id.in_(form.component_ids.data or []), Component.release_id == release.id)))
        outcome = unit_of_work.run(lambda: services.create_requirement(
            release.product, components, _values(form), by=current_user), form.text)
        if outcome.ok and outcome.value is not None:
            flash(f"{outcome.value.identifier} added.", "success")
            return redirect(url_for("inventory.release_requirements", release_id=release.id))
    return render_template("inventory/release_requirements.html", **_requirements_context(release, form)), \
        unit_of_work.form_status(form)


@bp.route("/requirements/<int:requirement_id>/edit", methods=["GET", "POST"])
@permission_required(Permission.INVENTORY_EDIT)
def requirements_edit(requirement_id: int) -> Any:
    """Edit a requirement in place: htmx swaps the form for the row's text; without JavaScript, a page."""
    requirement = _get(SoupRequirement, requirement_id)
    back = safe_next(request.values.get("next")) or url_for("inventory.product_requirements",
                                                            product_id=requirement.product_id)
    if request.method == "GET":
        form = RequirementForm(formdata=None, obj=requirement, prefix=f"req{requirement.id}")
        form.version.data = str(requirement.version)
    else:
        form = RequirementForm(prefix=f"req{requirement.id}")
        if form.validate_on_submit():
            expected = stated_id(form.version.data)
            outcome = unit_of_work.run(lambda: services.update_requirement(
                requirement, _values(form), by=current_user, expected_version=expected), form.text,
                pages=(PermissionDenied, NotFound))
            if outcome.ok:
                flash(f"{requirement.identifier} saved.", "success")
                return redirect(back)
    template = ("inventory/_requirement_form.html" if request.headers.get("HX-Request")
                else "inventory/requirements_edit.html")
    return render_template(template, requirement=requirement, form=form, next_url=back), \
        unit_of_work.form_status(form)


@bp.post("/requirements/<int:requirement_id>/components/<int:component_id>/confirm")
@permission_required(Permission.INVENTORY_EDIT)
def requirements_confirm(requirement_id: int, component_id: int) -> Any:
    requirement = _get(SoupRequirement, requirement_id)
    component = _get(Component, component_id)
    if unit_of_work.run(lambda: services.confirm_for(requirement, component, by=current_user)).ok:
        flash(f"{requirement.identifier} re-assessed: it holds for {component.name} {component.version}.", "success")
    return redirect(safe_next(request.form.get("next"))
                    or url_for("inventory.release_requirements", release_id=component.release_id))


@bp.route("/requirements/<int:requirement_id>/rationale", methods=["GET", "POST"])
@permission_required(Permission.INVENTORY_FREEZE)
def requirements_rationale(requirement_id: int) -> Any:
    """QA signs how a requirement is verified without a linked test."""
    requirement = _get(SoupRequirement, requirement_id)
    back = safe_next(request.values.get("next")) or url_for("inventory.product_requirements",
                                                            product_id=requirement.product_id)
    form = signature_form(Meaning.APPROVED)
    if request.method == "POST" and form.validate_on_submit():
        outcome = unit_of_work.run(lambda: services.sign_rationale(
            requirement, request.form.get("rationale", ""), signer=current_user, password=form.password.data or ""),
            form.password)
        if outcome.ok:
            flash(f"Rationale for {requirement.identifier} signed.", "success")
            return redirect(back)
    return render_template("inventory/requirements_rationale.html", requirement=requirement, form=form,
                           next_url=back, rationale=request.form.get("rationale", "")), unit_of_work.form_status(form)


@bp.app_template_global()
def component_requirements(component: Component) -> list[tuple[SoupRequirement, bool]]:
    """The SOUP requirements of a component version, for its page (templates/inventory/components_detail.html)."""
    return services.component_requirements(component)


@bp.get("/products/<int:product_id>/requirements")
@permission_required(Permission.INVENTORY_READ)
def product_requirements(product_id: int) -> Any:
    product = _get(Product, product_id)
    filters = services.RequirementFilters.from_args(request.args)
    page = paginate(services.product_requirements_query(product, filters))
    ids = {requirement.id for requirement in page.items}
    return render_template("inventory/product_requirements.html", product=product, page=page, filters=filters,
                           packages=services.packages_of(ids), rationales=services.signed_rationales(ids),
                           can_edit=policies.can_edit_requirements(current_user),
                           can_sign=policies.can_sign_rationale(current_user),
                           kinds=[kind.value for kind in RequirementKind],
                           statuses=[status.value for status in RequirementStatus])


# --- test results --------------------------------------------------------------------------------------


def _results_context(release: Release, form: TestResultsForm | None = None) -> dict[str, Any]:
    run = services.latest_run(release)
    outcome = request.args.get("outcome", "")
    outcome = outcome if outcome in junit.OUTCOMES else ""
    linked = request.args.get("linked", "")
    linked = linked if linked in ("yes", "no") else ""
    q = request.args.get("q", "").strip()[:200]
    page = paginate(services.run_results_query(run, outcome, q, linked)) if run is not None else None
    return {
        "release": release, "product": release.product, "run": run, "page": page, "outcome": outcome,
        "linked": linked, "q": q, "outcomes": junit.OUTCOMES, "form": form or TestResultsForm(),
        "links": services.links_of(result.id for result in page.items) if page is not None else {},
        "can_import": policies.can_import_tests(current_user, release),
    }


@bp.get("/releases/<int:release_id>/test-results")
@permission_required(Permission.INVENTORY_READ)
def test_results_list(release_id: int) -> Any:
    release = _get(Release, release_id)
    return render_template("inventory/test_results.html", **_results_context(release))


@bp.post("/releases/<int:release_id>/test-results")
@permission_required(Permission.INVENTORY_EDIT)
def test_results_import(release_id: int) -> Any:
    release = _get(Release, release_id)
    form = TestResultsForm()
    if form.validate_on_submit():
        uploads = [services.ResultFile(upload.filename or "junit.xml", upload.read())
                   for upload in request.files.getlist("files") if upload]
        outcome = unit_of_work.run(lambda: services.import_results(
            release, uploads, by=current_user, source=form.source.data or "", channel=ImportChannel.WEB),
            form.files, pages=(PermissionDenied, NotFound))
        if outcome.ok and (summary := outcome.value) is not None:
            unknown = f"; IDs that name no requirement (kept): {', '.join(summary.unknown_ids[:10])}" \
                if summary.unknown_ids else ""
            flash(f"Imported {summary.tests} test cases ({summary.passed} passed, {summary.failed} failed, "
                  f"{summary.skipped} skipped); {summary.linked} linked, {len(summary.requirements_covered)} "
                  f"requirement(s) covered{unknown}.", "success")
            return redirect(url_for("inventory.test_results_list", release_id=release.id))
    return render_template("inventory/test_results.html", **_results_context(release, form)), \
        unit_of_work.form_status(form)


@bp.route("/test-results/<int:result_id>/links", methods=["GET", "POST"])
@permission_required(Permission.INVENTORY_EDIT)
def test_results_link(result_id: int) -> Any:
    """Link a test case to an ID by hand. The form on demand: htmx swaps it in place of the row's "Link" link;
    without JavaScript the link opens this page with the same form."""
    result = _get(TestResult, result_id)
    back = safe_next(request.values.get("next")) or url_for("inventory.test_results_list",
                                                            release_id=result.run.release_id)
    if request.method == "GET":
        if not policies.can_import_tests(current_user, result.run.release):
            raise PermissionDenied("You may not link test results of this release.")
        template = ("inventory/_test_link_form.html" if request.headers.get("HX-Request")
                    else "inventory/test_results_link.html")
        return render_template(template, result=result, link_form=LinkForm(prefix="link"), next_url=back)
    form = LinkForm(prefix="link")
    if not form.validate_on_submit():
        flash("Give a requirement or risk-control ID.", "error")
    elif unit_of_work.run(lambda: services.link_by_hand(result, form.ref.data or "", by=current_user)).ok:
        flash(f"{result.name} linked to {(form.ref.data or '').strip().upper()}.", "success")
    return redirect(back)
