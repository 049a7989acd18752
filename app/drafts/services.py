"""Drafts of long forms: save as the user types, offer them back on the same page, drop them once submitted."""

from __future__ import annotations

import json
from typing import Any

from flask import Flask, Response, request
from flask_login import current_user
from sqlalchemy import delete, select

from app import submissions, unit_of_work
from app.db import utcnow
from app.drafts.models import FormDraft
from app.errors import ValidationFailed
from app.extensions import db
from app.inventory.importers._common import without_credentials
from app.jobs.queue import add_periodic

MAX_FIELDS = 200
MAX_BYTES = 200_000  # a draft's fields as JSON
KEPT_PER_USER = 50  # the oldest drafts beyond this go


def _checked_fields(fields: Any) -> list[list[Any]]:
    """Fields as the browser sends them: [name, value, checked] with text values; anything else is refused."""
    if not isinstance(fields, list) or len(fields) > MAX_FIELDS:
        raise ValidationFailed(f"A draft holds a list of at most {MAX_FIELDS} fields.")
    checked = []
    for field in fields:
        if not (isinstance(field, list) and len(field) == 3 and isinstance(field[0], str)
                and (isinstance(field[1], str) or (isinstance(field[1], list)
                                                   and all(isinstance(v, str) for v in field[1])))
                and (field[2] is None or isinstance(field[2], bool))):
            raise ValidationFailed("A draft field is [name, value, checked].")
        value = ([without_credentials(v) for v in field[1]] if isinstance(field[1], list)
                 else without_credentials(field[1]))  # a token in a typed URL is a secret: never stored
        checked.append([field[0][:200], value, field[2]])
    if len(json.dumps(checked)) > MAX_BYTES:
        raise ValidationFailed(f"A draft is at most {MAX_BYTES // 1000} kB.")
    return checked


def _page_of(form_key: str) -> str:
    page = form_key.split("|", 1)[0]
    if not page.startswith("/") or len(form_key) > 700 or len(page) > 300:
        raise ValidationFailed("A draft belongs to a page of this site.")
    return page


def save_draft(user: Any, form_key: str, fields: Any) -> FormDraft:
    """Keep what the user typed into a form (one draft per user and form, the latest wins)."""
    page = _page_of(form_key)
    checked = _checked_fields(fields)
    draft = db.session.scalar(select(FormDraft).where(FormDraft.user_id == user.id, FormDraft.form_key == form_key))
    if draft is None:
        draft = FormDraft(user_id=user.id, page=page, form_key=form_key)
        db.session.add(draft)
    draft.fields = checked
    draft.updated_at = utcnow()
    db.session.flush()
    stale = select(FormDraft.id).where(FormDraft.user_id == user.id).order_by(FormDraft.updated_at.desc(),
                                                                             FormDraft.id.desc()).offset(KEPT_PER_USER)
    db.session.execute(delete(FormDraft).where(FormDraft.id.in_(list(db.session.scalars(stale)))))
    return draft


def drafts_on(user: Any, page: str) -> list[FormDraft]:
    """The user's drafts of the forms of one page (never another user's)."""
    return list(db.session.scalars(select(FormDraft).where(FormDraft.user_id == user.id, FormDraft.page == page)
                                   .order_by(FormDraft.id).limit(20)))


def init_app(app: Flask) -> None:
    """A form sent with its draft's key (`_draft`, added by the page script) drops the draft once it was saved; a
    saved form's key keeps the page it led to (app/submissions.py), and the worker forgets keys too old to be sent
    again (daily)."""
    app.after_request(_drop_saved_draft)
    app.after_request(_keep_saved_location)
    add_periodic(app, "forms.forget_old_submissions", "17 3 * * *", submissions.forget_old)


def _keep_saved_location(response: Response) -> Response:
    if (kept := submissions.location_to_keep(response)) is not None:
        unit_of_work.run(lambda: submissions.keep_location(*kept), flash_error=False, once=False)
    return response


def _drop_saved_draft(response: Response) -> Response:
    # Only a saved form (a redirect) is looked at: a refused one (413 too large, 422...) keeps its draft, and its
    # body is not read again.
    if request.method != "POST" or response.status_code not in (301, 302, 303):
        return response
    forms = ("application/x-www-form-urlencoded", "multipart/form-data")
    key = request.form.get("_draft", "") if request.mimetype in forms else ""
    if key and current_user.is_authenticated:
        unit_of_work.run(lambda: discard_draft(current_user, key), flash_error=False, once=False)
    return response


def discard_draft(user: Any, form_key: str) -> int:
    """Drop the user's draft of a form (it was submitted, or the user does not want it back)."""
    result = db.session.execute(delete(FormDraft).where(FormDraft.user_id == user.id, FormDraft.form_key == form_key))
    return int(getattr(result, "rowcount", 0) or 0)
