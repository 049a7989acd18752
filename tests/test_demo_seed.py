"""`flask demo seed`: one user per role (and a second engineer who reviews), idempotent, refused in production."""

from __future__ import annotations

from sqlalchemy import select

from app.auth.models import User
from app.extensions import db
from tests.helpers import login


def test_seed_creates_one_user_per_role_and_is_idempotent(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    usernames = set(db.session.scalars(select(User.username)))
    assert usernames == {"admin", "qa", "purchasing", "engineer", "reviewer", "auditor"}
    assert login(app.test_client(), "qa", "provenance-demo").status_code == 302


def test_seed_is_refused_in_production(app):
    app.config["ENV"] = "production"
    try:
        result = app.test_cli_runner().invoke(args=["demo", "seed"])
    finally:
        app.config["ENV"] = "test"
    assert result.exit_code == 2 and "refused" in result.output
