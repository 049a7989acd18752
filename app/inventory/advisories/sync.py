"""Scheduled advisory sync: per ecosystem of the inventory, read OSV's export (all.zip) and import what changed.

The export comes from a URL template (OSV's public bucket by default), a mirror, or a local directory for offline
sites. Records whose `modified` equals the stored one are passed over unparsed; the rest go through the import
(withdrawn records are kept and marked). Each ecosystem's sync is one recorded run (AdvisorySyncRun), failed or
not. Services flush; the callers (CLI, worker, job) commit after each run.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from flask import Flask, current_app
from sqlalchemy import Select, func, select

from app.audit import services as audit
from app.auth.models import User
from app.db import utcnow
from app.errors import DomainError, PermissionDenied
from app.extensions import db
from app.inventory.advisories import osv
from app.inventory.advisories.matching import osv_ecosystem
from app.inventory.advisories.models import Advisory, AdvisorySyncRun, SyncStatus
from app.inventory.advisories.policies import can_sync_advisories
from app.inventory.advisories.services import osv_time, store_advisories
from app.inventory.models import Component
from app.jobs import services as jobs
from app.jobs.models import Job
from app.jobs.queue import add_periodic
from app.sources import fetch

JOB_KIND = "advisories.sync"
JOB_SUBJECT = "advisories"
# The ecosystems OSV publishes an all.zip for, by OSV's names (https://osv-vulnerabilities.storage.googleapis.com/ecosystems.txt).
OSV_EXPORTS = frozenset({
    "PyPI", "npm", "Maven", "NuGet", "Go", "crates.io", "RubyGems", "Packagist", "Hex", "Pub", "SwiftURL",
    "Debian", "Alpine", "Hackage", "CRAN", "GitHub Actions", "Ubuntu", "Rocky Linux", "AlmaLinux",
})


class SyncFailed(Exception):
    """The export could not be read: the message says why (it is stored on the run)."""


def inventory_ecosystems() -> list[str]:
    """OSV's names of the ecosystems the inventory's components come from, that OSV exports (sorted)."""
    found = {osv_ecosystem(name) for name in db.session.scalars(select(Component.ecosystem).distinct())}
    return sorted(found & OSV_EXPORTS)


def source_for(ecosystem: str, template: str | None = None) -> str:
    """Where the ecosystem's export is read: the ADVISORY_SYNC_SOURCE template with {ecosystem} filled in (quoted
    in a URL); a local directory without {ecosystem} holds <ecosystem>/all.zip."""
    template = template if template is not None else str(current_app.config["ADVISORY_SYNC_SOURCE"])
    if template.startswith(("http://", "https://")):
        return template.replace("{ecosystem}", quote(ecosystem, safe=""))
    if "{ecosystem}" in template:
        return template.replace("{ecosystem}", ecosystem)
    return str(Path(template.removeprefix("file://")) / ecosystem / "all.zip")


def read_export(source: str, max_bytes: int) -> bytes:
    """The export's bytes from a URL (streamed, refused past max_bytes) or a local file; SyncFailed says why not."""
    if source.startswith(("http://", "https://")):
        answer = fetch.download(source, max_bytes=max_bytes, accept="application/zip")
        if answer.error:
            raise SyncFailed(answer.error)
        return answer.body
    path = Path(unquote(urlsplit(source).path) if source.startswith("file://") else source)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise SyncFailed(f"{path} is {size:,} bytes; the limit is {max_bytes:,} bytes")
        return path.read_bytes()
    except OSError as error:
        raise SyncFailed(f"cannot read {path} ({error.strerror or error})") from error


@dataclass(frozen=True)
class _Stored:
    modified: datetime | None
    withdrawn: bool


def _stored() -> dict[str, _Stored]:
    table = Advisory.__table__
    return {row.osv_id: _Stored(row.modified, row.withdrawn is not None)
            for row in db.session.execute(select(table.c.osv_id, table.c.modified, table.c.withdrawn))}


def sync_ecosystem(ecosystem: str, *, by: User | None = None, channel: str = "worker") -> AdvisorySyncRun:
    """Sync one ecosystem: read its export, import the records new or changed by `modified`, and record the run
    (counts, duration; the error when it failed, in which case nothing of it is imported). Flushes."""
    started, clock = utcnow(), time.perf_counter()
    source = source_for(ecosystem)
    run = AdvisorySyncRun(ecosystem=ecosystem[:60], source=source[:1000], channel=channel[:10], started_at=started,
                          status=SyncStatus.RUNNING, started_by_id=by.id if by is not None else None)
    try:
        with db.session.begin_nested():
            content = read_export(source, int(current_app.config["ADVISORY_SYNC_MAX_BYTES"]))
            run.size, run.sha256 = len(content), hashlib.sha256(content).hexdigest()
            _import_changes(run, source, content)
        run.status = SyncStatus.SUCCEEDED
    except (SyncFailed, DomainError, osv.AdvisoryFormatError) as error:
        run.status = SyncStatus.FAILED
        run.error = str(getattr(error, "message", "") or error)[:4000]
        run.new = run.changed = run.unchanged = run.withdrawn = 0
    run.duration_s = round(time.perf_counter() - clock, 3)
    db.session.add(run)
    db.session.flush()
    audit.record("advisories.synced", run, ecosystem=run.ecosystem, source=run.source, status=run.status,
                 new=run.new, changed=run.changed, unchanged=run.unchanged, withdrawn=run.withdrawn,
                 duration_s=run.duration_s, error=run.error)
    return run


def _import_changes(run: AdvisorySyncRun, source: str, content: bytes) -> None:
    stored = _stored()

    def unchanged(name: str, data: bytes) -> bool:
        stamp = osv.record_stamp(name, data)
        known = stored.get(stamp.id) if stamp is not None else None
        return known is not None and stamp is not None and known.modified is not None \
            and known.modified == osv_time(stamp.modified)

    filename = f"{run.ecosystem}-all.zip"
    try:
        parsed = osv.parse_advisories(filename, content, skip=unchanged)
    except osv.AdvisoryFormatError as error:
        raise SyncFailed(f"{source}: {error}") from error
    run.withdrawn = sum(1 for record in parsed.advisories
                        if record.is_withdrawn and not (record.id in stored and stored[record.id].withdrawn))
    if not parsed.advisories:
        run.unchanged = parsed.skipped
        return
    result = store_advisories(parsed.advisories, parsed.warnings, filename=filename, content=content, channel="sync",
                              skipped_unchanged=parsed.skipped)
    run.new, run.changed, run.unchanged = result.added, result.updated, result.unchanged


def sync_all(*, ecosystems: Sequence[str] | None = None, by: User | None = None, channel: str = "worker",
             after_each: Callable[[AdvisorySyncRun], object] | None = None) -> list[AdvisorySyncRun]:
    """Sync every ecosystem of the inventory (or the given ones), one run each; `after_each` commits them."""
    runs = []
    for ecosystem in ecosystems if ecosystems is not None else inventory_ecosystems():
        run = sync_ecosystem(ecosystem, by=by, channel=channel)
        runs.append(run)
        if after_each is not None:
            after_each(run)
    return runs


def _commit(_run: AdvisorySyncRun) -> None:
    db.session.commit()


def scheduled_sync() -> list[AdvisorySyncRun]:
    """The periodic task: sync every ecosystem of the inventory, each run committed on its own."""
    return sync_all(channel="worker", after_each=_commit)


def start_sync(by: User) -> tuple[Job, bool]:
    """Queue a sync of every ecosystem for the worker (the running one is returned instead of a second)."""
    if not can_sync_advisories(by):
        raise PermissionDenied("You may not start an advisory sync.")
    return jobs.start(JOB_KIND, JOB_SUBJECT, title="Sync advisories from OSV", by=by)


def run_sync_job(job: Job, progress: jobs.Progress) -> dict[str, object]:
    """The job: one run per ecosystem, each committed with the progress."""
    ecosystems = inventory_ecosystems()
    progress.start(len(ecosystems), "Syncing " + ", ".join(ecosystems) if ecosystems else "No ecosystem to sync")
    runs = sync_all(ecosystems=ecosystems, by=job.created_by, channel="web",
                    after_each=lambda run: progress.advance(f"{run.ecosystem}: {run.status}"))
    return {"runs": [run.id for run in runs], "failed": sum(1 for run in runs if run.status == SyncStatus.FAILED)}


def last_runs() -> list[AdvisorySyncRun]:
    """The latest run of each ecosystem ever synced, by ecosystem (one grouped query)."""
    latest = select(func.max(AdvisorySyncRun.id)).group_by(AdvisorySyncRun.ecosystem).scalar_subquery()
    return list(db.session.scalars(
        select(AdvisorySyncRun).where(AdvisorySyncRun.id.in_(latest)).order_by(AdvisorySyncRun.ecosystem)))


def runs_query() -> Select[Any]:
    """Every run, newest first: a select for paginating."""
    return select(AdvisorySyncRun).order_by(AdvisorySyncRun.id.desc())


def init_app(app: Flask) -> None:
    """The worker syncs on ADVISORY_SYNC_CRONTAB; the status page's button queues the same as a job."""
    add_periodic(app, "advisories.sync", str(app.config["ADVISORY_SYNC_CRONTAB"]), scheduled_sync)
    jobs.add_handler(app, JOB_KIND, "Sync advisories", run_sync_job)
