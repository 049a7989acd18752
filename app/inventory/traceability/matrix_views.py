"""The traceability matrix of a release: a page with filters, and an XLSX of the same rows (the Word record is the
document type traceability_matrix)."""

from __future__ import annotations

from typing import Any

from flask import render_template, request

from app import spreadsheets, unit_of_work
from app.access import Permission, permission_required
from app.audit import services as audit
from app.audit.models import AuditAction
from app.extensions import db
from app.inventory.blueprint import bp
from app.inventory.models import Release
from app.inventory.traceability import matrix
from app.inventory.traceability.tracing import release_matrix
from app.pagination import paginate_list

SHOW = {"": "Everything", "gaps": "Gaps only", **matrix.VERDICT_LABELS, **matrix.KIND_LABELS}


@bp.get("/releases/<int:release_id>/traceability")
@permission_required(Permission.INVENTORY_READ)
def traceability_matrix(release_id: int) -> Any:
    """Requirement and risk control -> components -> tests of the latest run -> verdict, with the gaps."""
    release = db.get_or_404(Release, release_id)
    found = release_matrix(release)
    show = request.args.get("show", "")
    show = show if show in SHOW else ""
    return render_template("inventory/traceability_matrix.html", release=release, product=release.product,
                           matrix=found, counts=found.counts(), page=paginate_list(matrix.filtered(found, show)),
                           show=show, show_options=SHOW, verdict_labels=matrix.VERDICT_LABELS,
                           kind_labels=matrix.KIND_LABELS, unlinked=found.unlinked[:50])


@bp.get("/releases/<int:release_id>/traceability.xlsx")
@permission_required(Permission.INVENTORY_READ)
def traceability_matrix_xlsx(release_id: int) -> Any:
    """The matrix as XLSX: the page's rows, then the test cases that name no requirement or risk control."""
    release = db.get_or_404(Release, release_id)
    found = release_matrix(release)
    unit_of_work.run(lambda: audit.record("release.exported", release, action=AuditAction.EXPORT,
                                          format="traceability.xlsx", items=len(found.rows)))
    stem = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in f"{release.product.name}-{release.version}")
    return spreadsheets.xlsx_response(spreadsheets.xlsx_bytes("Traceability", found.table()),
                                      f"{stem[:100]}-traceability.xlsx")
