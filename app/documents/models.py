"""Generated Word documents and the company's custom templates."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from app.audit.models import Audited
from app.auth.models import User
from app.db import TimestampMixin, VersionedMixin, utcnow
from app.extensions import db
from app.labels import label, register_codes


class TemplateStatus:
    DRAFT = "draft"
    ACTIVE = "active"
    RETIRED = "retired"


register_codes(TemplateStatus.DRAFT, TemplateStatus.ACTIVE, TemplateStatus.RETIRED)


class DocumentTemplate(Audited, TimestampMixin, VersionedMixin, db.Model):  # type: ignore[name-defined,misc]
    """An uploaded .docx for one document type; versioned, activated with a signature."""

    __tablename__ = "document_templates"
    __audit_exclude__ = frozenset({"data"})
    __table_args__ = (Index("ix_document_templates_type_status", "doc_type", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    doc_type: Mapped[str] = mapped_column(String(40), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    template_version: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=TemplateStatus.DRAFT)
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    variables_used: Mapped[list[str]] = mapped_column(db.JSON, nullable=False, default=list)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    activated_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    uploaded_by: Mapped[User] = relationship()

    def audit_label(self) -> str:
        return f"{label(self.doc_type)} template {self.name} v{self.template_version}"


class DocumentProcedure(Audited, TimestampMixin, db.Model):  # type: ignore[name-defined,misc]
    """The procedure (SOP) that governs a document type, printed on every document of that type."""

    __tablename__ = "document_procedures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    doc_type: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    reference: Mapped[str] = mapped_column(String(80), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)

    def audit_label(self) -> str:
        return f"{label(self.doc_type)}: {self.reference} {self.title}".strip()


class GeneratedDocument(Audited, db.Model):  # type: ignore[name-defined,misc]
    """One generated file with what it was made from: record, version, content hash, template."""

    __tablename__ = "generated_documents"
    __audit_exclude__ = frozenset({"data", "context", "signed_data", "pdf_data"})
    __table_args__ = (
        Index("ix_generated_documents_source", "source_type", "source_id"),
        Index("ix_generated_documents_doc_type", "doc_type"),
        Index("ix_generated_documents_number", "number"),  # the audit log finds a record by a document number
        Index("ix_generated_documents_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    doc_type: Mapped[str] = mapped_column(String(40), nullable=False)
    number: Mapped[str] = mapped_column(String(80), nullable=False)
    revision: Mapped[int] = mapped_column(Integer, nullable=False)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    source_type: Mapped[str] = mapped_column(String(80), nullable=False)
    source_id: Mapped[str] = mapped_column(String(120), nullable=False)
    source_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    content_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    draft: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    template_id: Mapped[int | None] = mapped_column(ForeignKey("document_templates.id"), nullable=True)
    template_name: Mapped[str] = mapped_column(String(200), nullable=False)
    template_version: Mapped[str] = mapped_column(String(40), nullable=False)
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_by_name: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # The full context the file was rendered from: the signed copy is rendered again from it.
    context: Mapped[dict[str, Any] | None] = deferred(mapped_column(db.JSON, nullable=True))
    # Who signed, as printed in the file (`data`): "Quinn Quality (Approved); ..."; empty when it prints none.
    signed_by: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # The signed copy: the same document re-issued with the signatures of the document itself printed.
    signed_data: Mapped[bytes | None] = deferred(mapped_column(LargeBinary, nullable=True))
    signed_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    signed_size: Mapped[int | None] = mapped_column(Integer, nullable=True)
    signed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # The archive PDF/A-2b of the file a reader gets (the signed copy when there is one), made on first request.
    pdf_data: Mapped[bytes | None] = deferred(mapped_column(LargeBinary, nullable=True))
    pdf_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    pdf_size: Mapped[int | None] = mapped_column(Integer, nullable=True)

    def audit_label(self) -> str:
        return f"{self.number} rev {self.revision}"

    @property
    def source_text(self) -> str:
        """What the document was made from, as a reader says it: the record's type, number and version ("Release #12,
        record version 3"); a list or an extract by its scope and how many rows it holds, which is what its stored
        "version" counts ("Approved supplier list of 2026, 5 suppliers")."""
        kind, version = label(self.source_type), self.source_version
        if self.source_type == "approved_supplier_list":
            return f"{kind} of {self.source_id.partition('@')[2]}" + _counted(version, "supplier")
        if self.source_type == "audit_extract":
            scope, _, rest = self.source_id.partition(":")
            if scope == "range":
                start, _, end = rest.partition(":")
                return f"{kind} from {start} to {end}" + _counted(version, "event")
            return f"{kind} of {label(scope).lower()} #{rest}" + _counted(version, "event")
        if self.source_type == "release_diff" and ":" in self.source_id:
            old, _, new = self.source_id.partition(":")
            return f"{kind} #{old} and #{new}" + (f", record version {version}" if version else "")
        return f"{kind} #{self.source_id}" + (f", record version {version}" if version else "")

    @property
    def signed_filename(self) -> str:
        """The download name of the signed copy."""
        return self.filename.removesuffix(".docx") + "-signed.docx"


def _counted(count: int | None, noun: str) -> str:
    return "" if count is None else f", {count} {noun}{'' if count == 1 else 's'}"
