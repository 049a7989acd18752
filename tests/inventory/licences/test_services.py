"""The stored licence policy: defaults, overrides per id and per category, verdicts stored per component, audit."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.access import Role
from app.audit.models import AuditEvent
from app.errors import Conflict, PermissionDenied, ValidationFailed
from app.extensions import db
from app.inventory.licences import services as licence_services
from app.inventory.licences.models import LicencePolicyEntry
from tests.inventory.advisory_records import component_named, make_release

COMPONENTS = (
    ("pypi", "permissive", "1.0", "MIT"),
    ("pypi", "weak", "1.0", "LGPL-2.1-or-later"),
    ("pypi", "strong", "1.0", "GPL-3.0-only"),
    ("pypi", "choice", "1.0", "GPL-2.0-only OR Apache-2.0"),
    ("pypi", "unknown", "1.0", "LicenseRef-Acme-EULA"),
    ("pypi", "none", "1.0", ""),
)


def verdicts(release) -> dict[str, str | None]:
    db.session.expire_all()
    return {name: component_named(release, name).licence_verdict for _eco, name, _v, _l in COMPONENTS}


@pytest.fixture
def qa(make_user):
    return make_user("quinn", Role.QA)


def test_the_default_policy_is_stored_per_component_and_summarised(app):
    release = make_release(*COMPONENTS)
    counts = licence_services.apply_licence_policy(release)
    assert verdicts(release) == {
        "permissive": "allow",
        "weak": "review",
        "strong": "review",
        "choice": "allow",
        "unknown": "review",
        "none": "deny",
    }
    assert counts == {"allow": 2, "review": 3, "deny": 1}
    summary = licence_services.licence_summary(release)
    assert summary["counts"] == {"allow": 2, "review": 3, "deny": 1, "unset": 0}
    assert summary["total"] == 6
    assert summary["flagged"][0] == {"licence": "(none declared)", "verdict": "deny", "components": 1}
    assert {item["licence"] for item in summary["flagged"][1:]} == {"LGPL-2.1-or-later", "GPL-3.0-only", "LicenseRef-Acme-EULA"}


def test_unknown_ids_flagged_by_the_importer_count_as_unknown(app):
    release = make_release(("pypi", "odd", "1.0", "MIT"))
    component = component_named(release, "odd")
    component.unknown_licences = ["MIT"]
    db.session.flush()
    licence_services.apply_licence_policy(release)
    db.session.expire_all()
    assert component_named(release, "odd").licence_verdict == "review"


def test_an_override_by_id_and_by_category_changes_the_verdicts_of_draft_releases(app, qa):
    draft = make_release(*COMPONENTS)
    frozen = make_release(*COMPONENTS, frozen=True)
    licence_services.apply_licence_policy(draft)

    licence_services.save_entry("gpl-3.0", "deny", "Strong copyleft in a device is not acceptable here.", by=qa)
    licence_services.save_entry("weak_copyleft", "allow", "Dynamic linking only; legal approved 2026-03.", by=qa)

    assert verdicts(draft)["strong"] == "deny"  # deprecated spelling resolved to GPL-3.0-only
    assert verdicts(draft)["weak"] == "allow"
    assert set(verdicts(frozen).values()) == {None}  # frozen releases keep what they were frozen with
    keys = [entry.key for entry in licence_services.entries()]
    assert keys == ["weak_copyleft", "GPL-3.0-only"]


def test_policy_edits_are_audited_with_old_and_new_values(app, qa):
    entry = licence_services.save_entry("MIT", "review", "Check attribution.", by=qa)
    licence_services.save_entry("mit", "allow", "Attribution file in place.", by=qa, version=entry.version)
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.entity_type == "licence_policy_entry").order_by(AuditEvent.id)
    ).all()
    updates = [event for event in events if event.action == "update"]
    assert updates and updates[-1].changes["verdict"] == {"old": "review", "new": "allow"}
    assert [event.name for event in events if event.name] == ["licence_policy.changed", "licence_policy.changed"]
    assert db.session.scalar(select(db.func.count(LicencePolicyEntry.id))) == 1

    licence_services.remove_entry(entry.id, by=qa, reason="Back to the default.")
    removed = db.session.scalars(select(AuditEvent).where(AuditEvent.name == "licence_policy.removed")).one()
    assert removed.reason == "Back to the default."
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "licence_policy_entry", AuditEvent.action == "delete")).one()


@pytest.mark.parametrize(
    ("key", "verdict", "note", "message"),
    [
        ("Not-A-Licence", "deny", "x", "not an SPDX licence id"),
        ("MIT", "maybe", "x", "Unknown verdict"),
        ("MIT", "deny", " ", "Say why"),
        ("", "deny", "x", "Give an SPDX"),
    ],
)
def test_bad_policy_entries_are_refused(app, qa, key, verdict, note, message):
    with pytest.raises(ValidationFailed, match=message):
        licence_services.save_entry(key, verdict, note, by=qa)


def test_a_stale_policy_edit_is_refused(app, qa):
    entry = licence_services.save_entry("MIT", "review", "Check attribution.", by=qa)
    with pytest.raises(Conflict):
        licence_services.save_entry("MIT", "allow", "x", by=qa, version=entry.version + 1)


def test_engineers_may_not_change_the_policy(app, make_user):
    with pytest.raises(PermissionDenied):
        licence_services.save_entry("MIT", "deny", "x", by=make_user("erin", Role.ENGINEER))


def test_a_frozen_release_refuses_new_verdicts(app):
    with pytest.raises(Conflict, match="frozen"):
        licence_services.apply_licence_policy(make_release(*COMPONENTS, frozen=True))


def test_the_verdict_of_one_component_gives_its_reasons(app):
    release = make_release(*COMPONENTS)
    result = licence_services.component_verdict(component_named(release, "choice"))
    assert result.verdict == "allow"
    assert any("Apache-2.0" in reason for reason in result.reasons)
