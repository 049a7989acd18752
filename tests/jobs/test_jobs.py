"""Jobs: sent to the worker when their transaction commits, claimed once, resumed after a dead worker, with
progress a page can poll. Every test runs on both brokers (a SQLite file and a real Redis server)."""

from __future__ import annotations

import os
import socket
import subprocess
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from app.access import Role
from app.db import utcnow
from app.extensions import db
from app.jobs import queue, services
from app.jobs.models import Job, JobStatus
from app.notifications.models import OutboxMessage, OutboxStatus
from app.notifications.services import queue_email
from tests.helpers import run_worker

calls: list[int] = []


def _send_one_mail_per_item(job: Job, progress: services.Progress) -> dict[str, Any]:
    """A test job: one outbox message per item, committed with the progress counter (so resumable)."""
    items = job.params["items"]
    calls.append(job.id)
    if job.params.get("fail"):
        raise ValueError("the registry answered 500")
    progress.start(len(items), "Sending")
    for item in items[progress.done:]:
        queue_email(f"{item}@example.com", f"item {item}", "body")
        progress.advance(f"Sent {item}")
    return {"sent": len(items)}


@pytest.fixture
def mail_job(app):
    services.add_handler(app, "test.mail", "Send test mail", _send_one_mail_per_item)
    calls.clear()
    yield
    app.extensions["jobs.handlers"].pop("test.mail", None)


def _start(items: list[str], subject: str = "s1", **params: Any) -> Job:
    job, _created = services.start("test.mail", subject, title="Send test mail", params={"items": items, **params})
    return job


def _mails() -> list[str]:
    return list(db.session.scalars(select(OutboxMessage.to).order_by(OutboxMessage.id)))


def test_a_job_is_sent_to_the_worker_when_its_transaction_commits_and_runs_there(app, broker, mail_job):
    job = _start(["a", "b", "c"])
    assert queue.huey(app).pending_count() == 0  # not before the commit
    db.session.commit()
    assert queue.huey(app).pending_count() == 1
    assert run_worker() == 1
    job = db.session.get(Job, job.id)
    assert (job.status, job.done, job.total, job.result, job.active_key) == (JobStatus.DONE, 3, 3, {"sent": 3}, None)
    assert _mails() == ["a@example.com", "b@example.com", "c@example.com"]


def test_a_rolled_back_job_is_never_sent(app, broker, mail_job):
    _start(["a"])
    db.session.rollback()
    assert queue.huey(app).pending_count() == 0
    assert db.session.scalar(select(func.count(Job.id))) == 0


def test_a_subject_has_one_active_job_of_a_kind_and_a_new_one_once_it_finished(app, broker, mail_job):
    first = _start(["a"])
    again, created = services.start("test.mail", "s1", title="again", params={"items": ["z"]})
    assert (again.id, created) == (first.id, False)
    db.session.commit()
    run_worker()
    third, created = services.start("test.mail", "s1", title="third", params={"items": ["y"]})
    assert created and third.id != first.id


def test_a_job_sent_twice_runs_once(app, broker, mail_job):
    job = _start(["a", "b"])
    db.session.commit()
    queue.send([job.id, job.id])  # e.g. a recovery sent it again while the first copy still waited
    assert run_worker() == 3
    assert calls == [job.id]
    assert _mails() == ["a@example.com", "b@example.com"]


def test_a_failing_job_ends_failed_with_its_message_and_frees_its_subject(app, broker, mail_job):
    job = _start(["a"], fail=True)
    db.session.commit()
    run_worker()
    job = db.session.get(Job, job.id)
    assert job.status == JobStatus.FAILED
    assert job.error == "ValueError: the registry answered 500"
    assert job.active_key is None and job.finished_at is not None
    assert _mails() == []


def _dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_a_job_left_running_by_a_dead_worker_resumes_at_its_first_unfinished_item(app, broker, mail_job):
    job = _start(["a", "b", "c", "d"])
    db.session.commit()
    queue.huey(app).flush()  # the dead worker had taken the task off the queue
    # What the killed worker had committed: two items, with the counter.
    queue_email("a@example.com", "item a", "body")
    queue_email("b@example.com", "item b", "body")
    job.status, job.total, job.done = JobStatus.RUNNING, 4, 2
    job.owner, job.heartbeat_at = f"{socket.gethostname()}:{_dead_pid()}", utcnow()
    db.session.commit()

    assert run_worker() == 1  # the drain recovers the job, sends it, runs it
    job = db.session.get(Job, job.id)
    assert (job.status, job.done, job.attempts) == (JobStatus.DONE, 4, 1)
    assert _mails() == ["a@example.com", "b@example.com", "c@example.com", "d@example.com"]


def test_a_job_of_a_live_worker_elsewhere_is_left_alone_until_its_heartbeat_is_stale(app, mail_job):
    job = _start(["a"])
    job.status, job.owner, job.heartbeat_at = JobStatus.RUNNING, "other-host:123", utcnow()
    db.session.commit()
    assert services.recover() == []
    assert db.session.get(Job, job.id).status == JobStatus.RUNNING
    later = utcnow() + timedelta(seconds=app.config["JOB_STALE_SECONDS"] + 1)
    assert services.recover(now=later) == [job.id]
    assert services.recover(now=later) == [job.id]  # queued for longer than the stale time: sent again
    assert db.session.get(Job, job.id).status == JobStatus.QUEUED


def test_the_worker_is_the_owner_while_running(app, mail_job):
    assert services.worker_owner() == f"{socket.gethostname()}:{os.getpid()}"
    assert not services.owner_is_gone(services.worker_owner())
    assert services.owner_is_gone(f"{socket.gethostname()}:{_dead_pid()}")
    assert not services.owner_is_gone("another-host:1")


def test_the_outbox_and_the_reminders_are_periodic_tasks_of_the_worker(app, broker):
    tasks = queue.periodic_tasks(app)
    assert {"outbox.send", "reminders.queue", "jobs.recover"} <= set(tasks)
    assert tasks["outbox.send"].schedule == app.config["WORKER_OUTBOX_CRONTAB"]
    queue_email("qa@example.com", "Hello", "body")
    db.session.commit()
    huey = queue.huey(app)
    huey.execute(app.extensions["jobs.tasks"]["outbox.send"].s())
    db.session.expire_all()
    assert db.session.scalar(select(OutboxMessage.status)) == OutboxStatus.SENT


def test_a_malformed_schedule_is_a_configuration_error():
    with pytest.raises(RuntimeError, match="five crontab fields"):
        queue.parse_schedule("every minute")


def test_the_broker_url_picks_the_storage(app, tmp_path):
    previous = app.config["TASK_BROKER_URL"]
    try:
        assert type(queue.use_broker(app, f"sqlite:///{tmp_path / 'q.sqlite3'}")).__name__ == "SqliteHuey"
        assert type(queue.use_broker(app, "redis://127.0.0.1:1/0")).__name__ == "RedisHuey"
        with pytest.raises(RuntimeError, match="TASK_BROKER_URL must be"):
            queue.use_broker(app, "amqp://rabbit")
    finally:
        queue.use_broker(app, previous)
    assert queue.describe_broker("redis://:secret@cache:6379/0") == "Redis at cache:6379/0"


def test_the_progress_fragment_polls_until_the_job_is_finished(app, broker, mail_job, login_as):
    client = login_as(Role.ENGINEER)
    job = _start(["a", "b"])
    db.session.commit()
    fragment = client.get(f"/jobs/{job.id}/progress").get_data(as_text=True)
    assert 'hx-trigger="every 1s"' in fragment and 'data-job-status="queued"' in fragment
    run_worker()
    fragment = client.get(f"/jobs/{job.id}/progress").get_data(as_text=True)
    assert "hx-get" not in fragment and 'data-job-status="done"' in fragment and "2 of 2" in fragment
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "Send test mail" in page and "Sent" in page
    listing = client.get("/jobs/").get_data(as_text=True)
    assert f"/jobs/{job.id}" in listing
    assert client.get("/jobs/999999").status_code == 404


def test_the_drain_command_runs_what_waits(app, broker, mail_job):
    _start(["a"])
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["worker", "drain"])
    assert result.exit_code == 0, result.output
    assert "1 task(s) run" in result.output
    db.session.expire_all()
    assert _mails() == ["a@example.com"]
