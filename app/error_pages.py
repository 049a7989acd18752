"""The error pages/JSON that domain and HTTP errors turn into, after the request's work is rolled back.
Nothing leaks a traceback."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, flash, jsonify, redirect, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import BadRequest, HTTPException

from app import unit_of_work
from app.db import database_locked, database_unreachable
from app.errors import DomainError, StaleEdit
from app.inputs import UNREADABLE_FORM, unreadable_form
from app.restore import restore_target, same_site_page
from app.submissions import AlreadySent

# app.extensions[ON_DENIED]: callables run (after the rollback) for every refused request (403), with its reason;
# create_app plugs in the audit trail's recorder.
ON_DENIED = "provenance.on_denied"


def _denied(reason: str) -> None:
    hooks: list[Callable[[str], None]] = current_app.extensions.get(ON_DENIED, [])
    for hook in hooks:
        hook(reason)


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _render(status: int, title: str, message: str, **extra: Any) -> Any:
    if wants_json():
        return jsonify({"error": title, "message": message, **extra}), status
    return render_template("errors/error.html", status=status, title=title, message=message, **extra), status


TITLES = {
    400: "Bad request",
    401: "Sign in required",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "File too large",
    422: "Cannot process this input",
    429: "Too many requests",
    500: "Something went wrong",
    503: "Busy, try again",
}


def _retry_later(title: str, message: str, *, seconds: int) -> Any:
    """A 503 with Retry-After, written without the database (it is what is busy or away; the signed-in user is not
    loaded again): JSON for the API, a plain page otherwise."""
    if wants_json():
        return jsonify({"error": title, "message": message}), 503, {"Retry-After": str(seconds)}
    body = (f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head>"
            f"<body><main><h1>{title}</h1><p>{message}</p></main></body></html>")
    return body, 503, {"Retry-After": str(seconds), "Content-Type": "text/html; charset=utf-8"}


def _page_above(path: str) -> str | None:
    """The nearest address above `path` (one or two segments up) that answers GET, or None."""
    adapter = current_app.url_map.bind("localhost")
    parts = path.rstrip("/").split("/")
    for cut in (1, 2):
        if len(parts) - cut < 2:
            break
        above = "/".join(parts[:-cut])
        try:
            adapter.match(above, method="GET")
        except HTTPException:  # not found, not GET, or a redirect the map asks for (RequestRedirect)
            continue
        return above
    return None


def register_error_handlers(app: Flask) -> None:
    """Map domain errors and HTTP errors to generic pages (HTML) or JSON (API), after rolling back."""
    @app.errorhandler(DomainError)
    def _domain(error: DomainError) -> Any:
        unit_of_work.discard()
        if isinstance(error, AlreadySent) and not wants_json():
            if error.location:  # a second click on a saved form: the page the first one led to, with a word of why
                flash(error.message, "warning")
                return redirect(error.location, 303)
            return _render(409, TITLES[409], error.message, back=same_site_page(request.referrer))
        if error.status_code == 403:
            _denied(error.message)
        extra = {"changes": error.changes} if isinstance(error, StaleEdit) else {}
        return _render(error.status_code, TITLES.get(error.status_code, "Error"), error.message, **extra)

    @app.errorhandler(StaleDataError)
    def _stale(_error: StaleDataError) -> Any:
        unit_of_work.discard()
        return _render(409, TITLES[409], StaleEdit().message)

    @app.errorhandler(CSRFError)
    def _expired_form(error: CSRFError) -> Any:
        """A page's form sent after its token expired goes back to the page, filled again (not a 400 page)."""
        unit_of_work.discard()
        unreadable = unreadable_form()  # its token was lost with the rest of it: it did not expire
        back = None if wants_json() or request.headers.get("HX-Request") else restore_target(request.referrer)
        if request.method != "POST" or back is None:
            return _http(BadRequest(UNREADABLE_FORM) if unreadable else error)
        if unreadable:
            flash(f"{UNREADABLE_FORM} What you typed is back in the form.", "error")
        else:
            flash("Nothing was saved, because the form had expired. What you typed is back in the form: check it and "
                  "submit again.", "warning")
        return redirect(back, 303)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Any:
        unit_of_work.discard()
        status = error.code or 500
        if status == 403:
            _denied(error.description or "")
        if status == 405 and request.method in ("GET", "HEAD") and (page := _page_above(request.path)) is not None:
            # The address of a form's action, opened again (reloaded or shared after a refused signature): the
            # record it acts on is the page above it (/suppliers/purchases/2/approve -> /suppliers/purchases/2).
            flash("That address only takes a form; here is the page it belongs to.", "warning")
            return redirect(page, 303)
        messages = {
            400: "The request could not be understood. If you submitted a form, reload the page and try again.",
            403: "You do not have permission to do this.",
            404: "There is nothing at this address.",
            405: "This address does not accept that kind of request.",
            413: "The upload is larger than the allowed size.",
            429: "Too many requests. Wait a minute and try again.",
        }
        description = error.description if status in (400, 422) and error.description else ""
        if status == 400 and "CSRF" in (description or ""):
            description = "The form has expired or was not sent from this site. Reload the page and try again."
        return _render(status, TITLES.get(status, "Error"), description or messages.get(status, "Error."))

    @app.errorhandler(OperationalError)
    def _database_error(error: OperationalError) -> Any:
        """A database that is busy (SQLite's write lock held past its busy timeout) or cannot be reached (down,
        restarting, connection lost) answers 503 with Retry-After: nothing was saved, the same request can be sent
        again. Any other database error is unexpected (500)."""
        unit_of_work.discard()
        if database_locked(error):
            app.logger.warning("database busy: %s %s", request.method, request.path)
            return _retry_later(TITLES[503], "Many changes are being saved at this moment, so nothing was saved. "
                                             "Wait a few seconds and try again.", seconds=5)
        if database_unreachable(error):
            app.logger.error("database unreachable: %s %s: %s", request.method, request.path, error.orig)
            return _retry_later("Temporarily unavailable", "The database cannot be reached at this moment, so "
                                                            "nothing was saved. Try again in a minute.", seconds=30)
        return _unexpected(error)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Any:
        app.logger.exception("Unhandled error", exc_info=error)
        unit_of_work.discard()
        return _render(500, TITLES[500], "An unexpected error occurred. It has been logged; nothing was saved.")
