"""The validation protocol and report print from the demo records with their signatures."""

from __future__ import annotations

from sqlalchemy import select

from app.demo import seed_all
from app.documents import services
from app.extensions import db
from app.labels import label
from app.validation.models import Protocol
from app.validation.rules import ProtocolStatus
from tests.documents.docx_helpers import docx_text


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
