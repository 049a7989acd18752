"""Anomaly reviews (IEC 62304 7.1.3): one per review of an exact component version, never edited."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, Integer, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.audit.models import Audited
from app.db import TimestampMixin, utcnow
from app.extensions import db
from app.inventory.anomalies.rules import review_key
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


class ReviewSchedule(db.Model):  # type: ignore[name-defined,misc]
    """When one monitored component version (in a draft or frozen release) needs its next anomaly review.

    Derived data, kept current by the inventory's services whenever its inputs change (an import, a review, an
    advisory import, a safety class or identity edit), so that the home page and the list of reviews due read
    it with one indexed query instead of recomputing every version per view. `due_on` is the day the version
    joins the reviews due (anomalies.rules.schedule_due_on): a list of what is due on a day is `due_on <= day +
    reminder days`. Not audited: the reviews, imports and advisory imports it follows from are.
    """

    __tablename__ = "anomaly_review_schedule"
    __table_args__ = (
        # What is due in the order shown (the first few read in index order), and the counts by state from the index.
        Index("ix_anomaly_review_schedule_due", "due_on", "display_name", "id"),
        Index("ix_anomaly_review_schedule_due_state", "due_on", "last_reviewed_at", "new_advisories", "next_due"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_key: Mapped[str] = mapped_column(String(500), nullable=False, unique=True)
    ecosystem: Mapped[str] = mapped_column(String(60), nullable=False)  # OSV ecosystem name
    package: Mapped[str] = mapped_column(String(300), nullable=False)  # normalised name
    version: Mapped[str] = mapped_column(String(120), nullable=False)
    display_name: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    # The newest monitored component shipping the version (for the links), and where it ships.
    component_id: Mapped[int | None] = mapped_column(ForeignKey("components.id", ondelete="SET NULL"), nullable=True)
    releases: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)  # "Product 1.2", at most 20
    release_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    safety_class: Mapped[str] = mapped_column(String(1), nullable=False, default="A")  # the highest of its uses
    last_reviewed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    next_due: Mapped[date | None] = mapped_column(Date, nullable=True)
    new_advisories: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    monitored_since: Mapped[date] = mapped_column(Date, nullable=False)
    due_on: Mapped[date | None] = mapped_column(Date, nullable=True)


@event.listens_for(Component, "before_insert")
@event.listens_for(Component, "before_update")
def _keep_review_key(_mapper: Any, _connection: Any, component: Component) -> None:
    """A component written through the ORM carries the review key of its version (bulk imports set it themselves)."""
    component.review_key = review_key(component.ecosystem or "generic", component.name or "", component.version or "")
