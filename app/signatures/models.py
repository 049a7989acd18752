"""Electronic signatures (21 CFR Part 11): immutable, bound to a record version and its content hash."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.audit.models import Audited
from app.auth.models import User
from app.db import utcnow
from app.extensions import db
from app.labels import label, register_codes


class Meaning:
    AUTHORED = "authored"
    REVIEWED = "reviewed"
    APPROVED = "approved"
    EXECUTED = "executed"
    VERIFIED = "verified"
    REJECTED = "rejected"
    ALL = (AUTHORED, REVIEWED, APPROVED, EXECUTED, VERIFIED, REJECTED)


register_codes(*Meaning.ALL)


class Signature(Audited, db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "signatures"
    __table_args__ = (Index("ix_signatures_entity", "entity_type", "entity_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity_type: Mapped[str] = mapped_column(String(80), nullable=False)
    entity_id: Mapped[str] = mapped_column(String(80), nullable=False)
    entity_version: Mapped[int] = mapped_column(Integer, nullable=False)
    content_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    signer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    printed_name: Mapped[str] = mapped_column(String(200), nullable=False)
    meaning: Mapped[str] = mapped_column(String(20), nullable=False)
    signed_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    comment: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # The signed content itself (plain JSON, hashed into content_hash): what changed since can be named.
    content: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)

    signer: Mapped[User] = relationship()

    def audit_label(self) -> str:
        return f"{label(self.meaning)}: {label(self.entity_type)} #{self.entity_id} v{self.entity_version}"
