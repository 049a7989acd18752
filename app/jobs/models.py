"""A job: long work started from a page (or a periodic task), run by the worker, with its progress.

The row is the truth about a job, not the task queue: a queued task only carries the job's id, a worker
claims the row before it runs it, and a restarted worker queues again every job a dead worker left
behind. Handlers commit each finished item together with the progress counter, so a job resumed after
a crash starts at the first unfinished item and finishes once.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.db import utcnow
from app.extensions import db


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


FINISHED = frozenset({JobStatus.DONE, JobStatus.FAILED})


class Job(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_subject_id", "subject", "id"),
        Index("ix_jobs_status", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(60), nullable=False)
    subject: Mapped[str] = mapped_column(String(200), nullable=False, default="")  # "release:5", "supplier:3"
    title: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    subject_url: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    # kind:subject while the job is queued or running, NULL once finished: one active job per subject and kind.
    active_key: Mapped[str | None] = mapped_column(String(270), nullable=True, unique=True)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default=JobStatus.QUEUED)
    total: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    done: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    message: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    params: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    result: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    error: Mapped[str] = mapped_column(Text, nullable=False, default="")
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    owner: Mapped[str] = mapped_column(String(200), nullable=False, default="")  # host:pid of the running worker
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    created_by: Mapped[User | None] = relationship()

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED

    @property
    def percent(self) -> int:
        """Share of the items done, 0-100 (100 once finished)."""
        if self.status == JobStatus.DONE:
            return 100
        return int(100 * self.done / self.total) if self.total else 0

    @classmethod
    def audit_type(cls) -> str:
        return "job"

    def audit_label(self) -> str:
        return f"{self.title or self.kind} (job {self.id})"
