"""A record's History panel shows the events of the records that belong to it (a supplier's contacts and
certificates, a protocol's test cases and steps, an evaluation's links), each naming its record; a removed contact
stays visible on its supplier."""

from __future__ import annotations

from datetime import date

from app.access import Role
from app.audit import services as audit
from app.extensions import db
from app.suppliers import services as suppliers
from app.suppliers.models import Certificate, SupplierContact
from app.validation.models import TestCase, TestStep
from tests.questionnaires.factories import make_supplier
from tests.validation.factories import make_system, write_protocol


def history_panel(page: str) -> str:
    return page[page.index('<details class="history-panel">'):]


def test_a_suppliers_history_shows_its_contacts_and_certificates_and_a_removed_contact(app, login_as, make_user):
    editor = make_user("pat", Role.PURCHASING)
    supplier = make_supplier("ACME", "Acme Software")
    contact = suppliers.add_contact(supplier, name="Dana Sales", email="dana@acme.example", role="sales", by=editor)
    suppliers.add_certificate(supplier, standard="ISO 13485", number="Q-77", issuer="TUV", valid_until=date(2030, 1, 1),
                              by=editor)
    gone = suppliers.add_contact(supplier, name="Old Contact", email="old@acme.example", role="", by=editor)
    suppliers.remove_contact(gone, by=editor)
    supplier_id, contact_id = supplier.id, contact.id
    db.session.commit()

    panel = history_panel(login_as(Role.AUDITOR).get(f"/suppliers/{supplier_id}").get_data(as_text=True))

    assert "with its supplier contacts, certificates, performance events" in panel
    assert "Supplier contact: Dana Sales" in panel and "Certificate" in panel and "Q-77" in panel
    assert "Supplier contact removed" in panel and "Old Contact" in panel  # on the supplier, though the row is gone
    assert contact_id in audit.parts_of((SupplierContact, SupplierContact.supplier_id == supplier_id))["supplier_contact"]


def test_a_protocols_history_shows_its_test_cases_and_steps(app, login_as, make_user):
    author = make_user("erin")
    protocol = write_protocol(make_system(author), author)
    protocol_id = protocol.id
    case_ids = [case.id for case in protocol.test_cases]
    db.session.commit()

    panel = history_panel(login_as(Role.AUDITOR).get(f"/validation/protocols/{protocol_id}").get_data(as_text=True))

    assert "with its test cases, test steps, executions" in panel
    assert "Test case" in panel and "Test step" in panel
    parts = audit.parts_of((TestCase, TestCase.protocol_id == protocol_id))
    assert sorted(parts["test_case"]) == sorted(case_ids)


def test_parts_are_the_newest_of_a_kind_and_the_record_itself_comes_with_them(app, make_user):
    editor = make_user("pat", Role.PURCHASING)
    supplier = make_supplier("ACME", "Acme Software")
    for number in range(3):
        suppliers.add_contact(supplier, name=f"C{number}", email=f"c{number}@acme.example", role="", by=editor)
    db.session.flush()
    parts = audit.parts_of((SupplierContact, SupplierContact.supplier_id == supplier.id),
                           (Certificate, Certificate.supplier_id == supplier.id))
    assert len(parts["supplier_contact"]) == 3 + len([c for c in supplier.contacts if c.name not in {"C0", "C1", "C2"}])
    assert parts["certificate"] == []
    events = audit.history("supplier", supplier.id, parts=parts)
    assert {event.entity_type for event in events} == {"supplier", "supplier_contact"}
    assert [event.id for event in events] == sorted((event.id for event in events), reverse=True)
    assert TestStep.audit_type() == "test_step"
