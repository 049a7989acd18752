"""The requirements and test-results pages, the CLI command and the API endpoint that import JUnit files."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.access import Role
from app.api.services import create_token
from app.audit.models import AuditEvent
from app.extensions import db
from app.inventory import services as inventory
from app.inventory.traceability import services
from app.inventory.traceability.models import SoupRequirement, TestResult, TestResultLink, TestResultRun
from tests.helpers import signing
from tests.inventory.gated import components_of, gated_release

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "junit"


@pytest.fixture
def engineer(make_user):
    return make_user("erin", Role.ENGINEER)


def runs() -> int:
    return db.session.scalar(select(func.count(TestResultRun.id))) or 0


def test_an_engineer_adds_edits_and_lists_requirements_of_a_release(login_as, engineer):
    release = gated_release(engineer)
    flask = components_of(release)["flask"]
    client = login_as(Role.ENGINEER)
    response = client.post(f"/releases/{release.id}/requirements", data={
        "new-component_ids": [flask.id], "new-kind": "performance", "new-text": "Answers in 50 ms",
        "new-acceptance_criterion": "p95 < 50 ms", "new-status": "draft"})
    assert response.status_code == 302, response.get_data(as_text=True)
    requirement = db.session.scalars(select(SoupRequirement)).one()
    assert requirement.identifier == "SOUP-REQ-1" and requirement.kind == "performance"
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.entity_type == "soup_requirement")) >= 1

    page = client.get(f"/releases/{release.id}/requirements?kind=performance")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "SOUP-REQ-1" in body and "Answers in 50 ms" in body and "Performance" in body
    assert "performance" not in body.split("<main", 1)[1].split("Answers in 50 ms")[0].split("<tbody")[-1]  # a label

    fragment = client.get(f"/requirements/{requirement.id}/edit", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.get_data(as_text=True)
    prefix = f"req{requirement.id}-"
    saved = client.post(f"/requirements/{requirement.id}/edit", data={
        prefix + "identifier": "SOUP-REQ-1", prefix + "kind": "performance", prefix + "text": "Answers in 40 ms",
        prefix + "status": "approved", prefix + "version": str(requirement.version)})
    assert saved.status_code == 302
    db.session.expire_all()
    assert requirement.text == "Answers in 40 ms" and requirement.status == "approved"
    stale = client.post(f"/requirements/{requirement.id}/edit", data={
        prefix + "identifier": "SOUP-REQ-1", prefix + "kind": "performance", prefix + "text": "Old",
        prefix + "status": "approved", prefix + "version": "1"})
    assert stale.status_code == 409

    assert client.get(f"/products/{release.product_id}/requirements").status_code == 200


def test_a_requirement_without_text_is_refused_on_the_form(login_as, engineer):
    release = gated_release(engineer)
    client = login_as(Role.ENGINEER)
    response = client.post(f"/releases/{release.id}/requirements", data={
        "new-component_ids": [components_of(release)["flask"].id], "new-kind": "functional", "new-status": "draft"})
    assert response.status_code == 422 and "Write the requirement." in response.get_data(as_text=True)


def test_web_upload_of_a_real_pytest_report_and_a_link_by_hand(login_as, engineer):
    release = gated_release(engineer)
    client = login_as(Role.ENGINEER)
    content = (FIXTURES / "pytest.xml").read_bytes()
    response = client.post(f"/releases/{release.id}/test-results", data={
        "files": (io.BytesIO(content), "pytest.xml"), "source": "https://ci.example/job/1"},
        content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    run = db.session.scalars(select(TestResultRun)).one()
    assert run.tests == content.count(b"<testcase ") and run.source == "https://ci.example/job/1"
    page = client.get(f"/releases/{release.id}/test-results?outcome=failed")
    assert page.status_code == 200 and "test_always_fail" in page.get_data(as_text=True)
    result = db.session.scalars(select(TestResult).where(TestResult.name == "test_always_pass")).one()
    linked = client.post(f"/test-results/{result.id}/links", data={"link-ref": "RC-3"})
    assert linked.status_code == 302
    assert db.session.scalars(select(TestResultLink.ref)).all() == ["RC-3"]


def test_a_broken_upload_is_refused_and_stores_nothing(login_as, engineer):
    release = gated_release(engineer)
    client = login_as(Role.ENGINEER)
    response = client.post(f"/releases/{release.id}/test-results", data={
        "files": (io.BytesIO(b"<testsuite><testcase"), "junit.xml")}, content_type="multipart/form-data")
    assert response.status_code == 422, response.get_data(as_text=True)[-1500:]
    assert "not well-formed XML" in response.get_data(as_text=True)
    assert runs() == 0


def test_an_upload_over_the_limit_is_refused_with_413(app, login_as, engineer):
    release = gated_release(engineer)
    client = login_as(Role.ENGINEER)
    app.config["TEST_RESULTS_UPLOAD_MAX_BYTES"] = 100
    try:
        big = b"<testsuite>" + b"<testcase name='t'/>" * 80_000 + b"</testsuite>"
        response = client.post(f"/releases/{release.id}/test-results", data={
            "files": (io.BytesIO(big), "junit.xml")}, content_type="multipart/form-data")
    finally:
        app.config["TEST_RESULTS_UPLOAD_MAX_BYTES"] = 30 * 1024 * 1024
    assert response.status_code == 413
    assert runs() == 0


def test_qa_signs_a_rationale_from_the_page(login_as, engineer):
    release = gated_release(engineer)
    requirement = services.create_requirement(release.product, [components_of(release)["flask"]],
                                              {"text": "Routes requests"}, by=engineer)
    db.session.commit()
    client = login_as(Role.QA, username="quinn")
    response = client.post(f"/requirements/{requirement.id}/rationale",
                           data={"rationale": "Flask's own test suite", "meaning": "approved", **signing(client)})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert services.signed_rationales([requirement.id])[requirement.id].text == "Flask's own test suite"


def test_cli_imports_real_reports_and_prints_the_summary(app, engineer):
    release = gated_release(engineer)
    services.create_requirement(release.product, [components_of(release)["flask"]], {"text": "x"}, by=engineer)
    db.session.commit()
    files = [str(FIXTURES / name) for name in ("jest-junit.xml", "go-junit-report.xml")]
    result = app.test_cli_runner().invoke(args=["inventory", "import-tests", "--product", "Pump", "--release", "1.0",
                                                "--source", "ci", *files])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    expected = sum((FIXTURES / name).read_bytes().count(b"<testcase ") for name in ("jest-junit.xml",
                                                                                   "go-junit-report.xml"))
    assert summary["tests"] == expected
    assert set(summary) == {"run", "tests", "passed", "failed", "skipped", "linked", "requirements_covered",
                            "unknown_ids"}
    assert summary["passed"] + summary["failed"] + summary["skipped"] == expected

    bad = app.test_cli_runner().invoke(args=["inventory", "import-tests", "--product", "Pump", "--release", "9.9",
                                             *files])
    assert bad.exit_code == 2 and "no release" in bad.output.lower()


def test_api_imports_into_a_release_in_the_tokens_scope_only(client, make_user, engineer):
    admin = make_user("ada", Role.ADMIN)
    release = gated_release(engineer)
    other = inventory.create_product("Other", by=engineer)
    inventory.create_release(other, "1.0", by=engineer)
    _token, plain = create_token("CI", by=admin, products=[release.product_id])
    db.session.commit()
    content = (FIXTURES / "pytest.xml").read_bytes()

    def post(product: str, data: bytes, token: str = plain):
        return client.post(f"/api/v1/products/{product}/releases/1.0/test-results",
                           data={"file": (io.BytesIO(data), "pytest.xml"), "source": "gha 12"},
                           headers={"Authorization": f"Bearer {token}"}, content_type="multipart/form-data")

    response = post("Pump", content)
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.json["tests"] == content.count(b"<testcase ")
    assert post("Other", content).status_code == 403
    assert post("Pump", content, token="prov_wrong").status_code == 401
    refused = post("Pump", b"<!DOCTYPE x [<!ENTITY e 'a'>]><testsuite/>")
    assert refused.status_code == 422 and "DOCTYPE" in refused.json["message"]
    assert runs() == 1


def test_the_component_page_lists_its_requirements(login_as, engineer):
    release = gated_release(engineer)
    flask = components_of(release)["flask"]
    services.create_requirement(release.product, [flask], {"text": "Routes HTTP requests"}, by=engineer)
    db.session.commit()
    body = login_as(Role.AUDITOR).get(f"/components/{flask.id}").get_data(as_text=True)
    assert "SOUP-REQ-1" in body and "Routes HTTP requests" in body
