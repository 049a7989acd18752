"""The outbox page (admins): every e-mail queued, sent or failed, with its body; links masked once sent."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from app.access import Permission, permission_required
from app.notifications import services
from app.notifications.models import OutboxStatus
from app.pagination import paginate

bp = Blueprint("notifications", __name__, url_prefix="/outbox")

STATES = {OutboxStatus.QUEUED: "Queued", OutboxStatus.SENT: "Sent", OutboxStatus.FAILED: "Failed"}


@bp.get("/", endpoint="outbox")
@permission_required(Permission.OUTBOX_READ)
def outbox() -> Any:
    """The outbox, newest first, filtered by state (an unknown state shows them all)."""
    status = request.args.get("status", "")
    status = status if status in STATES else ""
    page = paginate(services.outbox_query(status))
    return render_template("notifications/outbox.html", page=page, status=status, states=STATES,
                           shown_body=services.shown_body)
