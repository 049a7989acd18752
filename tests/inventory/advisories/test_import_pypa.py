"""The PyPA advisory database imports through the service and matches the release of the done-when criterion.

One zip import per test (the database is emptied between tests), so the whole story is one test.
"""

from __future__ import annotations

from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.extensions import db
from app.inventory.advisories import services as advisory_services
from app.inventory.advisories.models import Advisory, AdvisoryAffected, AdvisoryImport, AdvisoryMatch
from tests.inventory.advisories.test_matching import PYPA_ZIP, RELEASE, advisories_listing
from tests.inventory.advisory_records import component_named, make_release


def test_the_pypa_zip_imports_and_the_release_gets_exactly_the_listed_advisories(app):
    release = make_release(("pypi", "Jinja2", "2.10"), ("pypi", "urllib3", "1.24.1"), ("pypi", "flask", "3.1.1"))
    db.session.commit()
    result = advisory_services.import_advisories(PYPA_ZIP.name, PYPA_ZIP.read_bytes(), channel="cli")
    db.session.commit()

    # counts: every record of the zip, every affected package and version string is stored
    assert result.advisories == result.added == db.session.scalar(select(func.count(Advisory.id))) == 2661
    assert result.updated == result.unchanged == 0
    assert result.affected_packages == db.session.scalar(select(func.count(AdvisoryAffected.id)))
    assert result.versions == 140847

    expected = advisories_listing(RELEASE)
    found = {name: set() for name in RELEASE}
    for row in advisory_services.release_advisories(release):
        found[row.component.name.lower()].add(row.advisory.osv_id)
    assert found == expected
    assert expected["jinja2"] and expected["urllib3"]
    assert not advisory_services.component_matches(component_named(release, "flask"))
    assert result.matches_added == sum(len(ids) for ids in expected.values())

    # one audit event for the import, none per advisory
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.name == "advisories.imported")).all()
    assert len(events) == 1
    assert events[0].details["added"] == 2661
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.entity_type == "advisory")) == 0

    # importing the same file again changes nothing
    again = advisory_services.import_advisories(PYPA_ZIP.name, PYPA_ZIP.read_bytes(), channel="cli")
    db.session.commit()
    assert (again.added, again.updated, again.unchanged) == (0, 0, 2661)
    assert (again.matches_added, again.matches_removed) == (0, 0)
    assert db.session.scalar(select(func.count(Advisory.id))) == 2661
    assert db.session.scalar(select(func.count(AdvisoryMatch.id))) == result.matches_added
    assert db.session.scalar(select(func.count(AdvisoryImport.id))) == 2
