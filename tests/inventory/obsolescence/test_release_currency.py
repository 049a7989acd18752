"""Obsolescence on the release page: "Look up licences" also stores how far each version is behind its registry (a
local server plays the company's PyPI mirror with answers recorded from pypi.org); the components filter on it, the
component page says it, and a yanked class B SOUP version is a readiness warning that never stops the freeze."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from app.access import Role
from app.extensions import db
from app.inventory import services
from app.inventory.models import Component
from app.inventory.obsolescence.models import VersionCurrency
from tests.helpers import run_worker
from tests.inventory.factories import poetry_lock, release_with
from tests.inventory.gated import gated_release, sign_and_freeze
from tests.sources.mirror import DATA

LOCK = poetry_lock(("flask", "3.0.0"), ("requests", "2.32.0"), ("six", "1.17.0"), ("packaging", "1.0"))


@pytest.fixture
def engineer(login_as):
    return login_as(Role.ENGINEER, username="erin")


def _names(client, release, currency: str) -> set[str]:
    page = client.get(f"/releases/{release.id}?currency={currency}").get_data(as_text=True)
    ids = db.session.execute(select(Component.id, Component.name).where(Component.release_id == release.id))
    return {name for component_id, name in ids if f'href="/components/{component_id}"' in page}


def test_the_look_up_stores_each_versions_currency_and_the_release_page_filters_on_it(app, mirror, broker, engineer):
    for name in ("flask", "requests", "six"):
        mirror.pypi(name)
    mirror.route("/pypi/packaging/json", b"not found", status=404)
    release, _ = release_with("Infusion pump", "1.0", {"poetry.lock": LOCK})
    assert _names(engineer, release, "unknown") == {"flask", "requests", "six", "packaging"}

    engineer.post(f"/releases/{release.id}/licence-lookup")
    assert run_worker() == 1
    rows = {row.name: row for row in db.session.scalars(select(VersionCurrency))}
    assert set(rows) == {"flask", "requests", "six"}  # packaging: the registry did not know it
    assert rows["requests"].yanked and rows["flask"].releases_behind > 0 and rows["six"].releases_behind == 0

    assert _names(engineer, release, "outdated") == {"flask", "requests"}
    assert _names(engineer, release, "yanked") == {"requests"}
    assert _names(engineer, release, "current") == {"six"}
    assert _names(engineer, release, "unknown") == {"packaging"}
    assert _names(engineer, release, "deprecated") == set()
    page = engineer.get(f"/releases/{release.id}").get_data(as_text=True)
    assert f"{rows['flask'].releases_behind} releases behind" in page and ">yanked</span>" in page
    flask = db.session.scalar(select(Component).where(Component.name == "flask"))
    detail = engineer.get(f"/components/{flask.id}").get_data(as_text=True)
    assert f"{rows['flask'].releases_behind} releases behind</strong> the latest 3.1.3" in detail


def test_an_unknown_currency_filter_is_ignored_not_an_error(app, engineer):
    release, _ = release_with("Infusion pump", "1.0", {"poetry.lock": LOCK})
    assert _names(engineer, release, "bogus") == {"flask", "requests", "six", "packaging"}


def _yanked_flask_3_0_0() -> bytes:
    document = json.loads((DATA / "pypi" / "flask.json").read_bytes())
    for upload in document["releases"]["3.0.0"]:
        upload["yanked"], upload["yanked_reason"] = True, "test: withdrawn"
    return json.dumps(document).encode()


def test_a_yanked_class_b_soup_version_warns_without_stopping_the_freeze_and_the_warning_can_be_turned_off(
        app, mirror, make_user):
    engineer = make_user("erin", Role.ENGINEER)
    release = gated_release(engineer)
    mirror.pypi("flask", _yanked_flask_3_0_0())
    mirror.pypi("click", b"{}", status=404)
    result = CliRunner().invoke(app.cli, ["inventory", "check-currency", "--product", "Pump", "--release", "1.0"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert (summary["versions"], summary["yanked"], summary["outdated"]) == (1, 1, 1)

    readiness = services.release_readiness(release)
    assert readiness.ready
    assert [(w.rule, w.component) for w in readiness.warnings] == [("withdrawn_version", "flask 3.0.0")]
    assert readiness.as_dict()["warnings"][0]["message"].startswith("flask 3.0.0: its registry has yanked")

    app.config["RELEASE_READINESS_WARNINGS"] = {"withdrawn_version": ""}
    try:
        assert services.release_readiness(release).warnings == ()
    finally:
        app.config["RELEASE_READINESS_WARNINGS"] = {}


def test_check_currency_monitors_a_frozen_release_without_changing_it(app, mirror, make_user):
    engineer, qa = make_user("erin", Role.ENGINEER), make_user("quinn", Role.QA)
    release = gated_release(engineer)
    sign_and_freeze(release, engineer, qa)
    db.session.commit()
    signed_version = release.row_version
    mirror.pypi("flask")
    mirror.pypi("click", b"{}", status=404)
    result = CliRunner().invoke(app.cli, ["inventory", "check-currency", "--product", "Pump", "--release", "1.0"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert release.row_version == signed_version and release.is_frozen
    assert json.loads(result.output)["outdated"] == 1

    missing = CliRunner().invoke(app.cli, ["inventory", "check-currency", "--product", "Pump", "--release", "9"])
    assert missing.exit_code == 2 and "There is no release '9' of 'Pump'." in missing.output
