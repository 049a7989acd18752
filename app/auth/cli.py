"""`flask users create ...` and `flask users deactivate U`."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from app.access import Role
from app.audit import services as audit
from app.auth import services
from app.errors import DomainError
from app.extensions import db

cli = AppGroup("users", help="Manage user accounts.")
CLI_ACTOR = audit.Actor(None, "cli")


@cli.command("create")
@click.option("--username", required=True)
@click.option("--full-name", required=True)
@click.option("--email", required=True)
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice([r.value for r in Role]))
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_command(username: str, full_name: str, email: str, roles: tuple[str, ...], password_stdin: bool) -> None:
    """Create a user (the password is asked for, or read from stdin)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        with audit.acting_as(CLI_ACTOR):
            user = services.create_user(
                username=username, full_name=full_name, email=email, roles={Role(r) for r in roles}, password=password
            )
            db.session.commit()
    except DomainError as error:
        db.session.rollback()
        click.echo(f"error: {error.message}", err=True)
        sys.exit(2)
    click.echo(f"created user {user.username} ({', '.join(sorted(roles))})")


@cli.command("deactivate")
@click.argument("username")
def deactivate_command(username: str) -> None:
    """Deactivate a user; their sessions end at once."""
    user = services.find_user(username)
    if user is None:
        click.echo(f"error: no user {username!r}", err=True)
        sys.exit(2)
    with audit.acting_as(CLI_ACTOR):
        services.deactivate(user)
        db.session.commit()
    click.echo(f"deactivated {user.username}")
