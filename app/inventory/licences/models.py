"""The stored licence policy: overrides of the default verdicts, per SPDX id or per category."""

from __future__ import annotations

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.audit.models import Audited
from app.db import TimestampMixin, VersionedMixin
from app.extensions import db


class LicencePolicyEntry(Audited, TimestampMixin, VersionedMixin, db.Model):  # type: ignore[name-defined,misc]
    """An override of the default licence policy: one SPDX id (or a category name) and its verdict."""

    __tablename__ = "licence_policy_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True, nullable=False)  # SPDX id or category value
    verdict: Mapped[str] = mapped_column(String(10), nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")

    def audit_label(self) -> str:
        return self.key
