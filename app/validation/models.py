"""OTSS validation records: systems, functions, protocols (versioned) with test cases and steps,
execution entries (immutable), deviations, reports, change requests and periodic reviews."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.audit.models import Audited
from app.auth.models import User
from app.db import TimestampMixin, VersionedMixin, utcnow
from app.errors import Conflict
from app.extensions import db
from app.labels import label
from app.storage import StoredFile
from app.suppliers.models import Supplier
from app.validation.rules import (
    ChangeRequestStatus,
    DeviationStatus,
    ProtocolStatus,
    ReportStatus,
    Severity,
    SystemStatus,
    TestMethod,
)


class SoftwareSystem(Audited, TimestampMixin, VersionedMixin, db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "software_systems"
    __table_args__ = (
        Index("ix_software_systems_status", "status"),
        Index("ix_software_systems_supplier_id", "supplier_id"),
        Index("ix_software_systems_next_periodic_review", "next_periodic_review"),
        Index("ix_software_systems_product", "product"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), nullable=False)
    product: Mapped[str] = mapped_column(String(200), nullable=False)
    version_in_use: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    deployment: Mapped[str] = mapped_column(String(20), nullable=False)
    intended_use: Mapped[str] = mapped_column(Text, nullable=False, default="")
    qms_processes: Mapped[str] = mapped_column(Text, nullable=False, default="")
    in_scope: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    scope_rationale: Mapped[str] = mapped_column(Text, nullable=False, default="")
    holds_part11_records: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    gamp_category: Mapped[str] = mapped_column(String(2), nullable=False)
    status: Mapped[str] = mapped_column(String(30), nullable=False, default=SystemStatus.PLANNED)
    validated_version: Mapped[str | None] = mapped_column(String(100), nullable=True)
    released_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    next_periodic_review: Mapped[date | None] = mapped_column(Date, nullable=True)
    retired_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    retirement_data_location: Mapped[str] = mapped_column(Text, nullable=False, default="")
    retain_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    # Optional link to an inventory component by package URL (the inventory lives in another package).
    inventory_component_ref: Mapped[str | None] = mapped_column(String(500), nullable=True)

    supplier: Mapped[Supplier] = relationship()
    functions: Mapped[list[Function]] = relationship(
        back_populates="system", order_by="Function.id", cascade="all, delete-orphan"
    )
    protocols: Mapped[list[Protocol]] = relationship(back_populates="system", order_by="Protocol.number")

    def audit_label(self) -> str:
        return f"{self.product} {self.version_in_use}".strip()


class Function(Audited, TimestampMixin, VersionedMixin, db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "validation_functions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("software_systems.id"), nullable=False, index=True)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    use: Mapped[str] = mapped_column(String(20), nullable=False)
    process_risk: Mapped[str] = mapped_column(String(20), nullable=False)
    rationale: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # A retired function stays on record (shown struck through) and is no longer covered by new drafts.
    retired_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    system: Mapped[SoftwareSystem] = relationship(back_populates="functions")

    def audit_label(self) -> str:
        return self.description[:80]


class Protocol(Audited, TimestampMixin, VersionedMixin, db.Model):  # type: ignore[name-defined,misc]
    """One version of a system's validation protocol; a change makes the next version as a draft."""

    __tablename__ = "validation_protocols"
    __table_args__ = (
        UniqueConstraint("system_id", "number", name="uq_validation_protocols_system_id_number"),
        Index("ix_validation_protocols_status", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("software_systems.id"), nullable=False, index=True)
    number: Mapped[int] = mapped_column(Integer, nullable=False)  # the protocol version
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=ProtocolStatus.DRAFT)
    system_version: Mapped[str] = mapped_column(String(100), nullable=False, default="")  # version under test
    scope: Mapped[str] = mapped_column(Text, nullable=False, default="")
    requirements: Mapped[str] = mapped_column(Text, nullable=False, default="")
    acceptance_criteria: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # Where and with what the tests run (tenant, browser, test data), and what must be true before they start.
    test_environment: Mapped[str] = mapped_column(Text, nullable=False, default="")
    prerequisites: Mapped[str] = mapped_column(Text, nullable=False, default="")
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    # The functions as they were when the protocol left draft: later edits of a function do not
    # change what was signed.
    functions_snapshot: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, nullable=True)
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("validation_protocols.id"), nullable=True)
    reason: Mapped[str] = mapped_column(Text, nullable=False, default="")  # why this version exists
    withdrawn_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")

    system: Mapped[SoftwareSystem] = relationship(back_populates="protocols")
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    # The test cases in use; a retired one leaves this list (and the signed content, the counts, the coverage, the
    # documents) but stays on record in retired_test_cases.
    test_cases: Mapped[list[TestCase]] = relationship(
        back_populates="protocol", order_by="(TestCase.order, TestCase.id)", cascade="all, delete-orphan",
        primaryjoin="and_(Protocol.id == TestCase.protocol_id, TestCase.retired_at.is_(None))",
    )
    retired_test_cases: Mapped[list[TestCase]] = relationship(
        order_by="TestCase.retired_at", viewonly=True,
        primaryjoin="and_(Protocol.id == TestCase.protocol_id, TestCase.retired_at.is_not(None))",
    )
    justifications: Mapped[list[CoverageJustification]] = relationship(
        back_populates="protocol", order_by="CoverageJustification.id", cascade="all, delete-orphan"
    )
    deviations: Mapped[list[Deviation]] = relationship(back_populates="protocol", order_by="Deviation.number")
    report: Mapped[Report | None] = relationship(back_populates="protocol", uselist=False)

    @property
    def is_editable(self) -> bool:
        return self.status == ProtocolStatus.DRAFT

    def audit_label(self) -> str:
        return f"protocol v{self.number}"


class TestCase(Audited, TimestampMixin, VersionedMixin, db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "validation_test_cases"
    __test__ = False  # not a pytest class

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    protocol_id: Mapped[int] = mapped_column(ForeignKey("validation_protocols.id"), nullable=False, index=True)
    order: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    method: Mapped[str] = mapped_column(String(30), nullable=False, default=TestMethod.SCRIPTED)
    objective: Mapped[str] = mapped_column(Text, nullable=False)
    function_id: Mapped[int | None] = mapped_column(ForeignKey("validation_functions.id"), nullable=True, index=True)
    expected_result: Mapped[str] = mapped_column(Text, nullable=False, default="")
    retired_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)  # kept on record, out of use

    protocol: Mapped[Protocol] = relationship(back_populates="test_cases")
    function: Mapped[Function | None] = relationship()
    steps: Mapped[list[TestStep]] = relationship(
        back_populates="test_case", order_by="(TestStep.order, TestStep.id)", cascade="all, delete-orphan"
    )

    @property
    def code(self) -> str:
        return f"TC-{self.order}"

    @property
    def is_scripted(self) -> bool:
        return self.method == TestMethod.SCRIPTED

    def audit_label(self) -> str:
        return f"{self.code} {self.objective[:60]}"


class TestStep(Audited, TimestampMixin, VersionedMixin, db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "validation_test_steps"
    __test__ = False

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    test_case_id: Mapped[int] = mapped_column(ForeignKey("validation_test_cases.id"), nullable=False, index=True)
    order: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    action: Mapped[str] = mapped_column(Text, nullable=False)
    expected_result: Mapped[str] = mapped_column(Text, nullable=False)

    test_case: Mapped[TestCase] = relationship(back_populates="steps")

    def audit_label(self) -> str:
        return f"step {self.order}"


class CoverageJustification(Audited, TimestampMixin, db.Model):  # type: ignore[name-defined,misc]
    """Why a high-risk function needs no scripted test case in this protocol; signed by QA."""

    __tablename__ = "validation_coverage_justifications"
    __table_args__ = (
        UniqueConstraint("protocol_id", "function_id", name="uq_validation_coverage_justifications_protocol_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    protocol_id: Mapped[int] = mapped_column(ForeignKey("validation_protocols.id"), nullable=False, index=True)
    function_id: Mapped[int] = mapped_column(ForeignKey("validation_functions.id"), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    justified_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)

    protocol: Mapped[Protocol] = relationship(back_populates="justifications")
    function: Mapped[Function] = relationship()
    justified_by: Mapped[User] = relationship()

    def audit_label(self) -> str:
        return f"justification for function #{self.function_id}"


class Execution(Audited, db.Model):  # type: ignore[name-defined,misc]
    """One recorded result. Immutable: a correction is a new entry pointing at the one it corrects."""

    __tablename__ = "validation_executions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    protocol_id: Mapped[int] = mapped_column(ForeignKey("validation_protocols.id"), nullable=False, index=True)
    test_case_id: Mapped[int] = mapped_column(ForeignKey("validation_test_cases.id"), nullable=False, index=True)
    test_step_id: Mapped[int | None] = mapped_column(ForeignKey("validation_test_steps.id"), nullable=True)
    tester_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    executed_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    tested_version: Mapped[str] = mapped_column(String(100), nullable=False)
    actual_result: Mapped[str] = mapped_column(Text, nullable=False)
    outcome: Mapped[str] = mapped_column(String(10), nullable=False)
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"), nullable=True)
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("validation_executions.id"), nullable=True)
    correction_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")

    tester: Mapped[User] = relationship()
    test_case: Mapped[TestCase] = relationship()
    test_step: Mapped[TestStep | None] = relationship()
    evidence: Mapped[StoredFile | None] = relationship()

    def audit_label(self) -> str:
        return f"Execution: {label(self.outcome)}"


class ImmutableRecord(Conflict):
    """Execution entries are never changed or deleted."""


@event.listens_for(Execution, "before_update")
def _executions_are_immutable(_mapper: Any, _connection: Any, _target: Execution) -> None:
    raise ImmutableRecord("Execution entries cannot be changed; record a correction with a reason instead.")


@event.listens_for(Execution, "before_delete")
def _executions_are_not_deleted(_mapper: Any, _connection: Any, _target: Execution) -> None:
    raise ImmutableRecord("Execution entries cannot be deleted.")


class Deviation(Audited, TimestampMixin, VersionedMixin, db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "validation_deviations"
    __table_args__ = (
        UniqueConstraint("protocol_id", "number", name="uq_validation_deviations_protocol_id_number"),
        Index("ix_validation_deviations_status", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    protocol_id: Mapped[int] = mapped_column(ForeignKey("validation_protocols.id"), nullable=False, index=True)
    execution_id: Mapped[int | None] = mapped_column(ForeignKey("validation_executions.id"), nullable=True)
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    severity: Mapped[str] = mapped_column(String(20), nullable=False, default=Severity.MAJOR)
    # Why the closure changed the severity a failure opened the deviation with (empty when it was kept).
    severity_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    impact: Mapped[str] = mapped_column(Text, nullable=False, default="")
    disposition: Mapped[str | None] = mapped_column(String(30), nullable=True)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default=DeviationStatus.OPEN)
    closure_rationale: Mapped[str] = mapped_column(Text, nullable=False, default="")
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    protocol: Mapped[Protocol] = relationship(back_populates="deviations")
    execution: Mapped[Execution | None] = relationship()
    closed_by: Mapped[User | None] = relationship()

    @property
    def code(self) -> str:
        return f"DEV-{self.number}"

    def audit_label(self) -> str:
        return self.code


class Report(Audited, TimestampMixin, VersionedMixin, db.Model):  # type: ignore[name-defined,misc]
    """The validation report of one protocol version; counts are computed, and frozen at approval."""

    __tablename__ = "validation_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    protocol_id: Mapped[int] = mapped_column(ForeignKey("validation_protocols.id"), nullable=False, unique=True)
    conclusion: Mapped[str | None] = mapped_column(String(30), nullable=True)
    restrictions: Mapped[str] = mapped_column(Text, nullable=False, default="")
    summary: Mapped[str] = mapped_column(Text, nullable=False, default="")
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=ReportStatus.DRAFT)
    counts_snapshot: Mapped[dict[str, int] | None] = mapped_column(JSON, nullable=True)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    approved_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    protocol: Mapped[Protocol] = relationship(back_populates="report")
    approved_by: Mapped[User | None] = relationship()

    def audit_label(self) -> str:
        return f"report of protocol #{self.protocol_id}"


class ChangeRequest(Audited, TimestampMixin, VersionedMixin, db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "validation_change_requests"
    __table_args__ = (Index("ix_validation_change_requests_status", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("software_systems.id"), nullable=False, index=True)
    new_version: Mapped[str] = mapped_column(String(100), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=ChangeRequestStatus.OPEN)
    impact_assessment: Mapped[str] = mapped_column(Text, nullable=False, default="")
    revalidation: Mapped[str | None] = mapped_column(String(10), nullable=True)
    assessed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    assessed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    protocol_id: Mapped[int | None] = mapped_column(ForeignKey("validation_protocols.id"), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    system: Mapped[SoftwareSystem] = relationship()
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    assessed_by: Mapped[User | None] = relationship(foreign_keys=[assessed_by_id])
    protocol: Mapped[Protocol | None] = relationship()

    @property
    def code(self) -> str:
        return f"CR-{self.id}"

    def audit_label(self) -> str:
        return f"{self.code} to {self.new_version}"


class PeriodicReview(Audited, TimestampMixin, db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "validation_periodic_reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("software_systems.id"), nullable=False, index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    reviewed_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    due_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    outcome: Mapped[str] = mapped_column(String(20), nullable=False)
    summary: Mapped[str] = mapped_column(Text, nullable=False)
    next_review: Mapped[date | None] = mapped_column(Date, nullable=True)
    data_location: Mapped[str] = mapped_column(Text, nullable=False, default="")
    retain_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    protocol_id: Mapped[int | None] = mapped_column(ForeignKey("validation_protocols.id"), nullable=True)

    system: Mapped[SoftwareSystem] = relationship()
    reviewer: Mapped[User] = relationship()

    def audit_label(self) -> str:
        return f"Periodic review: {label(self.outcome)}"
