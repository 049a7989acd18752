"""Start, claim, advance, finish and recover jobs; handlers are plugged in per kind by the domains.

A job runs at most once at a time and finishes once: a worker claims the row with one conditional UPDATE
(queued -> running) before it runs it, a second copy of the same queued task finds nothing to claim, and
a job left running by a dead worker goes back to queued when a worker starts (or when its heartbeat is old).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app
from sqlalchemy import CursorResult, event, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.audit import services as audit
from app.db import utcnow
from app.errors import NotFound
from app.extensions import db
from app.jobs.models import Job, JobStatus

_HANDLERS = "jobs.handlers"
_PENDING = "jobs.pending_enqueue"


class Progress:
    """What a handler reports: the number of items, and each finished item (committed with the item's work)."""

    def __init__(self, job: Job) -> None:
        self.job = job

    @property
    def done(self) -> int:
        """Items finished before, by this run or by a run that stopped: a resumed job starts here."""
        return self.job.done

    def start(self, total: int, message: str = "") -> None:
        """Set the number of items (kept when a resumed run finds the same number) and commit."""
        self.job.total = total
        self.job.message = message[:500]
        self.job.heartbeat_at = utcnow()
        db.session.commit()

    def advance(self, message: str = "", count: int = 1) -> None:
        """One more item is finished: its work and the counter commit together."""
        self.job.done = min(self.job.total, self.job.done + count) if self.job.total else self.job.done + count
        if message:
            self.job.message = message[:500]
        self.job.heartbeat_at = utcnow()
        db.session.commit()


Handler = Callable[[Job, Progress], dict[str, Any] | None]


@dataclass(frozen=True)
class JobKind:
    kind: str
    label: str
    handler: Handler


def add_handler(app: Flask, kind: str, label: str, handler: Handler) -> None:
    """A domain hands the app the function that runs one kind of job."""
    app.extensions.setdefault(_HANDLERS, {})[kind] = JobKind(kind, label, handler)


def kinds() -> dict[str, JobKind]:
    """The job kinds the domains registered on the current app."""
    registered: dict[str, JobKind] = current_app.extensions.get(_HANDLERS, {})
    return registered


def kind_label(kind: str) -> str:
    """The label of a job kind ("Look up licences"), or the kind itself."""
    found = kinds().get(kind)
    return found.label if found else kind


def worker_owner() -> str:
    """This process as a job owner: host:pid."""
    return f"{socket.gethostname()}:{os.getpid()}"


def owner_is_gone(owner: str) -> bool:
    """True when the owner is a process of this host that no longer runs (another host's owner: unknown, False)."""
    host, _, pid = owner.partition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def start(kind: str, subject: str, *, title: str, params: dict[str, Any] | None = None, by: Any = None,
          subject_url: str = "") -> tuple[Job, bool]:
    """Queue a job (sent to the worker once the transaction commits); the job already queued or running for
    the same kind and subject is returned instead of a second one. Returns (job, created)."""
    key = f"{kind}:{subject}"[:270]
    existing = db.session.scalar(select(Job).where(Job.active_key == key))
    if existing is not None:
        return existing, False
    job = Job(kind=kind, subject=subject[:200], title=title[:300], subject_url=subject_url[:500], active_key=key,
              status=JobStatus.QUEUED, params=params or {}, message="Waiting for the worker",
              created_by_id=getattr(by, "id", None))
    try:
        with db.session.begin_nested():
            db.session.add(job)
    except IntegrityError:  # the same job was queued by a concurrent request
        found = db.session.scalar(select(Job).where(Job.active_key == key))
        if found is None:
            raise
        return found, False
    audit.record("job.started", job, kind=kind, subject=subject)
    db.session.info.setdefault(_PENDING, []).append(job.id)
    return job, True


def get(job_id: int) -> Job:
    """The job, or the 404 page."""
    job = db.session.get(Job, job_id)
    if job is None:
        raise NotFound("There is no such job.")
    return job


def latest(kind: str, subject: str) -> Job | None:
    """The newest job of this kind for this subject (running or finished)."""
    return db.session.scalar(
        select(Job).where(Job.kind == kind, Job.subject == subject).order_by(Job.id.desc()).limit(1))


def claim(job_id: int, owner: str) -> Job | None:
    """Take a queued job for this worker (one conditional UPDATE, committed); None when another took it or it is
    finished."""
    now = utcnow()
    claimed: CursorResult[Any] = db.session.execute(  # type: ignore[assignment]
        update(Job).where(Job.id == job_id, Job.status == JobStatus.QUEUED)
        .values(status=JobStatus.RUNNING, owner=owner[:200], attempts=Job.attempts + 1, heartbeat_at=now,
                message="Running")
        .execution_options(synchronize_session=False)
    )
    count = claimed.rowcount
    db.session.commit()
    if not count:
        return None
    job = db.session.get(Job, job_id)
    if job is not None and job.started_at is None:
        job.started_at = now
        db.session.commit()
    return job


def _actor(job: Job) -> audit.Actor:
    user = job.created_by
    if user is None:
        return audit.Actor(None, "worker")
    return audit.Actor(user.id, f"{user.full_name} ({user.username}) via the worker")


def run_job(job_id: int, owner: str | None = None) -> str:
    """Claim the job and run its handler: 'done', 'failed', or 'skipped' when there was nothing to claim."""
    job = claim(job_id, owner or worker_owner())
    if job is None:
        return "skipped"
    kind = kinds().get(job.kind)
    with audit.acting_as(_actor(job)):
        try:
            if kind is None:
                raise RuntimeError(f"no handler for jobs of kind {job.kind!r}")
            result = kind.handler(job, Progress(job))
        except Exception as error:
            db.session.rollback()
            current_app.logger.exception("job %s (%s) failed", job_id, job.kind if job else "?")
            failed = db.session.get(Job, job_id)
            if failed is None:
                return "failed"
            failed.status = JobStatus.FAILED
            failed.active_key = None
            failed.error = f"{type(error).__name__}: {error}"[:4000]
            failed.message = "Failed"
            failed.finished_at = utcnow()
            db.session.commit()
            return "failed"
        job.status = JobStatus.DONE
        job.active_key = None
        job.result = result or {}
        job.finished_at = utcnow()
        job.heartbeat_at = job.finished_at
        if job.total and job.done < job.total:
            job.done = job.total
        if not job.message or job.message == "Running":
            job.message = "Finished"
        db.session.commit()
    return "done"


def recover(*, stale_after: timedelta | None = None, now: datetime | None = None) -> list[int]:
    """Put the jobs of dead workers (or with a heartbeat older than stale_after) back in the queue; return their ids
    and those of jobs queued longer than stale_after (their task may have been lost), to send again. Commits."""
    now = now or utcnow()
    stale = stale_after if stale_after is not None else timedelta(seconds=int(current_app.config["JOB_STALE_SECONDS"]))
    resumed: list[int] = []
    for job in db.session.scalars(select(Job).where(Job.status == JobStatus.RUNNING).order_by(Job.id)):
        beat = job.heartbeat_at or job.started_at or job.created_at
        if owner_is_gone(job.owner) or beat < now - stale:
            job.status = JobStatus.QUEUED
            job.message = f"Resumed after item {job.done} of {job.total}: the worker running it stopped"[:500]
            job.owner = ""
            resumed.append(job.id)
    waiting = list(db.session.scalars(
        select(Job.id).where(Job.status == JobStatus.QUEUED, Job.created_at < now - stale).order_by(Job.id)))
    db.session.commit()
    return sorted(set(resumed) | set(waiting))


def take_pending(session: Session) -> list[int]:
    """The ids of jobs started in the transaction that just committed (and forget them)."""
    return list(session.info.pop(_PENDING, []))


def listen_for_commits(send: Callable[[list[int]], None]) -> None:
    """Jobs go to the worker only once the transaction that created them commits (a rollback drops them)."""
    if getattr(listen_for_commits, "_installed", False):
        return

    @event.listens_for(Session, "after_commit")
    def _after_commit(session: Session) -> None:
        ids = take_pending(session)
        if ids:
            send(ids)

    @event.listens_for(Session, "after_rollback")
    def _after_rollback(session: Session) -> None:
        session.info.pop(_PENDING, None)

    listen_for_commits._installed = True  # type: ignore[attr-defined]
