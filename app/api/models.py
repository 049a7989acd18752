"""API tokens: made by an admin, shown once, stored as a SHA-256 hash, scoped, revocable."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.audit.models import Audited
from app.auth.models import User
from app.db import TimestampMixin
from app.extensions import db


class TokenScope(StrEnum):
    INVENTORY_IMPORT = "inventory.import"


class ApiToken(Audited, TimestampMixin, db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "api_tokens"
    # The hash is a secret-equivalent and last use is recorded as a token_used event instead.
    __audit_exclude__ = frozenset({"token_hash", "last_used_at"})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    prefix: Mapped[str] = mapped_column(String(12), nullable=False)  # shown in lists to tell tokens apart
    scope: Mapped[str] = mapped_column(String(40), nullable=False, default=TokenScope.INVENTORY_IMPORT)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)

    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])

    @property
    def active(self) -> bool:
        return self.revoked_at is None
