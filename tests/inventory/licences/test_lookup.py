"""'Look up licences': a poetry.lock brings no licences (every component "not looked up yet", review); the worker
asks the registry (here a local server playing a company's PyPI/npm mirror, serving answers recorded from the
real registries) and fills each licence with its source and date, and the verdicts follow."""

from __future__ import annotations

import json
import threading

import pytest
from sqlalchemy import func, select

from app.access import Role
from app.extensions import db
from app.inventory.licences import lookup
from app.inventory.models import Component, LicenceState, ReleaseStatus
from app.jobs.models import Job, JobStatus
from app.sources.models import LookupState, PackageMetadata, SourceResponse
from tests.helpers import run_worker
from tests.inventory.factories import cyclonedx, poetry_lock, release_with
from tests.sources.mirror import DATA

LOCK = poetry_lock(("flask", "3.1.3"), ("six", "1.17.0"), ("requests", "2.32.3"), ("poetry-core", "2.5.0"))



def shown(client, release) -> str:
    """The release page as a browser shows it: the page, then the packages' look-up states it loads after itself."""
    page = client.get(f"/releases/{release.id}").get_data(as_text=True)
    packages_url = f"/releases/{release.id}/licence-lookup/packages"
    assert f'hx-get="{packages_url}" hx-trigger="load"' in page
    return page + client.get(packages_url).get_data(as_text=True)

def _components(release) -> dict[str, Component]:
    db.session.expire_all()
    return {c.name: c for c in db.session.scalars(select(Component).where(Component.release_id == release.id))}


def _start(client, release):
    return client.post(f"/releases/{release.id}/licence-lookup")


@pytest.fixture
def engineer(login_as):
    return login_as(Role.ENGINEER, username="erin")


def test_a_lockfile_without_licences_is_not_looked_up_yet_which_is_review_not_deny(app):
    release, _ = release_with("Infusion pump", "1.0", {"poetry.lock": LOCK})
    components = _components(release)
    assert {c.licence_state for c in components.values()} == {LicenceState.NOT_LOOKED_UP}
    assert {c.licence_verdict for c in components.values()} == {"review"}


def test_look_up_licences_fills_them_from_the_registry_with_source_and_date(app, mirror, broker, engineer):
    for name in ("flask", "six", "requests", "poetry-core"):
        mirror.pypi(name)
    release, _ = release_with("Infusion pump", "1.0", {"poetry.lock": LOCK})
    response = _start(engineer, release)
    assert response.status_code == 302
    page = shown(engineer, release)
    assert "Look up licences of Infusion pump 1.0" in page and 'hx-trigger="every 1s"' in page  # queued, polling

    assert run_worker() == 1
    components = _components(release)
    assert {name: (c.licence_expression, c.licence_verdict) for name, c in components.items()} == {
        "flask": ("BSD-3-Clause", "allow"), "six": ("MIT", "allow"),
        "requests": ("Apache-2.0", "allow"), "poetry-core": ("MIT", "allow"),
    }
    flask = components["flask"]
    assert flask.licence_state == LicenceState.REGISTRY
    assert flask.licence_source.startswith("PyPI JSON API, license_expression of 3.1.3, ")
    evidence = db.session.get(SourceResponse, flask.licence_evidence_id)
    assert evidence.url == f"{mirror.url}/pypi/flask/json"
    assert evidence.body == (DATA / "pypi" / "flask.json").read_bytes()
    assert flask.repository_url == "https://github.com/pallets/flask"
    job = db.session.scalar(select(Job))
    assert (job.status, job.done, job.total) == (JobStatus.DONE, 4, 4)
    assert job.result["found"] == 4 and job.result["verdict allow"] == 4

    page = shown(engineer, release)
    assert 'data-job-status="done"' in page and "4 found, 0 not found, 0 failed" in page
    detail = engineer.get(f"/components/{flask.id}").get_data(as_text=True)
    assert "Source: PyPI JSON API, license_expression of 3.1.3" in detail
    assert f"/sources/responses/{evidence.id}" in detail
    assert engineer.get(f"/sources/responses/{evidence.id}/body").data == evidence.body


def test_a_licence_from_the_imported_file_is_kept(app, mirror, broker, engineer):
    mirror.npm("left-pad")
    release, _ = release_with("Monitor", "2.0", {"bom.json": cyclonedx(("left-pad", "1.3.0", "MIT"))})
    _start(engineer, release)
    run_worker()
    component = _components(release)["left-pad"]
    assert (component.licence_expression, component.licence_state) == ("MIT", LicenceState.FILE)  # the npm says WTFPL


def test_a_package_that_declares_no_licence_gets_the_no_licence_rule(app, mirror, broker, engineer):
    document = json.loads((DATA / "pypi" / "six.json").read_bytes())
    document["info"].update(license="", license_expression=None, classifiers=[])
    mirror.pypi("six", json.dumps(document).encode())
    release, _ = release_with("Monitor", "2.0", {"poetry.lock": poetry_lock(("six", "1.17.0"))})
    _start(engineer, release)
    run_worker()
    six = _components(release)["six"]
    assert (six.licence_state, six.licence_verdict) == (LicenceState.NOT_DECLARED, "deny")
    assert six.licence_source.startswith("PyPI JSON API: no licence declared, ")


@pytest.mark.parametrize(("how", "state", "why"), [
    ("404", "not found", "no such package (HTTP 404)"),
    ("429", "failed", "rate limited by the source: HTTP 429; try again later"),
    ("bad json", "failed", "the registry&#39;s answer could not be read: the answer is not JSON"),
    ("timeout", "failed", "gave no answer within 0.5 s (timeout)"),
    ("unreachable", "failed", "cannot reach 127.0.0.1:"),
])
def test_each_failure_shows_its_state_on_the_page_and_the_other_packages_still_complete(
        app, mirror, broker, engineer, how, state, why):
    mirror.pypi("flask")
    if how == "429":
        mirror.route("/pypi/six/json", b"Too many requests", status=429)
    elif how == "bad json":
        mirror.route("/pypi/six/json", b"<html>maintenance</html>", headers={"Content-Type": "text/html"})
    elif how == "timeout":
        mirror.pypi("six", block=threading.Event())
        app.config["SOURCES_TIMEOUT_S"] = 0.5
    elif how == "unreachable":
        from tests.services import free_port

        app.config["PYPI_URL"] = f"http://127.0.0.1:{free_port()}/pypi"
    release, _ = release_with("Monitor", "2.0", {"poetry.lock": poetry_lock(("flask", "3.1.3"), ("six", "1.17.0"))})
    _start(engineer, release)
    run_worker()
    components = _components(release)
    six = components["six"]
    assert (six.licence_state, six.licence_verdict) == (LicenceState.NOT_LOOKED_UP, "review")
    if how != "unreachable":
        assert components["flask"].licence_verdict == "allow"
    page = shown(engineer, release)
    assert why in page and f"badge-{state.replace(' ', '_')}" in page
    assert db.session.scalar(select(Job.status)) == JobStatus.DONE


def test_a_failed_look_up_later_loses_nothing_already_found(app, mirror, broker, engineer):
    mirror.pypi("six")
    release, _ = release_with("Monitor", "2.0", {"poetry.lock": poetry_lock(("six", "1.17.0"))})
    _start(engineer, release)
    run_worker()
    app.config["SOURCES_CACHE_HOURS"] = 0  # ask again
    mirror.route("/pypi/six/json", b"Too many requests", status=429)
    _start(engineer, release)
    run_worker()
    six = _components(release)["six"]
    assert (six.licence_expression, six.licence_verdict) == ("MIT", "allow")
    meta = db.session.scalar(select(PackageMetadata))
    assert meta.state == LookupState.FAILED and meta.licence == "MIT" and meta.found_at is not None
    page = shown(engineer, release)
    assert "facts of" in page and "kept" in page


def test_a_frozen_release_cannot_be_looked_up(app, engineer):
    release, _ = release_with("Monitor", "2.0", {"poetry.lock": poetry_lock(("six", "1.17.0"))})
    release.status = ReleaseStatus.FROZEN
    db.session.commit()
    assert _start(engineer, release).status_code == 409
    assert db.session.scalar(select(func.count(Job.id))) == 0


def test_a_release_without_registry_packages_says_so(app, engineer):
    release, _ = release_with("Monitor", "2.0", {"bom.json": json.dumps({
        "bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
        "components": [{"type": "library", "name": "zlib", "version": "1.3", "purl": "pkg:generic/zlib@1.3"}]}).encode()})
    response = _start(engineer, release)
    assert response.status_code == 302
    page = shown(engineer, release)
    assert "This release has no PyPI or npm components to look up." in page


def test_an_auditor_cannot_start_a_look_up(app, login_as):
    release, _ = release_with("Monitor", "2.0", {"poetry.lock": poetry_lock(("six", "1.17.0"))})
    assert login_as(Role.AUDITOR).post(f"/releases/{release.id}/licence-lookup").status_code == 403


def test_starting_twice_while_it_waits_queues_one_job(app, engineer):
    release, _ = release_with("Monitor", "2.0", {"poetry.lock": poetry_lock(("six", "1.17.0"))})
    _start(engineer, release)
    _start(engineer, release)
    assert db.session.scalar(select(func.count(Job.id))) == 1
    assert lookup.latest_job(release).status == JobStatus.QUEUED


def test_the_release_page_itself_reads_no_package_metadata(app, mirror, broker, engineer):
    """How every package fared reads all of the release's packages (1.6 s at 20,000 components): the page loads
    it after itself, so the release page costs the same whatever the number of packages."""
    from tests.helpers import captured_sql

    mirror.pypi("flask")
    release, _ = release_with("Infusion pump", "1.0", {"poetry.lock": LOCK})
    _start(engineer, release)
    run_worker()
    with captured_sql() as statements:
        assert engineer.get(f"/releases/{release.id}").status_code == 200
    assert not [sql for sql in statements if "package_metadata" in sql]
    assert "1 found" in engineer.get(f"/releases/{release.id}/licence-lookup/packages").get_data(as_text=True)
