"""Anomaly reviews (IEC 62304 7.1.3): one per review of an exact component version, never edited."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.audit.models import Audited
from app.db import TimestampMixin, utcnow
from app.extensions import db
from app.inventory.models import Component


class Conclusion(StrEnum):
    """The outcome of an anomaly review."""

    ACCEPTABLE = "acceptable"
    NEEDS_RISK_CONTROL = "needs_risk_control"
    REJECT = "reject"


class AnomalyReview(Audited, TimestampMixin, db.Model):  # type: ignore[name-defined,misc]
    """A review of the known anomalies of one exact component version (IEC 62304 7.1.3). Never edited: a new one supersedes.

    The review belongs to the version (ecosystem, normalised name, version), so it holds for every release
    that ships that version; `component_id` keeps where it was recorded.
    """

    __tablename__ = "anomaly_reviews"
    __table_args__ = (
        Index("ix_anomaly_reviews_key", "ecosystem", "package", "version"),
        Index("ix_anomaly_reviews_next_due", "next_due"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    component_id: Mapped[int | None] = mapped_column(
        ForeignKey("components.id", ondelete="SET NULL"), nullable=True, index=True
    )
    ecosystem: Mapped[str] = mapped_column(String(60), nullable=False)  # OSV ecosystem name
    package: Mapped[str] = mapped_column(String(300), nullable=False)  # normalised name
    version: Mapped[str] = mapped_column(String(120), nullable=False)
    display_name: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    reviewer_name: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    reviewed_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    safety_class: Mapped[str] = mapped_column(String(1), nullable=False, default="A")
    anomalies: Mapped[str] = mapped_column(Text, nullable=False, default="")
    links: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    advisories_considered: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    conclusion: Mapped[str] = mapped_column(String(30), nullable=False)
    rationale: Mapped[str] = mapped_column(Text, nullable=False, default="")
    next_due: Mapped[date] = mapped_column(Date, nullable=False)

    component: Mapped[Component | None] = relationship()

    def audit_label(self) -> str:
        return f"{self.display_name or self.package} {self.version}"
