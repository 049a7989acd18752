"""A supplier link cannot grow storage without bound, and refused uploads answer 4xx with their message."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import func, select

from app.access import Role
from app.audit.models import AuditEvent
from app.extensions import db
from app.questionnaires import evaluations
from app.storage import StoredFile
from tests.questionnaires.factories import PDF, pdf_upload, sent


@pytest.fixture
def pat(make_user):
    return make_user("pat", Role.PURCHASING)


@contextmanager
def configured(app, **settings):
    old = {key: app.config[key] for key in settings}
    app.config.update(settings)
    try:
        yield
    finally:
        app.config.update(old)


def upload(client, token, name="iso.pdf", data=PDF, code="C1", **headers):
    return client.post(f"/portal/{token}/evidence/{code}", data={"file": (pdf_upload(name, data).stream, name)},
                       content_type="multipart/form-data", headers=headers)


def test_a_refused_million_character_answer_is_kept_cut_with_a_marker(app, client, pat):
    evaluation, token = sent(pat)
    response = client.post(f"/portal/{token}/answers/C3", data={"answer": "7" * 1_000_000}, headers={"HX-Request": "true"})
    assert "Enter a number" in response.get_data(as_text=True)
    db.session.refresh(evaluation)
    kept = evaluation.invalid_answers["C3"]["raw"]
    limit = app.config["REFUSED_ANSWER_MAX_CHARS"]
    assert len(kept) < limit + 100 and kept.startswith("7" * limit) and "1,000,000 characters" in kept


def test_a_refused_many_valued_answer_is_cut_too(app, pat):
    assert evaluations.kept_raw(["a" * 3000, "b" * 3000], 2000) == ["a" * 2000 + " […cut: 3,000 characters in all]"]
    assert evaluations.kept_raw(["a", "b"], 2000) == ["a", "b"]


def test_the_number_of_evidence_files_per_evaluation_is_capped(app, client, pat):
    evaluation, token = sent(pat)
    with configured(app, EVIDENCE_MAX_FILES_PER_EVALUATION=2):
        assert upload(client, token, "a.pdf").status_code == 302
        assert upload(client, token, "b.pdf").status_code == 302
        refused = upload(client, token, "c.pdf")
    assert refused.status_code == 422 and "already holds 2 files" in refused.get_data(as_text=True)
    db.session.refresh(evaluation)
    assert [e.stored_file.original_name for e in evaluation.evidence] == ["a.pdf", "b.pdf"]
    assert db.session.scalar(select(func.count(StoredFile.id))) == 2


def test_the_total_evidence_bytes_per_evaluation_are_capped(app, client, pat):
    _evaluation, token = sent(pat)
    with configured(app, EVIDENCE_MAX_BYTES_PER_EVALUATION=len(PDF) * 2 + 10):
        assert upload(client, token, "a.pdf").status_code == 302
        assert upload(client, token, "b.pdf").status_code == 302
        refused = upload(client, token, "c.pdf")
    assert refused.status_code == 422 and "may total at most" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count(StoredFile.id))) == 2


def test_a_removed_evidence_file_releases_its_bytes_and_the_audit_keeps_name_sha256_size(app, client, pat):
    evaluation, token = sent(pat)
    upload(client, token, "gone.pdf")
    db.session.refresh(evaluation)
    item = evaluation.evidence[0]
    stored_id, sha = item.stored_file.id, item.stored_file.sha256
    assert client.post(f"/portal/{token}/evidence/{item.id}/remove").status_code == 302
    assert db.session.get(StoredFile, stored_id) is None
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.name == "evaluation.evidence_removed")).one()
    assert event.details == {"question": "C1", "file": "gone.pdf", "sha256": sha, "size": len(PDF)}
    deleted = db.session.scalars(select(AuditEvent).where(
        AuditEvent.entity_type == "stored_file", AuditEvent.action == "delete")).one()
    assert deleted.changes["sha256"]["old"] == sha and "data" not in deleted.changes
    # Removing frees room under the per-evaluation limit.
    with configured(app, EVIDENCE_MAX_FILES_PER_EVALUATION=1):
        assert upload(client, token, "again.pdf").status_code == 302


def test_a_wrong_type_answers_422_with_the_message_and_keeps_the_other_answers(app, client, pat):
    evaluation, token = sent(pat)
    client.post(f"/portal/{token}/answers/C3", data={"answer": "12"})
    response = upload(client, token, "tool.pdf", b"MZ\x90")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "not a valid .pdf" in page and 'value="12"' in page
    fragment = upload(client, token, "tool.pdf", b"MZ\x90", **{"HX-Request": "true"})
    assert fragment.status_code == 422 and "not a valid .pdf" in fragment.get_data(as_text=True)
    db.session.refresh(evaluation)
    assert evaluation.evidence == [] and evaluation.answers["C3"] == "12"


def test_a_too_large_file_answers_413_with_the_message(app, client, pat):
    _evaluation, token = sent(pat)
    with configured(app, UPLOAD_MAX_BYTES=len(PDF) - 1):
        response = upload(client, token)
        fragment = upload(client, token, **{"HX-Request": "true"})
    assert response.status_code == 413 and "larger than the limit" in response.get_data(as_text=True)
    assert "Questionnaire for" in response.get_data(as_text=True)
    assert fragment.status_code == 413 and "larger than the limit" in fragment.get_data(as_text=True)


def test_a_request_over_max_content_length_answers_413_on_the_questionnaire(app, client, pat):
    _evaluation, token = sent(pat)
    with configured(app, MAX_CONTENT_LENGTH=200):
        response = upload(client, token, data=PDF + b"x" * 400)
    page = response.get_data(as_text=True)
    assert response.status_code == 413 and "larger than the allowed size" in page and "Questionnaire for" in page
