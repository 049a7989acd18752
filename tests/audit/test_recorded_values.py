"""The audit trail shows what was recorded: field names read as labels, values as they were stored. A value reads as
its label only where its field holds one of the app's codes (a status, a role, a disposition); a user name, a name,
free text or a question's option value prints verbatim even when it spells a code ("qa", "admin", "none"). The log
page, a record's history, the CSV export and the Word extract say the same (a reader found the extract printing the
user "qa" as "QA", "admin" as "Admin" and the option "none" as "None")."""

from __future__ import annotations

import csv
import io
import json
import re

from sqlalchemy import select

from app.access import Role
from app.audit import services as audit
from app.audit.display import describe
from app.audit.models import AuditAction, AuditEvent
from app.documents import services as documents
from app.extensions import db
from tests.documents.docx_helpers import docx_text
from tests.helpers import login

EVALUATION = audit.Record("evaluation", "7", 3, "EV-2026-000007")
SIGNATURE = audit.Record("signature", "9", None, "Approved: Evaluation #7 v3")


def changes_of(entity_type: str, entity_id: str) -> dict[str, tuple[str, str]]:
    """Field label -> (old, new) as the trail shows the record's events."""
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.entity_type == entity_type,
                                                         AuditEvent.entity_id == entity_id))
    return {change.field: (change.old, change.new) for view in describe(events) for change in view.changes}


def page_changes(html: str) -> list[str]:
    """The change lines of an audit page as text: 'Username:  -> qa'."""
    return [f"{field}: {old} -> {new}" for field, old, new in
            re.findall(r"<div>([^<]*): <del>([^<]*)</del> → <ins>([^<]*)</ins></div>", html)]


def csv_changes(body: str, entity_type: str) -> list[dict[str, object]]:
    """The stored changes of a record type's events, read back from the CSV export."""
    rows = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))
    return [json.loads(row["changes"]) for row in rows if row["entity_type"] == entity_type]


def test_a_user_name_prints_as_recorded_and_the_roles_as_their_labels_on_the_page_csv_and_extract(make_user, login_as):
    qa = make_user("qa", Role.QA, full_name="Quinn Quality")  # "qa" is also the code of the QA role
    admin = make_user("admin", Role.ADMIN, Role.QA, full_name="Ada Admin")

    assert changes_of("user", str(qa.id))["Username"] == ("", "qa")
    assert changes_of("user", str(qa.id))["Roles"] == ("", "QA")
    assert changes_of("user", str(admin.id))["Username"] == ("", "admin")
    assert changes_of("user", str(admin.id))["Roles"] == ("", "Admin, QA")  # codes joined by commas

    client = login_as(Role.AUDITOR)
    page = client.get(f"/audit/?entity_type=user&entity_id={qa.id}").get_data(as_text=True)
    assert "Username:  -> qa" in page_changes(page) and "Roles:  -> QA" in page_changes(page)
    assert "Username:  -> QA" not in page_changes(page)

    stored = csv_changes(client.get("/audit/export.csv?entity_type=user").get_data(as_text=True), "user")
    assert {"old": None, "new": "qa"} in [change.get("username") for change in stored]
    assert {"old": None, "new": "admin,qa"} in [change.get("roles") for change in stored]

    text = docx_text(documents.generate("audit_extract", f"user:{admin.id}", by=None).data)
    assert "Username:  -> admin" in text and "Roles:  -> Admin, QA" in text
    assert "Username:  -> Admin" not in text


def test_a_failed_login_names_the_user_name_typed_as_it_was_typed(app, login_as):
    app.test_client().post("/login", data={"username": "admin", "password": "wrong"})  # nobody is called admin here
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.name == "auth.login_failed"))
    assert event is not None and event.details == {"username": "admin"}
    assert describe([event])[0].details == (("Username", "admin"),)

    page = login_as(Role.AUDITOR).get("/audit/?action=login_failed").get_data(as_text=True)
    assert "<small>Username: admin</small>" in page and "Username: Admin" not in page


def test_question_option_values_print_as_recorded_at_the_top_and_nested_in_a_signed_content(login_as):
    audit.record_changes(EVALUATION, {
        "answers.C1": {"old": None, "new": "none"},  # "none" is also a code of the app (no revalidation)
        "answers.C12": {"old": None, "new": "on_request"},
        "evaluator_answers.C8": {"old": "none", "new": "workaround"},  # "workaround" is a deviation disposition
        "status": {"old": "scored", "new": "decided"},
    })
    audit.record("evaluation.proposal_accepted", entity_type="evaluation", entity_id="7", question="C12",
                 answer="on_request")
    audit.record_changes(SIGNATURE, {
        "entity_type": {"old": None, "new": "evaluation"},
        "meaning": {"old": None, "new": "approved"},
        "content": {"old": None, "new": {
            "evaluator_answers": {"O6": "none"},
            "score": {"suggested_decision": "conditionally_approved",
                      "breakdown": [{"code": "C12", "answer": "on_request", "overridden": False}]},
        }},
    }, action=AuditAction.CREATE)
    db.session.commit()

    evaluation = changes_of("evaluation", "7")
    assert evaluation["Answers: C1"] == ("", "none")
    assert evaluation["Answers: C12"] == ("", "on_request")
    assert evaluation["Evaluator answers: C8"] == ("none", "workaround")
    assert evaluation["Status"] == ("Scored", "Decided")  # a status holds codes
    accepted = describe(db.session.scalars(select(AuditEvent).where(AuditEvent.name == "evaluation.proposal_accepted")))
    assert accepted[0].details == (("Question", "C12"), ("Answer", "on_request"))

    signature = changes_of("signature", "9")
    assert signature["Record type"] == ("", "Evaluation") and signature["Meaning"] == ("", "Approved")
    assert signature["Content"] == ("", "Evaluator answers: O6: none; Score: Suggested decision: Conditionally "
                                        "approved; Breakdown: Code: C12; Answer: on_request; Overridden: No")

    page = login_as(Role.AUDITOR).get("/audit/?entity_type=evaluation&entity_id=7").get_data(as_text=True)
    assert {"Answers: C1:  -> none", "Evaluator answers: C8: none -> workaround", "Status: Scored -> Decided"} <= set(
        page_changes(page))
    assert "<small>Answer: on_request</small>" in page

    text = docx_text(documents.generate("audit_extract", "evaluation:7", by=None).data)
    assert "Answers: C1:  -> none" in text and "Evaluator answers: C8: none -> workaround" in text
    assert "Answer: on_request" in text and "C1:  -> None" not in text and "C8: None -> Workaround" not in text


def test_free_text_that_spells_a_code_prints_as_typed_in_a_record_s_history(app, make_user):
    from app.suppliers.models import Supplier, SupplierContact

    supplier = Supplier(code="SUP-030", name="none", kind="commercial_vendor", scope="dev")  # "dev": a component scope
    supplier.contacts.append(SupplierContact(name="Quality desk", email="qa@acme.example", role="qa"))
    db.session.add(supplier)
    db.session.commit()

    assert changes_of("supplier", str(supplier.id))["Name"] == ("", "none")
    assert changes_of("supplier", str(supplier.id))["Scope"] == ("", "dev")
    assert changes_of("supplier", str(supplier.id))["Kind"] == ("", "Commercial vendor")
    assert changes_of("supplier_contact", str(supplier.contacts[0].id))["Role"] == ("", "qa")

    make_user("alex", Role.AUDITOR)
    client = app.test_client()
    login(client, "alex")
    page = client.get(f"/suppliers/{supplier.id}").get_data(as_text=True)
    history = page[page.index('class="history-panel"'):]
    assert "Name: <del></del> → <ins>none</ins>" in history and "Scope: <del></del> → <ins>dev</ins>" in history
