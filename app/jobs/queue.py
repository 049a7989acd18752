"""The task queue (huey): SQLite storage in the instance folder by default, Redis when TASK_BROKER_URL says so.

One task runs any job by its id; the periodic tasks (outbox, reminders, job recovery) are the domains'
functions run on a schedule. Every task runs in an app context, attributed in the audit trail to the
worker (or to the user who started the job).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from huey import Huey, RedisHuey, SqliteHuey, crontab

from app.audit import services as audit
from app.extensions import db
from app.jobs import services

_HUEY = "jobs.huey"
_TASKS = "jobs.tasks"
_PERIODIC = "jobs.periodic"


@dataclass(frozen=True)
class PeriodicTask:
    name: str
    schedule: str  # crontab: "minute hour day month day_of_week"
    function: Callable[[], Any]


def add_periodic(app: Flask, name: str, schedule: str, function: Callable[[], Any]) -> None:
    """A domain hands the worker a function to run on a crontab schedule (in an app context, then committed)."""
    parse_schedule(schedule)
    app.extensions.setdefault(_PERIODIC, {})[name] = PeriodicTask(name, schedule, function)


def periodic_tasks(app: Flask | None = None) -> dict[str, PeriodicTask]:
    """The periodic tasks registered on the app, by name."""
    registered: dict[str, PeriodicTask] = (app or current_app).extensions.get(_PERIODIC, {})
    return registered


def parse_schedule(schedule: str) -> dict[str, str]:
    """The five crontab fields of a schedule string; a malformed one is a configuration error."""
    fields = schedule.split()
    if len(fields) != 5:
        raise RuntimeError(f"A schedule needs five crontab fields (minute hour day month weekday), not {schedule!r}.")
    return dict(zip(("minute", "hour", "day", "month", "day_of_week"), fields, strict=True))


def describe_broker(url: str) -> str:
    """The broker in words, without a password ("Redis at host:6379/0", "SQLite file ...")."""
    if url.startswith(("redis://", "rediss://", "unix://")):
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        return f"Redis at {parts.hostname or parts.path}{':' + str(parts.port) if parts.port else ''}{parts.path if parts.hostname else ''}"
    return f"SQLite file {sqlite_path(url)}"


def sqlite_path(url: str, app: Flask | None = None) -> Path:
    """The queue's SQLite file: the path of a sqlite:/// URL, else tasks.sqlite3 in the instance folder."""
    if url.startswith("sqlite:///"):
        return Path(url.removeprefix("sqlite:///"))
    return Path((app or current_app).instance_path) / "tasks.sqlite3"


def build(app: Flask) -> Huey:
    """The app's huey, its storage chosen by TASK_BROKER_URL, with the job task and the periodic tasks."""
    url = str(app.config.get("TASK_BROKER_URL") or "")
    name = str(app.config["TASK_QUEUE_NAME"])
    huey: Huey
    if url.startswith(("redis://", "rediss://", "unix://")):
        huey = RedisHuey(name, url=url, results=False)
    elif url == "" or url.startswith("sqlite:///"):
        path = sqlite_path(url, app)
        path.parent.mkdir(parents=True, exist_ok=True)
        huey = SqliteHuey(name, filename=str(path), results=False)
    else:
        raise RuntimeError("TASK_BROKER_URL must be empty (SQLite in the instance folder), sqlite:///path or redis://...")

    def run_job(job_id: int) -> str:
        with app.app_context():
            try:
                return services.run_job(int(job_id))
            finally:
                db.session.remove()

    tasks: dict[str, Any] = {"run_job": huey.task(name="jobs.run")(run_job)}
    for task in periodic_tasks(app).values():
        tasks[task.name] = huey.periodic_task(crontab(**parse_schedule(task.schedule)), name=task.name)(
            _periodic_runner(app, task))
    app.extensions[_TASKS] = tasks
    return huey


def _periodic_runner(app: Flask, task: PeriodicTask) -> Callable[[], None]:
    def run() -> None:
        with app.app_context(), audit.acting_as(audit.Actor(None, "worker")):
            try:
                task.function()
                db.session.commit()
            except Exception:
                db.session.rollback()
                app.logger.exception("periodic task %s failed", task.name)
                raise
            finally:
                db.session.remove()

    run.__name__ = task.name.replace(".", "_")
    return run


def huey(app: Flask | None = None) -> Huey:
    """The app's task queue, built on first use (after every domain registered its tasks)."""
    application = app or current_app._get_current_object()  # type: ignore[attr-defined]
    found: Huey | None = application.extensions.get(_HUEY)
    if found is None:
        found = build(application)
        application.extensions[_HUEY] = found
    return found


def is_built(app: Flask) -> bool:
    """Whether the app's task queue was built (something queued or ran a task)."""
    return _HUEY in app.extensions


def use_broker(app: Flask, url: str) -> Huey:
    """Point the app at another broker (tests run the same jobs on SQLite and on Redis)."""
    app.config["TASK_BROKER_URL"] = url
    app.extensions.pop(_HUEY, None)
    return huey(app)


def send(job_ids: list[int]) -> None:
    """Queue one task per job id; a broker that cannot be reached leaves the jobs queued for the next recovery."""
    wrapper = _task("run_job")
    for job_id in job_ids:
        try:
            wrapper(job_id)
        except Exception:
            current_app.logger.exception("job %s could not be sent to the worker; it stays queued", job_id)


def _task(name: str) -> Any:
    huey(current_app._get_current_object())  # type: ignore[attr-defined]
    return current_app.extensions[_TASKS][name]


def recover_and_send() -> list[int]:
    """Re-queue what dead workers left running, and send those jobs and the ones waiting too long, again."""
    ids = services.recover()
    send(ids)
    return ids


def drain(app: Flask | None = None, *, recover: bool = True) -> int:
    """Run every task waiting in the queue in this process, then return how many ran (cron and tests)."""
    application = app or current_app._get_current_object()  # type: ignore[attr-defined]
    queue = huey(application)
    with application.app_context():
        if recover:
            recover_and_send()
        db.session.remove()
    count = 0
    while (task := queue.dequeue()) is not None:
        queue.execute(task)
        count += 1
    return count


def init_app(app: Flask) -> None:
    """Send jobs after their transaction commits; recover stale jobs every few minutes."""
    services.listen_for_commits(lambda ids: send(ids))
    add_periodic(app, "jobs.recover", str(app.config["WORKER_RECOVER_CRONTAB"]), recover_and_send)
