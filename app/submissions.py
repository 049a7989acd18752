"""A form sent twice is saved once: a double click, a resend or two tabs no longer make two records.

Every form (`app.inputs.BaseForm`) carries a random id, `submission_id`, drawn when the form is rendered. When a
signed-in user's POST carrying one is saved (`app.unit_of_work.run` commits it), the key of that submission is
stored with it, in the same transaction: a hash of the user, the address, the form id and every value sent
(passwords and the CSRF token left out). The same form sent again with the same values finds its key and is
refused (409, `AlreadySent`) before anything is done; a concurrent twin breaks the key's primary key instead, and
the unit of work runs it once more, when it finds the key. The page the first one led to (its redirect) is kept
with the key, so a second click leads to it too, with a word of why (`app.error_pages`); without one, the
refusal is the 409 page. A form sent again with other values (the user went back and changed something) is a new
submission. A refused form stores no key, so sending it again is saved as usual. Keys older than KEPT_DAYS are
forgotten (`forget_old`, run daily by the worker).
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from datetime import datetime, timedelta

from flask import Response, g, has_request_context, request
from flask_login import current_user
from sqlalchemy import DateTime, String, delete, insert, select, update
from sqlalchemy.orm import Mapped, mapped_column

from app.db import utcnow
from app.errors import Conflict
from app.extensions import db

FIELD = "submission_id"
KEPT_DAYS = 2
_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,64}")
_LOCAL = re.compile(r"/(?![/\\])[^\s]{0,499}")  # a path on this site
_NOT_HASHED = ("csrf_token", "_draft")  # the token is the session's; _draft is the browser's draft marker


class FormSubmission(db.Model):  # type: ignore[name-defined,misc]
    """The key of one saved form submission (no content: a hash of who sent what, where)."""

    __tablename__ = "form_submissions"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    saved_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, index=True)
    location: Mapped[str | None] = mapped_column(String(500))  # the page the saved form led to (its redirect)


class AlreadySent(Conflict):
    """The same form with the same values was saved already (a second click, a resend); `location` is the page
    the first one led to, when it led to one."""

    def __init__(self, location: str | None = None) -> None:
        super().__init__("This form was already sent with these values, and saved then: it was not saved a second "
                         "time." + ("" if location else " Open the page again to see what was saved."))
        self.location = location


def new_id() -> str:
    """A fresh form id (drawn each time a form is rendered)."""
    return secrets.token_urlsafe(16)


def key_of_request() -> str | None:
    """The key of this request's form submission; None when the request sends no form id (an API call, a form
    without one), the user is not signed in, or the request saved its form already."""
    if not has_request_context() or request.method != "POST" or g.get("submission_saved"):
        return None
    form_id = next((value for name, value in request.form.items(multi=True)
                    if name == FIELD or name.endswith(f"-{FIELD}")), "")  # a prefixed form: "step-submission_id"
    if not _SHAPE.fullmatch(form_id) or not current_user.is_authenticated:
        return None
    values = sorted(
        (name, value) for name, value in request.form.items(multi=True)
        if name not in _NOT_HASHED and "password" not in name
    )
    files = sorted((name, upload.filename or "", upload.mimetype) for name, upload in request.files.items(multi=True))
    sent = json.dumps([current_user.get_id(), request.path, values, files], ensure_ascii=False)
    return hashlib.sha256(sent.encode("utf-8", "surrogatepass")).hexdigest()


def refuse_if_saved(key: str) -> None:
    """AlreadySent (with the page it led to) when a submission with this key was saved before."""
    found = db.session.execute(select(FormSubmission.location).where(FormSubmission.key == key)).first()
    if found is not None:
        raise AlreadySent(found.location)


def keep(key: str) -> None:
    """Store the key with the work it came with (in the caller's transaction); a concurrent twin that saved first
    makes this break the primary key, which the unit of work answers by running the work once more."""
    db.session.connection().execute(insert(FormSubmission), {"key": key, "saved_at": utcnow()})


def saved(key: str) -> None:
    """Note that this request's form was saved: a later unit of work in the same request stores no key, and the
    page the request leads to is kept with the key (`keep_location`)."""
    g.submission_saved = key


def location_to_keep(response: Response) -> tuple[str, str] | None:
    """The saved form's key and the page its request leads to (a redirect to this site), when there is one."""
    key = g.get("submission_saved") if has_request_context() else None
    location = response.headers.get("Location", "")
    if key and response.status_code in (301, 302, 303) and _LOCAL.fullmatch(location):
        return key, location
    return None


def keep_location(key: str, location: str) -> None:
    """Keep the page a saved form led to with its key: the same form sent again leads there too."""
    db.session.execute(update(FormSubmission).where(FormSubmission.key == key).values(location=location))


def forget_old(now: datetime | None = None) -> int:
    """Forget keys older than KEPT_DAYS (a resend comes within seconds; a stale tab within hours); returns how many."""
    cutoff = (now or utcnow()) - timedelta(days=KEPT_DAYS)
    result = db.session.execute(delete(FormSubmission).where(FormSubmission.saved_at < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)
