"""Evaluation pages through HTTP: start from the supplier page, send, revoke, evaluator answers, score,
override, the signed decision, evidence downloads and the supplier page's evaluations section."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.access import Role
from app.audit.models import AuditEvent
from app.auth.models import User
from app.db import today
from app.extensions import db
from app.questionnaires import evaluations, services
from app.questionnaires.evaluations import LinkState
from app.questionnaires.models import Evaluation, EvaluationStatus
from app.suppliers.models import SupplierStatus
from tests.helpers import PASSWORD, signing
from tests.questionnaires.factories import (
    GOOD_EVALUATOR_ANSWERS,
    make_supplier,
    pdf_upload,
    scored,
    sent,
    started,
    submitted,
)


def _user(username: str) -> User:
    return db.session.scalars(select(User).where(User.username == username)).one()


def test_start_and_send_from_the_supplier_page_shows_the_link_once(app, login_as):
    client = login_as(Role.PURCHASING, username="pat")
    supplier = make_supplier()
    template = services.ensure_default_templates()[0]
    db.session.commit()
    page = client.get(f"/suppliers/{supplier.id}").get_data(as_text=True)
    assert "Start evaluation" in page and "Commercial software vendor v1" in page
    response = client.post(
        "/questionnaires/evaluations",
        data={"supplier_id": supplier.id, "template_id": template.id, "evaluation_type": "initial", "due_date": "2030-01-31"},
    )
    evaluation = db.session.scalars(select(Evaluation)).one()
    assert response.headers["Location"].endswith(f"/questionnaires/evaluations/{evaluation.id}")
    assert evaluation.supplier.status == SupplierStatus.UNDER_EVALUATION

    client.post(f"/questionnaires/evaluations/{evaluation.id}/send", data={"contact_name": "Sam", "contact_email": "sam@acme.example"})
    first = client.get(f"/questionnaires/evaluations/{evaluation.id}").get_data(as_text=True)
    link = re.search(r'data-copy="([^"]+/portal/[^"]+)"', first).group(1)
    assert evaluations.resolve_token(link.rsplit("/", 1)[1]).state is LinkState.OPEN
    second = client.get(f"/questionnaires/evaluations/{evaluation.id}").get_data(as_text=True)
    assert link not in second  # only a hash is stored: the link is shown once

    client.post(f"/questionnaires/evaluations/{evaluation.id}/revoke")
    assert evaluations.resolve_token(link.rsplit("/", 1)[1]).state is LinkState.REVOKED


def test_answers_due_in_the_past_are_refused_and_nothing_is_started(app, login_as):
    client = login_as(Role.PURCHASING, username="pat")
    supplier = make_supplier()
    template = services.ensure_default_templates()[0]
    db.session.commit()
    response = client.post("/questionnaires/evaluations", follow_redirects=True, data={
        "supplier_id": supplier.id, "template_id": template.id, "evaluation_type": "initial", "due_date": "2020-01-01"})
    page = response.get_data(as_text=True)
    assert "The answers cannot be due in the past (2020-01-01): choose today or a later date" in page
    assert f'min="{today().isoformat()}"' in page  # the start form's date picker offers no past day
    assert db.session.scalars(select(Evaluation)).first() is None


def test_an_engineer_can_read_an_evaluation_but_not_act_on_it(app, login_as, make_user):
    pat = make_user("pat", Role.PURCHASING)
    evaluation, _token = sent(pat)
    db.session.commit()
    engineer = login_as(Role.ENGINEER)
    page = engineer.get(f"/questionnaires/evaluations/{evaluation.id}").get_data(as_text=True)
    assert evaluation.reference in page and "Send a new link" not in page and "Cancel this evaluation" not in page
    assert engineer.post(f"/questionnaires/evaluations/{evaluation.id}/revoke").status_code == 403


def test_a_step_on_an_evaluation_that_moved_on_is_a_message_not_a_403(app, login_as, make_user):
    pat = make_user("pat", Role.PURCHASING)
    evaluation, _token = sent(pat)
    db.session.commit()
    client = login_as(Role.PURCHASING, username="buyer")
    url = f"/questionnaires/evaluations/{evaluation.id}/cancel"
    assert client.post(url, data={"reason": "Supplier withdrew"}).status_code == 302
    again = client.post(url, data={"reason": "Clicked twice"}, follow_redirects=True)  # e.g. from a page loaded before
    assert again.status_code == 200 and "You may not cancel this evaluation." in again.get_data(as_text=True)
    db.session.refresh(evaluation)
    assert evaluation.status == EvaluationStatus.CANCELLED


def test_scoring_is_offered_only_once_the_supplier_has_submitted(app, login_as, make_user):
    pat = make_user("pat", Role.PURCHASING)
    draft = started(pat)
    link_sent, _token = sent(pat, make_supplier(code="SENT", name="Sent Software"))
    done, _token = submitted(pat, make_supplier(code="DONE", name="Done Software"))
    db.session.commit()
    client = login_as(Role.PURCHASING, username="buyer")
    for waiting in (draft, link_sent):
        page = client.get(f"/questionnaires/evaluations/{waiting.id}").get_data(as_text=True)
        assert "Score the answers" not in page
        assert "scoring opens when the supplier has submitted the questionnaire" in page
        refused = client.post(f"/questionnaires/evaluations/{waiting.id}/score", follow_redirects=True)
        assert "The supplier has not submitted the questionnaire yet." in refused.get_data(as_text=True)
        db.session.refresh(waiting)
        assert waiting.score is None
    assert "Score the answers" in client.get(f"/questionnaires/evaluations/{done.id}").get_data(as_text=True)


def _scored(login_as, make_user):
    """A submitted evaluation of a minor supplier, answered by the evaluator and scored through the pages; the
    purchasing client that did it."""
    pat = make_user("pat", Role.PURCHASING)
    evaluation, _token = submitted(pat, make_supplier(criticality="minor"))
    db.session.commit()
    purchasing = login_as(Role.PURCHASING, username="buyer")
    data = {f"answer-{code}": value for code, value in GOOD_EVALUATOR_ANSWERS.items()}
    purchasing.post(f"/questionnaires/evaluations/{evaluation.id}/evaluator-answers", data=data)
    purchasing.post(f"/questionnaires/evaluations/{evaluation.id}/score")
    return evaluation, purchasing


def test_review_score_override_and_signed_decision(app, login_as, make_user):
    evaluation, purchasing = _scored(login_as, make_user)
    purchasing.post(
        f"/questionnaires/evaluations/{evaluation.id}/override",
        data={"question_code": "C10", "points": "5", "reason": "Contract says 60 days"},
    )
    db.session.refresh(evaluation)
    assert evaluation.status == EvaluationStatus.SCORED and evaluation.percentage < 100
    page = purchasing.get(f"/questionnaires/evaluations/{evaluation.id}").get_data(as_text=True)
    assert "Score breakdown" in page and "overridden (was 10)" in page and "Sign the decision" not in page
    assert purchasing.post(f"/questionnaires/evaluations/{evaluation.id}/decide").status_code == 403

    qa = login_as(Role.QA, username="quinn")
    wrong = qa.post(
        f"/questionnaires/evaluations/{evaluation.id}/decide",
        data={"decision": "approved", "approval_scope": "SDK", "rationale": "Good", **signing(qa, password="not the password")},
        follow_redirects=True,
    )
    assert "password is not correct" in wrong.get_data(as_text=True)
    assert _user("quinn").failed_logins == 1  # the failed attempt is kept although nothing was decided
    db.session.refresh(evaluation)
    assert evaluation.status == EvaluationStatus.SCORED

    missing = qa.post(
        f"/questionnaires/evaluations/{evaluation.id}/decide",
        data={"decision": "conditionally_approved", "approval_scope": "SDK", "rationale": "Ok", **signing(qa)},
        follow_redirects=True,
    )
    assert "needs its conditions" in missing.get_data(as_text=True)
    qa.post(
        f"/questionnaires/evaluations/{evaluation.id}/decide",
        data={"decision": "approved", "approval_scope": "Viewer SDK", "rationale": "Scores well", **signing(qa)},
    )
    db.session.refresh(evaluation)
    assert evaluation.status == EvaluationStatus.DECIDED and evaluation.supplier.status == SupplierStatus.APPROVED
    page = qa.get(f"/questionnaires/evaluations/{evaluation.id}").get_data(as_text=True)
    assert "Quinn" in page and "Content changed since signing" not in page
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.name == "evaluation.decided")) is not None


def test_a_refused_decision_comes_back_as_the_signer_filled_it_in_never_reset_to_the_suggestion(
        app, login_as, make_user):
    """A conditional approval without conditions is refused (422) with the form as sent: the decision stays
    "Conditionally approved" (not the suggested "Approved", which a hurried re-sign would otherwise sign) and the
    rationale and user name stay; the password is never sent back."""
    evaluation, _purchasing = _scored(login_as, make_user)
    qa = login_as(Role.QA, username="quinn")
    refused = qa.post(f"/questionnaires/evaluations/{evaluation.id}/decide", data={
        "decision": "conditionally_approved", "approval_scope": "SDK", "rationale": "Scores well but no SBOM yet",
        **signing(qa)})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "A conditional approval needs its conditions." in page
    assert re.search(r'<input[^>]*checked[^>]*value="conditionally_approved"|<input[^>]*value="conditionally_approved"'
                     r'[^>]*checked', page)
    assert not re.search(r'<input[^>]*checked[^>]*value="approved"|<input[^>]*value="approved"[^>]*checked', page)
    assert "Scores well but no SBOM yet" in page
    assert 'value="quinn"' in page and PASSWORD not in page
    db.session.refresh(evaluation)
    assert evaluation.status == EvaluationStatus.SCORED


def test_staff_evidence_download_is_checked_against_the_evaluation(app, login_as, make_user):
    pat = make_user("pat", Role.PURCHASING)
    one, _ = sent(pat, make_supplier("A", "Alpha"))
    other, _ = sent(pat, make_supplier("B", "Beta"))
    item = evaluations.add_evidence(one, "C1", pdf_upload("alpha.pdf"), uploaded_by="a")
    db.session.commit()
    auditor = login_as(Role.AUDITOR)
    download = auditor.get(f"/questionnaires/evaluations/{one.id}/evidence/{item.id}")
    assert download.status_code == 200 and 'filename=alpha.pdf' in download.headers["Content-Disposition"]
    assert auditor.get(f"/questionnaires/evaluations/{other.id}/evidence/{item.id}").status_code == 404


def test_evaluations_list_filters_by_status_and_text(app, login_as, make_user):
    pat = make_user("pat", Role.PURCHASING)
    scored(pat, make_supplier("A", "Alpha Ltd"))
    sent(pat, make_supplier("B", "Beta GmbH"))
    db.session.commit()
    client = login_as(Role.AUDITOR)
    page = client.get("/questionnaires/evaluations?status=scored").get_data(as_text=True)
    assert "Alpha Ltd" in page and "Beta GmbH" not in page
    page = client.get("/questionnaires/evaluations?q=beta").get_data(as_text=True)
    assert "Beta GmbH" in page and "Alpha Ltd" not in page


def _count_queries(client, url: str) -> int:
    from sqlalchemy import event

    count = 0

    def before(*_args: object) -> None:
        nonlocal count
        count += 1

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
    return count


def test_the_evaluations_list_needs_the_same_queries_for_3_or_12_rows(app, login_as, make_user):
    pat = make_user("pat", Role.PURCHASING)
    client = login_as(Role.AUDITOR)
    for n in range(3):
        sent(pat, make_supplier(f"S{n}", f"Supplier {n}"))
    db.session.commit()
    few = _count_queries(client, "/questionnaires/evaluations")
    for n in range(3, 12):
        sent(pat, make_supplier(f"S{n}", f"Supplier {n}"))
    db.session.commit()
    assert _count_queries(client, "/questionnaires/evaluations") == few


def test_the_evaluations_breadcrumb_links_to_the_templates_only_for_those_who_may_open_them(app, login_as):
    auditor = login_as(Role.AUDITOR, username="audrey")
    page = auditor.get("/questionnaires/evaluations").get_data(as_text=True)
    assert 'href="/questionnaires/"' not in page and "Questionnaires" in page
    assert auditor.get("/questionnaires/").status_code == 403
    qa = login_as(Role.QA, username="quinn")
    assert 'href="/questionnaires/"' in qa.get("/questionnaires/evaluations").get_data(as_text=True)


def test_the_evaluator_questions_counted_are_those_shown(app, login_as, make_user):
    """C13b is shown only once C13a is "yes": before that the page counts the three questions it shows."""
    pat = make_user("pat", Role.PURCHASING)
    evaluation, _token = submitted(pat, make_supplier(criticality="minor"))
    db.session.commit()
    purchasing = login_as(Role.PURCHASING, username="buyer")
    page = purchasing.get(f"/questionnaires/evaluations/{evaluation.id}").get_data(as_text=True)
    assert "0 of 3 evaluator questions answered" in page
    purchasing.post(f"/questionnaires/evaluations/{evaluation.id}/evaluator-answers",
                    data={"answer-C13a": "yes", "answer-C6": "full"})
    page = purchasing.get(f"/questionnaires/evaluations/{evaluation.id}").get_data(as_text=True)
    assert "2 of 4 evaluator questions answered" in page
