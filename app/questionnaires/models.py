"""Questionnaire templates and supplier evaluations: what was asked, who answered, how it scored, what was decided."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.audit.models import Audited
from app.auth.models import User
from app.db import TimestampMixin, VersionedMixin, utcnow
from app.extensions import db
from app.questionnaires.definitions import AnsweredBy, TemplateDefinition, from_dict
from app.suppliers.models import Supplier


class TemplateStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    RETIRED = "retired"


class EvaluationType(StrEnum):
    INITIAL = "initial"
    PERIODIC = "periodic"
    FOR_CAUSE = "for_cause"


class EvaluationStatus(StrEnum):
    DRAFT = "draft"
    SENT = "sent"
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    SCORED = "scored"
    DECIDED = "decided"
    CANCELLED = "cancelled"


_PARSED: dict[tuple[int, str], TemplateDefinition] = {}
_PARSED_MAX = 256


def parsed_published(template_id: int, status: str, content_hash: str) -> TemplateDefinition | None:
    """The kept parse of a published template (QuestionnaireTemplate.parsed), None when it is not kept (yet)."""
    if status != TemplateStatus.PUBLISHED or not content_hash:
        return None
    return _PARSED.get((template_id, content_hash))


class QuestionnaireTemplate(Audited, TimestampMixin, VersionedMixin, db.Model):  # type: ignore[name-defined,misc]
    """A versioned questionnaire; the definition is the pure core's dict form, immutable once published."""

    __tablename__ = "questionnaire_templates"
    __table_args__ = (
        UniqueConstraint("name", "template_version", name="name_version"),
        Index("ix_questionnaire_templates_status", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    audience: Mapped[str] = mapped_column(String(20), nullable=False, default="any")
    template_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=TemplateStatus.DRAFT)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    definition: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    content_hash: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    copied_from_id: Mapped[int | None] = mapped_column(ForeignKey("questionnaire_templates.id"), nullable=True)
    published_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    retired_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    published_by: Mapped[User | None] = relationship(foreign_keys=[published_by_id])

    def parsed(self) -> TemplateDefinition:
        """The stored definition as the pure core's TemplateDefinition.

        A published definition never changes, so its parse is kept per process, keyed by its content hash (an
        autosave then does not re-read the whole template); a draft is parsed every time.
        """
        found = parsed_published(self.id, self.status, self.content_hash)
        if found is not None:
            return found
        found = from_dict(self.definition)
        if self.status == TemplateStatus.PUBLISHED and self.content_hash:
            if len(_PARSED) >= _PARSED_MAX:
                _PARSED.clear()
            _PARSED[(self.id, self.content_hash)] = found
        return found

    @property
    def label(self) -> str:
        return f"{self.name} v{self.template_version}"

    def audit_label(self) -> str:
        return self.label


class Evaluation(Audited, TimestampMixin, VersionedMixin, db.Model):  # type: ignore[name-defined,misc]
    """One evaluation of one supplier with one published template version."""

    __tablename__ = "evaluations"
    __table_args__ = (
        Index("ix_evaluations_supplier_id_status", "supplier_id", "status"),
        Index("ix_evaluations_status", "status"),
        # Evaluations waiting (the home page): the first few of each status in due order, from the index.
        Index("ix_evaluations_status_due_date", "status", "due_date", "id"),
        Index("ix_evaluations_decided_at", "decided_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), nullable=False)
    template_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_templates.id"), nullable=False, index=True)
    evaluation_type: Mapped[str] = mapped_column(String(20), nullable=False, default=EvaluationType.INITIAL)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=EvaluationStatus.DRAFT)
    reference: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    due_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    contact_name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    contact_email: Mapped[str] = mapped_column(String(254), nullable=False, default="")
    criticality: Mapped[str] = mapped_column(String(20), nullable=False, default="")  # used for the score
    score: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)  # scoring.result_to_dict
    percentage: Mapped[float | None] = mapped_column(Float, nullable=True)
    knockout_hits: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    suggested_decision: Mapped[str] = mapped_column(String(30), nullable=False, default="")
    decision: Mapped[str] = mapped_column(String(30), nullable=False, default="")
    approval_scope: Mapped[str] = mapped_column(Text, nullable=False, default="")
    conditions: Mapped[str] = mapped_column(Text, nullable=False, default="")
    rationale: Mapped[str] = mapped_column(Text, nullable=False, default="")
    knockout_justification: Mapped[str] = mapped_column(Text, nullable=False, default="")
    cancel_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    sent_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    scored_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)

    supplier: Mapped[Supplier] = relationship()
    template: Mapped[QuestionnaireTemplate] = relationship()
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    evidence: Mapped[list[EvidenceFile]] = relationship(
        back_populates="evaluation", order_by="EvidenceFile.id", cascade="all, delete-orphan"
    )
    overrides: Mapped[list[ScoreOverride]] = relationship(
        back_populates="evaluation", order_by="ScoreOverride.id", cascade="all, delete-orphan"
    )
    tokens: Mapped[list[EvaluationToken]] = relationship(
        back_populates="evaluation", order_by="EvaluationToken.id", cascade="all, delete-orphan"
    )
    # The answers, one row per question (EvaluationAnswer); read them through the three properties below.
    answer_rows: Mapped[list[EvaluationAnswer]] = relationship(
        order_by="EvaluationAnswer.question_code", cascade="all, delete-orphan", passive_deletes=True
    )

    def audit_label(self) -> str:
        return self.reference

    def _answers_of(self, answered_by: str) -> dict[str, Any]:
        return {row.question_code: row.value for row in self.answer_rows
                if row.answered_by == answered_by and row.value is not None}

    @property
    def answers(self) -> dict[str, Any]:
        """The supplier's answers by question code, in their raw JSON form (answers.raw_answer)."""
        return self._answers_of(AnsweredBy.SUPPLIER.value)

    @property
    def evaluator_answers(self) -> dict[str, Any]:
        """The evaluator's answers by question code, in their raw JSON form."""
        return self._answers_of(AnsweredBy.EVALUATOR.value)

    @property
    def invalid_answers(self) -> dict[str, Any]:
        """The supplier's refused inputs still to correct: {"raw": what was kept of it, "error": why}, by code."""
        return {row.question_code: row.refused for row in self.answer_rows
                if row.answered_by == AnsweredBy.SUPPLIER.value and row.refused is not None}


class EvaluationAnswer(db.Model):  # type: ignore[name-defined,misc]
    """One question's answer on one evaluation: its last valid raw answer and the input last refused for it.

    A row per question, so that saves of different questions never write the same row: none waits for another,
    none is lost, none conflicts; saves of the same question lock its row in turn and the last one wins. Each change
    is recorded in the audit trail on the evaluation ("answers.C3": old -> new). Supplier rows are locked on submit.
    """

    __tablename__ = "evaluation_answers"

    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluations.id", ondelete="CASCADE"), primary_key=True)
    question_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    answered_by: Mapped[str] = mapped_column(String(10), nullable=False)  # supplier | evaluator
    value: Mapped[Any] = mapped_column(JSON(none_as_null=True), nullable=True)  # None: no valid answer
    refused: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True), nullable=True)
    locked: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)  # the supplier submitted
    saved_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)


class EvaluationToken(Audited, db.Model):  # type: ignore[name-defined,misc]
    """A supplier's link key: only the sha256 of the token is stored; it expires, can be revoked, is used once."""

    __tablename__ = "evaluation_tokens"
    __audit_exclude__ = frozenset({"token_hash"})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluations.id"), nullable=False, index=True)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    sent_to: Mapped[str] = mapped_column(String(254), nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    used_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    last_opened_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    evaluation: Mapped[Evaluation] = relationship(back_populates="tokens")

    def audit_label(self) -> str:
        return f"link #{self.id} of evaluation {self.evaluation_id}"


class EvidenceFile(Audited, db.Model):  # type: ignore[name-defined,misc]
    """A file a supplier (or evaluator) attached to one question of an evaluation."""

    __tablename__ = "evaluation_evidence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluations.id"), nullable=False, index=True)
    question_code: Mapped[str] = mapped_column(String(40), nullable=False)
    stored_file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"), nullable=False)
    uploaded_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    uploaded_by: Mapped[str] = mapped_column(String(300), nullable=False, default="")

    evaluation: Mapped[Evaluation] = relationship(back_populates="evidence")
    stored_file: Mapped[Any] = relationship("StoredFile")

    def audit_label(self) -> str:
        return f"evidence for {self.question_code}"


class ScoreOverride(Audited, db.Model):  # type: ignore[name-defined,misc]
    """An evaluator's replacement of the points of one answer, with the reason; the evaluation is rescored."""

    __tablename__ = "score_overrides"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluations.id"), nullable=False, index=True)
    question_code: Mapped[str] = mapped_column(String(40), nullable=False)
    points: Mapped[float] = mapped_column(Float, nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    evaluation: Mapped[Evaluation] = relationship(back_populates="overrides")
    by: Mapped[User] = relationship()

    def audit_label(self) -> str:
        return f"override {self.question_code} = {self.points:g}"


class ProposalState(StrEnum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    OVERRIDDEN = "overridden"


class AnswerProposal(Audited, TimestampMixin, db.Model):  # type: ignore[name-defined,misc]
    """An answer proposed from collected evidence (figure, source, date, link), and what the evaluator made of it:
    accepted as is, or overridden with a reason. The answer itself goes into the evaluator answers."""

    __tablename__ = "evaluation_proposals"
    __table_args__ = (UniqueConstraint("evaluation_id", "question_code", name="uq_evaluation_proposals_evaluation_id_question_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluations.id"), nullable=False)
    question_code: Mapped[str] = mapped_column(String(40), nullable=False)
    value: Mapped[str] = mapped_column(String(200), nullable=False)  # the proposed raw answer
    metric: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    figure: Mapped[str] = mapped_column(String(300), nullable=False, default="")  # "31 commits"
    source: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    measured_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    evidence_url: Mapped[str] = mapped_column(String(1000), nullable=False, default="")
    rationale: Mapped[str] = mapped_column(Text, nullable=False, default="")
    state: Mapped[str] = mapped_column(String(20), nullable=False, default=ProposalState.PROPOSED)
    answer: Mapped[str] = mapped_column(String(200), nullable=False, default="")  # what the evaluator answered
    reason: Mapped[str] = mapped_column(Text, nullable=False, default="")  # why it was overridden
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    evaluation: Mapped[Evaluation] = relationship()
    decided_by: Mapped[User | None] = relationship()

    def audit_label(self) -> str:
        return f"proposed answer {self.question_code} of evaluation {self.evaluation_id}"


# The records that belong to an evaluation (each with an `evaluation_id`): its History panel and its audit extract
# show their events with the evaluation's.
EVALUATION_PARTS: tuple[Any, ...] = (EvaluationToken, EvidenceFile, ScoreOverride)
