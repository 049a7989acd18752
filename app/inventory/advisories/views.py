"""Advisory pages on the inventory blueprint: the advisory list and record, OSV import, triage of a match.

app/inventory/views.py imports this module at its end, so these routes join the `inventory` blueprint.
A triage form is fetched on demand (GET of the triage route: a fragment for htmx, a page without JavaScript); the
release's advisories (its panel and its page) are in app/inventory/views.py, next to the release's counts.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app import unit_of_work
from app.access import Permission, permission_required
from app.auth.views import safe_next
from app.errors import PermissionDenied
from app.extensions import db
from app.inventory.advisories import services
from app.inventory.advisories.forms import AdvisoryImportForm, TriageForm
from app.inventory.advisories.models import Advisory, AdvisoryImport, AdvisoryMatch
from app.inventory.advisories.policies import can_triage_match
from app.inventory.blueprint import bp
from app.pagination import paginate

SEVERITIES = ("critical", "high", "medium", "low", "none")


@bp.route("/advisories")
@permission_required(Permission.INVENTORY_READ)
def advisories_list() -> Any:
    filters = services.AdvisoryFilters(
        ecosystem=request.args.get("ecosystem", "").strip()[:60],
        package=request.args.get("package", "").strip()[:300],
        severity=request.args.get("severity", "") if request.args.get("severity", "") in SEVERITIES else "",
        affecting=request.args.get("affecting", "") if request.args.get("affecting", "") in ("yes", "no") else "",
        text=request.args.get("q", "").strip()[:200],
        show_withdrawn=request.args.get("withdrawn") == "1",
    )
    page = paginate(services.advisories_query(filters))
    packages, counts = services.list_extras([advisory.id for advisory in page.items])
    last_import = db.session.scalar(select(AdvisoryImport).order_by(AdvisoryImport.id.desc()).limit(1))
    return render_template(
        "inventory/advisories_list.html",
        page=page,
        filters=filters,
        packages=packages,
        counts=counts,
        ecosystems=services.ecosystems(),
        severities=SEVERITIES,
        last_import=last_import,
    )


@bp.route("/advisories/<int:advisory_id>")
@permission_required(Permission.INVENTORY_READ)
def advisories_detail(advisory_id: int) -> Any:
    advisory = db.get_or_404(Advisory, advisory_id)
    page = paginate(services.advisory_matches_query(advisory))
    return render_template(
        "inventory/advisories_detail.html",
        advisory=advisory,
        page=page,
        can_triage=can_triage_match(current_user, None),
    )


@bp.route("/advisories/import", methods=["GET", "POST"])
@permission_required(Permission.INVENTORY_EDIT)
def advisories_import() -> Any:
    form = AdvisoryImportForm()
    outcome = None
    if form.validate_on_submit():
        upload = form.file.data
        outcome = unit_of_work.run(
            lambda: services.import_advisories(
                upload.filename or "upload",
                upload.read(),
                by=current_user,
                channel="web",
                max_bytes=current_app.config["ADVISORY_UPLOAD_MAX_BYTES"],
            ),
            form.file,
        )
        if outcome.ok and (result := outcome.value) is not None:
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


@bp.route("/advisory-matches/<int:match_id>/triage", methods=["GET", "POST"])
@permission_required(Permission.INVENTORY_EDIT)
def advisory_matches_triage(match_id: int) -> Any:
    match = db.get_or_404(AdvisoryMatch, match_id)
    back = safe_next(request.values.get("next")) or url_for("inventory.advisories_detail", advisory_id=match.advisory_id)
    if request.method == "GET":
        # The form on demand: htmx swaps the fragment in place of the "Change decision" link; without JavaScript the
        # link opens this page with the same form.
        if not can_triage_match(current_user, match):
            raise PermissionDenied("You may not triage advisories.")
        form = TriageForm(formdata=None, state=match.state, note=match.note, justification=match.justification)
        template = "inventory/_triage_form.html" if request.headers.get("HX-Request") else "inventory/advisory_match_triage.html"
        return render_template(template, match=match, triage_form=form, next_url=back)
    form = TriageForm()
    if not form.validate_on_submit():
        flash("The decision could not be read; try again.", "error")
    elif unit_of_work.run(
        lambda: services.triage_match(match, form.state.data or "", form.note.data or "", by=current_user,
                                     justification=form.justification.data or "")
    ).ok:
        flash(f"{match.advisory.osv_id} on {match.component.name} {match.component.version}: {match.state.replace('_', ' ')}.", "success")
        return redirect(back)
    # Refused (a 'not affected' without its justification, an 'affected' without its mitigation): the form comes
    # back as the user filled it in, with the message, never an emptied form on another page.
    template = "inventory/_triage_form.html" if request.headers.get("HX-Request") else "inventory/advisory_match_triage.html"
    return render_template(template, match=db.session.get(AdvisoryMatch, match_id), triage_form=form,
                           next_url=back), 422

