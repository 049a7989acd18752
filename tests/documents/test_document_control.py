"""Document control: numbers that mean something, a new revision only when the content changes, the revision
history, the governing procedure and the prepared / reviewed / approved block, read back from the files."""

from __future__ import annotations

import io

from docx import Document
from sqlalchemy import func, select

from app.access import Role
from app.documents import control, services
from app.documents.models import GeneratedDocument
from app.extensions import db
from app.inventory import services as inventory
from app.questionnaires import evaluations
from app.questionnaires.evaluations import DecisionInput
from app.suppliers import services as suppliers
from app.suppliers.models import Supplier
from tests.documents.docx_helpers import docx_text, field_value
from tests.helpers import PASSWORD, login
from tests.inventory.factories import release_with, requirements
from tests.inventory.gated import make_ready_otss
from tests.questionnaires.factories import make_supplier, scored
from tests.suppliers.test_purchases import ORDER
from tests.validation.factories import make_system, write_protocol


def table_with(data: bytes, first_header: str) -> list[list[str]]:
    """The rows (header included) of the first table whose first header cell is `first_header`."""
    doc = Document(io.BytesIO(data))
    table = next(t for t in doc.tables if t.rows[0].cells[0].text == first_header)
    return [[cell.text for cell in row.cells] for row in table.rows]


def count() -> int:
    return int(db.session.scalar(select(func.count(GeneratedDocument.id))) or 0)


def test_the_same_content_twice_gives_one_revision_and_the_same_file(make_user):
    supplier = Supplier(code="SUP-020", name="Acme Tools", kind="commercial_vendor", status="approved")
    db.session.add(supplier)
    db.session.commit()
    pat = make_user("pat", Role.PURCHASING, full_name="Pat Purchasing")
    first = services.generate("approved_supplier_list", "current", by=pat)
    again = services.generate("approved_supplier_list", "current", by=make_user("quinn", Role.QA))
    assert again.id == first.id and again.revision == 1 and again.sha256 == first.sha256
    assert count() == 1


def test_a_changed_record_gets_the_next_revision_with_a_history_row(make_user):
    supplier = Supplier(code="SUP-020", name="Acme Tools", kind="commercial_vendor", status="approved")
    db.session.add(supplier)
    db.session.commit()
    pat = make_user("pat", Role.PURCHASING, full_name="Pat Purchasing")
    first = services.generate("approved_supplier_list", "current", by=pat)
    db.session.commit()
    supplier.approval_scope = "Issue tracker SaaS only"
    db.session.commit()
    second = services.generate("approved_supplier_list", "current", by=make_user("quinn", Role.QA, full_name="Quinn Quality"))
    db.session.commit()
    assert (second.number, second.revision) == (first.number, 2)
    history = table_with(second.data, "Revision")
    assert history[0] == ["Revision", "Date", "Author", "Reason / what changed"]
    assert [row[0] for row in history[1:]] == ["1", "2"]
    assert history[1][2:] == ["Pat Purchasing", "First issue"]
    assert history[2][2] == "Quinn Quality" and history[2][3] == "Changed: Suppliers"
    assert "Revision 2" in docx_text(second.data)


def test_numbers_come_from_the_records_not_from_database_ids(make_user):
    erin = make_user("erin", Role.ENGINEER)
    release, _ = release_with("Infusion pump UI", "2.4.0", {"requirements.txt": requirements("click==8.1.7")})
    assert services.generate("soup_list", str(release.id), by=erin).number == "SOUP-Infusion-pump-UI-2.4.0"
    assert services.generate("release_diff", str(release.id), by=erin).number == "DIFF-Infusion-pump-UI-none-2.4.0"
    protocol = write_protocol(make_system(erin, product="TrackIt Cloud"), erin)
    db.session.commit()
    assert services.generate("validation_protocol", str(protocol.id), by=erin).number == "VP-TrackIt-Cloud-1"
    pat = make_user("pat", Role.PURCHASING)
    evaluation = scored(pat, make_supplier(code="SUP-020", name="Acme"))
    db.session.commit()
    assert services.generate("supplier_evaluation", str(evaluation.id), by=pat).number == "SER-SUP-020-01"
    approved = Supplier(code="SUP-030", name="Grafana Labs", kind="commercial_vendor", status="approved")
    db.session.add(approved)
    purchase = suppliers.create_purchase(approved, ORDER, by=pat)
    db.session.commit()
    assert services.generate("purchasing_information", str(purchase.id), by=pat).number == "PI-PO-77"
    year = services.generate("approved_supplier_list", "current", by=pat).created_at.year
    assert services.generate("approved_supplier_list", "current", by=pat).number == f"ASL-{year}-001"
    assert services.generate("audit_extract", f"supplier:{approved.id}", by=pat).number == f"AX-{year}-001"
    assert services.generate("audit_extract", "range:2000-01-01:2000-01-02", by=pat).number == f"AX-{year}-002"


def test_a_number_two_records_would_share_gets_a_suffix(make_user):
    erin = make_user("erin", Role.ENGINEER)
    one, _ = release_with("Pump UI", "1.0", {"requirements.txt": requirements("click==8.1.7")})
    two, _ = release_with("Pump/UI", "1.0", {"requirements.txt": requirements("click==8.1.7")})
    numbers = {services.generate("soup_list", str(r.id), by=erin).number for r in (one, two)}
    assert numbers == {"SOUP-Pump-UI-1.0", "SOUP-Pump-UI-1.0-2"}


def test_every_document_prints_its_governing_procedure_set_by_an_admin(app, make_user):
    make_user("ada", Role.ADMIN)
    admin = app.test_client()
    login(admin, "ada")
    page = admin.get("/documents/templates").get_data(as_text=True)
    assert "Governing procedures" in page
    response = admin.post("/documents/procedures/approved_supplier_list",
                          data={"approved_supplier_list-reference": "SOP-PUR-001",
                                "approved_supplier_list-title": "Purchasing"})
    assert response.status_code == 302
    assert control.procedure_for("approved_supplier_list") == {"reference": "SOP-PUR-001", "title": "Purchasing"}
    text = docx_text(services.generate("approved_supplier_list", "current", by=None).data)
    assert "Governing procedure: SOP-PUR-001 Purchasing" in text
    assert admin.post("/documents/procedures/nonsense", data={}).status_code == 404
    too_long = admin.post("/documents/procedures/soup_list", data={"soup_list-reference": "x" * 81})
    assert too_long.status_code == 422 and control.procedure_for("soup_list")["reference"] == ""
    assert "at most 80" in too_long.get_data(as_text=True) or "80 characters" in too_long.get_data(as_text=True)


def test_the_approval_block_is_filled_from_the_signatures(make_user):
    pat = make_user("pat", Role.PURCHASING, full_name="Pat Purchasing")
    quinn = make_user("quinn", Role.QA, full_name="Quinn Quality")
    evaluation = scored(pat, make_supplier(code="ABL", name="A & B <Ltd>", criticality="major"))
    db.session.commit()
    draft = table_with(services.generate("supplier_evaluation", str(evaluation.id), by=pat).data, "")
    assert draft[1][:2] == ["Prepared by", "Pat Purchasing"] and draft[1][3] == "Record author (not signed)"
    assert draft[2][1:] == draft[3][1:] == ["—", "—", "No signature recorded"]  # never a blank to sign
    evaluations.decide(evaluation, DecisionInput("approved", "Issue tracker SaaS", "", "Scores well"),
                       signer=quinn, password=PASSWORD)
    db.session.commit()
    signed = table_with(services.generate("supplier_evaluation", str(evaluation.id), by=pat).data, "")
    assert signed[3][0] == "Approved by" and signed[3][1] == "Quinn Quality" and signed[3][3] == "Approved"
    assert signed[3][2].endswith(" UTC")


def test_a_supplier_evaluation_is_prepared_by_its_evaluator_whoever_generates_it(make_user):
    """A reader found "Prepared by: system, Generated (not signed)" on an evaluation whose Evaluator field names Pat:
    like a purchase record, the evaluation prints its author, marked as not a signature."""
    pat = make_user("pat", Role.PURCHASING, full_name="Pat Purchasing")
    evaluation = scored(pat, make_supplier(code="ABL", name="A & B <Ltd>", criticality="major"))
    db.session.commit()
    data = services.generate("supplier_evaluation", str(evaluation.id), by=None).data  # the system (a job, the CLI)
    assert field_value(data, "Evaluator") == "Pat Purchasing"
    started = evaluation.created_at.strftime("%Y-%m-%d")
    assert table_with(data, "")[1] == ["Prepared by", "Pat Purchasing", started, control.AUTHOR_NOT_SIGNED]


def test_a_soup_list_prints_who_authored_and_who_approved(make_user):
    erin = make_user("erin", Role.ENGINEER, full_name="Erin Engineer")
    quinn = make_user("quinn", Role.QA, full_name="Quinn Quality")
    release, _ = release_with("Pump", "1.0", {"requirements.txt": requirements("click==8.1.7")})
    make_ready_otss(release, erin)
    from app.signatures.services import sign

    sign(inventory.sign_target(release), erin, password=PASSWORD, meaning="authored")
    inventory.freeze_release(release, quinn, password=PASSWORD)
    db.session.commit()
    block = table_with(services.generate("soup_list", str(release.id), by=erin).data, "")
    assert [row[:2] for row in block[1:]] == [["Prepared by", "Erin Engineer"], ["Reviewed by", "—"],
                                               ["Approved by", "Quinn Quality"]]


def test_a_purchase_record_is_prepared_by_its_author_whoever_generates_the_document(make_user):
    """QA generating the purchasing information was printed as 'Prepared by Quinn Quality', though Pat wrote it."""
    pat = make_user("pat", Role.PURCHASING, full_name="Pat Purchasing")
    quinn = make_user("quinn", Role.QA, full_name="Quinn Quality")
    purchase = suppliers.create_purchase(make_supplier(code="ACM", name="Acme", status="approved"), ORDER, by=pat)
    db.session.commit()
    block = table_with(services.generate("purchasing_information", str(purchase.id), by=quinn).data, "")
    assert block[1][:2] == ["Prepared by", "Pat Purchasing"] and block[1][3] == "Record author (not signed)"
    assert block[1][2] == purchase.created_at.strftime("%Y-%m-%d")


def test_the_register_says_what_a_document_was_made_from_in_words(app, make_user):
    """It read "Approved supplier list current@2026 v1", the "v1" being the number of suppliers on the list."""
    db.session.add(Supplier(code="SUP-021", name="Acme Tools", kind="commercial_vendor", status="approved"))
    db.session.commit()
    qa = make_user("quinn", Role.QA)
    made = services.generate("approved_supplier_list", "current", by=qa)
    year = made.created_at.year
    assert made.source_text == f"Approved supplier list of {year}, 1 supplier"
    db.session.commit()
    client = app.test_client()
    login(client, "quinn")
    page = client.get("/documents/").get_data(as_text=True)
    assert f"Approved supplier list of {year}, 1 supplier" in page and "current@" not in page


def test_a_documents_source_reads_by_record_type_number_and_version():
    def made_from(source_type: str, source_id: str, version: int | None) -> str:
        return GeneratedDocument(source_type=source_type, source_id=source_id, source_version=version).source_text

    assert made_from("release", "12", 3) == "Release #12, record version 3"
    assert made_from("release_diff", "4:12", 3) == "SOUP changes between releases #4 and #12, record version 3"
    assert made_from("audit_extract", "supplier:42", 7) == "Audit trail extract of supplier #42, 7 events"
    assert made_from("audit_extract", "range:2026-01-01:2026-01-31", 1) == (
        "Audit trail extract from 2026-01-01 to 2026-01-31, 1 event")
