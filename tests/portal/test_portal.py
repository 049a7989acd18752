"""The supplier portal through HTTP: a token opens one evaluation and nothing else."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app import create_app
from app.access import Role
from app.audit import services as audit_services
from app.audit.models import AuditAction, AuditEvent
from app.db import utcnow
from app.extensions import db
from app.portal import ratelimit
from app.portal.models import PortalRateCount
from app.portal.ratelimit import RateLimiter, limiter
from app.questionnaires import evaluations
from app.questionnaires.models import EvaluationStatus
from tests.conftest import test_config as base_config
from tests.questionnaires.factories import GOOD_SUPPLIER_ANSWERS, PDF, make_supplier, pdf_upload, sent


@pytest.fixture
def pat(make_user):
    return make_user("pat", Role.PURCHASING)


def test_the_link_shows_who_asks_the_supplier_and_only_supplier_questions(app, client, pat):
    evaluation, token = sent(pat)
    evaluation.due_date = utcnow().date() + timedelta(days=14)
    db.session.commit()
    page = client.get(f"/portal/{token}").get_data(as_text=True)
    assert app.config["COMPANY_NAME"] in page and "Acme Software" in page
    assert evaluation.due_date.isoformat() in page
    assert 'data-question="C1"' in page and 'data-question="C1a"' in page
    assert 'data-question="C6"' not in page and "How completely did the supplier" not in page  # evaluator question
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == AuditAction.TOKEN_USED)).one()


def test_a_conditional_question_is_hidden_until_its_controller_is_answered(app, client, pat):
    _evaluation, token = sent(pat)
    assert 'id="q-C1a" data-question="C1a"' in client.get(f"/portal/{token}").get_data(as_text=True)
    page = client.get(f"/portal/{token}").get_data(as_text=True)
    block = page[page.index('id="q-C1a"'):page.index('id="q-C1a"') + 400]
    assert "hidden" in block
    client.post(f"/portal/{token}/answers/C1", data={"answer": "iso_9001"}, headers={"HX-Request": "true"})
    page = client.get(f"/portal/{token}").get_data(as_text=True)
    block = page[page.index('id="q-C1a"'):page.index('id="q-C1a"') + 400]
    assert "hidden" not in block.split(">")[0]


def test_autosave_returns_the_saved_state_or_the_message_and_survives_coming_back(app, client, pat):
    evaluation, token = sent(pat)
    saved = client.post(f"/portal/{token}/answers/C3", data={"answer": "12"}, headers={"HX-Request": "true"})
    assert saved.status_code == 200 and "Saved" in saved.get_data(as_text=True)
    bad = client.post(f"/portal/{token}/answers/C3", data={"answer": "1,5"}, headers={"HX-Request": "true"})
    assert "without commas" in bad.get_data(as_text=True)
    page = client.get(f"/portal/{token}").get_data(as_text=True)
    assert 'value="1,5"' in page and "without commas" in page  # the typed text is not lost
    db.session.refresh(evaluation)
    assert evaluation.answers["C3"] == "12" and evaluation.status == EvaluationStatus.IN_PROGRESS


def test_the_autosave_status_escapes_its_message_like_every_page(app):
    from app.portal.views import _answer_status

    with app.test_request_context():
        assert _answer_status("<script>alert(1)</script>", saved=False) == (
            '<small class="error">&lt;script&gt;alert(1)&lt;/script&gt;</small>')
        assert "Saved" in _answer_status(None, saved=True) and _answer_status(None, saved=False) == ""


def test_upload_review_submit_receipt_then_the_link_says_already_submitted(app, client, pat):
    evaluation, token = sent(pat)
    for code, raw in GOOD_SUPPLIER_ANSWERS.items():
        evaluations.save_supplier_answer(evaluation, code, raw)
    db.session.commit()
    upload = client.post(
        f"/portal/{token}/evidence/C1", data={"file": (pdf_upload().stream, "iso.pdf")}, content_type="multipart/form-data"
    )
    assert upload.status_code == 302
    review = client.get(f"/portal/{token}/review").get_data(as_text=True)
    assert "Submit answers" in review and "iso.pdf" in review
    response = client.post(f"/portal/{token}/submit")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/portal/{token}/receipt")
    receipt = client.get(f"/portal/{token}/receipt").get_data(as_text=True)
    assert evaluation.reference in receipt
    # The supplier's own copy of what it submitted: every answer, and the file it attached.
    assert "Your answers as submitted" in receipt and "Attached: iso.pdf" in receipt
    assert "C3 " in receipt and "Submit answers" not in receipt
    assert "data-print>Print or save as PDF</button>" in receipt
    again = client.get(f"/portal/{token}")
    assert again.status_code == 410 and "already submitted" in again.get_data(as_text=True)
    assert client.post(f"/portal/{token}/answers/C3", data={"answer": "1"}).status_code == 410


def test_review_lists_what_is_missing_and_submit_is_refused(app, client, pat):
    _evaluation, token = sent(pat)
    review = client.get(f"/portal/{token}/review").get_data(as_text=True)
    assert "still need" in review and "Submit answers" not in review
    response = client.post(f"/portal/{token}/submit", follow_redirects=True)
    assert "still need attention" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("change", "status", "message"),
    [
        ("expire", 410, "expired"),
        ("revoke", 410, "no longer works"),
        ("unknown", 404, "not valid"),
    ],
)
def test_closed_links_show_a_clear_page(app, client, pat, change, status, message):
    evaluation, token = sent(pat)
    if change == "expire":
        evaluation.tokens[0].expires_at = utcnow() - timedelta(minutes=1)
    elif change == "revoke":
        evaluations.revoke_links(evaluation, by=pat)
    else:
        token = "x" * 43
    db.session.commit()
    response = client.get(f"/portal/{token}")
    assert response.status_code == status and message in response.get_data(as_text=True)
    assert client.post(f"/portal/{token}/answers/C3", data={"answer": "5"}).status_code == status


def test_a_token_for_supplier_a_cannot_read_write_or_upload_to_supplier_b(app, client, pat):
    evaluation_a, token_a = sent(pat, make_supplier("A", "Alpha Ltd"))
    evaluation_b, token_b = sent(pat, make_supplier("B", "Beta GmbH"))
    file_b = evaluations.add_evidence(evaluation_b, "C1", pdf_upload("beta-secret.pdf"), uploaded_by="b")
    evaluations.save_supplier_answer(evaluation_b, "C3", "40")
    db.session.commit()

    page_a = client.get(f"/portal/{token_a}").get_data(as_text=True)
    assert "Alpha Ltd" in page_a and "Beta GmbH" not in page_a and "beta-secret" not in page_a
    # Read: B's evidence id through A's token is not found.
    assert client.get(f"/portal/{token_a}/evidence/{file_b.id}").status_code == 404
    # Write: answers through A's token land in A's evaluation only.
    client.post(f"/portal/{token_a}/answers/C3", data={"answer": "3"})
    # Remove: B's file cannot be removed through A's token.
    client.post(f"/portal/{token_a}/evidence/{file_b.id}/remove")
    # Upload: a file through A's token belongs to A.
    client.post(f"/portal/{token_a}/evidence/C1", data={"file": (pdf_upload().stream, "a.pdf")}, content_type="multipart/form-data")
    db.session.expire_all()
    assert evaluation_b.answers == {"C3": "40"} and [e.id for e in evaluation_b.evidence] == [file_b.id]
    assert evaluation_a.answers == {"C3": "3"} and [e.stored_file.original_name for e in evaluation_a.evidence] == ["a.pdf"]
    # B's own token still reads its file.
    download = client.get(f"/portal/{token_b}/evidence/{file_b.id}")
    assert download.status_code == 200 and download.data == PDF


def test_evaluator_questions_cannot_be_written_through_the_portal(app, client, pat):
    evaluation, token = sent(pat)
    assert client.post(f"/portal/{token}/answers/C6", data={"answer": "full"}).status_code == 302
    db.session.refresh(evaluation)
    assert "C6" not in evaluation.answers and evaluation.evaluator_answers == {}


def test_a_wrong_file_type_gets_a_message_and_nothing_is_stored(app, client, pat):
    evaluation, token = sent(pat)
    response = client.post(
        f"/portal/{token}/evidence/C1", data={"file": (pdf_upload(data=b"MZ\x90").stream, "tool.pdf")},
        content_type="multipart/form-data", follow_redirects=True,
    )
    assert "not a valid .pdf" in response.get_data(as_text=True)
    db.session.refresh(evaluation)
    assert evaluation.evidence == []


def test_token_requests_are_rate_limited_per_ip(app, client, pat, monkeypatch):
    _evaluation, token = sent(pat)

    # The four requests fall in one minute window whatever the clock says (else they could straddle two windows).
    monkeypatch.setattr(ratelimit, "clock", lambda: 1_800_000_030.0)
    app.config["PORTAL_RATE_LIMIT_PER_MINUTE"] = 3
    try:
        codes = [client.get(f"/portal/{token}").status_code for _ in range(4)]
    finally:
        app.config["PORTAL_RATE_LIMIT_PER_MINUTE"] = 60
    assert codes == [200, 200, 200, 429]


def test_the_limiter_counts_per_minute_window_and_address(app):
    limiter = RateLimiter()
    assert [limiter.allow("ip", 2, now=t) for t in (0, 1, 2)] == [True, True, False]
    assert limiter.count("ip", now=2) == 3  # the refused hit counts too
    assert limiter.allow("ip", 2, now=60.5) is True
    assert limiter.allow("other", 2, now=2) is True


def test_finished_windows_are_pruned(app):
    limiter = RateLimiter()
    limiter.allow("old", 5, now=0)
    limiter.allow("new", 5, now=180)
    assert db.session.scalars(select(PortalRateCount.bucket)).all() == ["new"]


@contextmanager
def _second_worker_limited_to_three(app, client) -> Iterator[Any]:
    """A client of a second app instance (another worker) on the same database; both allow 3 requests a minute."""
    other_app = create_app({**base_config(Path(app.instance_path)), "SQLALCHEMY_DATABASE_URI":
                            app.config["SQLALCHEMY_DATABASE_URI"], "PORTAL_RATE_LIMIT_PER_MINUTE": 3})
    other_app.test_client_class = type(client)
    app.config["PORTAL_RATE_LIMIT_PER_MINUTE"] = 3
    try:
        yield other_app.test_client()
    finally:
        app.config["PORTAL_RATE_LIMIT_PER_MINUTE"] = 60
        with other_app.app_context():
            db.engine.dispose()


def test_two_app_instances_share_one_count(app, client, pat):
    """Two workers (two apps, two engines, two sessions) on one database: the limit holds across both."""
    _evaluation, token = sent(pat)
    with _second_worker_limited_to_three(app, client) as other:
        codes = [(client if i % 2 else other).get(f"/portal/{token}").status_code for i in range(4)]
    assert codes == [200, 200, 200, 429]
    assert limiter.count("127.0.0.1") == 4


def test_portal_posts_need_the_csrf_token(app, pat):
    _evaluation, token = sent(pat)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        client = app.test_client()
        assert client.post(f"/portal/{token}/answers/C3", data={"answer": "5"}).status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_over_https_a_browser_s_autosave_passes_the_csrf_referrer_check(app, client, pat):
    """Over HTTPS Flask-WTF refuses a POST whose Referer is missing or from another host. The portal page once
    said `<meta name="referrer" content="no-referrer">`, so a browser sent no Referer and every autosave and
    submit in production was a 400 (found by tests/load). The browser here sends what the page's policy allows."""
    evaluation, token = sent(pat)
    secure = create_app({**base_config(Path(app.instance_path)), "SQLALCHEMY_DATABASE_URI":
                         app.config["SQLALCHEMY_DATABASE_URI"], "WTF_CSRF_ENABLED": True})
    secure.test_client_class = type(client)
    browser = secure.test_client()
    base = "https://provenance.example"
    try:
        page = browser.get(f"/portal/{token}", base_url=base).get_data(as_text=True)
        csrf = re.search(r'<meta name="csrf-token" content="([^"]+)">', page).group(1)
        policy = re.search(r'<meta name="referrer" content="([^"]+)">', page)
        headers = {"HX-Request": "true", "X-CSRFToken": csrf}
        if not (policy and policy.group(1) == "no-referrer"):
            headers["Referer"] = f"{base}/portal/{token}"
        saved = browser.post(f"/portal/{token}/answers/C3", data={"answer": "12", "csrf_token": csrf},
                             headers=headers, base_url=base)
        assert saved.status_code == 200 and "Saved" in saved.get_data(as_text=True)
        foreign = browser.post(f"/portal/{token}/answers/C3", data={"answer": "13", "csrf_token": csrf},
                               headers={**headers, "Referer": "https://evil.example/"}, base_url=base)
        assert foreign.status_code == 400  # the check itself stays on
    finally:
        with secure.app_context():
            db.engine.dispose()
    db.session.refresh(evaluation)
    assert evaluation.answers["C3"] == "12"


def test_the_audit_event_of_a_save_names_the_answer_its_old_and_new_value_and_who(app, client, pat):
    evaluation, token = sent(pat)
    for code, raw in GOOD_SUPPLIER_ANSWERS.items():
        evaluations.save_supplier_answer(evaluation, code, raw)
    db.session.commit()
    before = dict(evaluation.answers)
    assert before["C3"] != "4"
    last_id = db.session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))
    response = client.post(f"/portal/{token}/answers/C3", data={"answer": "4"}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and "Saved" in response.get_data(as_text=True)
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.id > last_id,
                                                        AuditEvent.action == AuditAction.UPDATE)).one()
    assert event.entity_type == "evaluation" and event.entity_id == str(evaluation.id)
    assert event.changes == {"answers.C3": {"old": before["C3"], "new": "4"}}  # only the answer that changed
    assert event.actor_name.startswith(f"supplier contact {evaluation.contact_email} (link #")
    assert event.occurred_at is not None and event.prev_hash
    assert audit_services.verify().ok


def test_saves_counted_in_the_request_transaction_share_the_limit_across_two_app_instances(app, client, pat):
    """Writes count their hit inside the request's transaction: two workers still share one count, and the
    refused save's hit is committed."""
    _evaluation, token = sent(pat)
    with _second_worker_limited_to_three(app, client) as other:
        codes = [(client if i % 2 else other).post(f"/portal/{token}/answers/C3", data={"answer": str(i + 1)},
                                                   headers={"HX-Request": "true"}).status_code for i in range(4)]
    assert codes == [200, 200, 200, 429]
    assert limiter.count("127.0.0.1") == 4


def test_a_save_that_is_rolled_back_still_counts_against_the_limit(app, client, pat):
    evaluation, token = sent(pat)
    db.session.commit()
    before = limiter.count("127.0.0.1")
    refused = client.post(f"/portal/{token}/answers/NOPE", data={"answer": "1"}, headers={"HX-Request": "true"})
    assert "no such question" in refused.get_data(as_text=True)  # a broken rule: the unit of work rolled back
    evaluation.status = EvaluationStatus.CANCELLED
    db.session.commit()
    closed = client.post(f"/portal/{token}/answers/C3", data={"answer": "2"}, headers={"HX-Request": "true"})
    assert closed.status_code == 410  # a closed link: nothing committed
    assert limiter.count("127.0.0.1") == before + 2


def test_a_save_that_changes_nothing_still_counts_against_the_limit(app, client, pat):
    """The same answer again writes no row and no audit event: the hit is still committed (on PostgreSQL it then
    goes just before COMMIT instead of with the event)."""
    _evaluation, token = sent(pat)
    client.post(f"/portal/{token}/answers/C3", data={"answer": "7"}, headers={"HX-Request": "true"})
    before = limiter.count("127.0.0.1")
    again = client.post(f"/portal/{token}/answers/C3", data={"answer": "7"}, headers={"HX-Request": "true"})
    assert again.status_code == 200
    assert limiter.count("127.0.0.1") == before + 1


def test_a_save_over_the_limit_is_refused_before_it_writes_anything(app, client, pat, monkeypatch):
    evaluation, token = sent(pat)
    monkeypatch.setattr(ratelimit, "clock", lambda: 1_800_000_030.0)  # one minute window for every request
    app.config["PORTAL_RATE_LIMIT_PER_MINUTE"] = 2
    try:
        codes = [client.post(f"/portal/{token}/answers/C3", data={"answer": str(n)},
                             headers={"HX-Request": "true"}).status_code for n in (5, 6, 9)]
    finally:
        app.config["PORTAL_RATE_LIMIT_PER_MINUTE"] = 60
    assert codes == [200, 200, 429]
    assert limiter.count("127.0.0.1", now=1_800_000_030.0) == 3  # the refused hit counts too
    db.session.expire_all()
    assert evaluation.answers["C3"] == "6"
    last = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).one()
    assert last.changes == {"answers.C3": {"old": "5", "new": "6"}}
    assert audit_services.verify().ok
