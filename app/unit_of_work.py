"""The request's unit of work: the one place where a view's transaction is committed or rolled back.

A view parses its form and hands one service call to `run()`. On success the work is committed once.
A broken rule (`DomainError`) rolls everything back and is shown to the user: on the form field the view
names (the view re-renders with the input kept, `outcome.status` is 422), or as a flash message (the view
redirects back). Some errors are pages, not messages: `PermissionDenied` gives 403, `NotFound` 404, and a
stale edit (`StaleEdit`, or SQLAlchemy's `StaleDataError` when the versioned UPDATE matched no row) the 409
page, always after the rollback so that the error page can still read the signed-in user. A view may name
other errors that are pages (`pages=`): the API answers every broken rule as JSON through app/errors.py.

A refused signature (`error.keeps_changes`) is the exception to "roll back": the failed attempt, its
failure count and its audit event are committed, and only then is the message shown.

Two requests can pass the same check before either writes (on PostgreSQL: two suppliers with one code, an answer
to a record deleted meanwhile); the second then breaks a unique key or a reference. Its work is rolled back and
run again, when its checks meet the other request's row and say so as a broken rule (or it takes the next free
number); a race lost RACE_ATTEMPTS times in a row is the 409 page. A form sent twice is saved once (app/submissions.py): the work that saves a form stores
its submission's key, and the same form sent again with the same values is refused (409) before anything runs.

No view calls `db.session.commit()` or `rollback()` itself; tests/test_unit_of_work.py checks it.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from flask import flash
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from app import submissions
from app.db import lost_race, read_only, write_intent
from app.errors import Conflict, DomainError, NotFound, PermissionDenied, StaleEdit
from app.extensions import db

T = TypeVar("T")
log = logging.getLogger(__name__)

# Errors that are answered with their own page (403, 404, 409) rather than a message on the form.
PAGE_ERRORS: tuple[type[DomainError], ...] = (PermissionDenied, NotFound, StaleEdit)


@dataclass
class Outcome(Generic[T]):
    """What one unit of work gave: the service's return value, or the domain error that undid it."""

    value: T | None = None
    error: DomainError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def status(self) -> int:
        """The status of the page re-rendered after a failure: 409 for a conflict, else 422; 200 when it worked."""
        if self.error is None:
            return 200
        return 409 if isinstance(self.error, Conflict) else 422

    @property
    def message(self) -> str:
        return self.error.message if self.error is not None else ""


def commit() -> None:
    """Commit the request's transaction; a versioned row that changed meanwhile becomes the 409 page."""
    try:
        db.session.commit()
    except StaleDataError as error:
        db.session.rollback()
        raise StaleEdit() from error


def discard() -> None:
    """Roll the request's transaction back (error pages call this before they render)."""
    db.session.rollback()


# True while run() does its work: a page rendered then (an e-mail body) is part of that unit of work.
_running: contextvars.ContextVar[bool] = contextvars.ContextVar("unit_of_work_running", default=False)
_WROTE = "provenance_wrote"  # connection info: this transaction ran a statement other than a read
_READS_OR_CONTROL = ("SELECT", "PRAGMA", "BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK", "COMMIT")


@event.listens_for(Engine, "before_cursor_execute")
def _note_writes(connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
    if not statement.lstrip()[:9].upper().startswith(_READS_OR_CONTROL):  # WITH ... may write: counted
        connection.info[_WROTE] = True


@event.listens_for(Engine, "commit")
@event.listens_for(Engine, "rollback")
def _forget_writes(connection: Any) -> None:
    if not connection.invalidated:  # an invalidated connection has no info left to reach
        connection.info.pop(_WROTE, None)


def release_write_lock_to_render(_sender: Any, **_extra: Any) -> None:
    """Before a page renders outside a unit of work, a SQLite transaction that has only read ends, and what the page
    still loads is read without the write lock: a form's request (POST) begins as a write, and a refused form's
    page (a 422 of a large record) held the lock while it rendered, so sign-ins elsewhere waited and answered 503."""
    if _running.get() or not write_intent.get() or db.engine.dialect.name != "sqlite":
        return
    session = db.session()
    if session.new or session.dirty or session.deleted:
        return
    if session.in_transaction():
        if session.connection().info.get(_WROTE):
            return
        _end_transaction()
    write_intent.set(False)


def _end_transaction() -> None:
    """Commit what the request did so far (only reads) and keep what it loaded, so the next transaction begins
    afresh: as a write, or as a read, as the caller decides."""
    session = db.session()
    keep = session.expire_on_commit
    session.expire_on_commit = False
    try:
        commit()
    finally:
        session.expire_on_commit = keep


def run(
    action: Callable[[], T], field: Any = None, *, flash_error: bool = True,
    pages: tuple[type[DomainError], ...] = PAGE_ERRORS, reads_only: bool = False, once: bool = True,
) -> Outcome[T]:
    """Run one service call and commit once; a broken rule rolls back and is shown on `field` or flashed.

    The errors in `pages` (PermissionDenied, NotFound and stale edits unless the view names others) are
    re-raised after the rollback, so they become their pages, or JSON in the API (`pages=(DomainError,)`).
    A stale edit is always a page.

    reads_only=True runs a long read (rendering a document) in a transaction of its own that begins as a read:
    on SQLite a form's request (POST) holds the write lock, which nobody should wait for meanwhile. And a page
    that has only read so far (GET) and records something here (a download, an export, a refusal) writes in a
    transaction of its own that begins as a write: on SQLite, turning its read into a write fails "database is
    locked" whenever another writer committed since the read began.

    once=True (the default): this work saves the request's form, so the form is saved once however often it is sent
    (app/submissions.py). Work the request does beside its form (recording a download or a refusal, dropping a
    draft) passes once=False.
    """
    running = _running.set(True)
    try:
        if reads_only:
            _end_transaction()
            with read_only():
                return _attempt(action, field, flash_error, pages, once)
        if not write_intent.get():
            _end_transaction()
            token = write_intent.set(True)
            try:
                return _attempt(action, field, flash_error, pages, once)
            finally:
                write_intent.reset(token)
        return _attempt(action, field, flash_error, pages, once)
    finally:
        _running.reset(running)


def _attempt(
    action: Callable[[], T], field: Any, flash_error: bool, pages: tuple[type[DomainError], ...], once: bool
) -> Outcome[T]:
    """Run the action and commit; lost to a concurrent write (a unique key or reference it broke), run it again in a
    fresh transaction, up to RACE_ATTEMPTS times in all (several people creating at once each take the next free
    number in turn), and a loss after that is the 409 page that says others saved at the same moment."""
    for attempt in range(1, RACE_ATTEMPTS + 1):
        try:
            return _attempt_once(action, field, flash_error, pages, once)
        except IntegrityError as error:
            _raise_unless_lost_race(error)
            if attempt == RACE_ATTEMPTS:
                raise StaleEdit(RACE_LOST) from error
            log.warning("a concurrent write broke %s; the work runs again (attempt %d)", error.orig, attempt + 1)
    raise AssertionError("unreachable")  # the loop returns or raises


RACE_ATTEMPTS = 4
RACE_LOST = ("Others saved at the same moment as you, several times in a row, so nothing of yours was saved. Send "
             "the form again: it will be checked against what is there now.")


def _raise_unless_lost_race(error: IntegrityError) -> None:
    """Roll back; an integrity error that no concurrent write explains is a defect, raised as it is (500)."""
    discard()
    if not lost_race(error):
        raise error


def _attempt_once(
    action: Callable[[], T], field: Any, flash_error: bool, pages: tuple[type[DomainError], ...], once: bool
) -> Outcome[T]:
    page_errors: tuple[type[DomainError], ...] = (StaleEdit, submissions.AlreadySent, *pages)
    submission = submissions.key_of_request() if once and write_intent.get() else None  # not a long read
    try:
        if submission is not None:
            submissions.refuse_if_saved(submission)
        value = action()
        if submission is not None:
            submissions.keep(submission)
    except page_errors as error:
        _keep_or_discard(error)
        raise
    except StaleDataError as error:
        discard()
        raise StaleEdit() from error
    except DomainError as error:
        _keep_or_discard(error)
        _show(error, field, flash_error)
        return Outcome(error=error)
    commit()
    if submission is not None:
        submissions.saved(submission)
    return Outcome(value=value)


def _keep_or_discard(error: DomainError) -> None:
    """Roll the work back, but for what a refusal keeps (keeps_changes): only its replay when it has one (a refused
    signature's failure count and audit event, not the waiver its service had begun), else all of it."""
    if not error.keeps_changes:
        discard()
        return
    if error.replay is not None:
        discard()
        error.replay()
    commit()


def _show(error: DomainError, field: Any, flash_error: bool) -> None:
    if field is not None:
        field.errors = [*field.errors, error.message]
    elif flash_error:
        flash(error.message, "error")


def form_status(form: Any, outcome: Outcome[Any] | None = None) -> int:
    """The status of a form page: 200 when shown, 422 (or 409) when what was sent was refused."""
    if outcome is not None and not outcome.ok:
        return outcome.status
    return 422 if form.is_submitted() and form.errors else 200
