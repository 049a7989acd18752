"""My tasks: each person sees what waits for them, within their permissions and never a record whose separation of
duties keeps them out (the author of a SOUP list, the generator of a document, the tester of a deviation)."""

from __future__ import annotations

from datetime import date

import pytest

from app.access import Role
from app.auth.models import TaskMail
from app.db import utcnow
from app.documents import services as documents
from app.extensions import db
from app.inbox import services as inbox
from app.inventory import services as inventory
from app.suppliers.models import Supplier
from tests.helpers import PASSWORD, csrf_token_from
from tests.inventory.gated import gated_release


def today() -> date:
    return utcnow().date()


def groups_of(user) -> dict[str, list[str]]:
    """The user's task groups by key, each with its task titles."""
    return {group.key: [task.title for task in group.tasks] for group in inbox.my_tasks(user, today())}


@pytest.fixture
def people(make_user):
    return {
        "pat": make_user("pat", Role.PURCHASING, full_name="Pat Purchasing"),
        "quinn": make_user("quinn", Role.QA, full_name="Quinn Quality"),
        "queenie": make_user("queenie", Role.QA, full_name="Queenie QA"),
        "erin": make_user("erin", Role.ENGINEER, full_name="Erin Engineer"),
        "audrey": make_user("audrey", Role.AUDITOR, full_name="Audrey Auditor"),
    }


def asl_snapshot(by):
    db.session.add(Supplier(code="SUP-020", name="Acme Tools", kind="commercial_vendor", status="approved"))
    db.session.commit()
    document = documents.generate("approved_supplier_list", "current", by=by)
    db.session.commit()
    return document


def test_an_approved_supplier_list_snapshot_waits_for_qa_but_not_for_the_qa_user_who_generated_it(people):
    snapshot = asl_snapshot(people["queenie"])
    title = f"Approved supplier list · {snapshot.number} rev 1"

    assert groups_of(people["quinn"])["documents.approve"] == [title]
    assert "documents.approve" not in groups_of(people["queenie"])  # generated it: another QA member approves
    assert "documents.approve" not in groups_of(people["pat"])  # purchasing does not approve documents


def test_an_approved_document_leaves_the_list(people):
    snapshot = asl_snapshot(people["pat"])
    documents.approve_document(snapshot, signer=people["quinn"], password=PASSWORD)
    db.session.commit()
    assert "documents.approve" not in groups_of(people["quinn"])
    assert "documents.approve" not in groups_of(people["queenie"])


def test_a_soup_list_prepared_by_an_engineer_waits_for_qa_to_freeze_and_leaves_once_frozen(people):
    release = gated_release(people["erin"])
    assert groups_of(people["erin"])["inventory.prepare"] == ["Pump 1.0"]
    assert "inventory.freeze" not in groups_of(people["quinn"])

    inventory.author_release(release, people["erin"], password=PASSWORD)
    db.session.commit()
    assert groups_of(people["quinn"])["inventory.freeze"] == ["Pump 1.0"]
    assert "inventory.prepare" not in groups_of(people["erin"])  # prepared: it waits for QA now

    inventory.freeze_release(release, people["quinn"], password=PASSWORD)
    db.session.commit()
    assert "inventory.freeze" not in groups_of(people["queenie"])


def test_only_the_newest_draft_of_a_product_waits_to_be_prepared(people):
    first = gated_release(people["erin"], version="1.0")
    inventory.create_release(first.product, "1.1", by=people["erin"])
    db.session.commit()
    assert groups_of(people["erin"])["inventory.prepare"] == ["Pump 1.1"]


def test_the_auditor_has_no_tasks_and_the_page_says_so(people, client):
    asl_snapshot(people["pat"])
    gated_release(people["erin"])
    assert inbox.my_tasks(people["audrey"], today()) == []

    client.post("/login", data={"username": "audrey", "password": PASSWORD})
    page = client.get("/inbox").get_data(as_text=True)
    assert "Nothing waits for you" in page
    assert client.get("/inbox/count").get_data(as_text=True).strip() == ""


def test_the_inbox_page_and_the_navigation_count_agree(people, client):
    asl_snapshot(people["pat"])
    release = gated_release(people["erin"])
    inventory.author_release(release, people["erin"], password=PASSWORD)
    db.session.commit()
    total = inbox.task_count(people["quinn"], today())
    assert total >= 2

    client.post("/login", data={"username": "quinn", "password": PASSWORD})
    page = client.get("/inbox").get_data(as_text=True)
    assert "Documents to approve" in page and "SOUP lists to approve and freeze" in page
    assert f"{total} waiting for you" in page
    assert f">{total}</span>" in client.get("/inbox/count").get_data(as_text=True)
    home = client.get("/").get_data(as_text=True)
    assert "Waiting for you" in home and "Pump 1.0" in home


def test_the_daily_digest_goes_once_a_day_to_the_users_who_chose_it(people, app):
    from app.inbox.digest import queue_digests
    from app.notifications.models import OutboxMessage

    asl_snapshot(people["pat"])
    people["quinn"].task_mail = TaskMail.DIGEST
    people["queenie"].task_mail = TaskMail.OFF
    db.session.commit()

    first = queue_digests(today())
    again = queue_digests(today())
    db.session.commit()
    messages = db.session.scalars(db.select(OutboxMessage)).all()
    assert (first.queued, again.queued, again.already_sent) == (1, 0, 1)
    assert [message.to for message in messages] == ["quinn@example.com"]
    assert "Documents to approve (1)" in messages[0].body and "/documents/" in messages[0].body
    assert messages[0].body.count("http") >= 2  # each task and the inbox are links


def test_reminders_by_e_mail_go_only_to_users_who_want_each_reminder(people):
    from app.access import Permission
    from app.notifications.services import users_with

    people["quinn"].task_mail = TaskMail.DIGEST
    people["queenie"].task_mail = TaskMail.OFF
    db.session.commit()
    assert users_with(Permission.SUPPLIERS_DECIDE) == []
    people["queenie"].task_mail = TaskMail.EACH
    db.session.commit()
    assert users_with(Permission.SUPPLIERS_DECIDE) == ["queenie@example.com"]


def test_a_user_chooses_the_daily_digest_and_an_unknown_choice_is_refused(people, client):
    client.post("/login", data={"username": "erin", "password": PASSWORD})
    token = csrf_token_from(client.get("/account/email").get_data(as_text=True))

    refused = client.post("/account/email", data={"csrf_token": token, "task_mail": "hourly"})
    assert refused.status_code == 422 and "Not a valid choice" in refused.get_data(as_text=True)
    db.session.refresh(people["erin"])
    assert people["erin"].task_mail == TaskMail.EACH

    saved = client.post("/account/email", data={"csrf_token": token, "task_mail": "digest"}, follow_redirects=True)
    assert "Your e-mail setting is saved." in saved.get_data(as_text=True)
    db.session.refresh(people["erin"])
    assert people["erin"].task_mail == TaskMail.DIGEST


def test_a_protocol_waits_for_a_reviewer_other_than_its_author_then_for_qa_other_than_the_reviewer(people, make_user):
    from app.validation import services as validation
    from tests.validation.factories import make_system, write_protocol

    rob = make_user("rob", Role.ENGINEER, full_name="Rob Reviewer")
    protocol = write_protocol(make_system(people["erin"]), people["erin"])
    validation.submit_protocol(protocol, people["erin"], password=PASSWORD)
    db.session.commit()
    title = f"{protocol.system.product} · protocol {protocol.number}"
    assert groups_of(rob)["validation.review"] == [title]
    assert groups_of(people["quinn"])["validation.review"] == [title]
    assert "validation.review" not in groups_of(people["erin"])  # the author

    validation.review_protocol(protocol, people["quinn"], password=PASSWORD)
    db.session.commit()
    assert groups_of(people["queenie"])["validation.approve"] == [title]
    assert "validation.approve" not in groups_of(people["quinn"])  # reviewed it: another QA member approves
    assert "validation.review" not in groups_of(rob)


def test_a_deviation_waits_for_qa_but_not_for_the_qa_engineer_who_executed_the_failed_test(people, make_user):
    from tests.validation.factories import approved_protocol, execute_all, make_system

    tester = make_user("tess", Role.QA, Role.ENGINEER, full_name="Tess Tester")
    rob = make_user("rob", Role.ENGINEER, full_name="Rob Reviewer")
    protocol = approved_protocol(make_system(people["erin"], "high"), people["erin"], rob, people["quinn"])
    execute_all(protocol, tester, fail_first=True)
    db.session.commit()
    assert len(groups_of(people["queenie"])["validation.deviations"]) == 1
    assert "validation.deviations" not in groups_of(tester)
    assert "validation.deviations" not in groups_of(people["erin"])  # engineers do not close deviations


def test_qa_s_validation_tasks_cost_the_same_queries_for_one_or_three_reports_and_deviations(people, make_user):
    """The testers and the signatures of every waiting report are read in one query each, and each open deviation's
    execution comes with the deviations: no query per record. A QA member who tested is offered neither the report nor the deviation."""
    from app.validation import services as validation
    from tests.helpers import captured_sql
    from tests.validation.factories import approved_protocol, execute_all, make_system

    tester = make_user("tess", Role.QA, Role.ENGINEER, full_name="Tess Tester")
    rob = make_user("rob", Role.ENGINEER, full_name="Rob Reviewer")
    made = []

    def executed_with_a_deviation(count: int) -> None:
        for _ in range(count):
            made.append(1)
            system = make_system(people["erin"], product=f"Tool {len(made)}")
            protocol = approved_protocol(system, people["erin"], rob, people["quinn"])
            execute_all(protocol, tester, fail_first=True)
            validation.complete_execution(protocol, tester)
        db.session.commit()

    def qa_tasks() -> tuple[int, dict[str, list[str]]]:
        db.session.expire_all()
        with captured_sql() as statements:
            groups = groups_of(people["queenie"])
        return len(statements), groups

    executed_with_a_deviation(1)
    one, _ = qa_tasks()
    executed_with_a_deviation(2)
    three, groups = qa_tasks()
    assert len(groups["validation.reports"]) == 3 and len(groups["validation.deviations"]) == 3
    assert three == one, (one, three)
    tested = groups_of(tester)
    assert "validation.reports" not in tested and "validation.deviations" not in tested


def test_a_returned_protocol_is_its_authors_task_with_the_reason_and_an_approved_one_waits_for_a_tester(people,
                                                                                                         make_user):
    """The reason was only in the protocol's collapsed history: the author's My tasks now says what to change; once
    QA approves, the protocol waits for whoever executes it."""
    from app.validation import services as validation
    from tests.validation.factories import approved_protocol, make_system, write_protocol

    rob = make_user("rob", Role.ENGINEER, full_name="Rob Reviewer")
    protocol = write_protocol(make_system(people["erin"]), people["erin"])
    validation.submit_protocol(protocol, people["erin"], password=PASSWORD)
    validation.return_protocol(protocol, rob, reason="Add a step for the audit trail export")
    db.session.commit()
    erin = inbox.my_tasks(people["erin"], today())
    returned = next(group for group in erin if group.key == "validation.returned")
    assert returned.count == 1 and returned.tasks[0].detail == "returned: Add a step for the audit trail export"
    assert groups_of(rob).get("validation.returned", []) == []
    validation.submit_protocol(protocol, people["erin"], password=PASSWORD)
    db.session.commit()
    assert groups_of(people["erin"]).get("validation.returned", []) == []  # sent again: not the author's to do
    approved = approved_protocol(make_system(people["erin"], product="Other tool"), people["erin"], rob, people["quinn"])
    db.session.commit()
    assert groups_of(rob)["validation.execute"] == [f"Other tool · protocol {approved.number}"]
