"""A signature whose signed content has changed since is never printed as if it were valid: the Word record says
"Content changed since signing: <fields>" beside that signature (in the signatures table, the prepared / reviewed /
approved block, the adequacy review and a heading naming the signer), in the words of the record's page, and says nothing beside a signature
whose content still matches. The archive PDF is converted from the same Word file, so it says it too."""

from __future__ import annotations

import copy

import pytest
from sqlalchemy import text

from app.access import Role
from app.documents import control, services
from app.documents.render import render_default
from app.documents.variables import DOCUMENT_TYPES, example_context
from app.extensions import db
from app.signatures.services import content_hash
from app.suppliers import services as suppliers
from app.validation.models import Protocol
from tests.documents.docx_helpers import docx_text, field_value, table_rows
from tests.helpers import PASSWORD, login
from tests.inventory.factories import release_with, requirements
from tests.inventory.gated import make_ready_otss, sign_and_freeze
from tests.suppliers.factories import make_supplier
from tests.suppliers.test_purchases import ACCEPT, ORDER
from tests.validation.factories import approved_protocol, make_system

NOTE = "Content changed since signing"


def signature_row(data: bytes, name: str) -> dict[str, str]:
    """The signatures table's row of one signer."""
    rows = [row for row in table_rows(data, "Printed name", "Comment") if row["Printed name"] == name]
    assert len(rows) == 1, rows
    return rows[0]


def control_meanings(data: bytes) -> dict[str, str]:
    """The prepared / reviewed / approved block: role -> what its Meaning cell says."""
    return {row[""]: row["Meaning"] for row in table_rows(data, "Name", "Meaning")}


@pytest.fixture
def received(make_user):
    """A purchase record reviewed by QA (Quinn), sent, and its delivery verified and signed by the buyer (Bea)."""
    buyer = make_user("bea", Role.PURCHASING, full_name="Bea Buyer")
    qa = make_user("quinn", Role.QA, full_name="Quinn Quality")
    purchase = suppliers.create_purchase(make_supplier(status="approved"), ORDER, by=buyer)
    suppliers.approve_purchase(purchase, signer=qa, password=PASSWORD, comment="Adequate")
    suppliers.mark_purchase_sent(purchase, by=buyer)
    suppliers.verify_receipt(purchase, ACCEPT, by=buyer, password=PASSWORD)
    db.session.commit()
    return purchase


def test_a_purchase_changed_after_its_adequacy_review_prints_the_note_beside_that_signature_only(app, received):
    # The reviewed specification is changed behind the application's back; the receipt's content is untouched.
    db.session.execute(text("UPDATE purchase_records SET specification = 'Anything' WHERE id = :id"), {"id": received.id})
    db.session.commit()
    db.session.expire_all()

    data = services.generate("purchasing_information", str(received.id), by=None).data

    note = f"{NOTE}: Specification"
    assert note in signature_row(data, "Quinn Quality")["Comment"]
    assert NOTE not in signature_row(data, "Bea Buyer")["Comment"]
    assert control_meanings(data) == {
        "Prepared by": "Record author (not signed)",
        "Reviewed by": "Verified",
        "Approved by": f"Approved. {note}",
    }
    assert field_value(data, "Meaning") == f"Approved. {note}"  # the adequacy review
    assert NOTE not in table_rows(data, "Verified by", "Signed")[0]["Signed"]

    # The page and the record say the same.
    client = app.test_client()
    login(client, "quinn")
    assert note in client.get(f"/suppliers/purchases/{received.id}").get_data(as_text=True)



def test_a_receipt_changed_after_its_verification_prints_the_note_beside_the_receipt_signature_only(received):
    db.session.execute(text("UPDATE purchase_records SET receipt_notes = 'Rewritten later' WHERE id = :id"),
                       {"id": received.id})
    db.session.commit()
    db.session.expire_all()

    data = services.generate("purchasing_information", str(received.id), by=None).data

    note = f"{NOTE}: Notes"
    assert note in signature_row(data, "Bea Buyer")["Comment"]
    assert NOTE not in signature_row(data, "Quinn Quality")["Comment"]
    assert table_rows(data, "Verified by", "Signed")[0]["Signed"].endswith(f"). {note}")
    assert control_meanings(data)["Reviewed by"] == f"Verified. {note}"
    assert field_value(data, "Meaning") == "Approved"  # the adequacy review still matches

def test_an_untouched_purchase_prints_no_note(received):
    data = services.generate("purchasing_information", str(received.id), by=None).data
    assert NOTE not in docx_text(data)
    assert control_meanings(data)["Approved by"] == "Approved"
    assert field_value(data, "Meaning") == "Approved"


def test_a_protocol_changed_after_approval_prints_the_note_beside_each_signature_of_that_version(app, make_user):
    author, reviewer = make_user("erin", Role.ENGINEER, full_name="Erin Engineer"), make_user("rob", Role.ENGINEER)
    qa = make_user("quinn", Role.QA, full_name="Quinn Quality")
    protocol = approved_protocol(make_system(author), author, reviewer, qa)
    db.session.commit()
    before = services.generate("validation_protocol", str(protocol.id), by=None)
    db.session.commit()
    assert NOTE not in docx_text(before.data)

    db.session.execute(text("UPDATE validation_protocols SET scope = 'Something else' WHERE id = :id"),
                       {"id": protocol.id})
    db.session.commit()
    db.session.expire_all()
    protocol = db.session.get(Protocol, protocol.id)
    after = services.generate("validation_protocol", str(protocol.id), by=None)

    note = f"{NOTE}: Scope"
    assert after.revision == before.revision + 1 and "Signatures" in after.note
    for name in ("Erin Engineer", reviewer.full_name, "Quinn Quality"):
        assert note in signature_row(after.data, name)["Comment"]
    assert control_meanings(after.data) == {
        "Prepared by": f"Authored. {note}", "Reviewed by": f"Reviewed. {note}", "Approved by": f"Approved. {note}",
    }
    client = app.test_client()
    login(client, "quinn")
    assert note in client.get(f"/validation/protocols/{protocol.id}").get_data(as_text=True)


@pytest.mark.parametrize("doc_type", list(DOCUMENT_TYPES))
def test_every_default_template_prints_the_note_beside_the_signature_it_concerns(doc_type):
    context = example_context(doc_type)
    context["signatures"][0]["content_note"] = f"{NOTE}: Final decision"
    context["control"] = control.control_block(context["signatures"], prepared_by="Dana", prepared_at="2026-11-21")
    data = render_default(doc_type, context)
    first, second = (context["signatures"][0]["printed_name"], context["signatures"][1]["printed_name"])
    assert f"{NOTE}: Final decision" in signature_row(data, first)["Comment"]
    assert NOTE not in signature_row(data, second)["Comment"]
    assert control_meanings(data)["Prepared by"] == f"Authored. {NOTE}: Final decision"
    assert control_meanings(data)["Approved by"] == "Approved"


@pytest.mark.parametrize("doc_type", list(DOCUMENT_TYPES))
def test_signature_rows_kept_from_before_the_note_existed_still_print(doc_type):
    """A document generated before signatures carried the note keeps its rows: its signed copy renders them."""
    context = example_context(doc_type)
    for row in context["signatures"]:
        del row["content_note"]
    if isinstance(context.get("adequacy_review"), dict):
        del context["adequacy_review"]["content_note"]
    assert NOTE not in docx_text(render_default(doc_type, context))


def test_a_matching_signature_s_empty_note_is_not_new_content():
    """Documents generated before the note existed get no new revision for it; a note is new content."""
    row = example_context("soup_list")["signatures"][0]
    old = {key: value for key, value in row.items() if key != "content_note"}
    noted = {**row, "content_note": f"{NOTE}: Components"}
    hashed = control.hashed_content
    assert hashed({"signatures": [row], "draft": False}, frozenset()) == hashed({"signatures": [old], "draft": False},
                                                                                  frozenset())
    assert hashed({"adequacy_review": copy.deepcopy(row)}, frozenset()) == hashed({"adequacy_review": old}, frozenset())
    assert hashed({"signatures": [noted]}, frozenset()) != hashed({"signatures": [old]}, frozenset())



@pytest.fixture
def frozen_list(make_user):
    """A SOUP list authored by Erin and approved (frozen) by Quinn."""
    erin = make_user("erin", Role.ENGINEER, full_name="Erin Engineer")
    quinn = make_user("quinn", Role.QA, full_name="Quinn Quality")
    release, _ = release_with("Pump", "1.0", {"requirements.txt": requirements("click==8.1.7")}, by=erin)
    make_ready_otss(release, erin)
    sign_and_freeze(release, erin, quinn)
    db.session.commit()
    return release


def test_a_soup_list_changed_after_signing_says_so_in_its_heading_as_beside_each_signature(frozen_list):
    """A reader found the note in the signatures table and the prepared / approved block of a SOUP list, but not in
    its heading's "Prepared (authored) by" and "Approved by" lines: the heading says it too, and so does the notices'
    "SOUP list approved" line."""
    db.session.execute(text("UPDATE components SET version = '8.1.8' WHERE release_id = :id"), {"id": frozen_list.id})
    db.session.commit()
    db.session.expire_all()

    data = services.generate("soup_list", str(frozen_list.id), by=None).data
    note = signature_row(data, "Erin Engineer")["Comment"].split("\n")[-1]
    assert note.startswith(f"{NOTE}: ") and note == signature_row(data, "Quinn Quality")["Comment"].split("\n")[-1]
    assert control_meanings(data) == {"Prepared by": f"Authored. {note}", "Reviewed by": "No signature recorded",
                                      "Approved by": f"Approved. {note}"}
    assert field_value(data, "Prepared (authored) by").startswith("Erin Engineer ")
    assert field_value(data, "Prepared (authored) by").endswith(f" UTC. {note}")
    assert field_value(data, "Approved by").startswith("Quinn Quality ")
    assert field_value(data, "Approved by").endswith(f" UTC. {note}")

    notices = services.generate("third_party_notices", str(frozen_list.id), by=None).data
    assert field_value(notices, "SOUP list approved").startswith("Quinn Quality ")
    assert field_value(notices, "SOUP list approved").endswith(f" UTC. {note}")


def test_an_untouched_soup_list_says_nothing_in_its_heading_and_gets_no_new_revision_for_the_heading(frozen_list):
    first = services.generate("soup_list", str(frozen_list.id), by=None)
    assert NOTE not in docx_text(first.data)
    assert field_value(first.data, "Prepared (authored) by").endswith(" UTC")
    assert field_value(first.data, "Approved by").endswith(" UTC")
    # A SOUP list generated before the heading had notes hashed the same content without them: no new revision.
    before_notes = {key: value for key, value in first.context.items() if key not in ("prepared_note", "approved_note")}
    assert content_hash(control.hashed_content(before_notes, frozenset())) == first.content_hash
