"""A signature stays bound to the content it signed: the warning "Content changed since signing" shows whenever the
signed fields as they are now differ from what was signed, whatever the record's version since."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from app.access import Role
from app.extensions import db
from app.signatures.services import SignTarget, bound_version, manifestations
from app.suppliers import services
from app.suppliers.models import PurchaseRecord
from tests.helpers import PASSWORD, login
from tests.suppliers.factories import make_supplier
from tests.suppliers.test_purchases import ACCEPT, ORDER


@pytest.fixture
def approved(make_user):
    buyer, qa = make_user("buyer", Role.PURCHASING), make_user("quinn", Role.QA, full_name="Quinn Quality")
    purchase = services.create_purchase(make_supplier(status="approved"), ORDER, by=buyer)
    services.approve_purchase(purchase, signer=qa, password=PASSWORD)
    db.session.commit()
    return purchase, buyer


def flags(purchase: PurchaseRecord) -> list[tuple[bool, tuple[str, ...]]]:
    db.session.expire_all()
    purchase = db.session.get(PurchaseRecord, purchase.id)
    return [(m.content_changed, m.changed_fields) for m in manifestations(services.purchase_sign_target(purchase))]


def test_an_untouched_purchase_stays_unflagged_when_sent_and_received(approved):
    purchase, buyer = approved
    services.mark_purchase_sent(purchase, by=buyer)
    services.verify_receipt(purchase, ACCEPT, by=buyer, password=PASSWORD)
    db.session.commit()
    assert flags(purchase) == [(False, ())]


def test_a_purchase_altered_after_signing_stays_flagged_when_sent_and_received(app, approved, make_user):
    purchase, buyer = approved
    db.session.execute(text("UPDATE purchase_records SET specification = 'Anything' WHERE id = :id"),
                       {"id": purchase.id})
    db.session.commit()
    assert flags(purchase) == [(True, ("specification",))]
    services.mark_purchase_sent(db.session.get(PurchaseRecord, purchase.id), by=buyer)
    db.session.commit()
    assert flags(purchase) == [(True, ("specification",))]
    services.verify_receipt(db.session.get(PurchaseRecord, purchase.id), ACCEPT, by=buyer, password=PASSWORD)
    db.session.commit()
    assert flags(purchase) == [(True, ("specification",))]
    assert db.session.get(PurchaseRecord, purchase.id).status == "verified"

    make_user("alex", Role.AUDITOR)
    client = app.test_client()
    login(client, "alex")
    page = client.get(f"/suppliers/purchases/{purchase.id}").get_data(as_text=True)
    assert "Content changed since signing: Specification" in page


def test_a_newer_signed_version_supersedes_an_older_one():
    lasting = SignTarget("record", "1", 5, {})
    assert bound_version(lasting, [1, 3]) == 3  # moved on from 3 without a new signature: 3 must still match
    assert bound_version(lasting, [1, 3, 7]) == 3  # a signature of a later version is not this version's
    assert bound_version(lasting, []) is None
    decision = SignTarget("supplier", "1", 5, {}, lasting=False)
    assert bound_version(decision, [3]) == 5  # a decision binds only its own version


def test_a_supplier_status_change_is_not_flagged_once_the_status_moved_on(make_user):
    qa = make_user("quinn", Role.QA)
    supplier = make_supplier(status="approved")
    services.change_status(supplier, "suspend", reason="Late patches", signer=qa, password=PASSWORD)
    db.session.commit()
    assert [m.content_changed for m in manifestations(services.sign_target(supplier))] == [False]
