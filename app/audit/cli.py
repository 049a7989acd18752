"""`flask audit verify` and `flask audit export --csv FILE`: both read in chunks of short read-only transactions,
so on SQLite neither holds the write lock while it runs (sign-ins and saves go on)."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from app.audit import queries
from app.audit import services as audit
from app.audit.models import AuditAction
from app.db import read_only
from app.extensions import db

cli = AppGroup("audit", help="Check and export the audit trail.")


@cli.command("verify")
@read_only()
def verify_command() -> None:
    """Re-compute the hash chain; exit 1 naming the first broken event."""
    result = audit.verify()
    if result.ok:
        click.echo(f"audit chain OK: {result.count} events")
        return
    click.echo(f"audit chain BROKEN at event {result.broken_id}: {result.problem}", err=True)
    sys.exit(1)


@cli.command("export")
@click.option("--csv", "csv_path", required=True, type=click.Path(dir_okay=False, writable=True))
def export_command(csv_path: str) -> None:
    """Write the whole trail as CSV (the export itself is audited first, in its own short write)."""
    with audit.acting_as(audit.Actor(None, "cli")):
        audit.record("audit.exported", action=AuditAction.EXPORT, format="csv", file=csv_path)
        db.session.commit()
    count = -1
    with read_only(), open(csv_path, "w", encoding="utf-8", newline="") as handle:
        for line in queries.stream_csv(db.engine, queries.filtered(queries.AuditFilters())):
            handle.write(line)
            count += 1
    click.echo(f"exported {count} events to {csv_path}")
