"""Inventory pages: products, releases (components, import, diff, bulk classification, freeze), components.

Views are thin: parse the form, hand one service call to the unit of work, redirect. More inventory pages
(advisories, anomaly reviews, licence policy) register on this blueprint from their own modules,
imported at the end of this file.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, TypeVar, cast
from urllib.parse import parse_qsl, urlencode

from flask import Response, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import MultiDict

from app import spreadsheets, unit_of_work
from app.access import Permission, permission_required
from app.audit import services as audit
from app.audit.models import AuditAction
from app.auth.views import safe_next
from app.db import row_id, stated_id
from app.errors import Conflict, NotFound, ValidationFailed
from app.extensions import db
from app.inventory import diff as diffing
from app.inventory import exports, gates, policies, services
from app.inventory.advisories import services as advisory_services
from app.inventory.advisories.forms import STATE_CHOICES
from app.inventory.advisories.models import AdvisoryMatch, MatchState
from app.inventory.advisories.policies import can_triage_match
from app.inventory.blueprint import bp
from app.inventory.ecosystems import ecosystem_name
from app.inventory.forms import (
    CLASSIFICATION_LABELS,
    COMPONENT_TYPE_LABELS,
    AssessForm,
    BulkForm,
    ComponentForm,
    ImportForm,
    LicenceDecisionForm,
    NewComponentForm,
    ProductForm,
    ReleaseForm,
    RetireForm,
    SoftwareItemEditForm,
    SoftwareItemForm,
    SupplierLinkForm,
)
from app.inventory.importers import FORMAT_LABELS
from app.inventory.models import ChangeKind, Component, ImportChannel, Product, Release, SoftwareItem
from app.inventory.obsolescence import services as obsolescence
from app.inventory.readiness import RULES as READINESS_RULES
from app.inventory.risks import services as risk_services
from app.inventory.risks.models import Hazard
from app.pagination import paginate_list, paginate_uncounted
from app.signatures.forms import signature_form
from app.signatures.models import Meaning
from app.signatures.services import SeparationOfDuties
from app.suppliers.models import Supplier

T = TypeVar("T")
M = TypeVar("M", Product, Release, Component)

# A frozen release (a Conflict) answers with the 409 page everywhere, besides the usual 403/404/409 pages.
PAGES = (*unit_of_work.PAGE_ERRORS, Conflict)


def _get(model: type[M], record_id: int) -> M:
    """The product, release or component, or the 404 page that says which is missing."""
    record = db.session.get(model, record_id)
    if record is None:
        raise NotFound(f"There is no such {model.__name__.lower()}.")
    return record


def _errors(form: Any) -> str:
    return " ".join(f"{getattr(form, name).label.text}: {' '.join(errors)}" for name, errors in form.errors.items())


def _submit(form: Any, action: Callable[[], T], done: str | Callable[[T], str]) -> T | None:
    """Run the form's one service call and flash what was done; a refused form or rule is flashed, a conflict is the 409 page."""
    outcome = _submitted_outcome(form, action, done)
    return outcome.value if outcome is not None else None


def _submitted(form: Any, action: Callable[[], Any], done: str) -> bool:
    """As _submit; True when the call was done (a refused form or rule: False, the page is shown again)."""
    outcome = _submitted_outcome(form, action, done)
    return outcome is not None and outcome.ok


def _submitted_outcome(form: Any, action: Callable[[], T], done: str | Callable[[T], str]) -> unit_of_work.Outcome[T] | None:
    if not form.validate_on_submit():
        flash(_errors(form) or "Check the form.", "error")
        return None
    outcome = unit_of_work.run(action, pages=PAGES)
    if outcome.ok:
        flash(done if isinstance(done, str) else done(cast(T, outcome.value)), "success")
    return outcome


# --- Products ----------------------------------------------------------------------------------


@bp.get("/products")
@permission_required(Permission.INVENTORY_READ)
def products_list() -> Any:
    q = request.args.get("q", "").strip()
    release_count = (select(func.count(Release.id)).where(Release.product_id == Product.id)
                     .correlate(Product).scalar_subquery())
    query = select(Product, release_count.label("releases")).order_by(Product.name)
    if q:
        query = query.where(Product.name.ilike(f"%{q}%"))
    rows = db.session.execute(query).all()
    return render_template("inventory/products_list.html", rows=rows, q=q)


@bp.route("/products/new", methods=["GET", "POST"])
@bp.post("/products")
@permission_required(Permission.INVENTORY_EDIT)
def products_create() -> Any:
    """The new-product form (its own page, like every register's "New ..." button); a refusal keeps the input."""
    form = ProductForm()
    if request.method == "POST":
        product = _submit(form, lambda: services.create_product(
            form.name.data or "", safety_class=form.safety_class.data, description=form.description.data or "",
            by=current_user,
        ), lambda product: f"Product {product.name} created.")
        if product is not None:
            return redirect(url_for("inventory.products_detail", product_id=product.id))
        return render_template("inventory/products_form.html", form=form), 422
    return render_template("inventory/products_form.html", form=form)


@bp.get("/products/<int:product_id>")
@permission_required(Permission.INVENTORY_READ)
def products_detail(product_id: int) -> Any:
    return _product_page(_get(Product, product_id))


def _product_page(product: Product, release_form: ReleaseForm | None = None, status: int = 200) -> Any:
    """The product page; a refused new release comes back in its form, open, as typed."""
    releases = list(db.session.scalars(select(Release).where(Release.product_id == product.id)
                                       .order_by(Release.id.desc())))
    counts: dict[int, int] = {
        release_id: count
        for release_id, count in db.session.execute(
            select(Component.release_id, func.count(Component.id))
            .join(Release).where(Release.product_id == product.id)
            .group_by(Component.release_id))
    }
    refused = release_form is not None
    release_form = release_form or ReleaseForm(formdata=None)
    release_form.previous_release_id.choices = [(0, "Nothing (first release)")] + [
        (r.id, r.version) for r in releases]
    if releases and not refused:
        release_form.previous_release_id.data = releases[0].id
    hazard_count = db.session.scalar(select(func.count(Hazard.id)).where(Hazard.product_id == product.id)) or 0
    return render_template("inventory/products_detail.html", product=product, releases=releases, counts=counts,
                           form=ProductForm(obj=product), item_form=SoftwareItemForm(), release_form=release_form,
                           release_open=refused,
                           hazard_count=hazard_count, monitoring=monitoring_views.product_panel(product)), status


@bp.post("/products/<int:product_id>/edit")
@permission_required(Permission.INVENTORY_EDIT)
def products_edit(product_id: int) -> Any:
    product = _get(Product, product_id)
    form = ProductForm()
    _submit(form, lambda: services.update_product(
        product, name=form.name.data or "", safety_class=form.safety_class.data, description=form.description.data or "",
        transitive_rule=form.transitive_rule.data or None,
    ), "Product saved.")
    return redirect(url_for("inventory.products_detail", product_id=product.id))


@bp.post("/products/<int:product_id>/items")
@permission_required(Permission.INVENTORY_EDIT)
def software_items_create(product_id: int) -> Any:
    product = _get(Product, product_id)
    form = SoftwareItemForm()
    _submit(form, lambda: services.add_software_item(product, form.name.data or "", form.safety_class.data,
                                                     lower_class_rationale=form.lower_class_rationale.data or ""),
            "Software item added.")
    return redirect(url_for("inventory.products_detail", product_id=product.id))


@bp.post("/software-items/<int:item_id>/edit")
@permission_required(Permission.INVENTORY_EDIT)
def software_items_edit(item_id: int) -> Any:
    item = db.session.get(SoftwareItem, item_id)
    if item is None:
        raise NotFound("There is no such software item.")
    form = SoftwareItemEditForm()
    _submit(form, lambda: services.update_software_item(
        item, safety_class=form.safety_class.data, lower_class_rationale=form.lower_class_rationale.data or ""),
        f"Software item {item.name} saved.")
    return redirect(url_for("inventory.products_detail", product_id=item.product_id))


@bp.post("/products/<int:product_id>/releases")
@permission_required(Permission.INVENTORY_EDIT)
def releases_create(product_id: int) -> Any:
    product = _get(Product, product_id)
    form = ReleaseForm()
    release = _submit(form, lambda: services.create_release(
        product, form.version.data or "", by=current_user, notes=form.notes.data or "",
        previous=db.session.get(Release, form.previous_release_id.data) if form.previous_release_id.data else None,
    ), lambda release: f"Release {release.version} created as a draft. Import its dependency files next.")
    if release is None:  # the form comes back open with what was typed (the notes too)
        return _product_page(product, form, 422)
    return redirect(url_for("inventory.releases_detail", release_id=release.id))


# --- Releases ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ComponentFilters:
    q: str = ""
    direct: str = ""  # direct | transitive | unknown
    classification: str = ""  # soup | otss | infrastructure | none
    safety_class: str = ""
    verdict: str = ""  # allow | review | deny | none
    advisories: str = ""  # open | any | none
    status: str = ""
    change: str = ""  # changed | unassessed | a ChangeKind
    type: str = ""  # a ComponentType
    item: str = ""  # a software item id, or "none"
    currency: str = ""  # outdated | yanked | deprecated | current | unknown (app.inventory.obsolescence)

    @classmethod
    def from_args(cls, args: Any) -> ComponentFilters:
        return cls(**{name: args.get(name, "").strip()[:200] for name in cls.__dataclass_fields__})

    @classmethod
    def from_query(cls, text: str) -> ComponentFilters:
        """The filters a page's query string holds (the bulk form carries the page's own, as query_string() gave)."""
        return cls.from_args(MultiDict(parse_qsl(text[:2000])))

    def active(self) -> bool:
        return any(getattr(self, name) for name in self.__dataclass_fields__)

    def applied(self) -> dict[str, str]:
        """The filters that are set, by name."""
        return {name: value for name, value in asdict(self).items() if value}

    def query_string(self) -> str:
        return urlencode(self.applied())


def components_query(release: Release, filters: ComponentFilters) -> Any:
    """The release's components narrowed by the filters, in name order."""
    return _filtered(select(Component), release, filters).options(
        selectinload(Component.supplier), selectinload(Component.software_item)
    ).order_by(Component.name, Component.version, Component.id)


def matching_ids(release: Release, filters: ComponentFilters, limit: int) -> list[int]:
    """The ids of the release's components the filters select, at most `limit` of them (a bulk action's "every
    component that matches")."""
    return list(db.session.scalars(_filtered(select(Component.id), release, filters).order_by(Component.id).limit(limit)))


def count_matching(release: Release, filters: ComponentFilters, limit: int) -> int:
    """How many of the release's components the filters select, counted up to `limit` (a bounded cost whatever the
    release's size: the page says "more than" beyond it)."""
    ids = _filtered(select(Component.id), release, filters).limit(limit).subquery()
    return int(db.session.scalar(select(func.count()).select_from(ids)) or 0)


def _filtered(query: Any, release: Release, filters: ComponentFilters) -> Any:
    """`query` (of components or their ids) narrowed to the release's components that the filters select."""
    query = query.where(Component.release_id == release.id)
    if filters.q:
        pattern = f"%{filters.q}%"
        query = query.where(or_(Component.name.ilike(pattern), Component.purl.ilike(pattern),
                                Component.licence_expression.ilike(pattern)))
    if filters.direct == "direct":
        query = query.where(Component.direct.is_(True))
    elif filters.direct == "transitive":
        query = query.where(Component.direct.is_(False))
    elif filters.direct == "unknown":
        query = query.where(Component.direct.is_(None))
    if filters.classification == "none":
        query = query.where(Component.classification == "")
    elif filters.classification:
        query = query.where(Component.classification == filters.classification)
    if filters.safety_class:
        query = query.where(Component.safety_class == filters.safety_class)
    if filters.verdict == "none":
        query = query.where(Component.licence_verdict.is_(None))
    elif filters.verdict:
        query = query.where(Component.licence_verdict == filters.verdict)
    matches = select(AdvisoryMatch.id).where(AdvisoryMatch.component_id == Component.id)
    if filters.advisories == "open":
        query = query.where(exists(matches.where(AdvisoryMatch.state == MatchState.OPEN)))
    elif filters.advisories == "any":
        query = query.where(exists(matches))
    elif filters.advisories == "none":
        query = query.where(~exists(matches))
    if filters.status:
        query = query.where(Component.status == filters.status)
    if filters.type:
        query = query.where(Component.component_type == filters.type)
    if filters.item == "none":
        query = query.where(Component.software_item_id.is_(None))
    elif (item_id := stated_id(filters.item)) is not None:
        query = query.where(Component.software_item_id == item_id)
    if filters.currency and (condition := obsolescence.filter_condition(filters.currency)) is not None:
        query = query.where(condition)
    if filters.change == "changed":
        query = query.where(Component.change_kind != ChangeKind.UNCHANGED)
    elif filters.change == "unassessed":
        query = query.where(Component.change_kind != ChangeKind.UNCHANGED, Component.assessed.is_(False))
    elif filters.change:
        query = query.where(Component.change_kind == filters.change)
    return query


def _open_advisories(release: Release, component_ids: list[int]) -> dict[int, int]:
    if not component_ids:
        return {}
    query = (select(AdvisoryMatch.component_id, func.count(AdvisoryMatch.id))
             .where(AdvisoryMatch.release_id == release.id, AdvisoryMatch.component_id.in_(component_ids),
                    AdvisoryMatch.state == MatchState.OPEN)
             .group_by(AdvisoryMatch.component_id))
    return {component_id: count for component_id, count in db.session.execute(query)}


def _release_context(release: Release) -> dict[str, Any]:
    filters = ComponentFilters.from_args(request.args)
    stats = services.release_component_stats(release)
    imported = services.imported_files(release)
    # Unfiltered, the count is the release's (known from the index); filtered, no count over every row: "next" only.
    page = paginate_uncounted(components_query(release, filters),
                              known_total=None if filters.active() else stats.components)
    can_edit = policies.can_edit_release(current_user, release)
    freeze_form = signature_form(Meaning.APPROVED)
    bulk_form = BulkForm()
    items = release.product.software_items
    bulk_form.software_item_id.choices = [(0, "No software item (the product's class)")] + [
        (item.id, f"{item.name} (class {item.safety_class})") for item in items]
    signed = services.release_signatures(release)
    new_form = NewComponentForm(prefix="new")
    new_form.software_item_id.choices = bulk_form.software_item_id.choices
    new_form.supplier_id.choices = [(0, "—")] + [(supplier.id, supplier.name) for supplier in db.session.scalars(
        select(Supplier).order_by(Supplier.name).limit(500))] if can_edit else [(0, "—")]
    component_ids = [c.id for c in page.items]
    return {
        "release": release, "product": release.product, "page": page, "filters": filters, "can_edit": can_edit,
        "can_freeze": policies.can_freeze(current_user, release), "import_form": ImportForm(),
        "new_form": new_form, "signed": signed,
        "waivers": gates.applying_waivers(release, component_ids),
        "type_labels": COMPONENT_TYPE_LABELS, "parent_label": gates.parent_label,
        "item_options": [("none", "No software item")] + [(str(item.id), item.name) for item in items],
        "bulk_form": bulk_form, "freeze_form": freeze_form, "sign_target": services.page_sign_target(release),
        "open_advisories": _open_advisories(release, component_ids),
        "totals": stats.totals(),
        "diff_counts": services.release_change_counts(release, stats),
        "imported_files": imported, "cross_file_warnings": services.cross_file_warnings(imported),
        "format_labels": FORMAT_LABELS,
        "classification_labels": CLASSIFICATION_LABELS,
        "currency": obsolescence.currency_of(page.items), "currency_filters": obsolescence.FILTERS,
        "filters_query": filters.query_string(),
        "bulk_max": services.BULK_MAX,
        # The bulk scope "every component that matches" is offered (with its count) when the list has more pages.
        "matching": (count_matching(release, filters, services.BULK_MAX + 1)
                     if can_edit and (page.has_next or page.has_prev) else None),
    }


@bp.get("/releases/<int:release_id>")
@permission_required(Permission.INVENTORY_READ)
def releases_detail(release_id: int) -> Any:
    release = _get(Release, release_id)
    return render_template("inventory/releases_detail.html", **_release_context(release))


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json" or request.headers.get("X-Requested-With") == "fetch"


@bp.post("/releases/<int:release_id>/imports")
@permission_required(Permission.INVENTORY_EDIT)
def releases_import(release_id: int) -> Any:
    release = _get(Release, release_id)
    uploads = [services.UploadedFile(f.filename or "upload", f.read()) for f in request.files.getlist("files") if f]
    outcome = unit_of_work.run(lambda: services.import_files(
        release, uploads, by=current_user, format=request.form.get("format") or None, channel=ImportChannel.WEB,
    ), flash_error=not _wants_json())
    if (summary := outcome.value) is None:
        if _wants_json():
            return jsonify({"error": "Import failed", "message": outcome.message}), outcome.status
        return render_template("inventory/releases_detail.html", import_error=outcome.message,
                               **_release_context(release)), outcome.status
    if _wants_json():
        body = {**summary, "release_url": url_for("inventory.releases_detail", release_id=release.id)}
        return Response(json.dumps(body), status=201, mimetype="application/json")
    against = f"release {summary['compared_with']}" if summary.get("compared_with") else "nothing (the product's first)"
    flash(f"Imported {summary['components']} components. The release compared with {against}: "
          f"{summary['added']} added, {summary['removed']} removed, {summary['upgraded']} upgraded, "
          f"{summary['downgraded']} downgraded, {summary['licence_changed']} licence changed.", "success")
    if summary.get("warnings"):
        shown = "; ".join(summary["warnings"][:5])
        more = f" (and {len(summary['warnings']) - 5} more on the release page)" if len(summary["warnings"]) > 5 else ""
        flash(f"{len(summary['warnings'])} warning(s): {shown}{more}", "warning")
    return redirect(url_for("inventory.releases_detail", release_id=release.id))


@bp.post("/releases/<int:release_id>/bulk")
@permission_required(Permission.INVENTORY_EDIT)
def releases_bulk(release_id: int) -> Any:
    release = _get(Release, release_id)
    form = BulkForm()
    back = safe_next(request.form.get("next")) or url_for("inventory.releases_detail", release_id=release.id)
    if request.form.get("scope") != "matching":
        ids = request.form.getlist("component_ids", type=row_id)
        _submit(form, lambda: _bulk(release, form, ids), str)
        return redirect(back)
    # Every component the page's filters select, not only those ticked.
    filters = ComponentFilters.from_query(request.form.get("matching", ""))
    matching = matching_ids(release, filters, services.BULK_MAX + 1)
    if len(matching) > services.BULK_MAX:
        flash(f"More than {services.BULK_MAX:,} components match these filters, so nothing was changed. Narrow "
              "the filters (by type, classification or change) and apply again.", "error")
        return redirect(back)

    def bulk() -> str:
        done = _bulk(release, form, matching)  # each component's change is audited; the scope once, on the release
        audit.record("release.bulk_applied", release, bulk_action=form.action.data, components=len(matching),
                     filters=", ".join(f"{name} {value}" for name, value in filters.applied().items()) or "none")
        return done

    _submit(form, bulk, str)
    return redirect(back)


def _bulk(release: Release, form: BulkForm, ids: list[int]) -> str:
    """Classify the selected components, mark their changes assessed, assign them to a software item, set their 62304
    fields or record an anomaly review of each; says what was done."""
    if form.action.data == "assign_item":
        count = services.assign_software_item(release, ids, form.software_item_id.data or None, by=current_user)
        return f"{count} component(s) assigned; each takes the class of its software item."
    if form.action.data == "set_fields":
        values = {name: getattr(form, name).data or "" for name in services.BULK_FIELDS}
        result = services.set_fields_in_bulk(release, ids, values, by=current_user, overwrite=bool(form.overwrite.data))
        replaced = f" ({result.replaced} existing value(s) replaced)" if result.replaced else ""
        return f"{result.changed} component(s) updated{replaced}."
    if form.action.data == "review":
        count = services.review_in_bulk(release, ids, by=current_user, anomalies=form.anomalies.data or "",
                                        conclusion=form.conclusion.data or "acceptable",
                                        rationale=form.note.data or "")
        return f"Anomaly review recorded for {count} component version(s)."
    if form.action.data == "classify":
        if not form.classification.data:
            raise ValidationFailed("Choose the classification to give the selected components.")
        count = services.classify_components(release, ids, form.classification.data, form.note.data or "",
                                             by=current_user, safety_class=form.safety_class.data or None)
        return f"{count} component(s) classified as {CLASSIFICATION_LABELS[form.classification.data]}."
    count = services.assess_components(release, ids, form.note.data or "", by=current_user)
    return f"{count} change(s) marked assessed."


@bp.post("/releases/<int:release_id>/freeze")
@permission_required(Permission.INVENTORY_FREEZE)
def releases_freeze(release_id: int) -> Any:
    release = _get(Release, release_id)
    form = signature_form(Meaning.APPROVED)

    def freeze() -> Any:
        try:
            return services.freeze_release(release, current_user, password=form.password.data or "",
                                           comment=form.comment.data or "")
        except SeparationOfDuties as refused:  # shown on the release page, next to who prepared it
            raise ValidationFailed(f"{refused.message} Someone else who may edit the inventory signs it as author, "
                                   "then you approve it.") from refused

    _submit(form, freeze, f"Release {release.version} is frozen and its SOUP list signed.")
    return redirect(url_for("inventory.releases_detail", release_id=release.id))


@bp.get("/releases/<int:release_id>/readiness")
@permission_required(Permission.INVENTORY_READ)
def releases_readiness(release_id: int) -> Any:
    """The readiness checklist and the sign steps of a draft release: an htmx fragment, or a page without JavaScript."""
    release = _get(Release, release_id)
    if release.is_frozen:
        return redirect(url_for("inventory.releases_detail", release_id=release.id) + "#freeze")
    signed = services.release_signatures(release)
    context = {
        "release": release, "product": release.product, "readiness": services.release_readiness(release),
        "readiness_rules": READINESS_RULES, "signed": signed,
        "author_current": services.current_author_signature(release) if signed[Meaning.AUTHORED] else None,
        "can_author": policies.can_author(current_user, release), "can_freeze": policies.can_freeze(current_user, release),
        "author_form": signature_form(Meaning.AUTHORED, prefix="author"), "freeze_form": signature_form(Meaning.APPROVED),
    }
    template = "inventory/_release_readiness.html" if request.headers.get("HX-Request") else "inventory/release_readiness.html"
    return render_template(template, **context)


@bp.post("/releases/<int:release_id>/author")
@permission_required(Permission.INVENTORY_EDIT)
def releases_author(release_id: int) -> Any:
    release = _get(Release, release_id)
    form = signature_form(Meaning.AUTHORED, prefix="author")
    _submit(form, lambda: services.author_release(
        release, current_user, password=form.password.data or "", comment=form.comment.data or "",
    ), f"The SOUP list of {release.version} is signed as prepared (authored). QA approves it to freeze.")
    return redirect(url_for("inventory.releases_detail", release_id=release.id) + "#freeze")


@bp.post("/releases/<int:release_id>/components")
@permission_required(Permission.INVENTORY_EDIT)
def releases_add_component(release_id: int) -> Any:
    release = _get(Release, release_id)
    form = NewComponentForm(prefix="new")
    names = ("name", "version", "component_type", "classification", "manufacturer", "purl", "cpe",
             "licence_expression", "description", "supplier_id", "software_item_id")
    component = _submit(form, lambda: services.add_component(
        release, {name: getattr(form, name).data for name in names}, by=current_user),
        lambda component: f"{component.name} {component.version} added.")
    if component is None:
        return redirect(url_for("inventory.releases_detail", release_id=release.id))
    return redirect(url_for("inventory.components_detail", component_id=component.id))


@bp.get("/releases/<int:release_id>/readiness.json")
@permission_required(Permission.INVENTORY_READ)
def releases_readiness_json(release_id: int) -> Any:
    release = _get(Release, release_id)
    return jsonify({"product": release.product.name, "release": release.version, "status": release.status,
                    **services.release_readiness(release).as_dict()})


def _diff_pair(release: Release) -> tuple[Release | None, Release]:
    against_id = request.args.get("against", type=row_id)
    if against_id is None:
        return release.previous_release, release
    other = _get(Release, against_id)
    if other.product_id != release.product_id:
        raise ValidationFailed("Compare releases of the same product.")
    return other, release


@bp.get("/releases/<int:release_id>/diff")
@permission_required(Permission.INVENTORY_READ)
def releases_diff(release_id: int) -> Any:
    release = _get(Release, release_id)
    old, new = _diff_pair(release)
    result = services.release_diff(old, new)
    kind = request.args.get("kind", "")
    kind = kind if kind in diffing.CHANGE_KINDS else ""
    page = paginate_list(result.of(kind) if kind else result.changes)
    return render_template("inventory/releases_diff.html", release=release, old=old, new=new, result=result, page=page,
                           kind=kind, kinds=diffing.CHANGE_KINDS,
                           other_releases=_other_releases(release))


OTHER_RELEASES_SHOWN = 100


def _other_releases(release: Release) -> list[Release]:
    """The product's other releases to compare with, newest first (at most OTHER_RELEASES_SHOWN)."""
    return list(db.session.scalars(select(Release).where(Release.product_id == release.product_id, Release.id != release.id)
                                   .order_by(Release.id.desc()).limit(OTHER_RELEASES_SHOWN)))


@bp.get("/releases/<int:release_id>/diff.json")
@permission_required(Permission.INVENTORY_READ)
def releases_diff_json(release_id: int) -> Any:
    release = _get(Release, release_id)
    old, new = _diff_pair(release)
    result = services.release_diff(old, new)
    return jsonify({
        "product": release.product.name, "from": old.version if old else None, "to": new.version,
        **result.counts(), "changes": [change.as_dict() for change in result.changes],
    })


def _export_components(release: Release) -> list[exports.ExportComponent]:
    from app.inventory.anomalies.models import AnomalyReview
    from app.inventory.anomalies.services import version_key

    components = list(db.session.scalars(select(Component).where(Component.release_id == release.id)
                                         .options(selectinload(Component.supplier))
                                         .order_by(Component.name, Component.version, Component.id)))
    last_reviews = {
        (eco, package, version): reviewed for eco, package, version, reviewed in db.session.execute(
            select(AnomalyReview.ecosystem, AnomalyReview.package, AnomalyReview.version,
                   func.max(AnomalyReview.reviewed_at)).group_by(
                AnomalyReview.ecosystem, AnomalyReview.package, AnomalyReview.version))
    }
    result = []
    for c in components:
        reviewed = last_reviews.get(version_key(c))
        result.append(exports.ExportComponent(
            name=c.name, version=c.version, ecosystem=c.ecosystem, purl=c.purl, component_type=c.component_type,
            licence_expression=c.licence_expression,
            supplier=c.supplier.name if c.supplier else c.manufacturer, direct=c.direct,
            parents=tuple(c.parents or ()), scope=c.scope,
            classification=CLASSIFICATION_LABELS.get(c.classification, ""), safety_class=c.safety_class,
            status=c.status, requirements=c.requirements,
            hazards=tuple(line.strip() for line in c.hazard_refs.splitlines() if line.strip()),
            last_anomaly_review=reviewed.date().isoformat() if reviewed else "",
        ))
    return result


EXPORT_FORMATS = ("csv", "xlsx", "cdx.json")


def _file_stem(release: Release) -> str:
    """The start of a release's download file names: product and version, safe in a file name."""
    return "".join(ch if ch.isalnum() or ch in "-._" else "-" for ch in f"{release.product.name}-{release.version}")


@bp.get("/releases/<int:release_id>/export.<fmt>")
@permission_required(Permission.INVENTORY_READ)
def releases_export(release_id: int, fmt: str) -> Any:
    release = _get(Release, release_id)
    if fmt not in EXPORT_FORMATS:
        raise NotFound(f"Exports come as {', '.join(EXPORT_FORMATS)}.")
    items = _export_components(release)
    stem = _file_stem(release)
    unit_of_work.run(lambda: audit.record("release.exported", release, action=AuditAction.EXPORT, format=fmt,
                                          components=len(items)))
    if fmt == "cdx.json":
        body = exports.cyclonedx_json(release.product.name, release.version, items)
        return _download(body.encode("utf-8"), f"{stem}-soup.cdx.json", "application/vnd.cyclonedx+json")
    rows = exports.csv_rows(items)
    if fmt == "csv":
        return spreadsheets.csv_response(spreadsheets.csv_bytes(rows), f"{stem}-soup.csv")
    return spreadsheets.xlsx_response(spreadsheets.xlsx_bytes("SOUP list", rows), f"{stem}-soup.xlsx")


VEX_FORMATS = {"cdx.json": "application/vnd.cyclonedx+json", "openvex.json": "application/json"}


@bp.get("/releases/<int:release_id>/vex.<fmt>")
@permission_required(Permission.INVENTORY_READ)
def releases_vex(release_id: int, fmt: str) -> Any:
    """The VEX of a frozen release (CycloneDX or OpenVEX): every advisory against every affected component, as triaged."""
    from app.inventory import vex
    from app.inventory.advisories import services as advisory_services

    release = _get(Release, release_id)
    if fmt not in VEX_FORMATS:
        raise NotFound(f"VEX comes as {', '.join(VEX_FORMATS)}.")
    if not release.is_frozen:
        raise Conflict("A VEX is issued for a frozen release: freeze the release first (its triage is then signed "
                       "with its SOUP list).")
    statements = [vex.VexStatement(
        advisory_id=row.advisory.osv_id, aliases=tuple(row.advisory.aliases or ()), summary=row.advisory.summary,
        component_name=row.component.name, component_version=row.component.version, component_purl=row.component.purl,
        state=row.match.state, justification=row.match.justification, note=row.match.note,
        decided_at=row.match.decided_at, severity_level=row.advisory.severity_level,
        severity_score=row.advisory.severity_score, vector=vex.newest_vector(row.advisory.severity),
    ) for row in advisory_services.release_advisories(release)]
    stem = _file_stem(release)
    unit_of_work.run(lambda: audit.record("release.exported", release, action=AuditAction.EXPORT, format=f"vex.{fmt}",
                                          statements=len(statements)))
    if fmt == "cdx.json":
        body = vex.cyclonedx_vex_json(release.product.name, release.version, statements)
    else:
        body = vex.openvex_json(release.product.name, release.version, statements,
                                author=str(current_app.config.get("COMPANY_NAME") or "Provenance"))
    return _download(body.encode("utf-8"), f"{stem}-vex.{fmt}", VEX_FORMATS[fmt])


@bp.get("/releases/<int:release_id>/notices.txt")
@permission_required(Permission.INVENTORY_READ)
def releases_notices(release_id: int) -> Any:
    """The plain-text third-party notices (NOTICE) of a frozen release, to ship with the product."""
    from app.inventory import attribution, notices

    release = _get(Release, release_id)
    if not release.is_frozen:
        raise Conflict("The NOTICE is issued for a frozen release: freeze the release first (the Word copy of a draft "
                       "is available, marked DRAFT).")
    found = notices.release_notices(release)
    approved = services.release_signatures(release)[Meaning.APPROVED]
    line = f"SOUP list approved by {approved.printed_name} on {approved.signed_at:%Y-%m-%d}." if approved else ""
    body = attribution.notice_text(release.product.name, release.version, found.groups, found.texts, approved=line)
    unit_of_work.run(lambda: audit.record("release.exported", release, action=AuditAction.EXPORT, format="notices.txt",
                                          components=found.components))
    return _download(body.encode("utf-8"), f"{_file_stem(release)}-NOTICE.txt", "text/plain")


@bp.post("/releases/<int:release_id>/vex")
@permission_required(Permission.INVENTORY_EDIT)
def releases_vex_import(release_id: int) -> Any:
    """Read a CycloneDX or OpenVEX file into the release's triage (each decision audited; the rest reported)."""
    from app.inventory import vex
    from app.inventory.advisories import services as advisory_services

    release = _get(Release, release_id)
    back = redirect(url_for("inventory.release_advisories", release_id=release.id))
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash("Choose a CycloneDX or OpenVEX file to read.", "error")
        return release_advisories(release.id), 422  # the advisories page again, with the message: a refusal is a 4xx
    try:
        decisions = vex.read_vex(upload.read())
    except vex.VexError as error:
        flash(f"{upload.filename} cannot be read as VEX: {error}.", "error")
        return release_advisories(release.id), 422
    outcome = unit_of_work.run(lambda: advisory_services.apply_vex(release, decisions, by=current_user,
                                                                   source=upload.filename or "upload"))
    if (result := outcome.value) is not None:
        flash(f"{upload.filename}: {result.applied} decision(s) taken into the triage, {result.unchanged} already "
              f"so, {len(result.unknown)} about advisories or components this release does not have.", "success")
        if result.refused:
            flash(f"{len(result.refused)} refused: " + "; ".join(result.refused[:5]), "warning")
    return back, 303


def _download(body: bytes, filename: str, mimetype: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- Components --------------------------------------------------------------------------------


def _component_context(component: Component, form: ComponentForm | None = None) -> dict[str, Any]:
    from app.inventory.licences import services as licence_services

    if form is None:
        form = ComponentForm(obj=component)
    release = component.release
    form.software_item_id.choices = [(0, "No software item (the product's class)")] + [
        (item.id, f"{item.name} (class {item.safety_class})") for item in release.product.software_items]
    if form.software_item_id.data is None:
        form.software_item_id.data = 0
    same_package = list(db.session.scalars(
        select(Component).join(Release).where(Release.product_id == release.product_id,
                                              Component.name == component.name, Component.id != component.id)
        .options(selectinload(Component.release)).order_by(Component.id.desc()).limit(20)))
    return {
        "component": component, "release": release, "product": release.product, "form": form,
        "can_edit": policies.can_edit_component(current_user, component),
        "suggested": services.suggest_supplier(component) if component.supplier_id is None else None,
        "supplier_form": SupplierLinkForm(), "assess_form": AssessForm(),
        "approval_problems": services.approval_problems(component),
        "licence": licence_services.component_verdict(component),
        "classification_labels": CLASSIFICATION_LABELS, "same_package": same_package,
        "waivers": gates.waivers_of(component), "reference_class": services.reference_class(component),
        "held": {waiver.kind for waiver in gates.applying_waivers(release, [component.id]).get(component.id, [])},
        "can_sign_waivers": policies.can_sign_waivers(current_user) and not release.is_frozen,
        "waiver_form": signature_form(Meaning.APPROVED), "decision_form": LicenceDecisionForm(),
        "retire_form": RetireForm(), "type_labels": COMPONENT_TYPE_LABELS, "gate_reason": "",
        "parent": gates.parent_label(component.parents[0]) if component.parents else "",
        "suppliers": list(db.session.scalars(select(Supplier).order_by(Supplier.name).limit(500))),
        "currency": obsolescence.currency_of([component]).get(component.id),
        "hazards": risk_services.hazards_of(component),
    }


@bp.get("/components/<int:component_id>")
@permission_required(Permission.INVENTORY_READ)
def components_detail(component_id: int) -> Any:
    component = _get(Component, component_id)
    return render_template("inventory/components_detail.html", **_component_context(component))


def _stated_version(value: str | None) -> int | None:
    """The row version the form was drawn from: None when the form carries none (no check), and a version no row
    has (-1, so the save is refused as stale) when it carries something else than a row version."""
    if not value or value == "0":
        return None
    stated = stated_id(value)
    return -1 if stated is None else stated


@bp.post("/components/<int:component_id>/edit")
@permission_required(Permission.INVENTORY_EDIT)
def components_edit(component_id: int) -> Any:
    component = _get(Component, component_id)
    form = ComponentForm()
    if form.validate_on_submit():
        optional = ("component_type", "cpe", "class_rationale", "software_item_id")  # kept when the form omits them
        changes = {name: getattr(form, name).data or "" for name in services.EDITABLE_FIELDS
                   if name not in ("supplier_id", *optional) and hasattr(form, name)}
        changes.update({name: getattr(form, name).data or "" for name in optional[:3] if name in request.form})
        if "software_item_id" in request.form:
            changes["software_item_id"] = form.software_item_id.data or None
        if unit_of_work.run(lambda: services.update_component(
            component, changes, by=current_user, expected_version=_stated_version(form.row_version.data),
        ), pages=PAGES).ok:
            flash("Component saved.", "success")
            return redirect(url_for("inventory.components_detail", component_id=component.id))
    return render_template("inventory/components_detail.html", **_component_context(component, form)), 422


def _component_refused(component_id: int, **sent: Any) -> Any:
    """The component page again (422) with the refused form as it was sent (the message is flashed above it), so
    that nothing typed is lost; a signing password is never sent back."""
    component = _get(Component, component_id)
    return render_template("inventory/components_detail.html", **{**_component_context(component), **sent}), 422


@bp.post("/components/<int:component_id>/assess")
@permission_required(Permission.INVENTORY_EDIT)
def components_assess(component_id: int) -> Any:
    component = _get(Component, component_id)
    form = AssessForm()
    if not _submitted(form, lambda: services.assess_components(component.release, [component.id], form.note.data or "",
                                                               by=current_user), "Change assessed."):
        return _component_refused(component_id, assess_form=form)
    return redirect(url_for("inventory.components_detail", component_id=component_id))


@bp.post("/components/<int:component_id>/supplier")
@permission_required(Permission.INVENTORY_EDIT)
def components_supplier(component_id: int) -> Any:
    component = _get(Component, component_id)
    form = SupplierLinkForm()
    _submit(form, lambda: _link_supplier(component, form), str)
    return redirect(url_for("inventory.components_detail", component_id=component_id))


@bp.post("/components/<int:component_id>/waive-licence")
@permission_required(Permission.INVENTORY_FREEZE)
def components_waive_licence(component_id: int) -> Any:
    return _signed_gate(component_id, gates.waive_licence,
                        "Licence waived with your signature; the waiver holds in later releases while the licence "
                        "is the same.")


@bp.post("/components/<int:component_id>/exempt-supplier")
@permission_required(Permission.INVENTORY_FREEZE)
def components_exempt_supplier(component_id: int) -> Any:
    return _signed_gate(component_id, gates.exempt_supplier, "Supplier exemption signed.")


def _signed_gate(component_id: int, action: Callable[..., Any], done: str) -> Any:
    """A QA-signed waiver or exemption of a component: the reason and the signature from the form."""
    component = _get(Component, component_id)
    form = signature_form(Meaning.APPROVED)
    if not _submitted(form, lambda: action(component, request.form.get("reason", ""), signer=current_user,
                                           password=form.password.data or ""), done):
        return _component_refused(component_id, waiver_form=form, gate_reason=request.form.get("reason", ""))
    return redirect(url_for("inventory.components_detail", component_id=component_id) + "#gates")


@bp.post("/components/<int:component_id>/licence-decision")
@permission_required(Permission.INVENTORY_EDIT)
def components_licence_decision(component_id: int) -> Any:
    component = _get(Component, component_id)
    form = LicenceDecisionForm()
    if not _submitted(form, lambda: gates.decide_licence(component, form.decision.data or "", form.reason.data or "",
                                                         by=current_user), "Licence decision recorded."):
        return _component_refused(component_id, decision_form=form)
    return redirect(url_for("inventory.components_detail", component_id=component_id) + "#gates")


@bp.post("/components/<int:component_id>/retire")
@permission_required(Permission.INVENTORY_EDIT)
def components_retire(component_id: int) -> Any:
    component = _get(Component, component_id)
    form = RetireForm()
    if not _submitted(form, lambda: services.retire_component(component, form.reason.data or "", by=current_user),
                      f"{component.name} {component.version} retired."):
        return _component_refused(component_id, retire_form=form)
    return redirect(url_for("inventory.components_detail", component_id=component_id))


def _link_supplier(component: Component, form: SupplierLinkForm) -> str:
    """Create a candidate supplier for the component, unlink it, or link the chosen one; says what was done."""
    if form.create.data:
        supplier = services.create_supplier_for(component, by=current_user)
        return f"Supplier {supplier.code} created as a candidate and linked."
    if form.unlink.data:
        services.link_supplier(component, None, by=current_user)
        return "Supplier link removed."
    chosen = db.session.get(Supplier, form.supplier_id.data or 0)
    if chosen is None:
        raise ValidationFailed("Choose a supplier to link.")
    services.link_supplier(component, chosen, by=current_user)
    return f"Linked to supplier {chosen.name}."


# --- A release's advisories --------------------------------------------------------------------

RELEASE_PANEL_ROWS = 20


@bp.app_template_global()
def release_advisory_panel(release: Release) -> dict[str, Any]:
    """The release's triage and severity counts (stored) and its worst matches, a bounded number of them whatever the
    size of the release (templates/inventory/_release_advisories.html); the full list is the release's advisories
    page."""
    return {
        "rows": advisory_services.worst_release_matches(release, RELEASE_PANEL_ROWS),
        "counts": services.release_component_stats(release).advisories(),
        "can_triage": can_triage_match(current_user, None),
    }


@bp.route("/releases/<int:release_id>/advisories")
@permission_required(Permission.INVENTORY_READ)
def release_advisories(release_id: int) -> Any:
    release = _get(Release, release_id)
    filters = advisory_services.MatchFilters.from_args(request.args)
    component = db.session.get(Component, filters.component_id) if filters.component_id is not None else None
    if filters.component_id is not None and (component is None or component.release_id != release.id):
        raise NotFound("This release has no such component.")
    counts = services.release_component_stats(release).advisories()
    return render_template(
        "inventory/release_advisories.html",
        release=release,
        product=release.product,
        component=component,
        filters=filters,
        page=paginate_uncounted(advisory_services.release_matches_query(release, filters),
                                known_total=_known_match_total(filters, counts)),
        counts=counts,
        severities=advisory_services.SEVERITY_FILTERS,
        states=STATE_CHOICES,
        can_triage=can_triage_match(current_user, None),
    )


def _known_match_total(filters: advisory_services.MatchFilters, counts: dict[str, Any]) -> int | None:
    """How many matches the filters give, when the release's counts say it already (else the page has "next" only)."""
    if filters.q or filters.component_id is not None or (filters.state and filters.severity):
        return None
    if filters.state:
        return int(counts.get(filters.state, 0))
    if filters.severity:
        return int(counts["by_severity"].get(filters.severity, 0))
    return int(counts["total"])


@bp.app_template_filter("ecosystem")
def _ecosystem_filter(ecosystem: str | None) -> str:
    """A component's ecosystem by its usual name ('pypi' -> 'PyPI')."""
    return ecosystem_name(ecosystem)


@bp.app_template_global()
def has_endpoint(endpoint: str) -> bool:
    """Whether a page exists (shared partials link to pages that a build may not register)."""
    return endpoint in current_app.view_functions


# The advisory, anomaly review and licence policy pages join this blueprint.
from app.inventory import supplier_views  # noqa: E402, F401
from app.inventory.advisories import views as advisory_views  # noqa: E402, F401
from app.inventory.anomalies import views as anomaly_views  # noqa: E402, F401
from app.inventory.licences import views as licence_views  # noqa: E402, F401
from app.inventory.monitoring import views as monitoring_views  # noqa: E402
from app.inventory.risks import views as risk_views  # noqa: E402, F401
from app.inventory.traceability import matrix_views  # noqa: E402, F401
from app.inventory.traceability import views as traceability_views  # noqa: E402, F401
