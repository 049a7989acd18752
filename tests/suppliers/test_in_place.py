"""A supplier's contacts, certificates and performance events change in place: under htmx (which names the block it
swaps) the same routes answer only that block, with the add form kept open (422 with what was typed when refused);
a page of a sub-list comes the same way; without htmx they redirect to the supplier page as before."""

from __future__ import annotations

from sqlalchemy import select

from app.access import Role
from app.extensions import db
from app.suppliers.models import SupplierContact
from tests.suppliers.factories import make_supplier


def in_place(block: str) -> dict[str, str]:
    return {"HX-Request": "true", "HX-Target": f"{block}-body"}


def test_a_contact_is_added_and_removed_in_place(login_as):
    client = login_as(Role.PURCHASING)
    supplier = make_supplier()
    db.session.commit()
    data = {"name": "Ada Lovelace", "email": "ada@example.com", "role": "Account manager"}
    added = client.post(f"/suppliers/{supplier.id}/contacts", data=data, headers=in_place("contacts"))
    body = added.get_data(as_text=True)
    assert added.status_code == 200 and "<html" not in body and 'id="contacts-body"' in body
    assert "Contact Ada Lovelace added." in body and "ada@example.com" in body
    assert '<details class="subrecord-form" open>' in body and "autofocus" in body
    refused = client.post(f"/suppliers/{supplier.id}/contacts", data={**data, "email": "not an address"},
                          headers=in_place("contacts"))
    assert refused.status_code == 422 and 'id="contacts-body"' in refused.get_data(as_text=True)
    contact = db.session.scalar(select(SupplierContact))
    removed = client.post(f"/suppliers/{supplier.id}/contacts/{contact.id}/remove", headers=in_place("contacts"))
    assert removed.status_code == 200 and "Contact Ada Lovelace removed." in removed.get_data(as_text=True)
    plain = client.post(f"/suppliers/{supplier.id}/contacts", data=data)
    assert plain.status_code == 302 and plain.location.endswith("#contacts")


def test_an_event_is_recorded_in_place_and_a_page_of_a_sub_list_comes_alone(login_as):
    client = login_as(Role.PURCHASING)
    supplier = make_supplier()
    db.session.commit()
    recorded = client.post(f"/suppliers/{supplier.id}/events", headers=in_place("performance"), data={
        "occurred_on": "2026-06-01", "type": "defect", "severity": "low", "reference": "BUG-1", "description": "Typo"})
    body = recorded.get_data(as_text=True)
    assert recorded.status_code == 200 and 'id="performance-body"' in body and "BUG-1" in body
    assert "Performance event recorded." in body
    listed = client.get(f"/suppliers/{supplier.id}?certificates_page=1", headers=in_place("certificates"))
    assert listed.status_code == 200 and 'id="certificates-body"' in listed.get_data(as_text=True)
    assert "<html" not in listed.get_data(as_text=True)
    whole = client.get(f"/suppliers/{supplier.id}", headers={"HX-Request": "true", "HX-Target": "elsewhere"})
    assert "<html" in whole.get_data(as_text=True)
