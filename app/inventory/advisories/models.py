"""Advisories (OSV) as imported, and their matches to the components that ship an affected version."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.audit.models import Audited
from app.auth.models import User
from app.db import TimestampMixin, utcnow
from app.extensions import db
from app.inventory.models import Component


class MatchState(StrEnum):
    """Triage of one advisory against one component in VEX terms (CycloneDX analysis / OpenVEX status); open until
    someone decides. `under_investigation` is a decision to look further: it blocks a freeze like `open`."""

    OPEN = "open"
    UNDER_INVESTIGATION = "under_investigation"
    NOT_AFFECTED = "not_affected"
    AFFECTED = "affected"
    FIXED = "fixed"


class Justification(StrEnum):
    """Why a component is not affected: the CycloneDX impact-analysis justifications and the OpenVEX ones."""

    # CycloneDX 1.4+ analysis.justification
    CODE_NOT_PRESENT = "code_not_present"
    CODE_NOT_REACHABLE = "code_not_reachable"
    REQUIRES_CONFIGURATION = "requires_configuration"
    REQUIRES_DEPENDENCY = "requires_dependency"
    REQUIRES_ENVIRONMENT = "requires_environment"
    PROTECTED_BY_COMPILER = "protected_by_compiler"
    PROTECTED_AT_RUNTIME = "protected_at_runtime"
    PROTECTED_AT_PERIMETER = "protected_at_perimeter"
    PROTECTED_BY_MITIGATING_CONTROL = "protected_by_mitigating_control"
    # OpenVEX justifications
    COMPONENT_NOT_PRESENT = "component_not_present"
    VULNERABLE_CODE_NOT_PRESENT = "vulnerable_code_not_present"
    VULNERABLE_CODE_NOT_IN_EXECUTE_PATH = "vulnerable_code_not_in_execute_path"
    VULNERABLE_CODE_CANNOT_BE_CONTROLLED_BY_ADVERSARY = "vulnerable_code_cannot_be_controlled_by_adversary"
    INLINE_MITIGATIONS_ALREADY_EXIST = "inline_mitigations_already_exist"


class Advisory(db.Model):  # type: ignore[name-defined,misc]
    """One OSV record as last imported. Imports write these in bulk; the audit trail holds one event per import."""

    __tablename__ = "advisories"
    __table_args__ = (
        Index("ix_advisories_severity_level", "severity_level"),
        Index("ix_advisories_received_at", "received_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    osv_id: Mapped[str] = mapped_column(String(200), unique=True, nullable=False)
    aliases: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    summary: Mapped[str] = mapped_column(Text, nullable=False, default="")
    details: Mapped[str] = mapped_column(Text, nullable=False, default="")
    severity: Mapped[str] = mapped_column(Text, nullable=False, default="")  # CVSS vectors as written
    severity_level: Mapped[str] = mapped_column(String(10), nullable=False, default="")  # low..critical or ""
    # The CVSS base score computed from the newest vector (osv.cvss_base); None without a vector.
    severity_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    published: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    modified: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    withdrawn: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    reference_urls: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    content_hash: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    affected_hash: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    # When the record first arrived or its affected packages last changed: drives "new since the last review".
    received_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    imported_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    source_file: Mapped[str] = mapped_column(String(255), nullable=False, default="")

    affected: Mapped[list[AdvisoryAffected]] = relationship(
        back_populates="advisory", cascade="all, delete-orphan", passive_deletes=True, order_by="AdvisoryAffected.id"
    )

    @classmethod
    def audit_type(cls) -> str:
        return "advisory"

    @property
    def headline(self) -> str:
        """The summary, or the start of the details when the record has no summary (PyPA records have none)."""
        text = self.summary or " ".join(self.details.split())
        return text if len(text) <= 160 else text[:159].rstrip() + "…"

    def audit_label(self) -> str:
        return self.osv_id


class AdvisoryAffected(db.Model):  # type: ignore[name-defined,misc]
    """One affected package of an advisory; (ecosystem, name) are normalised so one indexed query finds candidates."""

    __tablename__ = "advisory_affected"
    __table_args__ = (Index("ix_advisory_affected_ecosystem_name", "ecosystem", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    advisory_id: Mapped[int] = mapped_column(ForeignKey("advisories.id", ondelete="CASCADE"), nullable=False, index=True)
    ecosystem: Mapped[str] = mapped_column(String(60), nullable=False)  # OSV's name: PyPI, npm, Maven...
    name: Mapped[str] = mapped_column(String(300), nullable=False)  # matching.normalise_name
    ranges: Mapped[list[dict[str, Any]]] = mapped_column(JSON, nullable=False, default=list)
    versions: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    purl: Mapped[str] = mapped_column(String(600), nullable=False, default="")

    advisory: Mapped[Advisory] = relationship(back_populates="affected")


class AdvisoryImport(db.Model):  # type: ignore[name-defined,misc]
    """One imported advisory file: its digest, who brought it and what changed (the trail has the event)."""

    __tablename__ = "advisory_imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    channel: Mapped[str] = mapped_column(String(10), nullable=False, default="web")
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    imported_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    counts: Mapped[dict[str, int]] = mapped_column(JSON, nullable=False, default=dict)
    warnings: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)

    imported_by: Mapped[User | None] = relationship()

    @classmethod
    def audit_type(cls) -> str:
        return "advisory_import"

    def audit_label(self) -> str:
        return self.filename


class AdvisoryMatch(Audited, TimestampMixin, db.Model):  # type: ignore[name-defined,misc]
    """An advisory affecting a component version; matching inserts these in bulk, triage edits are audited."""

    __tablename__ = "advisory_matches"
    __table_args__ = (
        UniqueConstraint("component_id", "advisory_id", name="uq_advisory_matches_component_id_advisory_id"),
        Index("ix_advisory_matches_advisory_id", "advisory_id"),
        # Open matches by release (the home page), and a release's matches by component (the components table).
        Index("ix_advisory_matches_state_release", "state", "release_id", "component_id"),
        Index("ix_advisory_matches_release_component", "release_id", "component_id", "state"),
        # A release's matches worst first, and by triage state: the release page reads a page of them in index order.
        Index("ix_advisory_matches_release_worst", "release_id", "severity_rank", "component_id", "advisory_id"),
        Index("ix_advisory_matches_release_state", "release_id", "state", "severity_rank", "component_id", "advisory_id"),
    )
    # The release and the advisory's severity rank are copies (a component stays in its release; an advisory import
    # that changes a severity updates its matches): not the triage record, so not audited.
    __audit_exclude__ = frozenset({"release_id", "severity_rank"})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    component_id: Mapped[int] = mapped_column(ForeignKey("components.id", ondelete="CASCADE"), nullable=False)
    advisory_id: Mapped[int] = mapped_column(ForeignKey("advisories.id", ondelete="CASCADE"), nullable=False)
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id", ondelete="CASCADE"), nullable=False)
    severity_rank: Mapped[int] = mapped_column(Integer, nullable=False, default=4)  # services.severity_rank
    matched_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    state: Mapped[str] = mapped_column(String(20), nullable=False, default=MatchState.OPEN)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")  # the mitigation when affected
    justification: Mapped[str] = mapped_column(String(60), nullable=False, default="")  # when not_affected
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    component: Mapped[Component] = relationship()
    advisory: Mapped[Advisory] = relationship()

    def audit_label(self) -> str:
        return f"{self.advisory.osv_id} on {self.component.name} {self.component.version}"


class SyncStatus(StrEnum):
    """How a scheduled advisory sync of one ecosystem ended."""

    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class AdvisorySyncRun(db.Model):  # type: ignore[name-defined,misc]
    """One sync of one ecosystem's OSV export: where from, when, what changed (by `modified`), how long, or why not.

    Written by the sync itself (not audited row by row: the trail holds one `advisories.synced` event per run)."""

    __tablename__ = "advisory_sync_runs"
    __table_args__ = (Index("ix_advisory_sync_runs_ecosystem_id", "ecosystem", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ecosystem: Mapped[str] = mapped_column(String(60), nullable=False)  # OSV's name: PyPI, npm...
    source: Mapped[str] = mapped_column(String(1000), nullable=False)  # the URL or local path read
    channel: Mapped[str] = mapped_column(String(10), nullable=False, default="worker")  # worker | cli | web
    status: Mapped[str] = mapped_column(String(10), nullable=False, default=SyncStatus.RUNNING)
    started_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    duration_s: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    new: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    changed: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    withdrawn: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # newly withdrawn in this run
    size: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # bytes of the export
    sha256: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    error: Mapped[str] = mapped_column(Text, nullable=False, default="")
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)

    started_by: Mapped[User | None] = relationship()

    @classmethod
    def audit_type(cls) -> str:
        return "advisory_sync_run"

    def audit_label(self) -> str:
        return f"{self.ecosystem} sync {self.id}"
