"""The supplier portal: one questionnaire through a token link, no account.

The token in the URL is the only key: every route resolves the evaluation from the hash of the token
and checks any file id against that evaluation. Rate-limited per client IP, counted in the database so every
worker shares the limit (app.portal.ratelimit): before any lookup, except an answer save on PostgreSQL, whose one
query reads the count with the link and which is refused before it writes anything.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from jinja2 import Environment
from werkzeug.exceptions import RequestEntityTooLarge

from app import unit_of_work
from app.audit.services import Actor
from app.db import write_intent
from app.errors import DomainError
from app.portal.ratelimit import WINDOW_COUNT, SaveHit, limiter
from app.questionnaires import evaluations
from app.questionnaires.answers import visible_questions
from app.questionnaires.definitions import AnsweredBy, AnswerType
from app.questionnaires.display import answer_text, option_choices, selected_values
from app.questionnaires.evaluations import AlsoRead, LinkLookup, LinkState, SupplierLink
from app.questionnaires.models import Evaluation, EvaluationToken
from app.storage import UploadTooLarge, send_stored

bp = Blueprint("portal", __name__, url_prefix="/portal")

T = TypeVar("T")

# A supplier sees every refusal as a message on the questionnaire, never an error page (the autosave shows it in
# place: htmx does not swap an error response); only a stale edit is a page.
MESSAGES_ONLY: tuple[type[DomainError], ...] = ()

CLOSED_PAGES: dict[LinkState, tuple[int, str, str]] = {
    LinkState.UNKNOWN: (404, "This link is not valid", "Check that you copied the whole link from the e-mail."),
    LinkState.EXPIRED: (410, "This link has expired", "Ask your contact for a new link; your saved answers are kept."),
    LinkState.REVOKED: (410, "This link no longer works", "It was withdrawn or replaced by a newer link. Use the latest e-mail, or ask your contact."),
    LinkState.SUBMITTED: (410, "This questionnaire was already submitted", "The answers are locked. Thank you."),
}


@bp.before_request
def _rate_limit() -> None:
    # A write counts its hit in the request's transaction (one SQLite write lock per save, see
    # app.portal.ratelimit); a refused request commits its hit before the 429. An answer save on PostgreSQL
    # counts it with the save (`_open_link`).
    key, limit = request.remote_addr or "?", int(current_app.config["PORTAL_RATE_LIMIT_PER_MINUTE"])
    if request.endpoint == "portal.save_answer":
        g.portal_save_hit = limiter.save_hit(key, limit)
        if g.portal_save_hit is not None:
            return
    if not limiter.allow(key, limit, in_session=write_intent.get()):
        unit_of_work.commit()
        abort(429)


def _closed(lookup: LinkLookup) -> Any:
    status, title, message = CLOSED_PAGES[lookup.state]
    evaluation = lookup.evaluation if lookup.state is LinkState.SUBMITTED else None
    return render_template("portal/closed.html", title=title, message=message, evaluation=evaluation), status


class _Closed(Exception):
    def __init__(self, lookup: LinkLookup) -> None:
        self.lookup = lookup


@bp.errorhandler(_Closed)
def _on_closed(error: _Closed) -> Any:
    return _closed(error.lookup)


def _act_as_supplier(contact_email: str, link_id: int) -> None:
    g.audit_actor = Actor(None, f"supplier contact {contact_email} (link #{link_id})")


def _open(token: str) -> tuple[Evaluation, EvaluationToken]:
    """The evaluation behind an open link; any other link state ends the request with its page."""
    lookup = evaluations.resolve_token(token)
    if lookup.state is not LinkState.OPEN or lookup.token is None:
        raise _Closed(lookup)
    evaluation = lookup.token.evaluation
    _act_as_supplier(evaluation.contact_email, lookup.token.id)
    return evaluation, lookup.token


def _open_link(token: str, code: str | None = None) -> SupplierLink:
    """The open link as plain values (one query, no ORM objects; with a question code its answer row read and locked
    in the same query, and the rate limit's count of a save on PostgreSQL); any other link state ends the request
    with its page, and a save over the rate limit with 429."""
    hit: SaveHit | None = g.pop("portal_save_hit", None)
    link = evaluations.open_link(token, code, AlsoRead(WINDOW_COUNT, hit.params()) if hit else None)
    if hit is not None and not limiter.settle(hit, link.also if link else None):
        unit_of_work.discard()
        abort(429)
    if link is None:  # the same rule says why (no link ever reopens), and the request ends with that state's page
        raise _Closed(evaluations.resolve_token(token))
    _act_as_supplier(link.contact_email, link.token_id)
    return link


def _answer_status(error: str | None, *, saved: bool) -> str:
    """The save's status fragment (htmx swaps it in beside the question). It reads nothing but its two values, so it
    is rendered without the app's context processors, which were more than half of an autosave's rendering; the
    fragment of a save that went through is always the same, rendered once per template environment."""
    if error is None:
        return _no_error_status(current_app.jinja_env, saved)
    return current_app.jinja_env.get_template(ANSWER_STATUS).render(error=error, saved=saved)


ANSWER_STATUS = "portal/_answer_status.html"


@functools.lru_cache(maxsize=8)
def _no_error_status(environment: Environment, saved: bool) -> str:
    return environment.get_template(ANSWER_STATUS).render(error=None, saved=saved)


def _context(evaluation: Evaluation, token: str) -> dict[str, Any]:
    defn = evaluation.template.parsed()
    typed = evaluations.checked_answers(evaluation, defn)
    visible = {q.code for q in visible_questions(defn, typed)}
    sections = [
        (section, [q for q in section.questions if q.answered_by is AnsweredBy.SUPPLIER])
        for section in defn.sections
    ]
    return {
        "evaluation": evaluation,
        "token": token,
        "sections": [(s, qs) for s, qs in sections if qs],
        "visible": visible,
        "answers": evaluation.answers,
        "invalid": evaluation.invalid_answers,
        "evidence": evaluations.evidence_by_question(evaluation),
        "option_choices": option_choices,
        "selected_values": selected_values,
        "answer_text": answer_text,
        "AnswerType": AnswerType,
    }


@bp.route("/<token>")
def index(token: str) -> Any:
    write_intent.set(True)  # opening the link is recorded (token_used): begin as a write on SQLite
    evaluation, link = _open(token)
    unit_of_work.run(lambda: evaluations.note_link_opened(link))
    return render_template("portal/index.html", **_context(evaluation, token))


@bp.route("/<token>/answers/<code>", methods=["POST"])
def save_answer(token: str, code: str) -> Any:
    link = _open_link(token, code)
    values = request.form.getlist("answer")
    raw: str | list[str] | None = values if len(values) != 1 else values[0]
    autosave = bool(request.headers.get("HX-Request"))
    outcome = unit_of_work.run(lambda: evaluations.save_answer_through_link(link, code, raw or None),
                               pages=MESSAGES_ONLY, flash_error=not autosave)
    checked = outcome.value
    if autosave:
        return _answer_status(checked.error if checked else outcome.message, saved=bool(checked and checked.ok))
    if checked is None:
        return redirect(url_for("portal.index", token=token))
    if checked.ok:
        flash("Answer saved.", "success")
    else:
        flash(f"{code}: {checked.error}", "error")
    return redirect(url_for("portal.index", token=token, _anchor=f"q-{code}"))


def _change(action: Callable[[], T], done: str | Callable[[T], str] = "", *, about: str = "") -> bool:
    """Run the supplier's one change and flash what was done; a refusal is flashed, prefixed with the question it is about."""
    outcome = unit_of_work.run(action, pages=MESSAGES_ONLY, flash_error=False)
    if not outcome.ok:
        flash(f"{about}: {outcome.message}" if about else outcome.message, "error")
    elif done:
        flash(done if isinstance(done, str) else done(cast(T, outcome.value)), "success")
    return outcome.ok


def _refused_upload(evaluation: Evaluation, token: str, message: str, status: int) -> Any:
    """A refused upload answers 413 (too large) or 422 (type, content, limit) with the message on the page
    (or, for htmx, as the status fragment); the supplier's saved answers are shown as they are."""
    if request.headers.get("HX-Request"):
        return _answer_status(message, saved=False), status
    flash(message, "error")
    return render_template("portal/index.html", **_context(evaluation, token)), status


TOO_LARGE = "The upload is larger than the allowed size."


@bp.errorhandler(RequestEntityTooLarge)
def _on_too_large(_error: RequestEntityTooLarge) -> Any:
    # The whole request exceeded MAX_CONTENT_LENGTH (raised while the form is parsed, CSRF check included).
    unit_of_work.discard()
    token = (request.view_args or {}).get("token", "")
    evaluation, _link = _open(str(token))
    return _refused_upload(evaluation, str(token), TOO_LARGE, 413)


@bp.route("/<token>/evidence/<code>", methods=["POST"])
def upload_evidence(token: str, code: str) -> Any:
    evaluation, _link = _open(token)
    upload = request.files.get("file")
    outcome = unit_of_work.run(lambda: evaluations.add_evidence(
        evaluation, code, upload, uploaded_by=evaluation.contact_email or "supplier",
    ), pages=MESSAGES_ONLY, flash_error=False)
    if not outcome.ok:
        status = 413 if isinstance(outcome.error, UploadTooLarge) else outcome.status
        return _refused_upload(evaluation, token, f"{code}: {outcome.message}", status)
    item = outcome.value
    assert item is not None
    if request.headers.get("HX-Request"):
        return _answer_status(None, saved=True)
    flash(f"{item.stored_file.original_name} uploaded.", "success")
    return redirect(url_for("portal.index", token=token, _anchor=f"q-{code}"))


@bp.route("/<token>/evidence/<int:evidence_id>/remove", methods=["POST"])
def remove_evidence(token: str, evidence_id: int) -> Any:
    evaluation, _link = _open(token)
    _change(lambda: evaluations.remove_evidence(evaluation, evidence_id), "File removed.")
    return redirect(url_for("portal.index", token=token))


@bp.route("/<token>/evidence/<int:evidence_id>")
def download_evidence(token: str, evidence_id: int) -> Any:
    evaluation, _link = _open(token)
    return send_stored(evaluations.stored_file_of(evaluation, evidence_id))


@bp.route("/<token>/review")
def review(token: str) -> Any:
    evaluation, _link = _open(token)
    problems = evaluations.supplier_problems(evaluation)
    return render_template("portal/review.html", problems=problems, **_context(evaluation, token))


@bp.route("/<token>/submit", methods=["POST"])
def submit(token: str) -> Any:
    evaluation, link = _open(token)
    if _change(lambda: evaluations.submit_answers(evaluation, link)):
        return redirect(url_for("portal.receipt", token=token))
    return redirect(url_for("portal.review", token=token))


@bp.route("/<token>/receipt")
def receipt(token: str) -> Any:
    lookup = evaluations.resolve_token(token)
    if lookup.state is not LinkState.SUBMITTED or lookup.evaluation is None:
        if lookup.state is LinkState.OPEN:
            return redirect(url_for("portal.index", token=token))
        return _closed(lookup)
    return render_template("portal/receipt.html", **_context(lookup.evaluation, token))
