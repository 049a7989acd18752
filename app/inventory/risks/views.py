"""Pages of a product's hazard list: list with search and pagination, add, change, remove, import, export."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from app import spreadsheets, unit_of_work
from app.access import Permission, permission_required
from app.errors import NotFound, PermissionDenied
from app.extensions import db
from app.inventory.blueprint import bp
from app.inventory.models import Product
from app.inventory.risks import services
from app.inventory.risks.forms import HazardForm, HazardImportForm
from app.inventory.risks.models import Hazard
from app.pagination import paginate

EXPORT_FORMATS = ("csv", "xlsx")


def _product(product_id: int) -> Product:
    product = db.session.get(Product, product_id)
    if product is None:
        raise NotFound("There is no such product.")
    return product


def _hazard(hazard_id: int) -> Hazard:
    hazard = db.session.get(Hazard, hazard_id)
    if hazard is None:
        raise NotFound("There is no such hazard.")
    return hazard


def _values(form: HazardForm) -> services.HazardInput:
    return services.HazardInput(
        code=form.code.data or "", hazard=form.hazard.data or "", harm=form.harm.data or "",
        severity=form.severity.data or "", probability_before=form.probability_before.data or "",
        probability_after=form.probability_after.data or "", controls=form.controls.data or "",
        soup=form.soup.data or "")


def _page(product: Product, *, form: HazardForm | None = None, import_form: HazardImportForm | None = None,
          summary: dict[str, Any] | None = None, status: int = 200) -> Any:
    q = request.args.get("q", "").strip()[:200]
    page = paginate(services.hazards_query(product, q), per_page=50)
    return render_template(
        "inventory/hazards.html", product=product, page=page, q=q, links=services.links_of(page.items),
        form=form or HazardForm(prefix="new"), import_form=import_form or HazardImportForm(), summary=summary,
        can_edit=current_user.has(Permission.INVENTORY_EDIT)), status


@bp.get("/products/<int:product_id>/hazards")
@permission_required(Permission.INVENTORY_READ)
def hazards_list(product_id: int) -> Any:
    """The product's hazards, risk controls and the SOUP linked to them."""
    return _page(_product(product_id))


@bp.post("/products/<int:product_id>/hazards")
@permission_required(Permission.INVENTORY_EDIT)
def hazards_create(product_id: int) -> Any:
    product = _product(product_id)
    form = HazardForm(prefix="new")
    if form.validate_on_submit():
        outcome = unit_of_work.run(lambda: services.create_hazard(product, _values(form), by=current_user))
        if outcome.value is not None:
            flash(f"Hazard {outcome.value.code} added.", "success")
            return redirect(url_for("inventory.hazards_list", product_id=product.id))
    return _page(product, form=form, status=422)


@bp.route("/hazards/<int:hazard_id>", methods=["GET", "POST"])
@permission_required(Permission.INVENTORY_READ)
def hazards_detail(hazard_id: int) -> Any:
    """One hazard: read it, and change it (engineers and QA)."""
    hazard = _hazard(hazard_id)
    product = _product(hazard.product_id)
    can_edit = current_user.has(Permission.INVENTORY_EDIT)
    form = HazardForm(obj=hazard) if request.method == "GET" else HazardForm()
    links = services.links_of([hazard])[hazard.id]
    if request.method == "GET":
        form.controls.data = "\n".join(f"{c.code}: {c.measure}" for c in hazard.controls)
        form.soup.data = "; ".join(link.display_name for link in links)
    elif not can_edit:
        raise PermissionDenied("Only engineers and QA change the hazard list.")
    else:
        form.code.data = hazard.code
        if form.validate_on_submit():
            outcome = unit_of_work.run(lambda: services.update_hazard(hazard, _values(form), by=current_user))
            if outcome.ok:
                flash(f"Hazard {hazard.code} saved.", "success")
                return redirect(url_for("inventory.hazards_list", product_id=product.id))
    status = 422 if request.method == "POST" else 200
    return render_template("inventory/hazard_detail.html", hazard=hazard, product=product, form=form, links=links,
                           can_edit=can_edit), status


@bp.post("/hazards/<int:hazard_id>/delete")
@permission_required(Permission.INVENTORY_EDIT)
def hazards_delete(hazard_id: int) -> Any:
    hazard = _hazard(hazard_id)
    product_id, code = hazard.product_id, hazard.code
    if unit_of_work.run(lambda: services.delete_hazard(hazard, by=current_user)).ok:
        flash(f"Hazard {code} removed from the list.", "success")
    return redirect(url_for("inventory.hazards_list", product_id=product_id))


@bp.post("/products/<int:product_id>/hazards/import")
@permission_required(Permission.INVENTORY_EDIT)
def hazards_import(product_id: int) -> Any:
    """Read a CSV/XLSX hazard list into the product's (by Hazard ID); what it could not read is listed."""
    product = _product(product_id)
    form = HazardImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read()
        outcome = unit_of_work.run(lambda: services.import_table(product, upload.filename or "hazards", data,
                                                                 by=current_user), flash_error=False)
        if outcome.value is not None:
            summary = outcome.value.as_dict()
            flash(f"Hazard list imported: {summary['created']} added, {summary['updated']} changed, "
                  f"{summary['unchanged']} unchanged.", "success")
            return _page(product, summary=summary)
        form.file.errors = [outcome.message]
        return _page(product, import_form=form, status=outcome.status)
    return _page(product, import_form=form, status=422)


@bp.get("/products/<int:product_id>/hazards.<fmt>")
@permission_required(Permission.INVENTORY_READ)
def hazards_export(product_id: int, fmt: str) -> Any:
    """The hazard list as CSV or XLSX, in the columns the import reads."""
    product = _product(product_id)
    if fmt not in EXPORT_FORMATS:
        raise NotFound("The hazard list comes as CSV or XLSX.")
    rows = services.export_rows(product)
    stem = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in product.name)[:80] or "product"
    if fmt == "csv":
        return spreadsheets.csv_response(spreadsheets.csv_bytes(rows), f"{stem}-hazards.csv")
    return spreadsheets.xlsx_response(spreadsheets.xlsx_bytes("Hazards", rows), f"{stem}-hazards.xlsx")


