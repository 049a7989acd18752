"""The home page: what is due, expiring or waiting, by what the user may see."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from flask_login import login_required

bp = Blueprint("dashboard", __name__)

# Panels contributed by domain packages: "module:function" returning a dict for the panel template
# (or None when the user may not see it). Each dict has "template" and its own keys.
PANELS: tuple[str, ...] = (
    "app.dashboard.tasks_panel:tasks_panel",
    "app.dashboard.suppliers_panel:suppliers_panel",
    "app.dashboard.inventory_panel:inventory_panel",
    "app.dashboard.validation_panel:validation_panel",
)


@bp.route("/")
@login_required
def index() -> Any:
    from importlib import import_module

    panels = []
    for target in PANELS:
        module_name, function_name = target.split(":")
        panel = getattr(import_module(module_name), function_name)()
        if panel:
            panels.append(panel)
    return render_template("dashboard/index.html", panels=panels)
