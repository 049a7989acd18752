"""Importing OSV files into the database, matching them to components of every ecosystem, triage."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from sqlalchemy import func, select

from app.access import Role
from app.audit.models import AuditEvent
from app.errors import PermissionDenied, ValidationFailed
from app.extensions import db
from app.inventory import summary as release_summaries
from app.inventory.advisories import services as advisory_services
from app.inventory.advisories.models import Advisory, AdvisoryAffected, AdvisoryMatch, MatchState
from app.inventory.models import Component, Product, Release
from tests.helpers import DATA
from tests.inventory.advisory_records import component_named, make_release

OSV = DATA / "inventory" / "osv"


def osv_record(advisory_id: str, name: str, *events: dict[str, str], ecosystem: str = "PyPI", **extra) -> dict:
    return {
        "id": advisory_id,
        "modified": extra.pop("modified", "2024-01-01T00:00:00Z"),
        "affected": [{"package": {"ecosystem": ecosystem, "name": name}, "ranges": [{"type": "ECOSYSTEM", "events": list(events)}]}],
        **extra,
    }


def import_json(*records: dict, filename: str = "advisories.json"):
    return advisory_services.import_advisories(filename, json.dumps(list(records)).encode(), channel="cli")


def ids_for(component) -> list[str]:
    return [match.advisory.osv_id for match in advisory_services.component_matches(component)]


def test_an_npm_and_a_maven_component_get_their_advisories_by_their_ecosystems_rules(app):
    release = make_release(
        ("npm", "@example/merge", "2.3.0"),
        ("npm", "merge", "2.3.0"),
        ("maven", "org.example/example-databind", "2.9.10.6"),
        ("maven", "org.example:other", "2.9.10"),
        ("nuget", "example.http", "2.5.0-beta"),
    )
    advisory_services.import_advisories("npm-semver.json", (OSV / "npm-semver.json").read_bytes())
    advisory_services.import_advisories("maven-list.json", (OSV / "maven-list.json").read_bytes())

    assert ids_for(component_named(release, "@example/merge")) == ["TEST-2024-0001"]
    assert ids_for(component_named(release, "merge")) == []  # the scope is part of the name
    assert ids_for(component_named(release, "org.example/example-databind")) == ["TEST-2024-0002"]
    assert ids_for(component_named(release, "org.example:other")) == []
    assert ids_for(component_named(release, "example.http")) == ["TEST-2024-0003"]  # NuGet names ignore case


def test_a_release_imported_after_the_advisories_is_matched_by_refresh_matches(app):
    import_json(osv_record("A-1", "requests", {"introduced": "0"}, {"fixed": "2.32.0"}))
    release = make_release(("pypi", "Requests", "2.31.0"), ("pypi", "requests-toolbelt", "1.0.0"))
    assert ids_for(component_named(release, "Requests")) == []  # nothing matched yet

    added, removed = advisory_services.refresh_matches(release)

    assert (added, removed) == (1, 0)
    assert ids_for(component_named(release, "Requests")) == ["A-1"]
    assert ids_for(component_named(release, "requests-toolbelt")) == []
    assert advisory_services.refresh_matches(release) == (0, 0)


def test_new_advisories_reach_frozen_releases_too(app):
    release = make_release(("pypi", "jinja2", "2.10"), frozen=True)
    result = import_json(osv_record("A-2", "Jinja2", {"introduced": "2.0"}, {"fixed": "2.10.1"}))
    assert result.matches_added == 1
    assert ids_for(component_named(release, "jinja2")) == ["A-2"]


def test_an_updated_record_replaces_the_old_one_and_its_matches_follow(app):
    release = make_release(("pypi", "demo", "1.5"))
    import_json(osv_record("A-3", "demo", {"introduced": "0"}, {"fixed": "2.0"}, summary="first"))
    assert ids_for(component_named(release, "demo")) == ["A-3"]

    result = import_json(osv_record("A-3", "demo", {"introduced": "0"}, {"fixed": "1.2"}, summary="narrowed", modified="2024-02-01T00:00:00Z"))

    assert (result.added, result.updated, result.unchanged) == (0, 1, 0)
    assert (result.matches_added, result.matches_removed) == (0, 1)
    advisory = db.session.scalars(select(Advisory)).one()
    assert advisory.summary == "narrowed"
    assert db.session.scalar(select(func.count(AdvisoryAffected.id))) == 1
    assert ids_for(component_named(release, "demo")) == []


def test_a_withdrawn_advisory_is_kept_but_matches_nothing(app):
    release = make_release(("pypi", "example-yaml", "2.9"))
    result = advisory_services.import_advisories("withdrawn.yaml", (OSV / "withdrawn.yaml").read_bytes())
    assert (result.added, result.withdrawn, result.matches_added) == (1, 1, 0)
    assert db.session.scalars(select(Advisory)).one().withdrawn is not None
    assert ids_for(component_named(release, "example-yaml")) == []


def test_a_zip_of_json_and_yaml_records_imports(app):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a/A-4.json", json.dumps(osv_record("A-4", "demo", {"introduced": "0"})))
        archive.writestr("b/A-5.yaml", "id: A-5\nmodified: 2024-01-01T00:00:00Z\naffected:\n- package: {ecosystem: PyPI, name: demo}\n  versions: [2.10]\n")
    make_release(("pypi", "demo", "2.10"))
    result = advisory_services.import_advisories("bundle.zip", buffer.getvalue())
    assert (result.added, result.matches_added) == (2, 2)


def test_a_broken_file_raises_one_clear_error_and_stores_nothing(app):
    with pytest.raises(ValidationFailed, match=r"broken\.json.*invalid JSON at line 1"):
        advisory_services.import_advisories("broken.json", b"{not json")
    with pytest.raises(ValidationFailed, match="id"):
        advisory_services.import_advisories("no-id.json", b'{"summary": "no id"}')
    assert db.session.scalar(select(func.count(Advisory.id))) == 0
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.name == "advisories.imported")) == 0


def test_the_import_records_who_and_one_event_with_the_counts(app, make_user):
    engineer = make_user("erin", Role.ENGINEER)
    import_json(osv_record("A-6", "demo", {"introduced": "0"}), osv_record("A-7", "demo", {"introduced": "1.0"}))
    result = advisory_services.import_advisories("more.json", json.dumps([osv_record("A-8", "x", {"introduced": "0"})]).encode(), by=engineer)
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.name == "advisories.imported").order_by(AuditEvent.id.desc())).first()
    assert event.details["added"] == 1 and event.details["filename"] == "more.json"
    assert result.as_dict()["added"] == 1


def test_an_auditor_may_not_import(app, make_user):
    auditor = make_user("alex", Role.AUDITOR)
    with pytest.raises(PermissionDenied):
        import_json_by(auditor)


def import_json_by(user):
    return advisory_services.import_advisories("a.json", json.dumps(osv_record("A-9", "demo")).encode(), by=user)


def test_triage_needs_a_note_unless_open_and_is_audited(app, make_user):
    engineer = make_user("erin", Role.ENGINEER)
    release = make_release(("pypi", "demo", "1.0"))
    import_json(osv_record("A-10", "demo", {"introduced": "0"}))
    (match,) = advisory_services.component_matches(component_named(release, "demo"))

    with pytest.raises(ValidationFailed, match="needs a note"):
        advisory_services.triage_match(match, "not_affected", "  ", by=engineer)
    with pytest.raises(ValidationFailed, match="justification"):
        advisory_services.triage_match(match, "not_affected", "We never call the vulnerable function.", by=engineer)
    with pytest.raises(ValidationFailed, match="mitigation"):
        advisory_services.triage_match(match, "affected", "", by=engineer)
    advisory_services.triage_match(match, "not_affected", "We never call the vulnerable function.", by=engineer,
                                   justification="vulnerable_code_not_in_execute_path")
    assert db.session.get(AdvisoryMatch, match.id).justification == "vulnerable_code_not_in_execute_path"

    assert db.session.get(AdvisoryMatch, match.id).state == MatchState.NOT_AFFECTED
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "advisory_match")).all()
    assert any(event.changes.get("state", {}).get("new") == "not_affected" for event in events)
    assert any(event.name == "advisory_match.triaged" for event in events)
    counts = release_summaries.summary_of(release.id).advisories()  # the stored counts followed the triage
    assert counts["not_affected"] == 1 and counts["open"] == 0 and counts["components"] == 1


def test_the_advisories_list_filters(app):
    make_release(("pypi", "demo", "1.0"))
    import_json(
        osv_record("A-11", "demo", {"introduced": "0"}, summary="Remote code execution", database_specific={"severity": "HIGH"}),
        osv_record("A-12", "other", {"introduced": "0"}, aliases=["CVE-2099-1"]),
        osv_record("N-1", "left-pad", {"introduced": "0"}, ecosystem="npm"),
    )

    def ids(**filters):
        query = advisory_services.advisories_query(advisory_services.AdvisoryFilters(**filters))
        return sorted(advisory.osv_id for advisory in db.session.scalars(query))

    assert ids() == ["A-11", "A-12", "N-1"]
    assert ids(affecting="yes") == ["A-11"]
    assert ids(affecting="no") == ["A-12", "N-1"]
    assert ids(severity="high") == ["A-11"]
    assert ids(severity="none") == ["A-12", "N-1"]
    assert ids(ecosystem="npm") == ["N-1"]
    assert ids(package="OTHER", ecosystem="pypi") == ["A-12"]
    assert ids(text="cve-2099") == ["A-12"]
    assert ids(text="remote code") == ["A-11"]
    assert ids(text="100%") == []
    assert sorted(advisory_services.ecosystems()) == ["PyPI", "npm"]


def test_a_triage_decision_carries_over_to_the_same_version_in_the_next_release_of_the_product(app, make_user):
    engineer = make_user("erin", Role.ENGINEER)
    first = make_release(("pypi", "demo", "1.0"), product="Pump", version="1.0")
    import_json(osv_record("A-20", "demo", {"introduced": "0"}))
    (match,) = advisory_services.component_matches(component_named(first, "demo"))
    advisory_services.triage_match(match, "not_affected", "We never call the parser.", by=engineer,
                                   justification="code_not_reachable")

    pump = db.session.scalars(select(Product).where(Product.name == "Pump")).one()
    second = Release(product=pump, version="1.1")
    db.session.add(second)
    db.session.flush()
    db.session.add_all([
        Component(release_id=second.id, ecosystem="pypi", name="Demo", version="1.0", safety_class="C"),
        Component(release_id=second.id, ecosystem="pypi", name="demo2", version="1.0", safety_class="C"),
    ])
    other_product = make_release(("pypi", "demo", "1.0"), product="Monitor")
    db.session.flush()
    advisory_services.refresh_matches(second)
    advisory_services.refresh_matches(other_product)

    (carried,) = advisory_services.component_matches(component_named(second, "Demo"))
    assert (carried.state, carried.note, carried.decided_by_id) == ("not_affected", "We never call the parser.", engineer.id)
    (elsewhere,) = advisory_services.component_matches(component_named(other_product, "demo"))
    assert elsewhere.state == "open"  # another product decides for itself
