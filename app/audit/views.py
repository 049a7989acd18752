"""The audit log page and its CSV export."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from app import spreadsheets, unit_of_work
from app.access import Permission, permission_required
from app.audit import queries
from app.audit import services as audit
from app.audit.models import AuditAction
from app.db import utcnow
from app.extensions import db
from app.pagination import paginate

bp = Blueprint("audit", __name__, url_prefix="/audit")

ACTIONS = (
    "create", "update", "delete", "status_change", "sign", "login", "logout", "login_failed", "lockout",
    "export", "token_used", "event",
)


@bp.route("/")
@permission_required(Permission.AUDIT_READ)
def log() -> Any:
    page = paginate(queries.filtered(request.args))
    return render_template(
        "audit/log.html", page=page, filters=request.args, entity_types=queries.entity_types(), actions=ACTIONS
    )


@bp.route("/export.csv")
@permission_required(Permission.AUDIT_EXPORT)
def export_csv() -> Any:
    filters = {key: value for key, value in request.args.items() if value}
    unit_of_work.run(lambda: audit.record("audit.exported", action=AuditAction.EXPORT, format="csv", filters=filters))
    filename = f"audit-trail-{utcnow():%Y%m%d-%H%M%S}.csv"
    return spreadsheets.csv_response(queries.stream_csv(db.engine, queries.filtered(request.args)), filename)
