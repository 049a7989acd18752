"""Generating records into the register, custom templates with signed activation, CLI."""

from __future__ import annotations

import io
import shutil

import pytest
from sqlalchemy import select

from app.access import Role
from app.audit import services as audit
from app.documents import services
from app.documents.models import DocumentTemplate, GeneratedDocument, TemplateStatus
from app.extensions import db
from app.signatures.models import Signature
from tests.documents.docx_helpers import docx_text, make_template
from tests.helpers import signing


@pytest.fixture
def supplier_history(make_user):
    """A user record with a few audited changes, to extract."""
    user = make_user("erin", Role.ENGINEER, full_name="A & B <Ltd>")
    user.full_name = "Erin Engineer"
    db.session.commit()
    return user


def test_generating_an_audit_extract_stores_it_in_the_register_with_its_provenance(supplier_history, make_user):
    qa = make_user("quinn", Role.QA)
    document = services.generate("audit_extract", f"user:{supplier_history.id}", by=qa)
    db.session.commit()
    text = docx_text(document.data)
    assert "A & B <Ltd>" in text and "Erin Engineer" in text
    assert "{{" not in text and "{%" not in text
    assert document.number == f"AX-{document.created_at.year}-001" and document.revision == 1
    assert document.template_name == "default" and len(document.sha256) == 64
    assert document.created_by_name == qa.full_name
    again = services.generate("audit_extract", f"user:{supplier_history.id}", by=qa)
    assert (again.id, again.revision) == (document.id, 1)  # nothing changed: the same revision and file


def test_a_date_range_extract_covers_the_days_asked_for(supplier_history):
    today = supplier_history.created_at.date().isoformat()
    document = services.generate("audit_extract", f"range:{today}:{today}", by=None)
    assert "Erin Engineer" in docx_text(document.data)
    with pytest.raises(Exception, match="range:YYYY-MM-DD:YYYY-MM-DD"):
        services.generate("audit_extract", "range:yesterday:today", by=None)


def test_the_word_button_downloads_the_file_and_the_register_lists_it(login_as, supplier_history):
    client = login_as(Role.AUDITOR)
    response = client.post("/documents/generate", data={"doc_type": "audit_extract", "source_id": f"user:{supplier_history.id}"})
    assert response.status_code == 200
    assert response.mimetype == services.DOCX_MIME
    assert "Erin Engineer" in docx_text(response.data)
    page = client.get("/documents/").get_data(as_text=True)
    document = db.session.scalar(select(GeneratedDocument))
    assert document.number in page and document.number.startswith("AX-")
    assert client.get(f"/documents/{document.id}/download").data == document.data
    detail = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert "No signatures: the record had none when the document was generated" in detail
    assert f"{document.title} <small" in detail and ">None<" not in detail


def test_unknown_types_and_records_get_a_clear_message(login_as):
    client = login_as(Role.QA)
    response = client.post("/documents/generate", data={"doc_type": "nonsense", "source_id": "1"}, follow_redirects=True)
    assert "Unknown document type" in response.get_data(as_text=True)


def upload(client, doc_type: str, data: bytes, name: str = "Letterhead"):
    return client.post(
        "/documents/templates/new",
        data={"doc_type": doc_type, "name": name, "file": (io.BytesIO(data), "letterhead.docx")},
        content_type="multipart/form-data",
    )


def test_an_admin_uploads_a_template_and_activates_it_with_a_signature(app, login_as, supplier_history):
    admin = login_as(Role.ADMIN, username="boss")
    template_bytes = make_template("ACME letterhead", "{{ document.number }} {{ scope_description }}",
                                   "{%p for e in events %}", "{{ e.actor }}", "{%p endfor %}")
    response = upload(admin, "audit_extract", template_bytes)
    assert response.status_code == 302
    template = db.session.scalar(select(DocumentTemplate))
    assert template.status == TemplateStatus.DRAFT and "events" in template.variables_used
    assert admin.get(f"/documents/templates/{template.id}/preview").status_code == 200
    assert "Sign and activate" in admin.get(f"/documents/templates/{template.id}").get_data(as_text=True)
    admin.post(f"/documents/templates/{template.id}/activate", data={"meaning": "approved", **signing(admin, password="wrong password!")})
    assert db.session.get(DocumentTemplate, template.id).status == TemplateStatus.DRAFT
    admin.post(f"/documents/templates/{template.id}/activate", data={"meaning": "approved", **signing(admin)})
    assert db.session.get(DocumentTemplate, template.id).status == TemplateStatus.ACTIVE
    assert db.session.scalar(select(Signature).where(Signature.entity_type == "document_template")) is not None
    document = services.generate("audit_extract", f"user:{supplier_history.id}", by=None)
    assert "ACME letterhead" in docx_text(document.data) and document.template_version == "1"
    admin.post(f"/documents/templates/{template.id}/retire")
    assert services.generate("audit_extract", f"user:{supplier_history.id}", by=None).template_name == "default"


def test_a_template_with_unknown_variables_is_refused_with_a_suggestion(login_as):
    admin = login_as(Role.ADMIN)
    response = upload(admin, "audit_extract", make_template("{{ scope_descripton }}"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "scope_descripton" in page and "scope_description" in page
    assert db.session.scalar(select(DocumentTemplate)) is None


def test_a_template_trying_to_run_commands_is_refused(login_as, tmp_path):
    admin = login_as(Role.ADMIN)
    marker = tmp_path / "pwned"
    evil = make_template(f'{{{{ cycler.__init__.__globals__.os.popen("touch {marker}").read() }}}}')
    assert upload(admin, "audit_extract", evil).status_code == 422
    assert not marker.exists()


def test_cli_renders_and_checks_templates(app, supplier_history, tmp_path):
    runner = app.test_cli_runner()
    out = tmp_path / "extract.docx"
    result = runner.invoke(args=["documents", "render", "audit_extract", f"user:{supplier_history.id}", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Erin Engineer" in docx_text(out.read_bytes())
    good, bad = tmp_path / "good.docx", tmp_path / "bad.docx"
    good.write_bytes(make_template("{{ scope_description }}"))
    bad.write_bytes(make_template("{{ nope }}"))
    result = runner.invoke(args=["documents", "check-template", "--type", "audit_extract", str(good)])
    assert result.exit_code == 0 and "scope_description" in result.output
    result = runner.invoke(args=["documents", "check-template", "--type", "audit_extract", str(bad)])
    assert result.exit_code == 1 and "nope" in result.output


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_pdf_download_converts_the_stored_document(login_as, supplier_history):
    client = login_as(Role.AUDITOR)
    document = services.generate("audit_extract", f"user:{supplier_history.id}", by=None)
    db.session.commit()
    response = client.get(f"/documents/{document.id}/pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")


def test_downloads_are_audited_as_exports(login_as, supplier_history):
    client = login_as(Role.AUDITOR)
    document = services.generate("audit_extract", f"user:{supplier_history.id}", by=None)
    db.session.commit()
    client.get(f"/documents/{document.id}/download")
    assert any(e.action == "export" for e in audit.history("generated_document", document.id))


def test_an_upload_whose_constants_explode_is_refused_and_the_app_keeps_answering(app, login_as, monkeypatch):
    monkeypatch.setitem(app.config, "DOCUMENT_RENDER_MEMORY_MB", 256)
    admin = login_as(Role.ADMIN)
    response = upload(admin, "soup_list", make_template("{{ '%999999999s'|format('x') }}"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The template was refused" in page and "The template check ran out of memory (more than 256 MB)" in page
    assert db.session.scalar(select(DocumentTemplate)) is None
    assert admin.get("/documents/templates").status_code == 200


def test_cli_check_template_runs_the_check_in_the_limited_child(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "DOCUMENT_RENDER_MEMORY_MB", 256)
    bomb = tmp_path / "bomb.docx"
    bomb.write_bytes(make_template("{{ 'x'|center(99999999) }}"))
    result = app.test_cli_runner().invoke(args=["documents", "check-template", "--type", "soup_list", str(bomb)])
    assert result.exit_code == 1 and "The template check ran out of memory (more than 256 MB)" in result.output
