"""Evaluations: start, send a token link, supplier answers and evidence, evaluator answers, scoring,
overrides and the signed decision. Services flush; the view or the CLI commits."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from flask import Flask, current_app
from sqlalchemy import ScalarSelect, Select, bindparam, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from app.access import Permission
from app.audit import services as audit
from app.audit.models import AuditAction
from app.audit.queries import provide_code_lookup, provide_record_suggestions
from app.db import defer_write, today, utcnow
from app.errors import Conflict, NotFound, PermissionDenied, StaleEdit, ValidationFailed
from app.extensions import db
from app.notifications.services import public_base_url, queue_email
from app.questionnaires import policies, workflow
from app.questionnaires.answers import (
    Answer,
    CheckedAnswer,
    check_answer,
    missing_required,
    raw_answer,
    visible_questions,
)
from app.questionnaires.definitions import AnsweredBy, AnswerType, QuestionDefinition, TemplateDefinition
from app.questionnaires.models import (
    Evaluation,
    EvaluationAnswer,
    EvaluationStatus,
    EvaluationToken,
    EvaluationType,
    EvidenceFile,
    QuestionnaireTemplate,
    ScoreOverride,
    TemplateStatus,
    parsed_published,
)
from app.questionnaires.scoring import Decision, result_to_dict, score
from app.signatures.models import Meaning, Signature
from app.signatures.services import SignTarget, content_hash, sign
from app.storage import EVIDENCE_EXTENSIONS, StoredFile, release_stored_file, store_upload
from app.suppliers import services as supplier_services
from app.suppliers.models import Supplier

PORTAL_PATH = "/portal/"
S = EvaluationStatus


# ---------------------------------------------------------------------------------------------
# Queries for the supplier register and the dashboard


def last_decided_evaluation_by_supplier(supplier_ids: Iterable[int]) -> dict[int, tuple[float | None, datetime]]:
    """Score percentage and decision time of each supplier's latest decided evaluation (one query)."""
    ids = list(dict.fromkeys(supplier_ids))
    if not ids:
        return {}
    ranked = (
        select(
            Evaluation.supplier_id,
            Evaluation.percentage,
            Evaluation.decided_at,
            func.row_number()
            .over(partition_by=Evaluation.supplier_id, order_by=(Evaluation.decided_at.desc(), Evaluation.id.desc()))
            .label("rank"),
        )
        .where(Evaluation.supplier_id.in_(ids), Evaluation.status == S.DECIDED, Evaluation.decided_at.is_not(None))
        .subquery()
    )
    rows = db.session.execute(
        select(ranked.c.supplier_id, ranked.c.percentage, ranked.c.decided_at).where(ranked.c.rank == 1)
    )
    return {row.supplier_id: (row.percentage, row.decided_at) for row in rows}


WAITING: dict[str, tuple[str, ...]] = {
    "supplier": (S.SENT, S.IN_PROGRESS),
    "review": (S.SUBMITTED,),
    "decision": (S.SCORED,),
}


def evaluations_waiting(*, limit: int | None = None) -> dict[str, list[Evaluation]]:
    """Open evaluations by who must act next: the supplier, a reviewer (scoring) or QA (decision); due soonest
    first (no due date last), all of them or the first `limit` of each."""
    query = (
        select(Evaluation)
        .options(selectinload(Evaluation.supplier), selectinload(Evaluation.template))
        .order_by(Evaluation.due_date.is_(None), Evaluation.due_date, Evaluation.id)
    )
    if limit is not None:
        return _first_waiting(limit)
    waiting: dict[str, list[Evaluation]] = {key: [] for key in WAITING}
    for evaluation in db.session.scalars(query.where(Evaluation.status.in_([s for states in WAITING.values() for s in states]))):
        for key, states in WAITING.items():
            if evaluation.status in states:
                waiting[key].append(evaluation)
    return waiting


def _first_waiting(limit: int) -> dict[str, list[Evaluation]]:
    """The first `limit` evaluations of each stage, read in the order of the (status, due date, id) index: per
    status the first few with a due date and the first few without, merged; then the chosen ones in one query."""
    chosen: dict[str, list[tuple[bool, date | None, int]]] = {}
    for key, states in WAITING.items():
        candidates: list[tuple[bool, date | None, int]] = []
        for state in states:
            dated = (select(Evaluation.due_date, Evaluation.id)
                     .where(Evaluation.status == state, Evaluation.due_date.is_not(None))
                     .order_by(Evaluation.due_date, Evaluation.id).limit(limit))
            undated = (select(Evaluation.id).where(Evaluation.status == state, Evaluation.due_date.is_(None))
                       .order_by(Evaluation.id).limit(limit))
            candidates += [(False, due, evaluation_id) for due, evaluation_id in db.session.execute(dated)]
            candidates += [(True, None, evaluation_id) for evaluation_id in db.session.scalars(undated)]
        chosen[key] = sorted(candidates, key=lambda item: (item[0], item[1] or date.min, item[2]))[:limit]
    ids = [evaluation_id for items in chosen.values() for _undated, _due, evaluation_id in items]
    loaded = {evaluation.id: evaluation for evaluation in db.session.scalars(
        select(Evaluation).where(Evaluation.id.in_(ids))
        .options(selectinload(Evaluation.supplier), selectinload(Evaluation.template)))} if ids else {}
    return {key: [loaded[evaluation_id] for _undated, _due, evaluation_id in items] for key, items in chosen.items()}


def evaluations_waiting_counts() -> dict[str, int]:
    """How many open evaluations wait for each stage (one grouped count on the status index)."""
    by_status = dict(db.session.execute(
        select(Evaluation.status, func.count(Evaluation.id))
        .where(Evaluation.status.in_([s for states in WAITING.values() for s in states]))
        .group_by(Evaluation.status)
    ).tuples().all())
    return {key: sum(by_status.get(state, 0) for state in states) for key, states in WAITING.items()}


def last_decision_record(supplier_id: int) -> supplier_services.DecisionRecord | None:
    """The supplier's latest decided evaluation as the record its decision signature is on (None: none decided)."""
    evaluation = db.session.scalar(
        select(Evaluation).where(Evaluation.supplier_id == supplier_id, Evaluation.status == S.DECIDED)
        .order_by(Evaluation.decided_at.desc(), Evaluation.id.desc()).limit(1)
    )
    if evaluation is None:
        return None
    return supplier_services.DecisionRecord(evaluation.reference, evaluation.id, sign_target(evaluation))


def init_app(app: Flask) -> None:
    """Give the supplier register (a lower domain) each supplier's last decided evaluation: for its approved list,
    and for the decision signature its page shows."""
    supplier_services.provide_last_evaluations(app, last_decided_evaluation_by_supplier)
    supplier_services.provide_decision_record(app, last_decision_record)
    provide_code_lookup(app, evaluation_for_reference)
    provide_record_suggestions(app, evaluations_starting)


def evaluation_for_reference(reference: str) -> tuple[str, str] | None:
    """The audit log's look-up of an evaluation reference (EV-2026-..., any case): ("evaluation", id), or None."""
    found = db.session.scalar(
        select(Evaluation.id).where(Evaluation.reference.in_({reference, reference.upper()})).limit(1))
    return None if found is None else ("evaluation", str(found))


def evaluations_starting(text: str, limit: int) -> list[tuple[str, str]]:
    """The record picker's evaluations: reference starting with the text (any case), newest first."""
    rows = db.session.execute(
        select(Evaluation.reference, Supplier.name).join(Supplier, Supplier.id == Evaluation.supplier_id)
        .where(Evaluation.reference.startswith(text.upper(), autoescape=True))
        .order_by(Evaluation.reference.desc()).limit(limit))
    return [(reference, f"{reference} · evaluation of {name}") for reference, name in rows]


# ---------------------------------------------------------------------------------------------
# Answers


def _question(defn: TemplateDefinition, code: str) -> QuestionDefinition:
    try:
        return defn.question(code)
    except KeyError:
        raise NotFound("This questionnaire has no such question.") from None


def checked_answers(evaluation: Evaluation, defn: TemplateDefinition | None = None) -> dict[str, Answer]:
    """Supplier and evaluator answers, typed for the pure core (stored raw answers re-checked)."""
    defn = defn or evaluation.template.parsed()
    typed: dict[str, Answer] = {}
    supplier, evaluator = evaluation.answers, evaluation.evaluator_answers
    for question in defn.questions():
        source = supplier if question.answered_by is AnsweredBy.SUPPLIER else evaluator
        if question.code in source:
            typed[question.code] = check_answer(question, source[question.code], allow_blank=True).value
    return typed


def evidence_by_question(evaluation: Evaluation) -> dict[str, list[EvidenceFile]]:
    """The evaluation's evidence files grouped by question code, oldest first."""
    grouped: dict[str, list[EvidenceFile]] = {}
    for item in evaluation.evidence:
        grouped.setdefault(item.question_code, []).append(item)
    return grouped


def supplier_problems(evaluation: Evaluation) -> dict[str, str]:
    """What keeps the supplier from submitting, by question code (invalid, missing, evidence missing)."""
    defn = evaluation.template.parsed()
    typed = checked_answers(evaluation, defn)
    problems: dict[str, str] = {}
    evidence = evidence_by_question(evaluation)
    invalid = evaluation.invalid_answers
    for question in visible_questions(defn, typed, AnsweredBy.SUPPLIER):
        if question.code in invalid:
            problems[question.code] = invalid[question.code]["error"]
        elif question.evidence_required and not evidence.get(question.code):
            problems[question.code] = "Attach the evidence this question asks for"
    for question in missing_required(defn, typed, AnsweredBy.SUPPLIER):
        problems.setdefault(question.code, check_answer(question, None).error or "This question needs an answer")
    order = [q.code for q in defn.questions()]
    return {code: problems[code] for code in order if code in problems}


def _supplier_question(defn: TemplateDefinition, code: str) -> QuestionDefinition:
    question = _question(defn, code)
    if question.answered_by is not AnsweredBy.SUPPLIER:
        raise NotFound("This questionnaire has no such question.")
    return question


def _require_supplier_may_edit(status: str) -> None:
    if not policies.supplier_may_edit(status):
        raise Conflict("This questionnaire was already submitted; the answers are locked.")


TRUNCATED_MARKER = " […cut: {total:,} characters in all]"


def kept_raw(raw: str | list[str] | None, max_chars: int) -> str | list[str] | None:
    """What is kept of a refused answer to show it again: at most max_chars characters in all, cut with a marker."""
    if raw is None:
        return None
    if isinstance(raw, str):
        return _cut(raw, max_chars)
    kept: list[str] = []
    budget = max_chars
    for item in raw:
        if budget <= 0:
            break
        kept.append(_cut(item, budget))
        budget -= len(item)
    return kept


def _cut(text: str, max_chars: int) -> str:
    if len(text) <= max_chars:
        return text
    return text[:max_chars] + TRUNCATED_MARKER.format(total=len(text))


# The answer row as an ORM object, for the evidence paths (upload, removal); built once, only the parameters change.
_ANSWER_ROW = (
    select(EvaluationAnswer)
    .where(EvaluationAnswer.evaluation_id == bindparam("evaluation_id"),
           EvaluationAnswer.question_code == bindparam("question_code"))
    .with_for_update()
    .execution_options(populate_existing=True)
)


def _insert_empty_answer(evaluation_id: int, code: str, answered_by: AnsweredBy) -> None:
    """Make the question's answer row, empty; two first saves of one question: one INSERT makes it, the other's does
    nothing (and waits for it)."""
    dialect = db.session.get_bind().dialect.name
    statement = (pg_insert if dialect == "postgresql" else sqlite_insert)(EvaluationAnswer.__table__)
    db.session.execute(statement.on_conflict_do_nothing(), {
        "evaluation_id": evaluation_id, "question_code": code, "answered_by": answered_by.value,
        "value": None, "refused": None, "locked": False, "saved_at": utcnow(),
    })


def _answer_row(evaluation: Evaluation, code: str, answered_by: AnsweredBy) -> EvaluationAnswer:
    """The question's answer row, locked until the transaction ends (made, empty, when the question has none yet).

    A save locks only its own question's row: saves of other questions go on at the same time, and a save of the
    same question waits for the one before it, then reads what it saved (the old value of its audit event).
    """
    keys = {"evaluation_id": evaluation.id, "question_code": code}
    row = db.session.scalar(_ANSWER_ROW, keys)
    if row is None:
        _insert_empty_answer(evaluation.id, code, answered_by)
        row = db.session.scalar(_ANSWER_ROW, keys)
        assert row is not None
    return row


@dataclass
class AnswerTarget:
    """The evaluation a supplier answer is saved on, as plain values (from the ORM object, or read with the link in
    one query); its status, version and updated_at follow the save's own status change."""

    evaluation_id: int
    reference: str
    status: str
    version: int
    updated_at: datetime | None

    @classmethod
    def of(cls, evaluation: Evaluation) -> AnswerTarget:
        return cls(evaluation.id, evaluation.reference, evaluation.status, evaluation.version, evaluation.updated_at)

    def audit_record(self) -> audit.Record:
        """The evaluation as its audit events name it (the version after this save's status change)."""
        return audit.Record(Evaluation.audit_type(), str(self.evaluation_id), self.version, self.reference)


# Core statements of the supplier's save, built once (only the parameters change per save).
_EVALUATIONS = Evaluation.__table__
_START_ANSWERING = (
    update(_EVALUATIONS).where(_EVALUATIONS.c.id == bindparam("b_id"), _EVALUATIONS.c.status == S.SENT.value)
    .values(status=S.IN_PROGRESS.value, version=_EVALUATIONS.c.version + 1, updated_at=bindparam("b_now"))
    .returning(_EVALUATIONS.c.version)
)
_EVALUATION_STATE = select(_EVALUATIONS.c.status, _EVALUATIONS.c.version, _EVALUATIONS.c.updated_at).where(
    _EVALUATIONS.c.id == bindparam("b_id"))
_ANSWERS = EvaluationAnswer.__table__
_ANSWER_KEY = (_ANSWERS.c.evaluation_id == bindparam("b_evaluation_id")) & (_ANSWERS.c.question_code == bindparam("b_code"))
_LOCK_ANSWER = select(_ANSWERS.c.value, _ANSWERS.c.refused, _ANSWERS.c.locked).where(_ANSWER_KEY).with_for_update()
_WRITE_ANSWER = _ANSWERS.update().where(_ANSWER_KEY).values(
    value=bindparam("b_value", type_=_ANSWERS.c.value.type), refused=bindparam("b_refused", type_=_ANSWERS.c.refused.type),
    saved_at=bindparam("b_saved_at"),
)


def _start_answering_target(target: AnswerTarget) -> dict[str, Any]:
    """A sent evaluation becomes in progress with the supplier's first change: a conditional UPDATE, so that first
    saves at the same moment neither conflict nor wait on each other's optimistic lock. Returns the status change
    for the audit event ({} when there was none), and refuses a questionnaire no longer open for answers."""
    if target.status != S.SENT:
        return {}
    workflow.require_transition(target.status, S.IN_PROGRESS)
    connection = db.session.connection()
    now = utcnow()
    version = connection.execute(_START_ANSWERING, {"b_id": target.evaluation_id, "b_now": now}).scalar()
    if version is not None:
        target.status, target.version, target.updated_at = S.IN_PROGRESS.value, version, now
        return {"status": {"old": S.SENT.value, "new": S.IN_PROGRESS.value}}
    state = connection.execute(_EVALUATION_STATE, {"b_id": target.evaluation_id}).one()  # someone else moved it first
    target.status, target.version, target.updated_at = state.status, state.version, state.updated_at
    _require_supplier_may_edit(target.status)
    return {}


def _follow(evaluation: Evaluation, target: AnswerTarget) -> None:
    """The ORM evaluation takes the status change a Core save made (no reload)."""
    if (evaluation.status, evaluation.version) != (target.status, target.version):
        set_committed_value(evaluation, "status", target.status)
        set_committed_value(evaluation, "version", target.version)
        set_committed_value(evaluation, "updated_at", target.updated_at)


def _start_answering(evaluation: Evaluation) -> dict[str, Any]:
    """_start_answering_target for an ORM evaluation (the evidence upload's first change)."""
    target = AnswerTarget.of(evaluation)
    changes = _start_answering_target(target)
    _follow(evaluation, target)
    return changes


def _require_row_open(row: EvaluationAnswer) -> None:
    if row.locked:
        raise Conflict("This questionnaire was already submitted; the answers are locked.")


@dataclass(frozen=True)
class AnswerRow:
    """A question's answer row as a save reads it, locked: its value, its kept refused input and whether submitted."""

    value: Any
    refused: Any
    locked: bool


def _save_answer(
    target: AnswerTarget, defn: TemplateDefinition, code: str, raw: str | list[str] | None, row: AnswerRow | None = None,
    *, defer: bool = False,
) -> CheckedAnswer:
    """One supplier answer saved in Core statements: its row locked and read (unless the caller already did, in this
    transaction), written only when it changes, and the change of value audited on the evaluation (a refused input
    is kept with its message; the last valid value stays).

    defer: nothing in the caller's transaction reads the answer again, so its write goes with the audit event
    (app.db.defer_write: on PostgreSQL one round trip fewer, while the answer row is locked anyway)."""
    _require_supplier_may_edit(target.status)
    question = _supplier_question(defn, code)
    if question.answer_type is AnswerType.FILE:
        raise ValidationFailed("Upload files with the upload button of this question.")
    checked = check_answer(question, raw, allow_blank=True)
    changes = _start_answering_target(target)
    session = db.session()
    keys = {"b_evaluation_id": target.evaluation_id, "b_code": code}
    if row is None:
        connection = session.connection()
        found = connection.execute(_LOCK_ANSWER, keys).first()
        if found is None:
            _insert_empty_answer(target.evaluation_id, code, AnsweredBy.SUPPLIER)
            found = connection.execute(_LOCK_ANSWER, keys).one()
        row = AnswerRow(found.value, found.refused, found.locked)
    if row.locked:
        raise Conflict("This questionnaire was already submitted; the answers are locked.")
    if checked.ok:
        value, refused = raw_answer(checked.value), None
    else:
        value = row.value
        refused = {"raw": kept_raw(raw, int(current_app.config["REFUSED_ANSWER_MAX_CHARS"])), "error": checked.error}
    if (value, refused) != (row.value, row.refused):
        write = {**keys, "b_value": value, "b_refused": refused, "b_saved_at": utcnow()}
        if defer:
            defer_write(session, _WRITE_ANSWER, write)
        else:
            session.connection().execute(_WRITE_ANSWER, write)
    if value != row.value:
        changes[f"answers.{code}"] = {"old": row.value, "new": value}
    audit.record_changes(target.audit_record(), changes)
    return checked


def save_supplier_answer(evaluation: Evaluation, code: str, raw: str | list[str] | None) -> CheckedAnswer:
    """Save one supplier answer as a draft; an invalid one is kept with its message, the last valid one stays.

    Only the question's own row is written (and locked): saves of different questions never conflict; two saves of
    one question resolve in turn, the last one wins, and the audit trail has both (each with its old and new value).
    """
    db.session.flush()  # the Core statements below see what the caller changed
    target = AnswerTarget.of(evaluation)
    checked = _save_answer(target, evaluation.template.parsed(), code, raw)
    _follow(evaluation, target)
    db.session.expire(evaluation, ["answer_rows"])
    loaded = db.session.identity_map.get(identity_key(EvaluationAnswer, (evaluation.id, code)))
    if loaded is not None:
        db.session.expire(loaded)  # written at Core level: read again when asked for
    return checked


@dataclass(frozen=True)
class SupplierLink:
    """An open link and what a save through it needs (its evaluation and template), read in one query."""

    token_id: int
    contact_email: str
    template_id: int
    template_status: str
    template_hash: str
    target: AnswerTarget
    code: str | None = None  # the question whose answer row was read, and locked, with the link
    answer: AnswerRow | None = None
    also: Any = None  # the caller's value read with the answer row (open_link's `also`); None when not read


@dataclass(frozen=True)
class AlsoRead:
    """One more value for open_link to read in its query with the answer row (a scalar subquery built once by
    the caller, and its parameters)."""

    value: ScalarSelect[Any]
    params: Mapping[str, Any]


def open_link(raw: str, code: str | None = None, also: AlsoRead | None = None) -> SupplierLink | None:
    """The link behind a token when it still opens the questionnaire (resolve_token's rule), in one Core query
    without ORM objects; None when it does not (resolve_token then says why).

    With a question code, that query also reads and locks the question's answer row (when it has one yet): the
    save through the link then sends no query of its own for it. `also` is read in the same query (the portal's
    rate count): the link's `also` is None when that query found no answer row."""
    if not raw or len(raw) > 100:
        return None
    connection = db.session.connection()
    keys = {"b_token_hash": token_hash(raw)}
    row = None
    if code is not None:
        statement = _OPEN_LINK_WITH_ANSWER if also is None else _open_link_with(also.value)
        row = connection.execute(statement, {**keys, "b_code": code, **(also.params if also else {})}).first()
    answer = None if row is None else AnswerRow(row.answer_value, row.answer_refused, row.answer_locked)
    read_also = None if row is None or also is None else row.also
    if row is None:
        row = connection.execute(_OPEN_LINK, keys).first()
    if row is None or link_state(row.used_at, row.status, row.revoked_at, row.expires_at) is not LinkState.OPEN:
        return None
    return SupplierLink(
        row.token_id, row.contact_email, row.template_id, row.template_status, row.template_hash,
        AnswerTarget(row.evaluation_id, row.reference, row.status, row.version, row.updated_at),
        code if answer is not None else None, answer, read_also,
    )


_WITH_ALSO: dict[int, Select[Any]] = {}


def _open_link_with(value: ScalarSelect[Any]) -> Select[Any]:
    """open_link's query with the answer row and one more value, built once per value (then compiled once)."""
    statement = _WITH_ALSO.get(id(value))
    if statement is None:
        statement = _WITH_ALSO[id(value)] = _OPEN_LINK_WITH_ANSWER.add_columns(value.label("also"))
    return statement


def save_answer_through_link(link: SupplierLink, code: str, raw: str | list[str] | None) -> CheckedAnswer:
    """The portal's save (autosave or form): save_supplier_answer's rules and audit event, without loading the
    evaluation, its answers or its template as ORM objects (a published template's parse is kept per process)."""
    defn = parsed_published(link.template_id, link.template_status, link.template_hash)
    if defn is None:
        template = db.session.get(QuestionnaireTemplate, link.template_id)
        assert template is not None
        defn = template.parsed()
    return _save_answer(link.target, defn, code, raw, link.answer if link.code == code else None, defer=True)


class EvidenceLimitReached(ValidationFailed):
    """The evaluation already holds the most files, or bytes, it may (per-evaluation limits in the config)."""


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def evidence_usage(evaluation: Evaluation) -> tuple[int, int]:
    """How many evidence files the evaluation holds and their total size in bytes (one query)."""
    row = db.session.execute(
        select(func.count(EvidenceFile.id), func.coalesce(func.sum(StoredFile.size), 0))
        .join(StoredFile, StoredFile.id == EvidenceFile.stored_file_id)
        .where(EvidenceFile.evaluation_id == evaluation.id)
    ).one()
    return int(row[0]), int(row[1])


def add_evidence(evaluation: Evaluation, code: str, upload: Any, *, uploaded_by: str, user: Any = None) -> EvidenceFile:
    """Attach an uploaded file to one question (pdf, png, jpg, docx, xlsx; size-limited; sha256 kept)."""
    row = None
    if user is None:
        _require_supplier_may_edit(evaluation.status)
        question = _supplier_question(evaluation.template.parsed(), code)
    else:
        if not policies.can_review(user, evaluation):
            raise PermissionDenied("You may not add evidence to this evaluation.")
        question = _question(evaluation.template.parsed(), code)
    if not (question.evidence_required or question.answer_type is AnswerType.FILE):
        raise ValidationFailed("This question does not take files.")
    if user is None:  # the question's row first: a file cannot slip in after the supplier submitted
        changes = _start_answering(evaluation)
        row = _answer_row(evaluation, code, AnsweredBy.SUPPLIER)
        _require_row_open(row)
        audit.record_changes(evaluation, changes)
    config = current_app.config
    max_files, max_total = int(config["EVIDENCE_MAX_FILES_PER_EVALUATION"]), int(config["EVIDENCE_MAX_BYTES_PER_EVALUATION"])
    count, used = evidence_usage(evaluation)
    if count >= max_files:
        raise EvidenceLimitReached(
            f"This questionnaire already holds {count} files, the most it can take. Remove a file you no longer need first."
        )
    stored = store_upload(upload, EVIDENCE_EXTENSIONS, min(int(config["UPLOAD_MAX_BYTES"]), max_total), created_by=user)
    if used + stored.size > max_total:
        raise EvidenceLimitReached(
            f"The files of this questionnaire may total at most {_megabytes(max_total)}; {_megabytes(used)} are used, "
            f"and this file has {_megabytes(stored.size)}. Remove a file you no longer need, or send a smaller one."
        )
    item = EvidenceFile(evaluation=evaluation, question_code=code, stored_file=stored, uploaded_by=uploaded_by[:300])
    db.session.add(item)
    db.session.flush()
    _sync_file_answer(evaluation, question, row)
    return item


def _sync_file_answer(evaluation: Evaluation, question: QuestionDefinition, row: EvaluationAnswer | None = None) -> None:
    # A file question's answer is the list of its evidence ids, so "required" works like any other answer.
    if question.answer_type is not AnswerType.FILE:
        return
    ids = [str(e.id) for e in evaluation.evidence if e.question_code == question.code]
    row = row or _answer_row(evaluation, question.code, question.answered_by)
    old = row.value
    row.value = ids or None
    if db.session.is_modified(row):
        row.saved_at = utcnow()
        db.session.flush()
    db.session.expire(evaluation, ["answer_rows"])
    side = "answers" if question.answered_by is AnsweredBy.SUPPLIER else "evaluator_answers"
    if old != row.value:
        audit.record_changes(evaluation, {f"{side}.{question.code}": {"old": old, "new": row.value}})


def evidence_of(evaluation: Evaluation, evidence_id: int) -> EvidenceFile:
    """An evidence file of this evaluation; any other id is not found (never another evaluation's file)."""
    item = db.session.scalar(
        select(EvidenceFile).where(EvidenceFile.id == evidence_id, EvidenceFile.evaluation_id == evaluation.id)
    )
    if item is None:
        raise NotFound("There is no such file in this questionnaire.")
    return item


def remove_evidence(evaluation: Evaluation, evidence_id: int) -> None:
    """The supplier takes back a file before submitting: its stored bytes are released unless another record
    uses them; the audit trail keeps the file's name, sha256 and size."""
    _require_supplier_may_edit(evaluation.status)
    item = evidence_of(evaluation, evidence_id)
    question = _question(evaluation.template.parsed(), item.question_code)
    row = _answer_row(evaluation, item.question_code, question.answered_by)
    _require_row_open(row)
    stored = item.stored_file
    evaluation.evidence.remove(item)
    db.session.flush()
    _sync_file_answer(evaluation, question, row)
    audit.record(
        "evaluation.evidence_removed", evaluation, question=item.question_code, file=stored.original_name,
        sha256=stored.sha256, size=stored.size,
    )
    release_stored_file(stored)


def submit_answers(evaluation: Evaluation, token: EvaluationToken) -> None:
    """Lock the supplier's answers: every visible required question answered, valid, with its evidence."""
    _require_supplier_may_edit(evaluation.status)
    _lock_supplier_answers(evaluation)
    problems = supplier_problems(evaluation)
    if problems:
        raise ValidationFailed(
            f"{len(problems)} question(s) still need attention: " + ", ".join(problems) + "."
        )
    workflow.submit(evaluation)
    now = utcnow()
    evaluation.submitted_at = now
    token.used_at = now
    db.session.flush()
    audit.record("evaluation.submitted", evaluation, reference=evaluation.reference)


def _lock_supplier_answers(evaluation: Evaluation) -> None:
    """Lock every supplier answer row, one per supplier question (made empty where missing): a save still running
    finishes first and is part of what is submitted; a save after it finds its row locked and is refused."""
    codes = [q.code for q in evaluation.template.parsed().questions() if q.answered_by is AnsweredBy.SUPPLIER]
    table = EvaluationAnswer.__table__
    dialect = db.session.get_bind().dialect.name
    statement = (pg_insert if dialect == "postgresql" else sqlite_insert)(table).on_conflict_do_nothing()
    now = utcnow()
    db.session.execute(statement, [
        {"evaluation_id": evaluation.id, "question_code": code, "answered_by": AnsweredBy.SUPPLIER.value,
         "value": None, "refused": None, "locked": False, "saved_at": now} for code in codes
    ])
    db.session.execute(update(table).where(table.c.evaluation_id == evaluation.id,
                                           table.c.answered_by == AnsweredBy.SUPPLIER.value).values(locked=True))
    db.session.expire(evaluation, ["answer_rows"])


# ---------------------------------------------------------------------------------------------
# Starting, sending, revoking, cancelling


def new_reference(at: datetime | None = None) -> str:
    """A short reference the supplier's receipt and our records both show (year of the start)."""
    return f"EV-{at or utcnow():%Y}-{secrets.token_hex(3).upper()}"


def open_evaluation_of(supplier_id: int) -> Evaluation | None:
    """The supplier's evaluation that is not decided or cancelled, if any."""
    return db.session.scalar(
        select(Evaluation).where(Evaluation.supplier_id == supplier_id, Evaluation.status.in_(workflow.OPEN_STATES))
    )


def start_evaluation(
    supplier: Supplier,
    template: QuestionnaireTemplate,
    *,
    evaluation_type: str,
    due_date: date | None,
    by: Any,
) -> Evaluation:
    """A new draft evaluation with a published template; one open evaluation per supplier at a time; answers are
    never due before today."""
    if not by.has(Permission.EVALUATIONS_MANAGE):
        raise PermissionDenied("You may not start evaluations.")
    if template.status != TemplateStatus.PUBLISHED:
        raise ValidationFailed("Choose a published questionnaire template.")
    if evaluation_type not in {t.value for t in EvaluationType}:
        raise ValidationFailed("Choose initial, periodic or for cause.")
    if due_date is not None and due_date < today():
        raise ValidationFailed(f"The answers cannot be due in the past ({due_date:%Y-%m-%d}): choose today or a later "
                               "date, or leave it empty.")
    existing = open_evaluation_of(supplier.id)
    if existing is not None:
        raise Conflict(f"{supplier.name} already has an open evaluation ({existing.reference}). Finish or cancel it first.")
    supplier_services.start_evaluation_status(supplier)
    contact = supplier.contacts[0] if supplier.contacts else None
    evaluation = Evaluation(
        supplier=supplier,
        template=template,
        evaluation_type=evaluation_type,
        status=S.DRAFT,
        reference=new_reference(),
        due_date=due_date,
        contact_name=contact.name if contact else "",
        contact_email=contact.email if contact else "",
        knockout_hits=[],
        created_by_id=getattr(by, "id", None),
    )
    db.session.add(evaluation)
    db.session.flush()
    audit.record("evaluation.started", evaluation, template=template.label, type=evaluation_type)
    return evaluation


def token_hash(token: str) -> str:
    """The stored form of a link token (sha256 hex); the token itself is never stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def has_supplier_questions(defn: TemplateDefinition) -> bool:
    """True when some question is answered by the supplier (else there is nothing to send)."""
    return any(q.answered_by is AnsweredBy.SUPPLIER for q in defn.questions())


def _revoke_active(evaluation: Evaluation, now: datetime) -> int:
    count = 0
    for token in evaluation.tokens:
        if token.revoked_at is None and token.used_at is None:
            token.revoked_at = now
            count += 1
    return count


def send_link(evaluation: Evaluation, *, contact_name: str, contact_email: str, by: Any) -> str:
    """Make a new link (any older one stops working) and queue the invitation e-mail; returns the raw token."""
    if not policies.can_manage_evaluation(by, evaluation):
        raise PermissionDenied("You may not send this evaluation.")
    if not has_supplier_questions(evaluation.template.parsed()):
        raise ValidationFailed("This questionnaire has no supplier questions; answer it as the evaluator instead.")
    contact_email = contact_email.strip()
    if "@" not in contact_email or len(contact_email) > 254:
        raise ValidationFailed("Enter the contact's e-mail address.")
    workflow.send(evaluation)
    now = utcnow()
    _revoke_active(evaluation, now)
    token = secrets.token_urlsafe(32)
    days = int(current_app.config["EVALUATION_TOKEN_DAYS"])
    evaluation.tokens.append(
        EvaluationToken(token_hash=token_hash(token), sent_to=contact_email, created_at=now, expires_at=now + timedelta(days=days))
    )
    evaluation.contact_name = contact_name.strip()[:200]
    evaluation.contact_email = contact_email
    evaluation.sent_at = now
    db.session.flush()
    _queue_invitation(evaluation, token, expires=now + timedelta(days=days))
    audit.record("evaluation.link_sent", evaluation, to=contact_email, expires_days=days)
    return token


def portal_link(token: str) -> str:
    """The absolute link a supplier opens (the public base URL + /portal/<token>)."""
    return public_base_url() + PORTAL_PATH + token


def _queue_invitation(evaluation: Evaluation, token: str, *, expires: datetime) -> None:
    company = current_app.config["COMPANY_NAME"]
    due = f" by {evaluation.due_date:%Y-%m-%d}" if evaluation.due_date else ""
    body = (
        f"Hello {evaluation.contact_name or 'there'},\n\n"
        f"{company} evaluates its suppliers as required by ISO 13485 (clause 7.4). "
        f"Please answer our questionnaire for {evaluation.supplier.name}{due}:\n\n"
        f"{portal_link(token)}\n\n"
        "You need no account. Your answers are saved as you go, so you can stop and come back with the same "
        f"link until you submit. The link is personal and works until {expires:%Y-%m-%d}.\n\n"
        f"Reference: {evaluation.reference}\n\nThank you,\n{company}\n"
    )
    queue_email(evaluation.contact_email, f"Supplier questionnaire from {company} ({evaluation.reference})", body)


def revoke_links(evaluation: Evaluation, *, by: Any) -> int:
    """Every open link of the evaluation stops working now; returns how many were revoked."""
    if not policies.can_manage_evaluation(by, evaluation):
        raise PermissionDenied("You may not change this evaluation.")
    count = _revoke_active(evaluation, utcnow())
    if not count:
        raise Conflict("This evaluation has no open link to revoke.")
    db.session.flush()
    audit.record("evaluation.link_revoked", evaluation, links=count)
    return count


def cancel_evaluation(evaluation: Evaluation, *, reason: str, by: Any) -> None:
    """Abandon an open evaluation with a reason; its links stop working."""
    if not policies.can_manage_evaluation(by, evaluation):
        raise PermissionDenied("You may not cancel this evaluation.")
    if not reason.strip():
        raise ValidationFailed("Give a reason for cancelling the evaluation.")
    workflow.cancel(evaluation)
    evaluation.cancel_reason = reason.strip()
    _revoke_active(evaluation, utcnow())
    db.session.flush()
    audit.record("evaluation.cancelled", evaluation, action=AuditAction.STATUS_CHANGE, reason=reason.strip())


class LinkState(StrEnum):
    OPEN = "open"
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    REVOKED = "revoked"
    SUBMITTED = "submitted"


@dataclass(frozen=True)
class LinkLookup:
    state: LinkState
    token: EvaluationToken | None = None

    @property
    def evaluation(self) -> Evaluation | None:
        return self.token.evaluation if self.token else None


# One query for the link, its evaluation and the evaluation's template (without the template's definition: a
# published one is parsed once per process, see QuestionnaireTemplate.parsed; a draft's loads when asked for).
# Built once; only the token hash is bound per request.
_TOKEN_LOOKUP = (
    select(EvaluationToken)
    .where(EvaluationToken.token_hash == bindparam("token_hash"))
    .options(
        joinedload(EvaluationToken.evaluation, innerjoin=True)
        .joinedload(Evaluation.template, innerjoin=True)
        .defer(QuestionnaireTemplate.definition)
    )
)


def resolve_token(raw: str) -> LinkLookup:
    """Find a link by the hash of its token and say whether it still opens the questionnaire."""
    if not raw or len(raw) > 100:
        return LinkLookup(LinkState.UNKNOWN)
    token = db.session.scalar(_TOKEN_LOOKUP, {"token_hash": token_hash(raw)})
    if token is None:
        return LinkLookup(LinkState.UNKNOWN)
    return LinkLookup(link_state(token.used_at, token.evaluation.status, token.revoked_at, token.expires_at), token)


def link_state(used_at: datetime | None, status: str, revoked_at: datetime | None, expires_at: datetime) -> LinkState:
    """A link is submitted once used or once its evaluation is submitted (or later), revoked when withdrawn or its
    evaluation cancelled, expired after its expiry; else open."""
    if used_at is not None or status in (S.SUBMITTED, S.SCORED, S.DECIDED):
        return LinkState.SUBMITTED
    if revoked_at is not None or status == S.CANCELLED:
        return LinkState.REVOKED
    if expires_at <= utcnow():
        return LinkState.EXPIRED
    return LinkState.OPEN


# open_link's one query: the link's state, its evaluation's and its template's plain columns (no definition).
_TOKENS, _TEMPLATES = EvaluationToken.__table__, QuestionnaireTemplate.__table__
_OPEN_LINK = (
    select(
        _TOKENS.c.id.label("token_id"), _TOKENS.c.used_at, _TOKENS.c.revoked_at, _TOKENS.c.expires_at,
        _EVALUATIONS.c.id.label("evaluation_id"), _EVALUATIONS.c.reference, _EVALUATIONS.c.status,
        _EVALUATIONS.c.version, _EVALUATIONS.c.updated_at, _EVALUATIONS.c.contact_email,
        _TEMPLATES.c.id.label("template_id"), _TEMPLATES.c.status.label("template_status"),
        _TEMPLATES.c.content_hash.label("template_hash"),
    )
    .select_from(_TOKENS)
    .join(_EVALUATIONS, _EVALUATIONS.c.id == _TOKENS.c.evaluation_id)
    .join(_TEMPLATES, _TEMPLATES.c.id == _EVALUATIONS.c.template_id)
    .where(_TOKENS.c.token_hash == bindparam("b_token_hash"))
)
# The same with one question's answer row, locked (a link and a question without a row yet: no row, and the save
# then makes it).
_OPEN_LINK_WITH_ANSWER = (
    _OPEN_LINK.add_columns(
        _ANSWERS.c.value.label("answer_value"), _ANSWERS.c.refused.label("answer_refused"),
        _ANSWERS.c.locked.label("answer_locked"),
    )
    .join(_ANSWERS, (_ANSWERS.c.evaluation_id == _EVALUATIONS.c.id) & (_ANSWERS.c.question_code == bindparam("b_code")))
    .with_for_update(of=_ANSWERS)
)


def note_link_opened(token: EvaluationToken) -> None:
    """Audit (token_used) that the supplier opened the link; once per hour at most."""
    now = utcnow()
    if token.last_opened_at is not None and now - token.last_opened_at < timedelta(hours=1):
        return
    token.last_opened_at = now
    db.session.flush()
    audit.record("evaluation.link_opened", token.evaluation, action=AuditAction.TOKEN_USED, link=token.id)


# ---------------------------------------------------------------------------------------------
# Review: evaluator answers, score, overrides


def save_evaluator_answers(
    evaluation: Evaluation, raw: Mapping[str, Any], *, by: Any, expected_version: int | None = None
) -> dict[str, str]:
    """Store the evaluator's answers (blank allowed until scoring); returns a message per invalid answer.

    A change takes the evaluation's optimistic lock (its version), so two staff saving at once, or a form loaded
    before someone else's change (`expected_version`), get the 409 page; the supplier's saves do not move it.
    """
    if not policies.can_review(by, evaluation):
        raise PermissionDenied("You may not answer this evaluation's evaluator questions.")
    if expected_version is not None and expected_version != evaluation.version:
        raise StaleEdit()
    defn = evaluation.template.parsed()
    rows = {row.question_code: row for row in evaluation.answer_rows}
    wanted: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for question in defn.questions():
        if question.answered_by is not AnsweredBy.EVALUATOR or question.answer_type is AnswerType.FILE:
            continue
        if question.code not in raw:
            continue
        checked = check_answer(question, raw[question.code], allow_blank=True)
        if not checked.ok:
            errors[question.code] = checked.error or "Invalid answer"
            continue
        wanted[question.code] = raw_answer(checked.value)
    changes = {
        f"evaluator_answers.{code}": {"old": rows[code].value if code in rows else None, "new": value}
        for code, value in wanted.items() if (rows[code].value if code in rows else None) != value
    }
    if changes:
        evaluation.updated_at = utcnow()
        db.session.flush()  # the evaluation's version first: a concurrent staff save stops here with the 409 page
        now = utcnow()
        for key in changes:
            code = key.split(".", 1)[1]
            row = rows.get(code)
            if row is None:
                row = EvaluationAnswer(question_code=code, answered_by=AnsweredBy.EVALUATOR.value)
                evaluation.answer_rows.append(row)
            row.value, row.saved_at = wanted[code], now
        db.session.flush()
        audit.record_changes(evaluation, changes)
        if evaluation.status == S.SCORED:
            _rescore(evaluation)
    return errors


def _overrides(evaluation: Evaluation) -> dict[str, float]:
    latest: dict[str, float] = {}
    for item in sorted(evaluation.overrides, key=lambda o: o.id or 0):
        latest[item.question_code] = item.points
    return latest


def _rescore(evaluation: Evaluation) -> None:
    defn = evaluation.template.parsed()
    typed = checked_answers(evaluation, defn)
    missing = missing_required(defn, typed, AnsweredBy.EVALUATOR)
    if missing:
        raise ValidationFailed(
            "Answer the evaluator questions first: " + ", ".join(q.code for q in missing) + "."
        )
    criticality = evaluation.supplier.criticality
    result = score(
        defn, typed, criticality=criticality, overrides=_overrides(evaluation), thresholds=defn.thresholds
    )
    evaluation.criticality = criticality
    evaluation.score = result_to_dict(result)
    evaluation.percentage = result.percentage
    evaluation.knockout_hits = list(result.knockout_hits)
    evaluation.suggested_decision = str(result.suggested_decision or "")
    evaluation.scored_at = utcnow()
    workflow.mark_scored(evaluation)
    db.session.flush()


def ready_to_score(evaluation: Evaluation, defn: TemplateDefinition) -> bool:
    """Scoring is offered for submitted (or already scored) answers, and for a draft only when the questionnaire
    has no supplier questions (an evaluator-only questionnaire)."""
    if evaluation.status == S.DRAFT:
        return not has_supplier_questions(defn)
    return evaluation.status in (S.SUBMITTED, S.SCORED)


def score_evaluation(evaluation: Evaluation, *, by: Any) -> None:
    """Score submitted answers (or an evaluator-only questionnaire) once every evaluator question is answered."""
    if not policies.can_review(by, evaluation):
        raise PermissionDenied("You may not score this evaluation.")
    if evaluation.status in (S.DRAFT, S.SENT, S.IN_PROGRESS) and not ready_to_score(evaluation, evaluation.template.parsed()):
        raise Conflict("The supplier has not submitted the questionnaire yet.")
    _rescore(evaluation)  # the state machine refuses a decided or cancelled evaluation
    audit.record(
        "evaluation.scored", evaluation, percentage=evaluation.percentage,
        knockout_hits=evaluation.knockout_hits, suggested=evaluation.suggested_decision,
    )


def override_points(evaluation: Evaluation, code: str, points: float, reason: str, *, by: Any) -> ScoreOverride:
    """Replace the points of one scored answer, with a reason; the evaluation is rescored."""
    if not policies.can_review(by, evaluation) or evaluation.status != S.SCORED:
        raise Conflict("Points can be overridden on a scored evaluation before the decision.")
    if not reason.strip():
        raise ValidationFailed("Give the reason for overriding the points.")
    entry = next((e for e in (evaluation.score or {}).get("breakdown", []) if e["code"] == code), None)
    if entry is None or not entry["applicable"]:
        raise ValidationFailed("Only an answered, scored question can have its points overridden.")
    if not 0 <= points <= entry["max_points"]:
        raise ValidationFailed(f"Give points between 0 and {entry['max_points']:g}.")
    override = ScoreOverride(question_code=code, points=points, reason=reason.strip(), by_id=by.id, at=utcnow())
    evaluation.overrides.append(override)
    db.session.flush()
    _rescore(evaluation)
    audit.record(
        "evaluation.points_overridden", evaluation, reason=reason.strip(), question=code,
        points=points, original=entry["original_points"] if entry["overridden"] else entry["points"],
    )
    return override


# ---------------------------------------------------------------------------------------------
# Decision


@dataclass(frozen=True)
class DecisionInput:
    decision: str
    approval_scope: str
    conditions: str
    rationale: str
    knockout_justification: str = ""


def decision_content(evaluation: Evaluation, decision: DecisionInput) -> dict[str, Any]:
    """The plain content a decision signature binds: answers, evidence hashes, score and the decision."""
    return {
        "evaluation": evaluation.reference,
        "supplier": {"code": evaluation.supplier.code, "name": evaluation.supplier.name},
        "template": {"label": evaluation.template.label, "content_hash": evaluation.template.content_hash},
        "type": evaluation.evaluation_type,
        "answers": evaluation.answers,
        "evaluator_answers": evaluation.evaluator_answers,
        "evidence": [
            {"question": e.question_code, "sha256": e.stored_file.sha256, "name": e.stored_file.original_name}
            for e in evaluation.evidence
        ],
        "score": evaluation.score,
        "decision": decision.decision,
        "approval_scope": decision.approval_scope,
        "conditions": decision.conditions,
        "rationale": decision.rationale,
        "knockout_justification": decision.knockout_justification,
    }


def sign_target(evaluation: Evaluation) -> SignTarget:
    """The evaluation as signed: its current content and version (for the signatures panel)."""
    current = DecisionInput(
        decision=evaluation.decision, approval_scope=evaluation.approval_scope, conditions=evaluation.conditions,
        rationale=evaluation.rationale, knockout_justification=evaluation.knockout_justification,
    )
    return SignTarget(
        "evaluation", str(evaluation.id), evaluation.version, decision_content(evaluation, current),
        frozenset({evaluation.created_by_id} if evaluation.created_by_id else set()),
    )


def content_hash_of(evaluation: Evaluation) -> str:
    """sha256 of the evaluation's current signed content (equal to the decision signature's while unchanged)."""
    return content_hash(sign_target(evaluation).content)


def check_decision(evaluation: Evaluation, decision: DecisionInput) -> DecisionInput:
    """The decision rules: conditions for a conditional approval, a rationale always, a justification to
    approve conditionally despite a knock-out, and no plain approval with a knock-out."""
    if decision.decision not in {d.value for d in Decision}:
        raise ValidationFailed("Choose approved, conditionally approved or rejected.")
    cleaned = DecisionInput(
        decision=decision.decision,
        approval_scope=decision.approval_scope.strip(),
        conditions=decision.conditions.strip(),
        rationale=decision.rationale.strip(),
        knockout_justification=decision.knockout_justification.strip(),
    )
    if not cleaned.rationale:
        raise ValidationFailed("Write the rationale of the decision.")
    if cleaned.decision == Decision.CONDITIONALLY_APPROVED and not cleaned.conditions:
        raise ValidationFailed("A conditional approval needs its conditions.")
    if cleaned.decision != Decision.REJECTED and not cleaned.approval_scope:
        raise ValidationFailed("State the scope of the approval (what may be bought from this supplier).")
    if evaluation.knockout_hits and cleaned.decision == Decision.APPROVED:
        raise ValidationFailed(
            "A knock-out answer (" + ", ".join(evaluation.knockout_hits) + ") rules out a plain approval; "
            "reject, or approve conditionally with a written justification."
        )
    if evaluation.knockout_hits and cleaned.decision == Decision.CONDITIONALLY_APPROVED and not cleaned.knockout_justification:
        raise ValidationFailed("Justify in writing why the supplier is approved despite the knock-out.")
    if cleaned.decision == Decision.REJECTED:
        cleaned = DecisionInput(cleaned.decision, "", "", cleaned.rationale, cleaned.knockout_justification)
    return cleaned


def decide(
    evaluation: Evaluation, decision: DecisionInput, *, signer: Any, password: str, comment: str = ""
) -> Signature:
    """QA signs the decision ("approved" or "rejected"); the supplier's status, scope and next due follow.

    The signature is made first, bound to the evaluation's next version and the decided content, so a
    wrong password changes nothing but the failure count (which the view commits).
    """
    if not policies.can_decide(signer, evaluation):
        if evaluation.status != S.SCORED:
            raise Conflict("Only a scored evaluation can be decided.")
        raise PermissionDenied("You may not decide this evaluation (QA decides, and not on an evaluation they started).")
    cleaned = check_decision(evaluation, decision)
    meaning = Meaning.REJECTED if cleaned.decision == Decision.REJECTED else Meaning.APPROVED
    target = SignTarget(
        "evaluation", str(evaluation.id), evaluation.version + 1, decision_content(evaluation, cleaned),
        sign_target(evaluation).author_ids,
    )
    signature = sign(target, signer, password=password, meaning=meaning, comment=comment)
    now = utcnow()
    evaluation.decision = cleaned.decision
    evaluation.approval_scope = cleaned.approval_scope
    evaluation.conditions = cleaned.conditions
    evaluation.rationale = cleaned.rationale
    evaluation.knockout_justification = cleaned.knockout_justification
    evaluation.decided_at = now
    evaluation.decided_by_id = signer.id
    workflow.decide(evaluation)
    db.session.flush()
    if evaluation.version != target.version:
        raise Conflict("The evaluation changed while it was being signed. Nothing was saved; try again.")
    supplier_services.apply_decision(
        evaluation.supplier,
        decision=cleaned.decision,
        approval_scope=cleaned.approval_scope,
        conditions=cleaned.conditions,
        decided_at=now,
        decided_by=signer,
    )
    audit.record(
        "evaluation.decided", evaluation, action=AuditAction.STATUS_CHANGE, decision=cleaned.decision,
        reason=cleaned.rationale, percentage=evaluation.percentage, signature=signature.id,
    )
    if cleaned.decision != Decision.REJECTED:
        record_declared_certificates(evaluation, by=signer)
    db.session.flush()
    return signature


def record_declared_certificates(evaluation: Evaluation, *, by: Any) -> list[Any]:
    """The certificates the answers declare (a certificate question's standard, number, expiry and the file
    attached to it) entered in the supplier's register; one already there is not entered twice."""
    defn = evaluation.template.parsed()
    answers = checked_answers(evaluation, defn)
    files = evidence_by_question(evaluation)
    recorded = []
    for question in defn.questions():
        mapping = question.certificate
        if mapping is None:
            continue
        standard = mapping.standard_for(str(answers.get(question.code) or ""))
        valid_until = answers.get(mapping.valid_until)
        if not standard or not isinstance(valid_until, date):
            continue  # no certificate named, or no expiry to register it with
        number = answers.get(mapping.number) if mapping.number else ""
        attached = files.get(question.code) or []
        certificate = supplier_services.record_declared_certificate(
            evaluation.supplier, standard=standard, number=str(number or ""), valid_until=valid_until,
            evidence_file_id=attached[-1].stored_file_id if attached else None,
            source=f"{evaluation.reference} {question.code}", by=by,
        )
        if certificate is not None:
            recorded.append(certificate)
    return recorded


def stored_file_of(evaluation: Evaluation, evidence_id: int) -> StoredFile:
    """The stored blob of one of this evaluation's evidence files."""
    stored: StoredFile = evidence_of(evaluation, evidence_id).stored_file
    return stored
