"""The validation protocol and report print from the demo records with their signatures; the report says why each
deviation was closed and cites a corrected entry as the reader finds it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.access import Role
from app.demo import seed_all
from app.documents import services
from app.extensions import db
from app.labels import label
from app.validation import services as validation
from app.validation.models import Protocol
from app.validation.rules import ProtocolStatus
from tests.documents.docx_helpers import docx_text, table_rows
from tests.helpers import PASSWORD, login
from tests.validation.factories import approved_protocol, execute_all, make_system


def test_protocol_and_report_of_the_released_demo_system_print_every_test_case_and_signature(app):
    seed_all()
    protocol = db.session.scalars(select(Protocol).where(Protocol.status == ProtocolStatus.EXECUTED)).first()
    assert protocol is not None
    document = services.generate("validation_protocol", str(protocol.id), by=None)
    text = docx_text(document.data)
    assert protocol.system.product in text
    for case in protocol.test_cases:
        assert case.objective in text
    assert "Approved" in text and "Authored" in text
    assert not document.draft and "DRAFT" not in text
    assert "{{" not in text and "{%" not in text
    report = services.generate("validation_report", str(protocol.id), by=None)
    report_text = docx_text(report.data)
    assert label(protocol.report.conclusion) in report_text
    from app.validation.services import executions_of

    entries = executions_of(protocol)
    assert entries and all(entry.actual_result in report_text for entry in entries)
    assert "Approved" in report_text and not report.draft


def test_a_protocol_in_execution_prints_a_draft_report_mark_only_when_unapproved(app):
    seed_all()
    running = db.session.scalars(select(Protocol).where(Protocol.status == ProtocolStatus.IN_EXECUTION)).first()
    document = services.generate("validation_protocol", str(running.id), by=None)
    assert not document.draft  # the protocol itself is approved
    assert running.system.product in docx_text(document.data)


@pytest.fixture
def corrected(make_user):
    """An executed protocol with a report: TC-1 step 1 failed (DEV-1, closed by QA as accepted with a rationale), and
    Tess corrected her TC-2 entry with a reason."""
    author, reviewer = make_user("erin", Role.ENGINEER), make_user("rob", Role.ENGINEER)
    qa, tester = make_user("quinn", Role.QA), make_user("tess", Role.ENGINEER, full_name="Tess Tester")
    protocol = approved_protocol(make_system(author), author, reviewer, qa)
    execute_all(protocol, tester, fail_first=True)
    typo = next(entry for entry in validation.executions_of(protocol) if entry.test_step is None)  # TC-2
    validation.correct_execution(typo, tester, tested_version=protocol.system_version,
                                 actual_result="Works as intended", outcome="pass",
                                 reason="The first entry named the wrong filter")
    validation.close_deviation(protocol.deviations[0], qa, severity="minor", impact="None on records",
                               disposition="accepted_with_rationale", password=PASSWORD,
                               rationale="Cosmetic: the label is cut off; the value is right", severity_reason="Cosmetic")
    report = validation.complete_execution(protocol, tester)
    validation.save_report(report, author, conclusion="fit", restrictions="", summary="Fit")
    db.session.commit()
    return protocol, typo


def test_the_report_prints_why_each_deviation_was_closed_beside_its_disposition(corrected):
    """A reader found "Accepted with rationale" without the rationale."""
    protocol, _typo = corrected
    data = services.generate("validation_report", str(protocol.id), by=None).data
    [deviation] = table_rows(data, "No.", "Disposition")
    assert deviation["Disposition"] == "Accepted with rationale\nRationale: Cosmetic: the label is cut off; the value is right"


def test_a_correction_cites_the_entry_it_corrects_by_its_test_and_time(corrected):
    """A reader found a correction citing "entry 4", an internal id printed nowhere: it names the entry it corrects by
    its test, time, tester and outcome, as the report's executions show that entry."""
    protocol, typo = corrected
    data = services.generate("validation_report", str(protocol.id), by=None).data
    corrected_at = typo.executed_at.strftime("%Y-%m-%d %H:%M UTC")
    cited = f"Corrects the TC-2 entry of {corrected_at} by Tess Tester (Passed): The first entry named the wrong filter"
    tc2 = [row for row in table_rows(data, "Tester", "Actual result") if row["Test case"] == "TC-2"]
    assert (tc2[0]["Executed at (UTC)"], tc2[0]["Actual result"]) == (corrected_at, "As expected")  # the entry cited
    assert tc2[1]["Actual result"] == f"Works as intended\n{cited}"
    assert f"entry {typo.id}" not in docx_text(data)


def test_the_protocol_page_cites_a_corrected_entry_as_the_report_does(app, corrected):
    protocol, typo = corrected
    cited = (f"Corrects the TC-2 entry of {typo.executed_at.strftime('%Y-%m-%d %H:%M UTC')} by Tess Tester (Passed): "
             "The first entry named the wrong filter")
    client = app.test_client()
    login(client, "quinn")
    page = client.get(f"/validation/protocols/{protocol.id}").get_data(as_text=True)
    assert f"<small>{cited}</small>" in page and f"entry #{typo.id}" not in page
