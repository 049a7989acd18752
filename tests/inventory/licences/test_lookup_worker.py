"""The real worker process (`flask worker run`) runs a licence look-up; killed mid-job (SIGKILL) and started again,
it finishes the job once: no item is looked up twice once committed, and no evidence row is stored twice. On both
brokers: the SQLite queue file and a Redis server."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

from sqlalchemy import func, select

from app.access import Role
from app.audit.models import AuditEvent
from app.extensions import db
from app.inventory.models import Component
from app.jobs.models import Job, JobStatus
from app.sources.models import PackageMetadata, SourceResponse
from tests.inventory.factories import poetry_lock, release_with

ROOT = Path(__file__).resolve().parents[3]
NAMES = ("alpha-one", "alpha-two", "beta-one", "beta-two", "gamma-one", "gamma-two")


def _pypi_document(name: str) -> bytes:
    """A PyPI JSON API project document as the API reference describes it (info, releases with upload times)."""
    return json.dumps({
        "info": {"name": name, "version": "1.0.0", "license_expression": "MIT", "license": None, "classifiers": [],
                 "project_urls": {"Source": f"https://github.com/example/{name}"}, "home_page": ""},
        "releases": {"1.0.0": [{"upload_time_iso_8601": "2024-03-01T10:00:00.000000Z", "yanked": False}]},
        "urls": [], "vulnerabilities": [],
    }).encode()


def _worker(app, broker: str, mirror_url: str, command: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "TASK_BROKER_URL": broker,
        "PROVENANCE_PYPI_URL": f"{mirror_url}/pypi",
        "PROVENANCE_LOOKUP_BATCH_SIZE": "2",
        "PROVENANCE_SOURCES_CONCURRENCY": "2",
    }
    arguments = ["worker", "run", "--workers", "1"] if command == "run" else ["worker", "drain"]
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", *arguments], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def test_a_worker_killed_mid_job_and_started_again_finishes_it_once(app, mirror, broker, login_as):
    hold, reached = threading.Event(), threading.Event()
    for name in NAMES:
        if name == "beta-one":  # the first package of the second batch: the worker is held there
            mirror.route(f"/pypi/{name}/json", _pypi_document(name), block=hold, arrived=reached)
        else:
            mirror.route(f"/pypi/{name}/json", _pypi_document(name))
    release, _ = release_with("Ventilator", "4.0", {"poetry.lock": poetry_lock(*((n, "1.0.0") for n in NAMES))})
    client = login_as(Role.ENGINEER)
    assert client.post(f"/releases/{release.id}/licence-lookup").status_code == 302

    first = _worker(app, broker, mirror.url, "run")
    try:
        assert reached.wait(timeout=120), "the worker never asked for the second batch"
        os.kill(first.pid, signal.SIGKILL)  # mid-job: the first batch is committed, the second is in flight
    finally:
        first.wait(timeout=60)
        first.stdout.close()
    db.session.expire_all()
    job = db.session.scalar(select(Job))
    assert (job.status, job.done, job.total) == (JobStatus.RUNNING, 2, 6)
    assert db.session.scalar(select(func.count(SourceResponse.id))) == 2

    hold.set()
    db.session.commit()  # the test holds no transaction while the worker writes
    second = _worker(app, broker, mirror.url, "drain")
    output, _ = second.communicate(timeout=300)
    assert second.returncode == 0, output.decode()
    db.session.expire_all()
    job = db.session.scalar(select(Job))
    assert (job.status, job.done, job.total, job.attempts) == (JobStatus.DONE, 6, 6, 2)
    assert db.session.scalar(select(func.count(SourceResponse.id))) == 6  # one stored answer per package
    assert db.session.scalar(select(func.count(PackageMetadata.id))) == 6
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.name == "job.started")) == 1
    verdicts = db.session.scalars(select(Component.licence_verdict).where(Component.release_id == release.id))
    assert list(verdicts) == ["allow"] * 6
    asked = mirror.paths()
    assert asked.count("/pypi/alpha-one/json") == asked.count("/pypi/alpha-two/json") == 1  # committed: never again
    assert asked.count("/pypi/beta-one/json") == 2  # in flight when killed: asked again
