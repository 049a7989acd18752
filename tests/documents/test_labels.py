"""Labels, not codes: no record a person reads (the Word records of the demo data, the audit history panel and
the audit extract) shows a stored code (`conditionally_approved`, `soup`, `deny`), a field name
(`approved_by_id`) or a Python value (`None`, `'SUP-020'`)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.access import Role
from app.audit.display import describe
from app.audit.models import AuditEvent
from app.demo import seed_all
from app.documents import services
from app.documents.variables import DOCUMENT_TYPES
from app.extensions import db
from app.inventory.models import Release
from app.labels import display, field_label, known_codes, label
from app.questionnaires.models import Evaluation
from app.suppliers.models import PurchaseRecord, Supplier
from app.validation.models import Protocol
from app.validation.rules import ProtocolStatus
from tests.documents.docx_helpers import docx_text
from tests.helpers import login

SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
WORD = re.compile(r"[A-Za-z_]+")
# A Python value printed as such: a quoted value before or after an arrow, True/False, a dict or list repr, the
# empty-set sign. (A bare "None" is an English word and the label of the code "none"; that None values print as
# nothing is checked on the audit history below.)
PYTHON_VALUES = re.compile(r"'[^']*'\s*->|->\s*'[^']*'|\bTrue\b|\bFalse\b|\{'|\['|∅")


def field_names() -> set[str]:
    """Every column name of every table that is more than one word."""
    return {column.name for table in db.metadata.tables.values() for column in table.columns if "_" in column.name}


def raw_words(text: str) -> list[str]:
    """Codes and field names that escaped their label: snake_case codes or columns anywhere, and one-word codes
    whose label differs (`soup`, `deny`, `approved`) standing alone in a cell or line."""
    codes, columns = known_codes(), field_names()
    found = [word for word in SNAKE.findall(text) if word in codes or word in columns]
    for line in text.split("\n"):
        cell = line.strip()
        if "_" not in cell and cell in codes and label(cell) != cell:
            found.append(cell)
    found += PYTHON_VALUES.findall(text)
    return found


def test_the_registry_labels_codes_and_field_names():
    assert label("conditionally_approved") == "Conditionally approved"
    assert (label("soup"), label("deny"), label("procedural_control")) == ("SOUP", "Deny", "Procedural control")
    assert label(None) == ""
    assert field_label("approved_by_id") == "Approved by" and field_label("next_reevaluation_due") == "Next re-evaluation due"
    assert field_label("answers.C3") == "Answers: C3"


def test_a_document_type_reads_as_its_name_wherever_it_is_shown():
    """The audit trail shows "Doc type: SOUP list", never "soup_list" (a walk read the code)."""
    assert set(DOCUMENT_TYPES) <= known_codes()
    assert (display("soup_list"), display("audit_extract")) == ("SOUP list", "Audit trail extract")


def test_the_check_catches_a_code_a_field_name_and_a_python_value():
    assert raw_words("Status\nconditionally_approved") == ["conditionally_approved"]
    assert raw_words("Classification\nsoup\nSOUP") == ["soup"]
    assert raw_words("approved_by_id: 2") == ["approved_by_id"]
    assert raw_words("code: None -> 'SUP-020'") == ["-> 'SUP-020'"]
    assert raw_words("Approved by: Quinn Quality") == []


@pytest.fixture
def demo(app):
    seed_all()
    return {
        "supplier_evaluation": db.session.scalars(select(Evaluation.id).where(Evaluation.decision.is_not(None))).first(),
        "approved_supplier_list": "current",
        "purchasing_information": db.session.scalars(select(PurchaseRecord.id)).first(),
        "soup_list": db.session.scalars(select(Release.id).order_by(Release.id.desc())).first(),
        "release_diff": db.session.scalars(select(Release.id).order_by(Release.id.desc())).first(),
        "third_party_notices": db.session.scalars(select(Release.id).order_by(Release.id.desc())).first(),
        "traceability_matrix": db.session.scalars(select(Release.id).order_by(Release.id.desc())).first(),
        "validation_protocol": db.session.scalars(
            select(Protocol.id).where(Protocol.status == ProtocolStatus.EXECUTED)).first(),
        "validation_report": db.session.scalars(
            select(Protocol.id).where(Protocol.status == ProtocolStatus.EXECUTED)).first(),
        "audit_extract": "range:2000-01-01:2100-01-01",
    }


def test_every_default_template_prints_labels_from_the_demo_data(demo):
    assert set(demo) == set(DOCUMENT_TYPES)
    for doc_type, source_id in demo.items():
        assert source_id is not None, doc_type
        text = docx_text(services.generate(doc_type, str(source_id), by=None).data)
        assert raw_words(text) == [], (doc_type, [line for line in text.split("\n") if raw_words(line)][:8])


def test_the_audit_history_and_extract_print_labels_names_and_no_python_values(app, make_user):
    qa = make_user("quinn", Role.QA, full_name="Quinn Quality")
    supplier = Supplier(code="SUP-020", name="Acme Tools", kind="commercial_vendor")
    db.session.add(supplier)
    db.session.commit()
    supplier.status = "conditionally_approved"
    supplier.approved_by_id = qa.id
    supplier.approval_scope = "Issue tracker"
    db.session.commit()

    view = describe(db.session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "supplier")))
    changes = {change.field: (change.old, change.new) for event in view for change in event.changes}
    assert changes["Approved by"] == ("", "Quinn Quality")
    assert changes["Status"] == ("Candidate", "Conditionally approved")
    assert changes["Code"] == ("", "SUP-020")

    client = app.test_client()
    make_user("alex", Role.AUDITOR)
    login(client, "alex")
    page = client.get(f"/suppliers/{supplier.id}").get_data(as_text=True)
    history = page[page.index('class="history-panel"'):]
    history = re.sub(r"<[^>]+>", "\n", history[: history.index("</details>")])
    assert "Approved by" in history and "Quinn Quality" in history
    assert raw_words(history) == []

    log = client.get(f"/audit/?entity_type=supplier&entity_id={supplier.id}").get_data(as_text=True)
    assert "Approved by" in log and "approved_by_id" not in log

    extract = services.generate("audit_extract", f"supplier:{supplier.id}", by=None)
    text = docx_text(extract.data)
    assert "Approved by:  -> Quinn Quality" in text and "Status: Candidate -> Conditionally approved" in text
    assert raw_words(text) == []


def test_a_time_kept_in_an_audit_change_reads_as_a_date_and_time_in_utc_not_iso_with_microseconds():
    """A protocol's history showed 'Created at: 2026-12-02T08:52:28.900284'."""
    assert display("2026-12-02T08:52:28.900284") == "2026-12-02 08:52 UTC"
    assert display("2026-12-02T08:52:28Z") == "2026-12-02 08:52 UTC"
    assert display("2026-12-02") == "2026-12-02"
    assert display("release 2026-12-02T08 notes") == "release 2026-12-02T08 notes"


def test_the_known_codes_are_built_once_and_follow_a_code_registered_later():
    """An audit page asks for them for every value it shows (rebuilt each time, a 500-event page took seconds)."""
    from app import labels

    first = known_codes()
    assert known_codes() is first
    labels.register_codes("a_code_registered_in_this_test")
    try:
        assert "a_code_registered_in_this_test" in known_codes() and known_codes() is not first
    finally:
        labels._EXTRA_CODES.discard("a_code_registered_in_this_test")  # no other test sees it
    assert "a_code_registered_in_this_test" not in known_codes()
