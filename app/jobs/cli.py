"""`flask --app wsgi worker run`: the background worker (jobs and periodic tasks); `worker drain` for cron."""

from __future__ import annotations

import logging

import click
from flask import current_app
from flask.cli import AppGroup

from app.extensions import db
from app.jobs import queue

cli = AppGroup("worker", help="The background worker: jobs started from pages, outbox and reminders.")


@cli.command("run")
@click.option("--workers", type=int, default=None, help="Worker threads (default: WORKER_THREADS).")
@click.option("--no-periodic", is_flag=True, help="Do not run the periodic tasks (another worker does).")
def run_command(workers: int | None, no_periodic: bool) -> None:
    """Run the worker until stopped (Ctrl+C or SIGTERM); first re-queue jobs a stopped worker left behind."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    huey = queue.huey(app)
    resumed = queue.recover_and_send()
    db.session.remove()  # the consumer's threads use their own sessions; this one must hold no transaction
    click.echo(f"worker: {queue.describe_broker(str(app.config.get('TASK_BROKER_URL') or ''))}; "
               f"{len(resumed)} queued job(s) sent; periodic: {'off' if no_periodic else ', '.join(sorted(queue.periodic_tasks(app)))}")
    if not logging.getLogger("huey").handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("[%(asctime)s] %(levelname)s %(name)s: %(message)s"))
        logging.getLogger("huey").addHandler(handler)
        logging.getLogger("huey").setLevel(logging.INFO)
    consumer = huey.create_consumer(workers=workers or int(app.config["WORKER_THREADS"]), worker_type="thread",
                                    periodic=not no_periodic, check_worker_health=True)
    consumer.run()


@cli.command("drain")
def drain_command() -> None:
    """Run the jobs waiting in the queue now, in this process, then exit (for cron users and tests)."""
    count = queue.drain()
    click.echo(f"worker: {count} task(s) run")
