"""`flask audit verify` and `flask audit export --csv FILE`: both read in chunks of short read-only transactions,
so on SQLite neither holds the write lock while it runs (sign-ins and saves go on)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from app.audit import anchor, queries
from app.audit import services as audit
from app.audit.models import AuditAction
from app.db import read_only
from app.extensions import db

cli = AppGroup("audit", help="Check and export the audit trail.")


@cli.command("verify")
@click.option("--against", "against_path", type=click.Path(exists=True, dir_okay=False),
              help="Also check against a checkpoint exported with `audit checkpoint --out` and kept elsewhere.")
@read_only()
def verify_command(against_path: str | None) -> None:
    """Re-compute the keyed hash chain against its signed head and checkpoints; exit 1 naming the problem."""
    if against_path:
        try:
            exported = anchor.read_export(Path(against_path).read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as error:
            click.echo(f"error: {against_path}: {error}", err=True)
            sys.exit(2)
        result = audit.verify(against=[exported])
    else:
        result = audit.verify()
    if result.ok:
        click.echo(f"audit chain OK: {result.count} events"
                   + (f" (checkpoint at event {exported['last_event_id']} matches)" if against_path else ""))
        return
    where = f" at event {result.broken_id}" if result.broken_id is not None else ""
    click.echo(f"audit chain BROKEN{where}: {result.problem}", err=True)
    sys.exit(1)


@cli.command("checkpoint")
@click.option("--out", "out_path", type=click.Path(dir_okay=False, writable=True),
              help="Also write the signed checkpoint to this file, to be kept outside the database and its backups.")
def checkpoint_command(out_path: str | None) -> None:
    """Store a signed checkpoint of the chain head (last event, hash, time); cron it, and export it elsewhere."""
    checkpoint = anchor.checkpoint_now(db.session.connection())
    if checkpoint is None:
        click.echo("the audit trail is empty: nothing to checkpoint")
        return
    with audit.acting_as(audit.Actor(None, "cli")):
        audit.record("audit.checkpointed", action=AuditAction.EXPORT, last_event_id=checkpoint["last_event_id"],
                     exported=bool(out_path))
    db.session.commit()
    if out_path:
        Path(out_path).write_text(json.dumps(checkpoint, indent=2) + "\n", encoding="utf-8")
    click.echo(f"checkpoint at event {checkpoint['last_event_id']} ({checkpoint['created_at']} UTC)"
               + (f" written to {out_path}" if out_path else ""))


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
