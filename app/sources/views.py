"""Stored evidence from public sources: what was asked, when, and the answer's sha256 and body."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, render_template

from app.access import Permission, permission_required
from app.errors import NotFound
from app.extensions import db
from app.sources.models import SourceResponse

bp = Blueprint("sources", __name__, url_prefix="/sources")


def _response(response_id: int) -> SourceResponse:
    found = db.session.get(SourceResponse, response_id)
    if found is None:
        raise NotFound("There is no such stored answer.")
    return found


@bp.get("/responses/<int:response_id>")
@permission_required(Permission.INVENTORY_READ)
def response_detail(response_id: int) -> Any:
    """One stored answer: URL, times, status, sha256, size, and a download of the body."""
    return render_template("sources/response_detail.html", response=_response(response_id))


@bp.get("/responses/<int:response_id>/body")
@permission_required(Permission.INVENTORY_READ)
def response_body(response_id: int) -> Any:
    """The stored body as it was received (a download, never rendered as a page)."""
    response = _response(response_id)
    extension = "json" if "json" in response.content_type or response.body[:1] in (b"{", b"[") else "txt"
    return Response(response.body, mimetype="application/octet-stream", headers={
        "Content-Disposition": f'attachment; filename="evidence-{response.id}-{response.sha256[:12]}.{extension}"',
        "X-Content-Type-Options": "nosniff",
    })
