"""My tasks: the page listing what waits for the signed-in user, and its count for the navigation."""

from __future__ import annotations

from itertools import groupby
from typing import Any

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from app.db import utcnow
from app.inbox import services

bp = Blueprint("inbox", __name__, url_prefix="/inbox")


@bp.route("")
@login_required
def index() -> Any:
    today = utcnow().date()
    groups = services.my_tasks(current_user, today)
    areas = [(area, list(items)) for area, items in groupby(groups, key=lambda group: group.area)]
    return render_template("inbox/index.html", areas=areas, total=sum(group.count for group in groups), today=today)


@bp.route("/count")
@login_required
def count() -> Any:
    """The badge of the navigation's My tasks entry (loaded after the page, so no page waits for the counts)."""
    return render_template("inbox/_count.html", count=services.task_count(current_user, utcnow().date()))
