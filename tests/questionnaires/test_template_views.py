"""The template builder through HTTP: create, add, edit, reorder, validate, preview, publish, copy, export/import."""

from __future__ import annotations

import io

from sqlalchemy import select

from app.access import Role
from app.extensions import db
from app.questionnaires import services
from app.questionnaires.definitions import DecisionThreshold
from app.questionnaires.models import QuestionnaireTemplate, TemplateStatus


def _template() -> QuestionnaireTemplate:
    return db.session.scalars(select(QuestionnaireTemplate).order_by(QuestionnaireTemplate.id.desc())).first()


def test_build_a_template_from_scratch_and_publish_it(app, login_as):
    client = login_as(Role.PURCHASING)
    response = client.post("/questionnaires/templates/new", data={"name": "Cloud hosting", "audience": "commercial", "description": "IaaS"})
    template = _template()
    assert response.headers["Location"].endswith(f"/questionnaires/templates/{template.id}")
    page = client.get(f"/questionnaires/templates/{template.id}").get_data(as_text=True)
    assert "A template needs at least one section" in page

    client.post(f"/questionnaires/templates/{template.id}/sections", data={"title": "Security", "version": template.version})
    db.session.refresh(template)
    client.post(
        f"/questionnaires/templates/{template.id}/sections/0/questions/new",
        data={"code": "H1", "text": "Do you encrypt data at rest?", "answer_type": "yes_no", "answered_by": "supplier",
              "required": "y", "weight": "2", "options": "yes | Yes | 10\nno | No | 0", "knockout_values": "no",
              "knockout_scope": "all", "version": _template().version},
    )
    client.post(
        f"/questionnaires/templates/{_template().id}/sections/0/questions/new",
        data={"code": "H2", "text": "Which key management?", "answer_type": "text", "answered_by": "supplier",
              "weight": "0", "knockout_scope": "all", "shown_if_code": "H1", "shown_if_values": "yes", "version": _template().version},
    )
    template = _template()
    assert [q.code for q in template.parsed().questions()] == ["H1", "H2"]
    assert template.parsed().question("H1").knockout_values == ("no",)
    assert services.problems_of(template) == []

    preview = client.get(f"/questionnaires/templates/{template.id}/preview").get_data(as_text=True)
    assert "Do you encrypt data at rest?" in preview and 'data-shown-if="H1"' in preview

    client.post(f"/questionnaires/templates/{template.id}/publish", data={"version": template.version})
    db.session.refresh(template)
    assert template.status == TemplateStatus.PUBLISHED
    refused = client.post(
        f"/questionnaires/templates/{template.id}/questions/H2/delete", data={"version": template.version}, follow_redirects=True
    )
    assert "Only a draft template can be changed" in refused.get_data(as_text=True)
    db.session.refresh(template)
    assert len(template.parsed().questions()) == 2


def test_a_bad_question_form_keeps_the_input_and_says_why(app, login_as):
    client = login_as(Role.QA)
    client.post("/questionnaires/templates/new", data={"name": "T", "audience": "any"})
    template = _template()
    client.post(f"/questionnaires/templates/{template.id}/sections", data={"title": "S", "version": template.version})
    response = client.post(
        f"/questionnaires/templates/{template.id}/sections/0/questions/new",
        data={"code": "Q1", "text": "Years?", "answer_type": "number", "answered_by": "supplier", "weight": "1",
              "bands": "0 | 2\n2 | | 10", "knockout_scope": "all", "version": _template().version},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "min | max | points" in page and "Years?" in page


def test_reorder_and_stale_edit(app, login_as):
    client = login_as(Role.PURCHASING)
    commercial = services.ensure_default_templates()[0]
    db.session.commit()
    client.post(f"/questionnaires/templates/{commercial.id}/copy", data={"version": commercial.version})
    draft = _template()
    assert draft.status == TemplateStatus.DRAFT and draft.template_version == 2
    loaded = draft.version
    client.post(f"/questionnaires/templates/{draft.id}/questions/C12/move", data={"direction": "up", "version": loaded})
    db.session.refresh(draft)
    assert [q.code for q in draft.parsed().sections[0].questions][:4] == ["C1", "C1a", "C12", "C1b"]
    stale = client.post(f"/questionnaires/templates/{draft.id}/questions/C12/move", data={"direction": "up", "version": loaded})
    assert stale.status_code == 409


def test_publishing_from_a_stale_page_gets_409_and_changes_nothing(app, login_as):
    client = login_as(Role.QA)
    template = services.create_template("Hosting", "commercial", "", by=None)
    db.session.commit()
    loaded = template.version
    client.post(f"/questionnaires/templates/{template.id}/sections", data={"title": "Security", "version": loaded})
    stale = client.post(f"/questionnaires/templates/{template.id}/publish", data={"version": loaded})
    assert stale.status_code == 409 and "Someone else changed this record" in stale.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(QuestionnaireTemplate, template.id).status == TemplateStatus.DRAFT


def test_export_download_and_import_upload(app, login_as):
    client = login_as(Role.QA)
    commercial = services.ensure_default_templates()[0]
    db.session.commit()
    exported = client.get(f"/questionnaires/templates/{commercial.id}/export/yaml")
    assert exported.status_code == 200
    assert 'filename="commercial-software-vendor-v1.yaml"' in exported.headers["Content-Disposition"]
    response = client.post(
        "/questionnaires/templates/import", data={"file": (io.BytesIO(exported.data), "vendor.yaml")},
        content_type="multipart/form-data",
    )
    imported = _template()
    assert response.status_code == 302 and imported.id != commercial.id
    assert imported.status == TemplateStatus.DRAFT and imported.template_version == 2
    assert imported.parsed().sections == commercial.parsed().sections
    bad = client.post(
        "/questionnaires/templates/import", data={"file": (io.BytesIO(b"name: [unclosed"), "x.yaml")},
        content_type="multipart/form-data",
    )
    assert "not a valid template" in bad.get_data(as_text=True)
    assert client.get(f"/questionnaires/templates/{commercial.id}/export/exe").status_code == 404


def test_a_deeply_nested_import_is_refused_naming_the_limit(login_as):
    client = login_as(Role.QA)
    for name in ("deep.yaml", "deep.json"):
        bad = client.post("/questionnaires/templates/import", data={"file": (io.BytesIO(b"[" * 100_000), name)},
                          content_type="multipart/form-data")
        assert bad.status_code == 422, name
        assert "nested more than 100 levels deep" in bad.get_data(as_text=True)
    assert db.session.scalar(select(QuestionnaireTemplate)) is None


def test_a_refused_import_answers_422_with_the_form_and_the_message(login_as):
    client = login_as(Role.QA)
    for name, content, message in [
        ("x.yaml", b"name: [unclosed", "not a valid template"),
        ("x.txt", b"name: T", "Only .json, .yaml or .yml files."),
        ("x.json", b'{"name": ""}', "not a valid template"),
    ]:
        bad = client.post("/questionnaires/templates/import", data={"file": (io.BytesIO(content), name)},
                          content_type="multipart/form-data")
        page = bad.get_data(as_text=True)
        assert bad.status_code == 422, name
        assert message in page and 'type="file"' in page and 'name="file"' in page
    assert db.session.scalar(select(QuestionnaireTemplate)) is None


def _threshold_form(version: int, **changes: str) -> dict[str, object]:
    data: dict[str, object] = {
        "critical_approved": "80", "critical_conditional": "60", "major_approved": "75",
        "major_conditional": "50", "minor_approved": "75", "minor_conditional": "50", "version": version,
    }
    data.update(changes)
    return data


def test_a_draft_shows_its_thresholds_and_saves_new_ones(app, login_as):
    client = login_as(Role.QA)
    template = services.create_template("Hosting", "commercial", "", by=None)
    db.session.commit()
    page = client.get(f"/questionnaires/templates/{template.id}").get_data(as_text=True)
    assert "Decision thresholds" in page and "from 80 %" in page and "from 75 %" in page
    assert 'name="critical_approved"' in page and 'value="80"' in page

    response = client.post(
        f"/questionnaires/templates/{template.id}/thresholds",
        data=_threshold_form(template.version, critical_approved="90", critical_conditional="70.5", minor_approved="65"),
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("#thresholds")
    db.session.expire_all()
    thresholds = _template().parsed().thresholds
    assert thresholds.critical == DecisionThreshold(90, 70.5)
    assert thresholds.minor == DecisionThreshold(65, 50) and thresholds.major == DecisionThreshold(75, 50)
    page = client.get(f"/questionnaires/templates/{template.id}").get_data(as_text=True)
    assert "from 90 %" in page and "70.5 % to below 90 %" in page
    preview = client.get(f"/questionnaires/templates/{template.id}/preview").get_data(as_text=True)
    assert "from 90 %" in preview and "How answers are scored" in preview


def test_thresholds_out_of_order_or_range_are_refused_and_the_input_kept(app, login_as):
    client = login_as(Role.QA)
    template = services.create_template("Hosting", "commercial", "", by=None)
    db.session.commit()
    before = dict(template.definition)

    response = client.post(
        f"/questionnaires/templates/{template.id}/thresholds",
        data=_threshold_form(template.version, major_approved="55", major_conditional="65"),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Major suppliers: the thresholds need 0 &lt;= conditional &lt;= approved &lt;= 100" in page
    assert 'value="55"' in page and 'value="65"' in page

    response = client.post(
        f"/questionnaires/templates/{template.id}/thresholds",
        data=_threshold_form(template.version, minor_approved="150", critical_conditional=""),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Between 0 and 100." in page and "Give a percentage." in page
    assert 'value="150"' in page
    db.session.expire_all()
    assert _template().definition == before


def test_a_published_templates_thresholds_cannot_change(app, login_as):
    client = login_as(Role.QA)
    template = services.ensure_default_templates()[0]
    db.session.commit()
    page = client.get(f"/questionnaires/templates/{template.id}").get_data(as_text=True)
    assert "Decision thresholds" in page and 'name="critical_approved"' not in page
    before = dict(template.definition)

    response = client.post(
        f"/questionnaires/templates/{template.id}/thresholds", data=_threshold_form(template.version, minor_approved="60"),
        follow_redirects=True,
    )
    assert "Only a draft template can be changed" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(QuestionnaireTemplate, template.id).definition == before


def test_the_builder_sets_a_number_questions_range(app, login_as):
    client = login_as(Role.QA)
    client.post("/questionnaires/templates/new", data={"name": "T", "audience": "any"})
    template = _template()
    client.post(f"/questionnaires/templates/{template.id}/sections", data={"title": "S", "version": template.version})
    data = {"code": "Q1", "text": "Years?", "answer_type": "number", "answered_by": "supplier", "weight": "1",
            "bands": "0 | 2 | 0\n2 | | 10", "knockout_scope": "all", "minimum": "0", "maximum": "500"}
    refused = client.post(f"/questionnaires/templates/{template.id}/sections/0/questions/new",
                          data={**data, "minimum": "none", "version": _template().version})
    assert "The minimum must be a number" in refused.get_data(as_text=True)
    client.post(f"/questionnaires/templates/{template.id}/sections/0/questions/new",
                data={**data, "version": _template().version})
    question = _template().parsed().question("Q1")
    assert (question.minimum, question.maximum) == (0, 500)
