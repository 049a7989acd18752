"""`flask demo seed`: demo data for a newcomer (idempotent; refused in production)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from importlib import import_module

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from app.access import Role
from app.audit import services as audit
from app.auth import services as auth_services
from app.auth.models import User
from app.extensions import db

cli = AppGroup("demo", help="Demo data.")

DEMO_PASSWORD = "provenance-demo"  # noqa: S105 - documented demo password, refused in production
DEMO_USERS: tuple[tuple[str, str, Role], ...] = (
    ("admin", "Ada Admin", Role.ADMIN),
    ("qa", "Quinn Quality", Role.QA),
    ("purchasing", "Pat Purchasing", Role.PURCHASING),
    ("engineer", "Erin Engineer", Role.ENGINEER),
    ("reviewer", "Riley Reviewer", Role.ENGINEER),  # a second engineer: reviews what `engineer` writes
    ("auditor", "Alex Auditor", Role.AUDITOR),
)
# Domain seeders, run in this order: "module:function" taking the demo users by username and their password
# (keyword `password`) plus the command's options.
SEEDERS: tuple[str, ...] = (
    "app.suppliers.demo:seed_suppliers",
    "app.questionnaires.demo:seed_evaluations",
    "app.inventory.demo:seed_inventory",
    "app.inventory.demo:seed_release_gates",
    "app.validation.demo:seed_validation",
    "app.documents.demo:seed_procedures",
)
# Functions returning lines to print after the logins (e.g. an open supplier link).
LINK_PRINTERS: tuple[str, ...] = ("app.questionnaires.demo:print_demo_links",)


def seed_users() -> dict[str, User]:
    """One user per role (two engineers: an author and a reviewer), password provenance-demo; existing users are
    left as they are."""
    users = {}
    for username, full_name, role in DEMO_USERS:
        user = auth_services.find_user(username)
        if user is None:
            user = auth_services.create_user(
                username=username, full_name=full_name, email=f"{username}@example.com",
                roles={role}, password=DEMO_PASSWORD,
                # The documented demo password is guessable on purpose; only the demo seed (refused in
                # production) skips the strength estimate, every other way of setting a password applies it.
                enforce_strength=False,
            )
        users[username] = user
    return users


def seed_all(**options: object) -> dict[str, User]:
    """Users first, then each domain's demo data."""
    with audit.acting_as(audit.Actor(None, "demo seed")):
        users = seed_users()
        for target in SEEDERS:
            module_name, function_name = target.split(":")
            seeder: Callable[..., None] = getattr(import_module(module_name), function_name)
            seeder(users, password=DEMO_PASSWORD, **options)
        db.session.commit()
    return users


@cli.command("seed")
@click.option("--suppliers", type=int, default=0, help="Also add this many generated suppliers (performance).")
@click.option("--if-empty", is_flag=True, help="Only seed a database that has no users yet.")
def seed_command(suppliers: int, if_empty: bool) -> None:
    """Create demo users (password provenance-demo) and demo records; safe to run twice."""
    if current_app.config["ENV"] == "production":
        click.echo("error: demo data is refused when PROVENANCE_ENV=production", err=True)
        sys.exit(2)
    if if_empty and db.session.scalar(select(func.count(User.id))):
        click.echo("database already has users: demo seed skipped")
        return
    seed_all(suppliers=suppliers)
    click.echo("demo data ready")


@cli.command("logins")
def logins_command() -> None:
    """Print the demo sign-ins and any demo links worth opening."""
    click.echo("Demo sign-ins (password for all: provenance-demo):")
    for username, _name, role in DEMO_USERS:
        click.echo(f"  {username:<11} ({role.value})")
    for target in LINK_PRINTERS:
        module_name, function_name = target.split(":")
        for line in getattr(import_module(module_name), function_name)():
            click.echo(line)
