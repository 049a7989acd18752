"""Suppliers from the inventory: the suggested open-source-project suppliers and the one-step create or link.

app/inventory/views.py imports this module at its end, so these routes join the `inventory` blueprint.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from app import unit_of_work
from app.access import Permission, permission_required
from app.db import page_number, row_id
from app.inputs import BaseForm
from app.inventory import supplier_groups
from app.inventory.blueprint import bp

PER_PAGE = 25


class GroupForm(BaseForm):
    """CSRF only: the group key and the supplier come as plain fields."""


@bp.get("/supplier-suggestions")
@permission_required(Permission.INVENTORY_READ)
def supplier_suggestions() -> Any:
    """Components of draft releases without a supplier, grouped by repository or namespace, 25 groups a page."""
    everything = supplier_groups.groups()
    page = request.args.get("page", 1, type=page_number)
    shown = everything[(page - 1) * PER_PAGE: page * PER_PAGE]
    return render_template(
        "inventory/supplier_suggestions.html", groups=shown, page=page, total=len(everything),
        pages=max(1, -(-len(everything) // PER_PAGE)), form=GroupForm(formdata=None),
        can_act=current_user.has(Permission.INVENTORY_EDIT) and current_user.has(Permission.SUPPLIERS_EDIT),
    )


def _back() -> Any:
    return redirect(url_for("inventory.supplier_suggestions", page=request.form.get("page", 1, type=page_number)))


@bp.post("/supplier-suggestions/create")
@permission_required(Permission.SUPPLIERS_EDIT)
@permission_required(Permission.INVENTORY_EDIT)
def supplier_suggestions_create() -> Any:
    """Create the suggested open-source-project supplier and link its components."""
    form = GroupForm()
    if not form.validate_on_submit():
        flash("The form expired: try again.", "error")
        return _back()
    key = request.form.get("key", "")
    outcome = unit_of_work.run(lambda: supplier_groups.create_for_group(key, by=current_user))
    if outcome.ok and outcome.value:
        supplier, count = outcome.value
        flash(f"Supplier {supplier.code} {supplier.name} created as a candidate ({supplier.criticality}); "
              f"{count} component(s) linked.", "success")
    return _back()


@bp.post("/supplier-suggestions/link")
@permission_required(Permission.SUPPLIERS_EDIT)
@permission_required(Permission.INVENTORY_EDIT)
def supplier_suggestions_link() -> Any:
    """Link the group's components to the existing supplier that matches it."""
    form = GroupForm()
    if not form.validate_on_submit():
        flash("The form expired: try again.", "error")
        return _back()
    key = request.form.get("key", "")
    supplier_id = request.form.get("supplier_id", 0, type=row_id)
    outcome = unit_of_work.run(lambda: supplier_groups.link_group(key, supplier_id, by=current_user))
    if outcome.ok and outcome.value:
        supplier, count = outcome.value
        flash(f"{count} component(s) linked to {supplier.code} {supplier.name}.", "success")
    return _back()
