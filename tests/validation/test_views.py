"""The validation pages through HTTP: forms, refusals, uploads and what each role sees."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import event, select

from app.access import Role
from app.audit.models import AuditEvent
from app.auth.models import User
from app.extensions import db
from app.signatures.models import Signature
from app.validation import services
from app.validation.models import Deviation, Execution, Protocol, SoftwareSystem
from app.validation.rules import ProtocolStatus
from tests.helpers import PASSWORD, signing
from tests.validation.factories import (
    approved_protocol,
    close_deviations,
    execute_all,
    make_supplier,
    make_system,
    write_protocol,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def user(name: str) -> User:
    return db.session.scalar(select(User).where(User.username == name))


@pytest.fixture
def engineer(login_as):
    return login_as(Role.ENGINEER, username="erin")


def test_an_engineer_registers_a_system_and_adds_a_function(engineer):
    supplier = make_supplier("ATL")
    db.session.commit()
    response = engineer.post("/validation/systems/new", data={
        "supplier_id": supplier.id, "product": "Jira", "version_in_use": "9.1", "deployment": "saas",
        "intended_use": "CAPA tracking", "qms_processes": "CAPA", "in_scope": "y",
        "scope_rationale": "CAPA records", "gamp_category": "4",
    })
    assert response.status_code == 302
    system = db.session.scalar(select(SoftwareSystem))
    assert (system.product, system.status, system.supplier_id) == ("Jira", "planned", supplier.id)
    response = engineer.post(f"/validation/systems/{system.id}/functions", data={
        "function-description": "Approve a CAPA", "function-use": "direct", "function-process_risk": "high",
        "function-rationale": "Wrong approval lets a CAPA close unchecked",
    })
    assert response.status_code == 302
    page = engineer.get(f"/validation/systems/{system.id}").get_data(as_text=True)
    assert "Approve a CAPA" in page and "Scripted test case required" in page


def test_a_bad_system_form_keeps_what_was_typed(engineer):
    make_supplier()
    db.session.commit()
    response = engineer.post("/validation/systems/new", data={"product": "Typed product", "deployment": "saas",
                                                                "gamp_category": "4"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Typed product" in page and "Choose the supplier." in page


def test_submit_is_refused_with_the_uncovered_function_named(engineer):
    author = user("erin")
    system = make_system(author)
    protocol = services.create_protocol(system, author)
    db.session.commit()
    response = engineer.post(f"/validation/protocols/{protocol.id}/submit",
                             data={"submit-meaning": "authored", **signing(engineer, prefix="submit")})
    assert response.status_code == 422
    assert "Not covered: Function 1" in response.get_data(as_text=True)
    assert db.session.get(Protocol, protocol.id).status == ProtocolStatus.DRAFT


def test_a_wrong_password_signs_nothing_but_is_counted_and_audited(engineer):
    author = user("erin")
    protocol = write_protocol(make_system(author), author)
    db.session.commit()
    response = engineer.post(f"/validation/protocols/{protocol.id}/submit",
                             data={"submit-meaning": "authored", **signing(engineer, prefix="submit", password="wrong")})
    assert response.status_code == 422 and "password is not correct" in response.get_data(as_text=True)
    assert db.session.get(Protocol, protocol.id).status == ProtocolStatus.DRAFT
    assert user("erin").failed_logins == 1
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.name == "signature.refused")) is not None


def test_the_authors_approval_is_hidden_and_refused(login_as, make_user):
    both = login_as(Role.ENGINEER, Role.QA, username="both")
    author = user("both")
    reviewer = make_user("rob", Role.ENGINEER)
    protocol = write_protocol(make_system(author), author)
    services.submit_protocol(protocol, author, password=PASSWORD)
    services.review_protocol(protocol, reviewer, password=PASSWORD)
    db.session.commit()
    page = both.get(f"/validation/protocols/{protocol.id}").get_data(as_text=True)
    assert "Approve the protocol" not in page
    response = both.post(f"/validation/protocols/{protocol.id}/approve",
                         data={"approve-meaning": "approved", **signing(both, prefix="approve")})
    assert response.status_code == 403
    assert db.session.get(Protocol, protocol.id).status == ProtocolStatus.IN_REVIEW


def test_qa_who_reviewed_is_told_why_they_cannot_approve_and_qa_about_to_review_is_warned(login_as, make_user):
    """QA may review as well as approve, but not both on one protocol version (separation of duties): before the
    review the page says so, after it the page says why there is no approval form (no silent dead end)."""
    qa = login_as(Role.QA, username="quinn")
    author = make_user("erin", Role.ENGINEER)
    protocol = write_protocol(make_system(author), author)
    services.submit_protocol(protocol, author, password=PASSWORD)
    db.session.commit()
    page = qa.get(f"/validation/protocols/{protocol.id}").get_data(as_text=True)
    assert "Sign as reviewed" in page
    assert "If you sign as reviewed, someone else from QA approves (separation of duties)." in page
    qa.post(f"/validation/protocols/{protocol.id}/review", data={"review-meaning": "reviewed",
                                                                 **signing(qa, prefix="review")})
    page = qa.get(f"/validation/protocols/{protocol.id}").get_data(as_text=True)
    assert "Reviewed: waiting for QA approval." in page and "Approve the protocol" not in page
    assert "You signed this protocol as reviewed; signing it as approved needs another person" in page


def test_execution_with_evidence_and_a_disguised_file_refused(login_as, make_user):
    tester = login_as(Role.ENGINEER, username="tess")
    author, reviewer, qa = make_user("erin", Role.ENGINEER), make_user("rob", Role.ENGINEER), make_user("q", Role.QA)
    protocol = approved_protocol(make_system(author), author, reviewer, qa)
    db.session.commit()
    assert tester.post(f"/validation/protocols/{protocol.id}/start").status_code == 302
    case = protocol.test_cases[0]
    target = f"{case.id}:{case.steps[0].id}"
    response = tester.post(f"/validation/protocols/{protocol.id}/executions", data={
        "run-target": target, "run-tested_version": "9.1", "run-actual_result": "Shown", "run-outcome": "pass",
        "run-evidence": (io.BytesIO(b"not a png"), "screen.png"),
    }, content_type="multipart/form-data")
    assert response.status_code == 422 and "not a valid .png" in response.get_data(as_text=True)
    assert db.session.scalar(select(Execution)) is None
    response = tester.post(f"/validation/protocols/{protocol.id}/executions", data={
        "run-target": target, "run-tested_version": "9.1", "run-actual_result": "Shown", "run-outcome": "fail",
        "run-evidence": (io.BytesIO(PNG), "../../etc/screen.png"),
    }, content_type="multipart/form-data")
    assert response.status_code == 302
    entry = db.session.scalar(select(Execution))
    assert entry.evidence.original_name == "screen.png" and len(entry.evidence.sha256) == 64
    download = tester.get(f"/validation/evidence/{entry.evidence_id}")
    assert download.data == PNG
    assert f"evidence-{entry.evidence_id}.png" in download.headers["Content-Disposition"]
    page = tester.get(f"/validation/protocols/{protocol.id}").get_data(as_text=True)
    assert "DEV-1" in page


def test_the_systems_list_filters_and_loads_in_a_fixed_number_of_queries(engineer):
    author = user("erin")
    for number in range(12):
        make_system(author, product=f"System {number:02d}")
    db.session.commit()
    statements: list[str] = []

    def count(*_args):
        statements.append(_args[2])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        page = engineer.get("/validation/systems?status=planned").get_data(as_text=True)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert "System 11" in page
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) <= 6, selects
    assert "System 00" not in engineer.get("/validation/systems?q=11").get_data(as_text=True)


def test_change_request_and_periodic_review_pages(login_as, make_user):
    qa = login_as(Role.QA, username="quinn")
    author, reviewer, tester = make_user("erin", Role.ENGINEER), make_user("rob", Role.ENGINEER), make_user(
        "tess", Role.ENGINEER)
    system = make_system(author)
    protocol = approved_protocol(system, author, reviewer, user("quinn"))
    execute_all(protocol, tester)
    report = services.complete_execution(protocol, tester)
    services.save_report(report, author, conclusion="fit", restrictions="", summary="")
    services.sign_report(report, author, password=PASSWORD)
    services.approve_report(report, user("quinn"), password=PASSWORD)
    change = services.open_change_request(system, author, new_version="10.0", description="Upgrade")
    db.session.commit()
    page = qa.get(f"/validation/change-requests/{change.id}/assess").get_data(as_text=True)
    assert "Sign the assessment" in page and "Upgrade" in page
    response = qa.post(f"/validation/change-requests/{change.id}/assess", data={
        "impact_assessment": "Patch level only", "revalidation": "none", "meaning": "approved",
        **signing(qa),
    })
    assert response.status_code == 302
    assert db.session.get(SoftwareSystem, system.id).validated_version == "10.0"
    assert "Sign the periodic review" in qa.get(f"/validation/systems/{system.id}/periodic-reviews").get_data(
        as_text=True)
    response = qa.post(f"/validation/systems/{system.id}/periodic-reviews", data={
        "outcome": "retire", "summary": "Replaced", "meaning": "approved", **signing(qa),
        "data_location": "", "retain_until": "2040-01-01",
    })
    assert response.status_code == 200 and "Where the data stays after retirement is required" in \
        response.get_data(as_text=True)
    assert db.session.get(SoftwareSystem, system.id).status == "released"


# --- Deviations and the report's two signatures (separation of duties) -----------------------------


def _failed_protocol(make_user, tester_name: str = "tess"):
    """An approved protocol executed by `tester_name` (an existing user or a new engineer) whose first step failed."""
    author, reviewer, qa = make_user("erin", Role.ENGINEER), make_user("rob", Role.ENGINEER), make_user("q", Role.QA)
    tester = user(tester_name) or make_user(tester_name, Role.ENGINEER)
    protocol = approved_protocol(make_system(author), author, reviewer, qa)
    execute_all(protocol, tester, fail_first=True)
    db.session.commit()
    return protocol


@pytest.mark.parametrize("role", [Role.PURCHASING, Role.ADMIN, Role.AUDITOR, Role.ENGINEER])
def test_every_reader_of_validation_records_opens_a_deviation_read_only(login_as, make_user, role):
    client = login_as(role, username="reader")
    deviation = _failed_protocol(make_user).deviations[0]
    response = client.get(f"/validation/deviations/{deviation.id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "DEV-1" in page and "Major" in page and "Close and sign" not in page
    assert "QA closes deviations with a signature" in page


def _close_form(client, **changes):
    return {"severity": "major", "severity_reason": "", "impact": "None on the intended use",
            "disposition": "workaround", "rationale": "A work instruction covers it", **signing(client)} | changes


def test_qa_closes_a_deviation_with_a_signature_on_its_page(login_as, make_user):
    qa = login_as(Role.QA, username="quinn")
    deviation = _failed_protocol(make_user).deviations[0]
    assert "Close and sign" in qa.get(f"/validation/deviations/{deviation.id}").get_data(as_text=True)
    response = qa.post(f"/validation/deviations/{deviation.id}/close", data=_close_form(qa, severity="minor"))
    assert response.status_code == 422
    assert "from major to minor needs a reason" in response.get_data(as_text=True)
    response = qa.post(f"/validation/deviations/{deviation.id}/close",
                       data=_close_form(qa, severity="minor", severity_reason="Cosmetic only"))
    assert response.status_code == 302
    page = qa.get(response.headers["Location"]).get_data(as_text=True)
    assert "Closed" in page and "Cosmetic only" in page and "Minor" in page
    assert "Approved" in page and "Not signed yet" not in page  # the closing signature, with its meaning's label


def test_an_engineer_cannot_close_a_deviation(login_as, make_user):
    engineer = login_as(Role.ENGINEER, username="tess")
    deviation = _failed_protocol(make_user).deviations[0]
    response = engineer.post(f"/validation/deviations/{deviation.id}/close", data=_close_form(engineer))
    assert response.status_code == 403
    assert db.session.get(Deviation, deviation.id).status == "open"


def test_qa_who_executed_the_failed_test_is_refused_on_the_page(login_as, make_user):
    both = login_as(Role.ENGINEER, Role.QA, username="tess")
    deviation = _failed_protocol(make_user, "tess").deviations[0]
    response = both.post(f"/validation/deviations/{deviation.id}/close", data=_close_form(both))
    page = response.get_data(as_text=True)
    assert response.status_code == 422  # the page again, with what was typed and the refusal
    assert "authored or executed" in page and "None on the intended use" in page
    assert db.session.get(Deviation, deviation.id).status == "open"


def test_the_report_page_asks_its_author_to_sign_then_qa_to_approve(login_as, make_user):
    engineer = login_as(Role.ENGINEER, username="writer")
    qa = login_as(Role.QA, username="quinn")
    protocol = _failed_protocol(make_user)
    close_deviations(protocol, user("quinn"))
    report = services.complete_execution(protocol, user("tess"))
    services.save_report(report, user("writer"), conclusion="fit", restrictions="", summary="")
    db.session.commit()
    url = f"/validation/protocols/{protocol.id}/report"
    assert "signed as authored" in qa.get(url).get_data(as_text=True)
    assert "Approve the report" not in qa.get(url).get_data(as_text=True)
    assert "Sign the report as its author" in engineer.get(url).get_data(as_text=True)
    response = engineer.post(f"{url}/sign", data={"author-meaning": "authored", **signing(engineer, prefix="author")})
    assert response.status_code == 302
    page = qa.get(url).get_data(as_text=True)
    assert "Approve the report" in page and "Sign the report as its author" not in page
    response = qa.post(f"{url}/approve", data={"report-meaning": "approved", **signing(qa, prefix="report")})
    assert response.status_code == 302
    meanings = [s.meaning for s in db.session.scalars(select(Signature).where(Signature.entity_type == "report"))]
    assert meanings == ["authored", "approved"]
