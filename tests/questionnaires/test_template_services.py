"""Questionnaire templates through the ORM: defaults, drafts, publish, versions, import/export round trip."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from app.access import Role
from app.errors import Conflict, StaleEdit, ValidationFailed
from app.extensions import db
from app.questionnaires import services
from app.questionnaires.defaults import load_default
from app.questionnaires.definitions import (
    DEFAULT_THRESHOLDS,
    AnswerType,
    DecisionThreshold,
    Option,
    QuestionDefinition,
    SectionDefinition,
    Thresholds,
    load,
    to_dict,
)
from app.questionnaires.models import QuestionnaireTemplate, TemplateStatus


@pytest.fixture
def editor(make_user):
    return make_user("pat", Role.PURCHASING)


def test_default_templates_are_seeded_once_published_and_equal_to_the_shipped_files(app):
    first = services.ensure_default_templates()
    second = services.ensure_default_templates()
    assert [t.id for t in first] == [t.id for t in second]
    assert db.session.scalar(select(db.func.count(QuestionnaireTemplate.id))) == 2
    commercial, open_source = first
    assert commercial.status == open_source.status == TemplateStatus.PUBLISHED
    assert commercial.parsed() == load_default("commercial_vendor")
    assert open_source.parsed() == load_default("open_source_project")
    assert len(commercial.content_hash) == 64


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_export_then_import_gives_an_equal_template(app, editor, fmt):
    original = services.ensure_default_templates()[0]
    text, filename, _mimetype = services.export_template(original, fmt)
    definition, content_hash = dict(original.definition), original.content_hash
    db.session.delete(original)
    db.session.flush()

    imported = services.import_template(text.encode(), filename, by=editor)
    db.session.commit()
    db.session.expire_all()

    again = db.session.get(QuestionnaireTemplate, imported.id)
    assert again.status == TemplateStatus.DRAFT
    assert again.definition == definition
    assert again.content_hash == content_hash
    assert again.parsed() == load(text, fmt)


def test_importing_a_name_and_version_that_exist_takes_the_next_version(app, editor):
    original = services.ensure_default_templates()[0]
    text, filename, _ = services.export_template(original, "yaml")
    imported = services.import_template(text.encode(), filename, by=editor)
    assert imported.template_version == original.template_version + 1
    assert to_dict(replace(imported.parsed(), version=1)) == original.definition


def test_import_refuses_a_broken_file_with_the_path_of_the_mistake(app, editor):
    with pytest.raises(ValidationFailed, match=r"sections\[0\].questions\[0\].answer_type"):
        services.import_template(
            b'{"name": "X", "audience": "any", "version": 1, "sections": [{"title": "S", "questions": '
            b'[{"code": "Q1", "text": "?", "answer_type": "essay"}]}]}',
            "x.json", by=editor,
        )
    with pytest.raises(ValidationFailed, match=r"\.json, \.yaml"):
        services.import_template(b"name: x", "x.exe", by=editor)


def _scored_question(code: str = "Q1") -> QuestionDefinition:
    return QuestionDefinition(
        code=code, text="Do you patch?", answer_type=AnswerType.YES_NO,
        options=(Option("yes", "Yes", 10), Option("no", "No", 0)),
    )


def test_a_draft_is_edited_validated_published_and_then_immutable(app, editor):
    template = services.create_template("Cloud hosting", "commercial", "For IaaS", by=editor)
    assert [p.path for p in services.problems_of(template)] == ["sections"]
    with pytest.raises(ValidationFailed, match="cannot be published"):
        services.publish(template, by=editor)

    defn = replace(template.parsed(), sections=(SectionDefinition("Security", (_scored_question(),)),))
    services.save_definition(template, defn, by=editor, expected_version=template.version)
    assert services.problems_of(template) == []
    services.publish(template, by=editor)
    db.session.commit()

    assert template.status == TemplateStatus.PUBLISHED and template.published_by_id == editor.id
    with pytest.raises(Conflict, match="Only a draft"):
        services.save_definition(template, defn, by=editor)


def test_a_stale_builder_form_cannot_overwrite_a_newer_draft(app, editor):
    template = services.create_template("Stale", "any", "", by=editor)
    db.session.commit()
    loaded_version = template.version
    services.save_definition(template, replace(template.parsed(), description="first"), by=editor)
    db.session.commit()
    with pytest.raises(StaleEdit):
        services.save_definition(
            template, replace(template.parsed(), description="second"), by=editor, expected_version=loaded_version
        )


def test_new_version_copies_into_a_draft_and_retire_keeps_the_record(app, editor):
    published = services.ensure_default_templates()[0]
    copy = services.new_version(published, by=editor)
    assert copy.status == TemplateStatus.DRAFT
    assert copy.template_version == published.template_version + 1
    assert copy.copied_from_id == published.id
    assert replace(copy.parsed(), version=published.template_version) == published.parsed()

    services.retire(published, by=editor)
    assert published.status == TemplateStatus.RETIRED
    assert published not in services.published_templates()
    with pytest.raises(Conflict, match="already retired"):
        services.retire(published, by=editor)


def test_thresholds_are_stored_with_the_definition_and_read_back(app, editor):
    template = services.create_template("Hosting", "commercial", "", by=editor)
    strict = Thresholds(critical=DecisionThreshold(approved=92.5, conditional=70), minor=DecisionThreshold(60, 30))
    services.save_definition(template, replace(template.parsed(), thresholds=strict), by=editor)
    db.session.commit()
    db.session.expire_all()

    again = db.session.get(QuestionnaireTemplate, template.id)
    assert again.parsed().thresholds == strict
    assert again.definition["thresholds"]["critical"] == {"approved": 92.5, "conditional": 70}


def test_a_stored_definition_without_thresholds_reads_with_the_defaults(app, editor):
    template = services.create_template("Legacy", "any", "", by=editor)
    legacy = {key: value for key, value in template.definition.items() if key != "thresholds"}
    template.definition = legacy
    db.session.commit()
    db.session.expire_all()

    again = db.session.get(QuestionnaireTemplate, template.id)
    assert "thresholds" not in again.definition
    assert again.parsed().thresholds == DEFAULT_THRESHOLDS
