"""Job pages: the list of background work, one job's page, and the progress fragment htmx polls."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from flask_login import login_required
from sqlalchemy import select

from app.jobs import services
from app.jobs.models import Job
from app.pagination import paginate

bp = Blueprint("jobs", __name__, url_prefix="/jobs")


@bp.get("/", endpoint="list")
@login_required
def list_jobs() -> Any:
    """Background work, newest first."""
    page = paginate(select(Job).order_by(Job.id.desc()))
    return render_template("jobs/list.html", page=page, items=page.items, label=services.kind_label)


@bp.get("/<int:job_id>")
@login_required
def detail(job_id: int) -> Any:
    """One job: what it does, its progress (live while it runs) and its outcome."""
    job = services.get(job_id)
    return render_template("jobs/detail.html", job=job, label=services.kind_label(job.kind))


@bp.get("/<int:job_id>/progress")
@login_required
def progress(job_id: int) -> Any:
    """The progress fragment: htmx fetches it every second until the job is finished."""
    job = services.get(job_id)
    return render_template("jobs/_progress.html", job=job)
