"""SOUP requirements carried by version, test results imported and linked, and the readiness rule that needs both."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.access import Role
from app.errors import PermissionDenied, ValidationFailed
from app.extensions import db
from app.inventory import services as inventory
from app.inventory.traceability import services
from app.inventory.traceability.models import TestResult, TestResultLink, TestResultRun
from app.inventory.traceability.services import ResultFile
from tests.helpers import PASSWORD
from tests.inventory.factories import requirements
from tests.inventory.gated import components_of, gated_release


@pytest.fixture
def people(make_user):
    return {"engineer": make_user("erin", Role.ENGINEER), "qa": make_user("quinn", Role.QA)}


def junit(*cases: tuple[str, str], props: str = "") -> bytes:
    """A JUnit report of (name, outcome) cases."""
    body = {"passed": "", "failed": "<failure message='boom'>trace</failure>", "skipped": "<skipped/>"}
    prop = f"<properties><property name='requirements' value='{props}'/></properties>" if props else ""
    rows = "".join(f"<testcase classname='tests.t' name='{name}' time='0.1'>{body[outcome]}</testcase>"
                   for name, outcome in cases)
    return f"<testsuites><testsuite name='pytest' timestamp='2026-11-30T10:00:00'>{prop}{rows}</testsuite></testsuites>".encode()


def requirement_on_flask(release, engineer, **values):
    flask = components_of(release)["flask"]
    return services.create_requirement(release.product, [flask], {"text": "Routes HTTP requests", "kind": "functional",
                                                                  **values}, by=engineer)


def problems(release, rule="requirements_verified"):
    return [p.message for p in inventory.release_readiness(release).problems if p.rule == rule]


def test_failing_test_blocks_a_class_b_requirement_until_a_passing_run_is_imported(people):
    release = gated_release(people["engineer"])
    requirement = requirement_on_flask(release, people["engineer"])
    db.session.commit()
    assert requirement.identifier == "SOUP-REQ-1"
    assert problems(release) == ["SOUP-REQ-1 of flask 3.0.0 has no linked test in the latest test run and no signed "
                                 "rationale for verification by other means."]

    summary = services.import_results(release, [ResultFile("junit.xml", junit(("test_routes SOUP-REQ-1", "failed"),
                                                                              ("test_other RC-3", "passed")))],
                                      by=people["engineer"])
    db.session.commit()
    assert summary.failed == 1 and summary.passed == 1 and summary.linked == 2
    assert summary.requirements_covered == [] and summary.unknown_ids == ["RC-3"]
    assert "only failing linked tests" in problems(release)[0]
    assert not inventory.release_readiness(release).ready

    summary = services.import_results(release, [ResultFile("junit.xml", junit(("test_routes SOUP-REQ-1", "passed"),
                                                                              ("test_other RC-3", "passed")))],
                                      by=people["engineer"], source="CI job 42")
    db.session.commit()
    assert summary.requirements_covered == ["SOUP-REQ-1"]
    readiness = inventory.release_readiness(release)
    assert readiness.ready, readiness.problems


def test_an_unknown_id_is_kept_on_the_test_and_resolves_when_the_requirement_is_written(people):
    release = gated_release(people["engineer"])
    summary = services.import_results(release, [ResultFile("junit.xml", junit(("test_a", "passed"),
                                                                              props="SOUP-REQ-5, RC-3"))],
                                      by=people["engineer"])
    assert summary.unknown_ids == ["RC-3", "SOUP-REQ-5"]
    links = db.session.scalars(select(TestResultLink).order_by(TestResultLink.ref)).all()
    assert [(link.ref, link.requirement_id, link.origin) for link in links] == [
        ("RC-3", None, "property"), ("SOUP-REQ-5", None, "property")]
    requirement = requirement_on_flask(release, people["engineer"], identifier="soup-req-5")
    db.session.commit()
    assert requirement.identifier == "SOUP-REQ-5"
    db.session.expire_all()
    assert db.session.scalar(select(TestResultLink.requirement_id).where(TestResultLink.ref == "SOUP-REQ-5")) == \
        requirement.id
    assert problems(release) == []


def test_a_signed_rationale_verifies_a_requirement_without_a_test(people):
    release = gated_release(people["engineer"])
    requirement = requirement_on_flask(release, people["engineer"], kind="performance")
    with pytest.raises(PermissionDenied):
        services.sign_rationale(requirement, "Verified by Flask's own suite", signer=people["engineer"],
                                password=PASSWORD)
    services.sign_rationale(requirement, "Verified by Flask's own suite, results at https://example.org/ci",
                            signer=people["qa"], password=PASSWORD)
    db.session.commit()
    assert problems(release) == []


def test_a_requirement_is_carried_while_the_version_is_the_same_and_reassessed_when_it_changes(people):
    engineer = people["engineer"]
    first = gated_release(engineer)
    requirement = requirement_on_flask(first, engineer)
    services.sign_rationale(requirement, "Inspection of the routing table", signer=people["qa"], password=PASSWORD)
    db.session.commit()
    same = inventory.create_release(first.product, "1.1", by=engineer)
    inventory.import_files(same, [inventory.UploadedFile("requirements.txt", requirements("flask==3.0.0"))], by=engineer)
    upgraded = inventory.create_release(first.product, "2.0", by=engineer)
    inventory.import_files(upgraded, [inventory.UploadedFile("requirements.txt", requirements("flask==3.1.0"))],
                           by=engineer)
    db.session.commit()

    filters = services.RequirementFilters()
    carried = db.session.execute(services.release_requirements_query(same, filters)).all()
    assert [(row[0].identifier, row[1].version, row[2]) for row in carried] == [("SOUP-REQ-1", "3.0.0", 1)]
    reassess = db.session.execute(services.release_requirements_query(upgraded, filters)).all()
    assert [(row[0].identifier, row[1].version, row[2]) for row in reassess] == [("SOUP-REQ-1", "3.1.0", 0)]
    states = services.release_requirement_states(upgraded)
    flask_id = components_of(upgraded)["flask"].id
    assert [(s.identifier, s.current, s.recorded_versions) for s in states[flask_id]] == [
        ("SOUP-REQ-1", False, ("3.0.0",))]

    services.confirm_for(requirement, components_of(upgraded)["flask"], by=engineer)
    db.session.commit()
    assert db.session.execute(services.release_requirements_query(
        upgraded, services.RequirementFilters(state="current"))).all()[0][2] == 1


def test_a_requirement_shared_by_a_family_of_packages(people):
    release = gated_release(people["engineer"])
    found = components_of(release)
    requirement = services.create_requirement(release.product, [found["flask"], found["click"]],
                                              {"text": "CLI and web share one config"}, by=people["engineer"])
    db.session.commit()
    rows = db.session.execute(services.release_requirements_query(release, services.RequirementFilters())).all()
    assert sorted(row[1].name for row in rows) == ["click", "flask"]
    assert {row[0].id for row in rows} == {requirement.id}


def test_ids_are_unique_per_product_and_checked(people):
    release = gated_release(people["engineer"])
    requirement_on_flask(release, people["engineer"], identifier="SOUP-REQ-12")
    with pytest.raises(ValidationFailed, match="already a requirement"):
        requirement_on_flask(release, people["engineer"], identifier="SOUP-REQ-12")
    with pytest.raises(ValidationFailed, match="PREFIX-NUMBER"):
        requirement_on_flask(release, people["engineer"], identifier="twelve")
    assert requirement_on_flask(release, people["engineer"]).identifier == "SOUP-REQ-13"


@pytest.mark.parametrize("content, message", [
    (b"<testsuite><testcase name='x'>", "not well-formed"),
    (b'<?xml version="1.0"?><!DOCTYPE t [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
     b'<testsuite><testcase name="&x;"/></testsuite>', "junit.xml"),
    (b"<testsuites/>", "no test case"),
])
def test_a_bad_report_stores_nothing(people, content, message):
    release = gated_release(people["engineer"])
    with pytest.raises(ValidationFailed, match=message):
        services.import_results(release, [ResultFile("junit.xml", content)], by=people["engineer"])
    db.session.rollback()
    assert db.session.scalar(select(func.count(TestResultRun.id))) == 0


def test_a_report_above_the_size_limit_is_refused_before_parsing(app, people):
    release = gated_release(people["engineer"])
    app.config["TEST_RESULTS_UPLOAD_MAX_BYTES"] = 1000
    try:
        with pytest.raises(ValidationFailed, match="more than the 1,000 bytes"):
            services.import_results(release, [ResultFile("big.xml", junit(*[(f"t{i}", "passed") for i in range(50)]))],
                                    by=people["engineer"])
    finally:
        app.config["TEST_RESULTS_UPLOAD_MAX_BYTES"] = 30 * 1024 * 1024
    assert db.session.scalar(select(func.count(TestResult.id))) == 0


def test_a_link_made_by_hand(people):
    release = gated_release(people["engineer"])
    requirement = requirement_on_flask(release, people["engineer"])
    services.import_results(release, [ResultFile("junit.xml", junit(("test_routes", "passed")))], by=people["engineer"])
    result = db.session.scalars(select(TestResult)).one()
    link = services.link_by_hand(result, "soup-req-1", by=people["engineer"])
    db.session.commit()
    assert link.requirement_id == requirement.id and link.origin == "manual"
    assert problems(release) == []
    with pytest.raises(ValidationFailed, match="already names"):
        services.link_by_hand(result, "SOUP-REQ-1", by=people["engineer"])


def test_my_tasks_lists_the_newest_draft_with_requirements_to_reassess(app, people):
    from app.inventory.traceability.inbox import traceability_tasks

    engineer = people["engineer"]
    first = gated_release(engineer)
    requirement_on_flask(first, engineer)
    db.session.commit()
    assert traceability_tasks(engineer, None, 5)[0].count == 0
    upgraded = inventory.create_release(first.product, "2.0", by=engineer)
    inventory.import_files(upgraded, [inventory.UploadedFile("requirements.txt", requirements("flask==3.1.0"))],
                           by=engineer)
    db.session.commit()
    with app.test_request_context():
        group = traceability_tasks(engineer, None, 5)[0]
    assert group.count == 1
    assert [(task.title, task.detail) for task in group.tasks] == [("Pump 2.0",
                                                                   "1 requirement(s) recorded for another version")]
    assert traceability_tasks(people["qa"], None, 0)[0].count == 1
    assert traceability_tasks(people["qa"], None, 0)[0].tasks == []
