"""`flask inventory import --product NAME --release VERSION [--format F] FILE...`: what a CI pipeline runs."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click
from flask.cli import AppGroup

from app.audit import services as audit
from app.auth import services as auth_services
from app.auth.models import User
from app.errors import Conflict, DomainError, NotFound
from app.extensions import db
from app.inventory import services
from app.inventory.importers import FORMATS
from app.inventory.models import ImportChannel, Release

T = TypeVar("T")

cli = AppGroup("inventory", help="SOUP/OTSS inventory: import dependency files and SBOMs, check release readiness.")

EXIT_BAD_INPUT = 2
EXIT_CONFLICT = 3


@cli.command("import")
@click.option("--product", "product_name", required=True, help="Product name (created when missing).")
@click.option("--release", "version", required=True, help="Release version (created as a draft when missing).")
@click.option("--format", "format_", type=click.Choice(sorted(FORMATS)), default=None,
              help="File format; detected from the name and content when left out.")
@click.option("--by", "username", default=None, help="Username to record as the importer (default: cli).")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(product_name: str, version: str, format_: str | None, username: str | None,
                   files: tuple[Path, ...]) -> None:
    """Import files into a release in one transaction and print the summary as one JSON object.

    Exit 2 with the message on stderr for a bad file (nothing is imported), 3 for a frozen release.
    """
    user = _user(username)
    uploads = [services.UploadedFile(path.name, path.read_bytes()) for path in files]
    summary = _committed(user, lambda: services.import_into(product_name, version, uploads, by=user, format=format_,
                                                            channel=ImportChannel.CLI))
    click.echo(json.dumps(summary, sort_keys=False))


def _user(username: str | None) -> User | None:
    """The user named by --by (exit 2 when there is none), or nobody: the change is recorded as by "cli"."""
    user = auth_services.find_user(username) if username else None
    if username and user is None:
        click.echo(f"error: no user named {username!r}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    return user


def _committed(user: User | None, action: Callable[[], T]) -> T:
    """Run one service call as the user (or "cli") and commit; a broken rule rolls back and exits 2 (3 if a conflict)."""
    with audit.acting_as(audit.actor_for(user) if user else audit.Actor(None, "cli")):
        try:
            value = action()
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            click.echo(f"error: {error.message}", err=True)
            sys.exit(EXIT_CONFLICT if isinstance(error, Conflict) else EXIT_BAD_INPUT)
    return value


EXIT_NOT_READY = 1


def _release_or_exit(product_name: str, version: str) -> Release:
    """The named release; when the product or the release does not exist, say which on stderr and exit 2."""
    try:
        return services.named_release(product_name, version)
    except NotFound as error:
        click.echo(f"error: {error.message}", err=True)
        sys.exit(EXIT_BAD_INPUT)


@cli.command("check-release")
@click.option("--product", "product_name", required=True, help="Product name.")
@click.option("--release", "version", required=True, help="Release version.")
def check_release_command(product_name: str, version: str) -> None:
    """Print the release readiness check as one JSON object {"ready", "problems": [{"rule", "component", "message"}],
    "counts"}; exit 0 when ready, 1 when not, 2 when the product or release does not exist. Changes nothing."""
    release = _release_or_exit(product_name, version)
    readiness = services.release_readiness(release)
    db.session.rollback()
    body = {"product": release.product.name, "release": release.version, "status": release.status,
            **readiness.as_dict()}
    click.echo(json.dumps(body))
    if not readiness.ready:
        sys.exit(EXIT_NOT_READY)


@cli.command("check-currency")
@click.option("--product", "product_name", required=True, help="Product name.")
@click.option("--release", "version", required=True, help="Release version (a frozen one too: this is monitoring).")
def check_currency_command(product_name: str, version: str) -> None:
    """Ask the package registries about the release's PyPI and npm packages and store each version's currency
    (releases and days behind the latest, yanked, deprecated); prints a JSON summary. Changes no component: a frozen
    release stays as it was signed. Exit 2 when the product or release does not exist."""
    from app.inventory.licences.lookup import packages_of
    from app.inventory.obsolescence import services as obsolescence
    from app.sources import packages as registry

    release = _release_or_exit(product_name, version)
    found = registry.look_up(packages_of(release))
    versions = obsolescence.refresh(release, found)
    summary = {"product": release.product.name, "release": release.version, "packages": len(found),
               "versions": versions, **obsolescence.counts(release)}
    db.session.commit()
    click.echo(json.dumps(summary))


@cli.command("import-tests")
@click.option("--product", "product_name", required=True, help="Product name.")
@click.option("--release", "version", required=True, help="Release version (a draft).")
@click.option("--source", default="", help="Where the results come from, e.g. the CI job's URL.")
@click.option("--by", "username", default=None, help="Username to record as the importer (default: cli).")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_tests_command(product_name: str, version: str, source: str, username: str | None,
                         files: tuple[Path, ...]) -> None:
    """Import JUnit XML test results into a release as one run and print the summary as one JSON object {"run",
    "tests", "passed", "failed", "skipped", "linked", "requirements_covered", "unknown_ids"}.

    Exit 2 with the message on stderr for a bad file or a missing release (nothing is stored), 3 for a frozen release.
    """
    from app.inventory.traceability import services as traceability

    user = _user(username)
    uploads = [traceability.ResultFile(path.name, path.read_bytes()) for path in files]
    summary = _committed(user, lambda: traceability.import_results(
        services.named_release(product_name, version), uploads, by=user, source=source or "cli",
        channel=ImportChannel.CLI))
    click.echo(json.dumps(summary.as_dict()))
