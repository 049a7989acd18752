"""`flask advisories import FILE...`: bring OSV advisories (JSON, YAML or a zip of them) into the database."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
from flask.cli import AppGroup

from app.audit import services as audit
from app.auth import services as auth_services
from app.errors import DomainError
from app.extensions import db
from app.inventory.advisories import services as advisory_services

cli = AppGroup("advisories", help="OSV advisories: import the advisory database offline.")

EXIT_BAD_INPUT = 2


@cli.command("import")
@click.option("--by", "username", default=None, help="Username to record as the importer (default: cli).")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(username: str | None, files: tuple[Path, ...]) -> None:
    """Import each file (one transaction per file) and print one JSON line of counts per file.

    Exit 2 with the message on stderr when a file cannot be read; files before it stay imported.
    """
    user = auth_services.find_user(username) if username else None
    if username and user is None:
        click.echo(f"error: no user named {username!r}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    actor = audit.actor_for(user) if user else audit.Actor(None, "cli")
    with audit.acting_as(actor):
        for path in files:
            try:
                result = advisory_services.import_advisories(path.name, path.read_bytes(), by=user, channel="cli")
                db.session.commit()
            except DomainError as error:
                db.session.rollback()
                click.echo(f"error: {error.message}", err=True)
                sys.exit(EXIT_BAD_INPUT)
            click.echo(json.dumps(result.as_dict()))
            for warning in result.warnings[:20]:
                click.echo(f"warning: {warning}", err=True)
            if len(result.warnings) > 20:
                click.echo(f"warning: ... and {len(result.warnings) - 20} more", err=True)


@cli.command("sync")
@click.option("--ecosystem", "ecosystems", multiple=True,
              help="OSV ecosystem to sync (repeatable; default: every ecosystem of the inventory).")
def sync_command(ecosystems: tuple[str, ...]) -> None:
    """Sync OSV's export of each ecosystem (ADVISORY_SYNC_SOURCE), importing only what changed; one JSON line per
    ecosystem. Each run is committed and shown on the advisories' sync page; exit 1 when one failed."""
    from app.inventory.advisories import sync
    from app.inventory.advisories.models import SyncStatus

    def report(run: Any) -> None:
        db.session.commit()
        click.echo(json.dumps({"ecosystem": run.ecosystem, "status": run.status, "new": run.new,
                               "changed": run.changed, "unchanged": run.unchanged, "withdrawn": run.withdrawn,
                               "duration_s": run.duration_s, "source": run.source, "error": run.error}))

    with audit.acting_as(audit.Actor(None, "cli")):
        runs = sync.sync_all(ecosystems=list(ecosystems) or None, channel="cli", after_each=report)
    if not runs:
        click.echo("nothing to sync: no component of the inventory is in an ecosystem OSV exports", err=True)
    if any(run.status == SyncStatus.FAILED for run in runs):
        sys.exit(1)
