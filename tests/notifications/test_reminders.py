"""Reminders: what is due goes to the people who act on it, at most once per item per day."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from app.access import Role
from app.extensions import db
from app.notifications.models import OutboxMessage
from app.notifications.reminders import queue_reminders
from tests.suppliers.factories import make_certificate, make_supplier

DAY = date(2026, 6, 1)


def outbox() -> list[tuple[str, str]]:
    return [(m.to, m.subject) for m in db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]


def test_due_reevaluations_and_expiring_certificates_are_reminded_once_a_day(app, make_user):
    make_user("buyer", Role.PURCHASING)
    make_user("quinn", Role.QA)
    make_user("erin", Role.ENGINEER)
    overdue = make_supplier("A", "Overdue Ltd", status="approved", next_reevaluation_due=DAY - timedelta(days=1))
    make_supplier("B", "Soon Ltd", status="conditionally_approved", next_reevaluation_due=DAY + timedelta(days=30))
    make_supplier("C", "Later Ltd", status="approved", next_reevaluation_due=DAY + timedelta(days=31))
    make_supplier("D", "Candidate Ltd", status="candidate", next_reevaluation_due=DAY - timedelta(days=5))
    make_certificate(overdue, DAY + timedelta(days=60), number="EXP-60")
    make_certificate(overdue, DAY + timedelta(days=61), standard="ISO 9001", number="OK-61")  # another standard: no renewal
    db.session.commit()

    first = queue_reminders(DAY)
    db.session.commit()
    subjects = outbox()
    assert first.reminders == 3
    assert ("buyer@example.com", "Re-evaluation overdue: Overdue Ltd") in subjects
    assert ("quinn@example.com", "Re-evaluation due: Soon Ltd") in subjects
    assert ("buyer@example.com", "Certificate expiring: Overdue Ltd ISO 13485") in subjects
    assert not any("Later Ltd" in s or "Candidate Ltd" in s for _to, s in subjects)
    assert not any(to == "erin@example.com" for to, _s in subjects)  # engineers do not keep suppliers

    again = queue_reminders(DAY)
    db.session.commit()
    assert (again.reminders, again.skipped, len(outbox())) == (0, 3, len(subjects))

    next_day = queue_reminders(DAY + timedelta(days=1))
    db.session.commit()
    assert next_day.reminders == 5  # the same three again, plus Later Ltd and OK-61 entering their windows


def test_inactive_users_get_no_reminders(app, make_user):
    user = make_user("gone", Role.PURCHASING)
    user.active = False
    make_supplier("A", status="approved", next_reevaluation_due=DAY)
    db.session.commit()
    assert queue_reminders(DAY).queued_emails == 0


def test_the_cli_queues_reminders_for_a_given_day(app, make_user):
    make_user("buyer", Role.PURCHASING)
    make_supplier("A", "Overdue Ltd", status="approved", next_reevaluation_due=DAY)
    db.session.commit()
    runner = app.test_cli_runner()
    output = runner.invoke(args=["reminders", "queue", "--day", DAY.isoformat()]).output
    assert "1 reminders, 1 e-mails queued" in output
    output = runner.invoke(args=["reminders", "queue", "--day", DAY.isoformat()]).output
    assert "0 reminders, 0 e-mails queued, 1 already sent today" in output


def test_waiting_evaluations_are_reminded_to_whoever_acts_next(app, make_user):
    from app.questionnaires.models import Evaluation
    from app.questionnaires.services import ensure_default_templates

    make_user("buyer", Role.PURCHASING)
    make_user("quinn", Role.QA)
    make_user("alex", Role.AUDITOR)
    template = ensure_default_templates()[0]
    supplier = make_supplier("E", "Evaluated Ltd", status="under_evaluation")
    for reference, status in (("EV-S", "sent"), ("EV-R", "submitted"), ("EV-D", "scored"), ("EV-X", "decided")):
        db.session.add(Evaluation(supplier_id=supplier.id, template_id=template.id, status=status, reference=reference))
    db.session.commit()
    result = queue_reminders(DAY)
    db.session.commit()
    assert result.reminders == 3
    subjects = outbox()
    assert ("buyer@example.com", "Evaluation waiting for the supplier's answers: Evaluated Ltd") in subjects
    assert ("buyer@example.com", "Evaluation submitted and waiting for review: Evaluated Ltd") in subjects
    assert ("quinn@example.com", "Evaluation scored and waiting for QA's decision: Evaluated Ltd") in subjects
    assert ("buyer@example.com", "Evaluation scored and waiting for QA's decision: Evaluated Ltd") not in subjects
    assert not any(to == "alex@example.com" for to, _s in subjects)


def test_many_reminders_of_one_rule_reach_a_person_as_one_digest_a_day(app, make_user):
    """A thousand class B packages imported at once were a thousand e-mails per engineer: over five of one rule, one
    e-mail lists them; each reminder is still claimed once, so the next run that day sends nothing."""
    make_user("buyer", Role.PURCHASING)
    for index in range(7):
        make_supplier(f"S{index}", f"Due {index} Ltd", status="approved", next_reevaluation_due=DAY)
    db.session.commit()
    run = queue_reminders(DAY)
    db.session.commit()
    messages = db.session.scalars(select(OutboxMessage).where(OutboxMessage.to == "buyer@example.com")).all()
    assert (run.reminders, run.queued_emails, len(messages)) == (7, 1, 1)
    assert messages[0].subject == "Re-evaluation due: 7 items"
    assert all(f"- Re-evaluation due: Due {index} Ltd" in messages[0].body for index in range(7))
    assert queue_reminders(DAY).queued_emails == 0
