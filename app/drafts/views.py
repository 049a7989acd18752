"""Drafts of long forms, for the page script (app.js): save, list the drafts of a page, discard."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from flask_login import current_user, login_required

from app import unit_of_work
from app.drafts import services

bp = Blueprint("drafts", __name__, url_prefix="/drafts")


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("key"), str):
        return {}
    return body


@bp.route("", methods=["POST"])
@login_required
def save() -> Any:
    body = _body()
    if not body:
        return jsonify({"error": "Send JSON with the form's key and its fields."}), 400
    outcome = unit_of_work.run(lambda: services.save_draft(current_user, body["key"], body.get("fields")),
                               flash_error=False, pages=())
    if outcome.error is not None or outcome.value is None:
        return jsonify({"error": outcome.error.message if outcome.error else "Not saved."}), 422
    return jsonify({"saved_at": outcome.value.updated_at.strftime("%H:%M")}), 200


@bp.route("", methods=["GET"])
@login_required
def on_page() -> Any:
    page = request.args.get("page", "")
    drafts = services.drafts_on(current_user, page) if page.startswith("/") else []
    return jsonify({"drafts": [{"key": d.form_key, "fields": d.fields, "saved_at": d.updated_at.strftime("%Y-%m-%d %H:%M")}
                               for d in drafts]})


@bp.route("/discard", methods=["POST"])
@login_required
def discard() -> Any:
    body = _body()
    if not body:
        return jsonify({"error": "Send JSON with the form's key."}), 400
    unit_of_work.run(lambda: services.discard_draft(current_user, body["key"]), flash_error=False)
    return "", 204
