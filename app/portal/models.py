"""Hit counts of the supplier portal's rate limit, shared by every worker through the database."""

from __future__ import annotations

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class PortalRateCount(db.Model):  # type: ignore[name-defined,misc]
    """How many portal requests one client address made in one minute (window_minute = Unix minutes)."""

    __tablename__ = "portal_rate_counts"
    __table_args__ = (Index("ix_portal_rate_counts_window_minute", "window_minute"),)

    bucket: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_minute: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
