"""Stored evidence from public sources: what was asked, when, and the answer's sha256 and body."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from app import unit_of_work
from app.access import Permission, permission_required
from app.errors import NotFound
from app.extensions import db
from app.pagination import paginate
from app.sources import scorecards
from app.sources.forms import ScorecardUploadForm
from app.sources.models import ScorecardRecord, SourceResponse

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


@bp.get("/scorecards")
@permission_required(Permission.SUPPLIERS_READ)
def scorecards_list() -> Any:
    """Imported and fetched OpenSSF Scorecard results, newest first, with the upload form."""
    return _scorecards_page(ScorecardUploadForm())


def _scorecards_page(form: ScorecardUploadForm, status: int = 200) -> Any:
    page = paginate(select(ScorecardRecord).order_by(ScorecardRecord.id.desc()))
    return render_template("sources/scorecards_list.html", page=page, items=page.items, form=form), status


@bp.post("/scorecards")
@permission_required(Permission.SUPPLIERS_EDIT)
def scorecards_import() -> Any:
    """Import a Scorecard JSON result; a file that is not one is refused with the reason (422)."""
    form = ScorecardUploadForm()
    if not form.validate_on_submit():
        return _scorecards_page(form, 422)
    upload = form.file.data
    content = upload.read(scorecards.MAX_UPLOAD_BYTES + 1)
    outcome = unit_of_work.run(lambda: scorecards.import_upload(content, upload.filename or "", by=current_user),
                               form.file)
    if not outcome.ok or outcome.value is None:
        return _scorecards_page(form, outcome.status)
    flash(f"Scorecard result of {outcome.value.repository} imported.", "success")
    return redirect(url_for("sources.scorecards_detail", record_id=outcome.value.id))


@bp.get("/scorecards/<int:record_id>")
@permission_required(Permission.SUPPLIERS_READ)
def scorecards_detail(record_id: int) -> Any:
    """One Scorecard result: every check with its score, reason and details."""
    record = db.session.get(ScorecardRecord, record_id)
    if record is None:
        raise NotFound("There is no such Scorecard result.")
    return render_template("sources/scorecards_detail.html", record=record)
