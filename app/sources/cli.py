"""`flask --app wsgi sources history <url-or-path>`: a repository's activity figures, stored as evidence."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from app.extensions import db
from app.sources import history, repositories

cli = AppGroup("sources", help="Public sources of open-source evidence.")


@cli.command("history")
@click.argument("location")
@click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]), default=None,
              help="Count up to this UTC time (default: now).")
def history_command(location: str, as_of: datetime | None) -> None:
    """Clone or fetch a repository (https URL, or a local folder given on the command line) and print its figures."""
    if location.startswith("/") or Path(location).is_dir():
        folder = str(Path(location).resolve())
        current_app.config["REPOSITORY_LOCAL_ROOTS"] = [*current_app.config["REPOSITORY_LOCAL_ROOTS"], folder]
        location = folder
    try:
        row = repositories.analyse(location, as_of=as_of)
    except repositories.RepositoryError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    if row.state != "found":
        raise click.ClickException(f"{row.url}: {row.error}")
    click.echo(f"{row.url} at {row.head_sha[:12]}")
    for line in history.summary(history_result(row.figures)):
        click.echo(f"  {line}")


def history_result(figures: dict[str, object]) -> history.ActivityFigures:
    """The stored figures back as ActivityFigures."""
    def when(key: str) -> datetime | None:
        value = figures.get(key)
        return datetime.fromisoformat(value) if isinstance(value, str) else None

    def number(key: str) -> int:
        value = figures.get(key)
        return int(value) if isinstance(value, int) else 0

    years = figures.get("tags_per_year")
    domains = figures.get("organisation_domains")
    return history.ActivityFigures(
        as_of=when("as_of") or datetime.min, commits_total=number("commits_total"), commits_90d=number("commits_90d"),
        commits_365d=number("commits_365d"), active_weeks_90d=number("active_weeks_90d"),
        authors_12m=number("authors_12m"), email_domains_12m=number("email_domains_12m"),
        organisations_12m=number("organisations_12m"),
        organisation_domains=tuple(str(d) for d in domains) if isinstance(domains, list) else (),
        first_commit_at=when("first_commit_at"), last_commit_at=when("last_commit_at"),
        last_tag=str(figures.get("last_tag") or ""), last_tag_at=when("last_tag_at"), tags_total=number("tags_total"),
        tags_12m=number("tags_12m"),
        tags_per_year=tuple((int(y), int(n)) for y, n in years) if isinstance(years, list) else (),
    )
