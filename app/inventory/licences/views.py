"""The licence policy page on the inventory blueprint: defaults per category, overrides per SPDX id.

app/inventory/views.py imports this module at its end, so these routes join the `inventory` blueprint.
The partial templates/inventory/_release_licences.html reads its data through `release_licence_panel`.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from app import unit_of_work
from app.access import Permission, permission_required
from app.db import stated_id
from app.errors import Conflict, NotFound
from app.extensions import db
from app.inventory import policies
from app.inventory.blueprint import bp
from app.inventory.licences import lookup, services
from app.inventory.licences.forms import LicencePolicyEntryForm, RemoveEntryForm
from app.inventory.licences.policies import can_edit_licence_policy
from app.inventory.licences.policy import Category
from app.inventory.models import Component, Release


@bp.route("/licence-policy")
@permission_required(Permission.INVENTORY_READ)
def licence_policy() -> Any:
    # "Change" links prefill the form with the entry's key and verdict.
    prefill = {"key": request.args.get("key", "")[:200], "verdict": request.args.get("verdict", "review")}
    return _render_policy(LicencePolicyEntryForm(formdata=None, data=prefill))


def _render_policy(form: LicencePolicyEntryForm, status: int = 200) -> Any:
    policy = services.current_policy()
    entries = services.entries()
    categories = [
        {
            "category": category,
            "label": services.CATEGORY_LABELS[category],
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
    if not form.validate_on_submit():
        return _render_policy(form, 422)
    version = stated_id(form.version.data)
    outcome = unit_of_work.run(
        lambda: services.save_entry(
            form.key.data or "", form.verdict.data or "", form.note.data or "", by=current_user, version=version
        ),
        form.key,
    )
    if outcome.error is not None or outcome.value is None:
        return _render_policy(form, outcome.error.status_code if outcome.error else 422)
    entry = outcome.value
    flash(f"{entry.key}: {entry.verdict}. Draft releases were re-evaluated.", "success")
    return redirect(url_for("inventory.licence_policy"))


@bp.route("/licence-policy/<int:entry_id>/remove", methods=["POST"])
@permission_required(Permission.LICENCE_POLICY_EDIT)
def licence_policy_remove(entry_id: int) -> Any:
    form = RemoveEntryForm()
    if not form.validate_on_submit():
        flash("Give a reason to remove the entry.", "error")
        return redirect(url_for("inventory.licence_policy"))
    outcome = unit_of_work.run(lambda: services.remove_entry(entry_id, by=current_user, reason=form.reason.data or ""))
    if outcome.ok:
        flash(f"{outcome.value}: the default applies again. Draft releases were re-evaluated.", "success")
    return redirect(url_for("inventory.licence_policy"))


@bp.app_template_global()
def release_licence_panel(release: Release) -> dict[str, Any]:
    """Licence verdict counts and the licences behind review/deny (templates/inventory/_release_licences.html),
    and the licence look-up: its latest job and how many components wait for it. How each package fared loads
    after the page (`releases_lookup_packages`): it reads every package of the release."""
    return {**services.licence_summary(release), "lookup": {
        "job": lookup.latest_job(release), "waiting": lookup.components_waiting(release),
        "can_start": policies.can_edit_release(current_user, release),
    }}


@bp.get("/releases/<int:release_id>/licence-lookup/packages")
@permission_required(Permission.INVENTORY_READ)
def releases_lookup_packages(release_id: int) -> Any:
    """How the release's packages fared in their last registry look-up, and those not found (a fragment the
    release page loads after itself)."""
    release = db.session.get(Release, release_id)
    if release is None:
        raise NotFound("There is no such release.")
    states, failures = lookup.lookup_overview(release)
    return render_template("inventory/_release_lookup_packages.html", release=release, states=states,
                           failures=failures)


@bp.app_template_global()
def component_package(component: Component) -> Any:
    """The registry metadata of a component's package (component page), or None."""
    return lookup.package_of(component)


@bp.post("/releases/<int:release_id>/licence-lookup")
@permission_required(Permission.INVENTORY_EDIT)
def releases_licence_lookup(release_id: int) -> Any:
    """Queue "Look up licences" for the release; the release page shows its progress."""
    release = db.session.get(Release, release_id)
    if release is None:
        raise NotFound("There is no such release.")
    outcome = unit_of_work.run(lambda: lookup.start_lookup(release, by=current_user), pages=(*unit_of_work.PAGE_ERRORS, Conflict))
    if outcome.ok:
        flash("Licence look-up started: it runs in the background; this page shows its progress.", "success")
    return redirect(url_for("inventory.releases_detail", release_id=release_id) + "#licences")
