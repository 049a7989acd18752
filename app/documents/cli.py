"""`flask documents render TYPE ID --out FILE` and `flask documents check-template --type TYPE FILE`."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from app.audit import services as audit
from app.db import read_only
from app.documents import services
from app.documents.variables import DOCUMENT_TYPES
from app.errors import DomainError
from app.extensions import db

cli = AppGroup("documents", help="Generate Word records and check templates.")


@cli.command("render")
@click.argument("doc_type", type=click.Choice(sorted(DOCUMENT_TYPES)))
@click.argument("source_id")
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False, writable=True))
def render_command(doc_type: str, source_id: str, out_path: str) -> None:
    """Generate a document from a record into the register and write it to FILE."""
    try:
        with audit.acting_as(audit.Actor(None, "cli")):
            with read_only():  # rendering only reads: on SQLite no writer waits for it
                rendered = services.render_document(doc_type, source_id, by=None)
                db.session.commit()
            document = services.store_document(rendered, by=None)
            db.session.commit()
    except DomainError as error:
        db.session.rollback()
        click.echo(f"error: {error.message}", err=True)
        sys.exit(2)
    Path(out_path).write_bytes(document.data)
    click.echo(f"wrote {out_path}: {document.number} rev {document.revision}, sha256 {document.sha256}")


@cli.command("check-template")
@click.option("--type", "doc_type", required=True, type=click.Choice(sorted(DOCUMENT_TYPES)))
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def check_template_command(doc_type: str, file: str) -> None:
    """Print the variables a template uses; exit 1 with the reasons when it would be refused.

    The check runs in the limited child process, like an upload (DOCUMENT_RENDER_TIMEOUT_S / _MEMORY_MB).
    """
    check = services.check_template(doc_type, Path(file).read_bytes())
    for name in sorted(check.used):
        click.echo(name)
    if not check.ok:
        for problem in check.problems:
            click.echo(f"refused: {problem}", err=True)
        sys.exit(1)
