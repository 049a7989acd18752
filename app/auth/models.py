"""User accounts. Users are never deleted; a username is never reused."""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum
from functools import lru_cache

from flask_login import UserMixin
from sqlalchemy import Boolean, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.access import Permission, Role, permissions_for
from app.audit.models import Audited
from app.db import TimestampMixin, VersionedMixin
from app.extensions import db


@lru_cache(maxsize=64)
def _permissions_of(roles: str) -> frozenset[Permission]:
    """Permissions of a comma-separated role list (cached: pages ask for them many times)."""
    return permissions_for({Role(value) for value in roles.split(",") if value})


class TaskMail(StrEnum):
    """How a user hears of their tasks by e-mail."""

    EACH = "each"  # each reminder as it comes
    DIGEST = "digest"  # one e-mail a day listing My tasks
    OFF = "off"  # none: the user reads My tasks in the app


TASK_MAIL_CHOICES: tuple[tuple[str, str], ...] = (
    (TaskMail.EACH, "Each reminder as it comes (one e-mail per item due)"),
    (TaskMail.DIGEST, "One daily digest listing My tasks"),
    (TaskMail.OFF, "No e-mail: I read My tasks in the app"),
)


def new_alternative_id() -> str:
    """A random session identifier; rotating it ends every session of the user."""
    return secrets.token_urlsafe(32)


class User(Audited, UserMixin, TimestampMixin, VersionedMixin, db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "users"
    __audit_exclude__ = frozenset({"password_hash", "alternative_id", "failed_logins", "last_login_at"})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True, nullable=False)
    full_name: Mapped[str] = mapped_column(String(200), nullable=False)
    email: Mapped[str] = mapped_column(String(254), nullable=False)
    roles: Mapped[str] = mapped_column(String(200), nullable=False, default="")  # comma-separated Role values
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    password_changed_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    must_change_password: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    failed_logins: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    alternative_id: Mapped[str] = mapped_column(
        String(64), unique=True, nullable=False, default=new_alternative_id
    )
    # How the user hears of their tasks by e-mail (TaskMail): each reminder as it comes, a daily digest, or none.
    task_mail: Mapped[str] = mapped_column(String(10), nullable=False, default=TaskMail.EACH, server_default="each")

    def get_id(self) -> str:
        return self.alternative_id

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def role_set(self) -> set[Role]:
        return {Role(value) for value in self.roles.split(",") if value}

    @role_set.setter
    def role_set(self, roles: set[Role]) -> None:
        self.roles = ",".join(sorted(str(role) for role in roles))

    @property
    def permissions(self) -> frozenset[Permission]:
        return _permissions_of(self.roles)

    def has(self, permission: Permission) -> bool:
        """True when one of the user's roles grants the permission."""
        return permission in self.permissions

    def audit_label(self) -> str:
        return self.username

    def __repr__(self) -> str:
        return f"<User {self.username}>"
