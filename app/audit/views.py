"""The audit log page and its CSV export."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from app import spreadsheets, unit_of_work
from app.access import Permission, permission_required
from app.audit import queries
from app.audit import services as audit
from app.audit.models import AuditAction, AuditEvent, record_types
from app.db import utcnow
from app.extensions import db
from app.pagination import keyset_page

bp = Blueprint("audit", __name__, url_prefix="/audit")


@bp.route("/")
@permission_required(Permission.AUDIT_READ)
def log() -> Any:
    filters = queries.AuditFilters.from_args(request.args).resolved()
    page = keyset_page(queries.filtered(filters), AuditEvent.id)
    return render_template(
        "audit/log.html", page=page, filters=filters, entity_types=record_types(), actors=queries.actor_choices(),
        actions=queries.ACTIONS,
    )


@bp.route("/records")
@permission_required(Permission.AUDIT_READ)
def record_options() -> Any:
    """The record picker's suggestions (options of the record filter's datalist), as the user types."""
    return render_template("audit/_record_options.html", options=queries.suggest_records(request.args.get("record", "")))


@bp.route("/export.csv")
@permission_required(Permission.AUDIT_EXPORT)
def export_csv() -> Any:
    filters = queries.AuditFilters.from_args(request.args).resolved()
    unit_of_work.run(lambda: audit.record("audit.exported", action=AuditAction.EXPORT, format="csv",
                                          filters=filters.as_args()))
    filename = f"audit-trail-{utcnow():%Y%m%d-%H%M%S}.csv"
    return spreadsheets.csv_response(queries.stream_csv(db.engine, queries.filtered(filters)), filename)
