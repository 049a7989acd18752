"""Purchase records (ISO 13485 7.4.2/7.4.3): approved suppliers only, signed adequacy review, receipt verification."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.access import Role
from app.errors import PermissionDenied, ValidationFailed
from app.extensions import db
from app.signatures.models import Signature
from app.signatures.services import SeparationOfDuties
from app.suppliers import services
from app.suppliers.models import PurchaseRecord
from app.suppliers.workflow import IllegalTransition
from tests.helpers import PASSWORD, signing
from tests.suppliers.factories import make_supplier

ORDER = services.PurchaseInput(
    product="Grafana Enterprise", product_version="11.2.0", reference="PO-77", specification="Monitoring",
    acceptance_criteria="Installs; dashboards load", qms_requirements="Notify changes", change_notification_agreed=True,
    licence="Commercial",
)
ACCEPT = services.ReceiptInput(
    received_version="11.2.0", version_checked=True, checksum="sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae", checksum_checked=True,
    licence_checked=True, installation_checked=True, validation_reference="", result="accepted",
)


@pytest.fixture
def people(make_user):
    return make_user("buyer", Role.PURCHASING), make_user("quinn", Role.QA)


@pytest.mark.parametrize("status", ["candidate", "under_evaluation", "rejected", "suspended", "disqualified", "inactive"])
def test_no_purchase_with_a_supplier_that_is_not_approved(app, people, status):
    buyer, _qa = people
    with pytest.raises(ValidationFailed, match="only placed with approved"):
        services.create_purchase(make_supplier(status=status), ORDER, by=buyer)


@pytest.mark.parametrize("status", ["approved", "conditionally_approved"])
def test_purchases_are_placed_with_approved_or_conditional_suppliers(app, people, status):
    buyer, _qa = people
    purchase = services.create_purchase(make_supplier(status=status), ORDER, by=buyer)
    assert (purchase.status, purchase.created_by_id) == ("draft", buyer.id)


def test_the_full_path_review_send_verify(app, people):
    buyer, qa = people
    purchase = services.create_purchase(make_supplier(status="approved"), ORDER, by=buyer)
    with pytest.raises(IllegalTransition):
        services.mark_purchase_sent(purchase, by=buyer)  # not reviewed yet
    services.approve_purchase(purchase, signer=qa, password=PASSWORD)
    signature = db.session.scalars(select(Signature)).one()
    assert (signature.entity_type, signature.meaning, signature.signer_id) == ("purchase_record", "approved", qa.id)
    with pytest.raises(IllegalTransition):
        services.update_purchase(purchase, ORDER, expected_version=purchase.version, by=buyer)
    services.mark_purchase_sent(purchase, by=buyer)
    services.verify_receipt(purchase, ACCEPT, by=buyer, password=PASSWORD)
    assert (purchase.status, purchase.receipt_result, purchase.verified_by_id) == ("verified", "accepted", buyer.id)
    assert purchase.verified_at is not None


def test_the_author_cannot_review_their_own_purchase_record(app, make_user):
    both = make_user("both", Role.PURCHASING, Role.QA)
    purchase = services.create_purchase(make_supplier(status="approved"), ORDER, by=both)
    with pytest.raises(PermissionDenied):
        services.approve_purchase(purchase, signer=both, password=PASSWORD)
    with pytest.raises(SeparationOfDuties):
        from app.signatures.services import sign
        sign(services.purchase_sign_target(purchase), both, password=PASSWORD, meaning="approved")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"version_checked": False}, "version check"),
        ({"received_version": "11.3.0"}, "differs from the ordered"),
        ({"licence_checked": False}, "licence check"),
        ({"installation_checked": False}, "installation check or a link"),
        ({"checksum": ""}, "checksum"),
    ],
)
def test_accepting_a_delivery_needs_each_check(app, people, change, message):
    buyer, qa = people
    purchase = services.create_purchase(make_supplier(status="approved"), ORDER, by=buyer)
    services.approve_purchase(purchase, signer=qa, password=PASSWORD)
    services.mark_purchase_sent(purchase, by=buyer)
    with pytest.raises(ValidationFailed, match=message):
        services.verify_receipt(purchase, services.ReceiptInput(**{**ACCEPT.__dict__, **change}), by=buyer,
                                password=PASSWORD)
    assert purchase.status == "sent"


def test_a_validation_link_replaces_the_installation_check_and_a_rejection_needs_a_reason(app, people):
    buyer, qa = people
    purchase = services.create_purchase(make_supplier(status="approved"), ORDER, by=buyer)
    services.approve_purchase(purchase, signer=qa, password=PASSWORD)
    services.mark_purchase_sent(purchase, by=buyer)
    rejected = services.ReceiptInput(**{**ACCEPT.__dict__, "result": "rejected", "notes": ""})
    with pytest.raises(ValidationFailed, match="why"):
        services.verify_receipt(purchase, rejected, by=buyer, password=PASSWORD)
    linked = services.ReceiptInput(**{**ACCEPT.__dict__, "installation_checked": False, "validation_reference": "VAL-12"})
    services.verify_receipt(purchase, linked, by=qa, password=PASSWORD)
    assert purchase.validation_reference == "VAL-12"


def test_pages_walk_the_purchase_through_review(app, login_as, make_user):
    supplier = make_supplier(status="approved")
    db.session.commit()
    buyer = login_as(Role.PURCHASING, username="buyer")
    response = buyer.post(f"/suppliers/{supplier.id}/purchases/new", data={
        "product": "Jira Cloud", "product_version": "2026.1", "reference": "PO-1", "licence": "Commercial",
    })
    assert response.status_code == 302
    purchase = db.session.scalars(select(PurchaseRecord)).one()
    qa = login_as(Role.QA, username="quinn")
    detail = f"/suppliers/purchases/{purchase.id}"
    assert "Sign adequacy review" in qa.get(detail).get_data(as_text=True)
    assert "Waiting for QA" in buyer.get(detail).get_data(as_text=True)
    assert qa.post(f"/suppliers/purchases/{purchase.id}/approve",
                   data={"meaning": "approved", **signing(qa)}).status_code == 302
    assert "Mark as sent" in buyer.get(detail).get_data(as_text=True)
    assert buyer.post(f"/suppliers/purchases/{purchase.id}/send").status_code == 302
    assert "Receipt verification" in buyer.get(detail).get_data(as_text=True)
    response = buyer.post(f"/suppliers/purchases/{purchase.id}/verify", data={
        "received_version": "2026.1", "version_checked": "y", "licence_checked": "y", "installation_checked": "y",
        "result": "accepted",
    })
    assert response.status_code == 422 and "Enter your password to sign the verification." in response.get_data(as_text=True)
    wrong = buyer.post(f"/suppliers/purchases/{purchase.id}/verify", data={
        "received_version": "2026.1", "version_checked": "y", "licence_checked": "y", "installation_checked": "y",
        "result": "accepted", **signing(buyer, password="not my password"),
    })
    assert wrong.status_code == 422 and "The password is not correct" in wrong.get_data(as_text=True)
    response = buyer.post(f"/suppliers/purchases/{purchase.id}/verify", data={
        "received_version": "2026.1", "version_checked": "y", "licence_checked": "y", "installation_checked": "y",
        "result": "accepted", **signing(buyer),
    })
    assert response.status_code == 302
    signature = db.session.scalars(select(Signature).where(Signature.entity_type == "purchase_receipt")).one()
    assert (signature.meaning, signature.entity_id) == ("verified", str(purchase.id))
    assert "Receipt verification signature" in qa.get(detail).get_data(as_text=True)
    assert "Accepted" in qa.get(detail).get_data(as_text=True)
    listing = buyer.get("/suppliers/purchases?result=accepted").get_data(as_text=True)
    assert "Jira Cloud" in listing
    assert "Jira Cloud" not in buyer.get("/suppliers/purchases?status=draft").get_data(as_text=True)
    assert "Jira Cloud" in buyer.get(f"/suppliers/{supplier.id}").get_data(as_text=True)


def test_a_purchase_form_for_an_unapproved_supplier_explains_the_refusal(app, login_as):
    supplier = make_supplier(status="candidate")
    db.session.commit()
    buyer = login_as(Role.PURCHASING)
    response = buyer.post(f"/suppliers/{supplier.id}/purchases/new", data={"product": "X"})
    assert response.status_code == 422 and "only placed with approved" in response.get_data(as_text=True)


def test_an_order_reference_already_used_is_refused_with_the_form_kept(app, login_as):
    """Documents are filed under the order reference (PI-PO-2026-014): a second record under it made the older one's
    document 'PI-PO-2026-014-2'."""
    first, second = make_supplier("A-1", "Alpha", status="approved"), make_supplier("B-1", "Beta", status="approved")
    db.session.commit()
    buyer = login_as(Role.PURCHASING, username="buyer")
    order = {"product": "Jira Cloud", "product_version": "2026.1", "reference": "PO-2026-014", "licence": "Commercial"}
    assert buyer.post(f"/suppliers/{first.id}/purchases/new", data=order).status_code == 302
    response = buyer.post(f"/suppliers/{second.id}/purchases/new",
                          data={**order, "reference": " po-2026-014 ", "product": "Confluence"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The order reference po-2026-014 is already used by purchase record #1 (Alpha)" in page
    assert 'value="Confluence"' in page
    assert db.session.scalar(select(func.count(PurchaseRecord.id))) == 1
    purchase = db.session.scalars(select(PurchaseRecord)).one()
    services.update_purchase(purchase, services.PurchaseInput(product="Jira Cloud", reference="PO-2026-014"),
                             expected_version=purchase.version, by=purchase.created_by)  # its own reference: kept


def test_a_checksum_that_is_no_digest_is_refused_and_never_shown_as_verified(app, people):
    """'not-a-sha' was accepted with 'checksum checked' and printed as '(verified)'."""
    buyer, qa = people
    purchase = services.create_purchase(make_supplier(status="approved"), ORDER, by=buyer)
    services.approve_purchase(purchase, signer=qa, password=PASSWORD)
    services.mark_purchase_sent(purchase, by=buyer)
    for text in ("not-a-sha", "sha256:abc", "12345"):
        with pytest.raises(ValidationFailed, match="is not a checksum"):
            services.verify_receipt(purchase, services.ReceiptInput(**{**ACCEPT.__dict__, "checksum": text}),
                                    by=buyer, password=PASSWORD)
    digest = "SHA-256 " + "ab" * 32
    services.verify_receipt(purchase, services.ReceiptInput(**{**ACCEPT.__dict__, "checksum": digest}), by=buyer,
                            password=PASSWORD)
    assert purchase.checksum == digest
