"""The stored currency of each exact package version, as its components spell it (ecosystem, name, version)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import utcnow
from app.extensions import db


class VersionCurrency(db.Model):  # type: ignore[name-defined,misc]
    """How far one exact version is behind its registry, computed from the stored registry metadata whenever a
    release's packages are looked up. Keyed by the component's own spelling, so a release page joins it exactly.
    Not part of any signed record: it changes as the registry publishes (the time it was computed is kept)."""

    __tablename__ = "version_currency"
    __table_args__ = (Index("uq_version_currency_key", "ecosystem", "name", "version", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ecosystem: Mapped[str] = mapped_column(String(40), nullable=False)
    name: Mapped[str] = mapped_column(String(300), nullable=False)
    version: Mapped[str] = mapped_column(String(120), nullable=False)
    latest_version: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    releases_behind: Mapped[int | None] = mapped_column(Integer, nullable=True)
    days_behind: Mapped[int | None] = mapped_column(Integer, nullable=True)
    yanked: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    deprecated: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    deprecation: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    computed_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    @property
    def outdated(self) -> bool:
        return bool(self.releases_behind)
