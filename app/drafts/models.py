"""Drafts: what a user typed into a long form and has not saved yet, kept on the server as they type."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import utcnow
from app.extensions import db


class FormDraft(db.Model):  # type: ignore[name-defined,misc]
    """One form's unsaved fields for one user (the form is named by its page and its action).

    Not a record: nothing is decided or signed with it, so it is not audited; it is the user's own scratch copy,
    shown to nobody else, and removed when the form is submitted or the user discards it.
    """

    __tablename__ = "form_drafts"
    __table_args__ = (
        UniqueConstraint("user_id", "form_key", name="uq_form_drafts_user_id_form_key"),
        Index("ix_form_drafts_user_id_page", "user_id", "page"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    page: Mapped[str] = mapped_column(String(300), nullable=False)  # the page's path
    form_key: Mapped[str] = mapped_column(String(700), nullable=False)  # page + "|" + the form's action
    fields: Mapped[list[Any]] = mapped_column(JSON, nullable=False, default=list)  # [name, value, checked]...
    updated_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
