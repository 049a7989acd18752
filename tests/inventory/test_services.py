"""Import, diff, assessment and freeze rules of the inventory services."""

from __future__ import annotations

import pytest
from sqlalchemy import event, func, select

from app.access import Role
from app.audit.models import AuditEvent
from app.errors import PermissionDenied, ValidationFailed
from app.extensions import db
from app.inventory import diff as diffing
from app.inventory import services
from app.inventory.anomalies.services import record_review
from app.inventory.models import ChangeKind, Component, ImportRun, LicenceState, Product, Release
from app.inventory.workflow import ReleaseFrozen
from app.signatures.services import SignatureRefused, signatures_for
from tests.helpers import PASSWORD
from tests.inventory.factories import cyclonedx, release_with, requirements
from tests.inventory.gated import make_ready_otss, sign_and_freeze


def counts() -> tuple[int, ...]:
    return tuple(db.session.scalar(select(func.count()).select_from(model)) for model in
                 (Product, Release, ImportRun, Component, AuditEvent))


def components_of(release: Release) -> dict[str, Component]:
    return {c.name: c for c in db.session.scalars(select(Component).where(Component.release_id == release.id))}


def test_import_creates_product_release_and_proposed_components_with_one_audit_event(app) -> None:
    release, summary = release_with("Pump", "1.0", {"requirements.txt": requirements("flask==3.0.0", "click==8.1.7")})

    assert summary == {
        "product": "Pump", "release": "1.0", "format": "requirements.txt", "components": 2, "direct": 0,
        "transitive": 0, "licences": {"NOASSERTION": 2}, "unknown_licences": [],
        "added": 2, "removed": 0, "upgraded": 0, "downgraded": 0, "licence_changed": 0, "compared_with": None, "warnings": [],
    }
    assert {c.status for c in components_of(release).values()} == {"proposed"}
    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "component")))
    assert events == []  # bulk insert: no event per row...
    imported = list(db.session.scalars(select(AuditEvent).where(AuditEvent.name == "release.imported")))
    assert len(imported) == 1  # ...but one domain event per imported file
    assert imported[0].details["components"] == 2 and len(imported[0].details["sha256"]) == 64


def test_import_does_not_issue_a_statement_per_component(app) -> None:
    pins = [f"package-{n}=={n}.0" for n in range(300)]
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        release_with("Big", "1.0", {"requirements.txt": requirements(*pins)})
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    inserts = [s for s in statements if s.lstrip().upper().startswith("INSERT INTO COMPONENTS")]
    assert db.session.scalar(select(func.count(Component.id))) == 300
    assert len(inserts) <= 3  # executemany batches, not 300 round trips
    assert len(statements) < 60


def test_licences_are_counted_by_spdx_id_and_unknown_ids_listed(app) -> None:
    _release, summary = release_with("Web", "1.0", {"bom.json": cyclonedx(
        ("a", "1.0.0", "MIT"), ("b", "1.0.0", "MIT"), ("c", "1.0.0", "Apache-2.0"), ("d", "1.0.0", ""))})
    assert summary["licences"] == {"Apache-2.0": 1, "MIT": 2, "NOASSERTION": 1}
    assert summary["format"] == "cyclonedx-json"
    verdicts = {c.name: c.licence_verdict for c in components_of(_release).values()}
    # the default policy, at import: "d" has no licence in the file and is not looked up yet (review, not deny)
    assert verdicts == {"a": "allow", "b": "allow", "c": "allow", "d": "review"}


def test_a_bad_file_imports_nothing_and_names_the_problem(app) -> None:
    release_with("Pump", "1.0", {"requirements.txt": requirements("flask==3.0.0")})
    before = counts()
    uploads = [services.UploadedFile("requirements.txt", requirements("click==8.1.7")),
               services.UploadedFile("package-lock.json", b'{"lockfileVersion": 3, "packages": [1, 2]')]
    with pytest.raises(services.ImportFailed, match=r"package-lock\.json"):
        services.import_into("Pump", "1.0", uploads)
    db.session.rollback()
    assert counts() == before


def test_reimporting_a_file_replaces_its_components_and_keeps_assessments(app) -> None:
    release, _ = release_with("Pump", "1.0", {"requirements.txt": requirements("flask==3.0.0", "click==8.1.7")})
    flask = components_of(release)["flask"]
    services.classify_components(release, [flask.id], "soup", "Web framework at run time", by=None)
    db.session.commit()

    _, summary = release_with("Pump", "1.0", {"requirements.txt": requirements("flask==3.0.0", "jinja2==3.1.4")})

    now = components_of(release)
    assert set(now) == {"flask", "jinja2"}
    assert now["flask"].classification == "soup"
    assert summary["components"] == 2


def test_diff_against_previous_release_counts_every_kind_of_change(app) -> None:
    first, _ = release_with("Web", "1.0", {"bom.json": cyclonedx(
        ("kept", "1.0.0", "MIT"), ("up", "1.0.0", "MIT"), ("down", "2.0.0", "MIT"), ("gone", "1.0.0", "MIT"),
        ("relicensed", "1.0.0", "MIT"))})
    second, summary = release_with("Web", "2.0", {"bom.json": cyclonedx(
        ("kept", "1.0.0", "MIT"), ("up", "1.10.0", "MIT"), ("down", "1.9.0", "MIT"), ("new", "0.1.0", "ISC"),
        ("relicensed", "1.0.0", "GPL-3.0-only"))})

    assert second.previous_release_id == first.id
    assert {k: summary[k] for k in ("added", "removed", "upgraded", "downgraded", "licence_changed")} == {
        "added": 1, "removed": 1, "upgraded": 1, "downgraded": 1, "licence_changed": 1}
    kinds = {name: (c.change_kind, c.previous_version) for name, c in components_of(second).items()}
    assert kinds == {"kept": ("unchanged", "1.0.0"), "up": ("upgraded", "1.0.0"), "down": ("downgraded", "2.0.0"),
                     "new": ("added", ""), "relicensed": ("licence_changed", "1.0.0")}
    result = services.release_diff(first, second)
    assert [c.name for c in result.of("removed")] == ["gone"]


def test_a_licence_stated_on_one_side_only_is_not_a_licence_change() -> None:
    """An empty licence is one not stated (not looked up yet): MIT against nothing is no change."""
    old = [diffing.DiffItem("a", "1.0.0", "npm", "MIT"), diffing.DiffItem("b", "1.0.0", "npm", "")]
    new = [diffing.DiffItem("a", "1.0.0", "npm", ""), diffing.DiffItem("b", "1.0.0", "npm", "ISC")]
    assert diffing.diff(old, new).changes == []


def test_a_package_that_lost_its_exact_version_was_neither_upgraded_nor_downgraded() -> None:
    """A manifest's range (click>=8.1.3, no version) after a lockfile's click 8.1.3 read "Downgraded from 8.1.3": the
    version went and an unversioned click came; a versioned change beside it still pairs as before."""
    old = [diffing.DiffItem("click", "8.1.3", "pypi", ""), diffing.DiffItem("flask", "2.3.0", "pypi", "")]
    new = [diffing.DiffItem("click", "", "pypi", ""), diffing.DiffItem("flask", "3.0.0", "pypi", "")]

    result = diffing.diff(old, new)

    assert [(c.kind, c.name) for c in result.changes] == [("added", "click"), ("removed", "click"),
                                                          ("upgraded", "flask")]
    assert diffing.kind_of(result, new[0]) == ("added", "")


def test_a_looked_up_licence_travels_to_the_same_version_in_the_next_release(app) -> None:
    """The registry's licence of flask 3.0.0 (looked up in 1.0; the file names none) is the licence of flask 3.0.0
    in 2.0 as well: no "not looked up", no licence change; click 8.1.8 is another version and is looked up anew."""
    first, _ = release_with("Pump", "1.0", {"requirements.txt": requirements("flask==3.0.0", "click==8.1.7")})
    flask = components_of(first)["flask"]
    assert flask.licence_state == LicenceState.NOT_LOOKED_UP
    flask.licence_expression, flask.licence_state = "BSD-3-Clause", LicenceState.REGISTRY
    flask.licence_source = "PyPI, info.license of 3.0.0, 1 Dec 2026"
    db.session.commit()

    second, summary = release_with("Pump", "2.0", {"requirements.txt": requirements("flask==3.0.0", "click==8.1.8")})

    now = components_of(second)
    assert (now["flask"].licence_expression, now["flask"].licence_state, now["flask"].licence_source) == (
        "BSD-3-Clause", LicenceState.REGISTRY, "PyPI, info.license of 3.0.0, 1 Dec 2026")
    assert now["flask"].change_kind == ChangeKind.UNCHANGED and summary["licence_changed"] == 0
    assert now["click"].licence_state == LicenceState.NOT_LOOKED_UP
    assert services.release_diff(first, second).of("licence_changed") == []


def test_pypi_versions_compare_by_pep_440_not_as_text(app) -> None:
    release_with("Pump", "1.0", {"requirements.txt": requirements("django==4.9")})
    _, summary = release_with("Pump", "2.0", {"requirements.txt": requirements("Django==4.10")})
    assert (summary["upgraded"], summary["added"], summary["removed"]) == (1, 0, 0)


def test_unchanged_components_carry_their_assessment_to_the_next_release(app, make_user) -> None:
    engineer = make_user("erin", Role.ENGINEER)
    first, _ = release_with("Pump", "1.0", {"requirements.txt": requirements("flask==3.0.0", "click==8.1.7")})
    ids = [c.id for c in components_of(first).values()]
    services.classify_components(first, ids, "soup", "used at run time", by=engineer)
    services.assess_components(first, ids, "reviewed", by=engineer)
    db.session.commit()

    second, _ = release_with("Pump", "1.1", {"requirements.txt": requirements("flask==3.0.0", "click==8.2.0")})

    now = components_of(second)
    assert (now["flask"].change_kind, now["flask"].assessed, now["flask"].classification) == ("unchanged", True, "soup")
    assert (now["click"].change_kind, now["click"].assessed, now["click"].classification) == ("upgraded", False, "soup")
    assert now["click"].status == "proposed"


def test_classified_class_c_soup_needs_requirements_hazards_and_a_current_anomaly_review(app, make_user) -> None:
    engineer = make_user("erin", Role.ENGINEER)
    release, _ = release_with("Pump", "1.0", {"requirements.txt": requirements("flask==3.0.0")})
    release.product.safety_class = "C"
    flask = components_of(release)["flask"]
    services.update_component(flask, {"classification": "soup", "safety_class": "C"}, by=engineer)
    db.session.commit()

    with pytest.raises(ValidationFailed) as refused:
        services.assess_components(release, [flask.id], "ok", by=engineer)
    assert "requirements" in refused.value.message and "hazard" in refused.value.message
    assert "anomaly review of version 3.0.0" in refused.value.message

    services.update_component(flask, {"requirements": "Serves the REST API", "hazard_refs": "HAZ-12"}, by=engineer)
    record_review(flask, by=engineer, anomalies="None relevant found in the issue tracker", conclusion="acceptable")
    assert services.assess_components(release, [flask.id], "ok", by=engineer) == 1
    assert flask.assessed and flask.status == "evaluated"


def test_approving_a_component_applies_the_same_rules(app, make_user) -> None:
    engineer = make_user("erin", Role.ENGINEER)
    release, _ = release_with("Pump", "1.0", {"requirements.txt": requirements("flask==3.0.0")})
    flask = components_of(release)["flask"]
    services.update_component(flask, {"classification": "soup", "safety_class": "B", "status": "evaluated"},
                              by=engineer)
    with pytest.raises(ValidationFailed, match="cannot be approved"):
        services.update_component(flask, {"status": "approved"}, by=engineer)
    with pytest.raises(ValidationFailed, match="cannot become in_use"):
        services.update_component(flask, {"status": "in_use"}, by=engineer)


def _assessed_release(engineer) -> Release:
    release, _ = release_with("Pump", "1.0", {"requirements.txt": requirements("flask==3.0.0", "click==8.1.7")})
    make_ready_otss(release, engineer)
    db.session.commit()
    return release


def test_freezing_needs_every_changed_component_assessed(app, make_user) -> None:
    qa = make_user("quinn", Role.QA)
    release, _ = release_with("Pump", "1.0", {"requirements.txt": requirements("flask==3.0.0")})
    with pytest.raises(ValidationFailed, match=r"flask 3\.0\.0: the change since the previous release is not assessed"):
        services.freeze_release(release, qa, password=PASSWORD)
    assert not release.is_frozen


def test_qa_freezes_with_a_signature_bound_to_the_soup_list(app, make_user) -> None:
    engineer, qa = make_user("erin", Role.ENGINEER), make_user("quinn", Role.QA)
    release = _assessed_release(engineer)

    services.author_release(release, engineer, password=PASSWORD)
    signature = services.freeze_release(release, qa, password=PASSWORD, comment="SOUP list approved")
    db.session.commit()

    assert release.is_frozen and release.frozen_by_id == qa.id and release.frozen_at is not None
    assert signature.meaning == "approved"
    assert [s.meaning for s in signatures_for("release", release.id)] == ["authored", "approved"]
    assert signatures_for("release", release.id)[1].content_hash == signature.content_hash
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.name == "release.frozen")) == 1


def test_a_wrong_password_freezes_nothing(app, make_user) -> None:
    engineer, qa = make_user("erin", Role.ENGINEER), make_user("quinn", Role.QA)
    release = _assessed_release(engineer)
    services.author_release(release, engineer, password=PASSWORD)
    with pytest.raises(SignatureRefused):
        services.freeze_release(release, qa, password="wrong password")
    assert not release.is_frozen


def test_an_engineer_cannot_freeze(app, make_user) -> None:
    engineer = make_user("erin", Role.ENGINEER)
    release = _assessed_release(engineer)
    with pytest.raises(PermissionDenied):
        services.freeze_release(release, engineer, password=PASSWORD)


@pytest.fixture
def frozen(app, make_user) -> Release:
    engineer, qa = make_user("erin", Role.ENGINEER), make_user("quinn", Role.QA)
    release = _assessed_release(engineer)
    sign_and_freeze(release, engineer, qa)
    db.session.commit()
    return release


def test_a_frozen_release_refuses_imports(frozen: Release) -> None:
    before = counts()
    with pytest.raises(ReleaseFrozen):
        services.import_into("Pump", "1.0", [services.UploadedFile("requirements.txt", requirements("x==1"))])
    db.session.rollback()
    assert counts() == before


def test_a_frozen_release_refuses_component_edits_classification_and_supplier_links(frozen: Release) -> None:
    component = components_of(frozen)["flask"]
    with pytest.raises(ReleaseFrozen):
        services.update_component(component, {"requirements": "changed"}, by=None)
    with pytest.raises(ReleaseFrozen):
        services.classify_components(frozen, [component.id], "soup", "", by=None)
    with pytest.raises(ReleaseFrozen):
        services.link_supplier(component, None, by=None)


def test_the_flush_guard_refuses_any_change_that_bypasses_the_services(frozen: Release) -> None:
    component = components_of(frozen)["flask"]
    component.version = "9.9.9"
    with pytest.raises(ReleaseFrozen):
        db.session.flush()
    db.session.rollback()
    frozen.status = "draft"
    with pytest.raises(ReleaseFrozen):
        db.session.flush()
    db.session.rollback()
    db.session.add(Component(release_id=frozen.id, name="smuggled", version="1"))
    with pytest.raises(ReleaseFrozen):
        db.session.flush()
    db.session.rollback()


def test_changes_go_into_a_new_release_diffed_against_the_frozen_one(frozen: Release) -> None:
    second, summary = release_with("Pump", "1.1", {"requirements.txt": requirements("flask==3.0.1", "click==8.1.7")})
    assert second.previous_release_id == frozen.id
    assert summary["upgraded"] == 1
    assert components_of(second)["click"].change_kind == ChangeKind.UNCHANGED


def test_supplier_is_suggested_from_the_repository_and_created_as_a_candidate(app) -> None:
    from app.suppliers.models import Supplier

    release, _ = release_with("Pump", "1.0", {"requirements.txt": requirements("flask==3.0.0", "click==8.1.7")})
    flask, click = components_of(release)["flask"], components_of(release)["click"]
    flask.repository_url = "git+https://github.com/pallets/flask.git"
    pallets = Supplier(code="OSS-PALLETS", name="Pallets", kind="open_source_project",
                       repository_url="https://github.com/pallets")
    db.session.add(pallets)
    db.session.flush()
    assert services.suggest_supplier(flask) is pallets
    assert services.suggest_supplier(click) is None

    created = services.create_supplier_for(click, by=None)
    assert (created.kind, created.status, created.code) == ("open_source_project", "candidate", "OSS-CLICK")
    assert click.supplier_id == created.id


def test_the_demo_seed_imports_provenances_own_lock_files(app) -> None:
    import json
    import re

    from app import ROOT
    from app.inventory.demo import provenance_version

    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0  # idempotent
    product = services.find_product("Provenance")
    assert product is not None
    release = services.find_release(product, provenance_version())
    pins = re.findall(r"^[A-Za-z0-9][A-Za-z0-9._-]*==", (ROOT / "requirements.lock").read_text(), re.MULTILINE)
    npm = {(path.rsplit("node_modules/", 1)[1], info["version"]) for path, info in
           json.loads((ROOT / "package-lock.json").read_text())["packages"].items() if path and not info.get("link")}
    assert len(components_of(release)) <= len(pins) + len(npm)  # names may repeat across ecosystems
    stored = db.session.scalar(select(func.count(Component.id)).where(Component.release_id == release.id))
    assert stored == len(pins) + len(npm)
    assert {run.filename for run in release.import_runs} == {"requirements.txt", "package-lock.json"}
    flask = db.session.scalars(select(Component).where(Component.release_id == release.id,
                                                       Component.name.ilike("flask"))).one()
    assert flask.licence_expression == "BSD-3-Clause" and flask.licence_verdict == "allow"
