"""Questionnaire templates (draft, publish, new version, retire, import/export, defaults).

Evaluations live in evaluations.py; this module re-exports the two queries the supplier register
and the dashboard use, so they have one stable import.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Literal

from sqlalchemy import func, select

from app.access import Permission
from app.audit import services as audit
from app.audit.chain import canonical_json, sha256_hex
from app.db import utcnow
from app.errors import Conflict, PermissionDenied, StaleEdit, ValidationFailed
from app.extensions import db
from app.questionnaires import policies
from app.questionnaires.defaults import DEFAULT_TEMPLATES, load_default
from app.questionnaires.definitions import (
    Audience,
    DefinitionError,
    Problem,
    TemplateDefinition,
    dump_json,
    dump_yaml,
    load,
    to_dict,
    validate,
)
from app.questionnaires.evaluations import (
    evaluations_waiting,
    evaluations_waiting_counts,
    last_decided_evaluation_by_supplier,
)
from app.questionnaires.models import QuestionnaireTemplate, TemplateStatus

__all__ = [
    "create_template",
    "ensure_default_templates",
    "evaluations_waiting",
    "evaluations_waiting_counts",
    "export_template",
    "import_template",
    "last_decided_evaluation_by_supplier",
    "new_version",
    "publish",
    "retire",
    "save_definition",
]

MAX_IMPORT_BYTES = 1024 * 1024


def definition_hash(definition: dict[str, Any]) -> str:
    """sha256 of the canonical JSON of a template definition."""
    return sha256_hex(canonical_json(definition))


def _store(template: QuestionnaireTemplate, defn: TemplateDefinition) -> None:
    definition = to_dict(defn)
    template.definition = definition
    template.name = defn.name
    template.audience = str(defn.audience)
    template.template_version = defn.version
    template.description = defn.description
    template.content_hash = definition_hash(definition)


def _next_version(name: str) -> int:
    current = db.session.scalar(
        select(func.max(QuestionnaireTemplate.template_version)).where(QuestionnaireTemplate.name == name)
    )
    return int(current or 0) + 1


def _name_version_taken(name: str, version: int, *, except_id: int | None = None) -> bool:
    query = select(QuestionnaireTemplate.id).where(
        QuestionnaireTemplate.name == name, QuestionnaireTemplate.template_version == version
    )
    if except_id is not None:
        query = query.where(QuestionnaireTemplate.id != except_id)
    return db.session.scalar(query) is not None


def check_version(template: QuestionnaireTemplate, expected_version: int | None) -> None:
    """A form loaded from an older version of the template may not overwrite a newer one."""
    if expected_version is not None and expected_version != template.version:
        changes = [f"{e.name or e.action} by {e.actor_name}" for e in audit.history("questionnaire_template", template.id, 3)]
        raise StaleEdit(changes=changes)


def create_template(name: str, audience: str, description: str, *, by: Any) -> QuestionnaireTemplate:
    """A new, empty draft template at version 1 (or the next free version of that name)."""
    name = name.strip()
    if not name:
        raise ValidationFailed("Give the template a name.")
    defn = TemplateDefinition(
        name=name, audience=Audience(audience), version=_next_version(name), sections=(), description=description.strip()
    )
    template = QuestionnaireTemplate(status=TemplateStatus.DRAFT, definition={})
    _store(template, defn)
    db.session.add(template)
    db.session.flush()
    return template


def save_definition(
    template: QuestionnaireTemplate, defn: TemplateDefinition, *, by: Any, expected_version: int | None = None
) -> None:
    """Replace a draft's definition (the builder's every edit); a published or retired template never changes."""
    if not policies.can_edit_template(by, template):
        raise Conflict("Only a draft template can be changed. Make a new version to change a published one.")
    check_version(template, expected_version)
    defn = replace(defn, name=defn.name.strip(), version=template.template_version)
    if not defn.name:
        raise ValidationFailed("Give the template a name.")
    if defn.name != template.name and _name_version_taken(defn.name, defn.version, except_id=template.id):
        raise Conflict(f"A template {defn.name!r} version {defn.version} already exists. Choose another name.")
    _store(template, defn)
    db.session.flush()


def problems_of(template: QuestionnaireTemplate) -> list[Problem]:
    """What keeps the template from being published (the pure core's validation)."""
    return validate(template.parsed())


def publish(template: QuestionnaireTemplate, *, by: Any) -> None:
    """Publish a valid draft; from now on it is immutable and can be sent to suppliers."""
    if not policies.can_edit_template(by, template):
        raise Conflict("Only a draft template can be published.")
    problems = problems_of(template)
    if problems:
        raise ValidationFailed(
            "The template cannot be published yet: " + "; ".join(f"{p.path}: {p.message}" for p in problems[:5])
        )
    template.status = TemplateStatus.PUBLISHED
    template.published_at = utcnow()
    template.published_by_id = getattr(by, "id", None)
    db.session.flush()
    audit.record("questionnaire_template.published", template, content_hash=template.content_hash)


def new_version(template: QuestionnaireTemplate, *, by: Any) -> QuestionnaireTemplate:
    """Copy a template into a new draft with the next version number of its name."""
    if not by.has(Permission.QUESTIONNAIRES_EDIT):
        raise PermissionDenied("You may not edit questionnaires.")
    defn = replace(template.parsed(), version=_next_version(template.name))
    copy = QuestionnaireTemplate(status=TemplateStatus.DRAFT, definition={}, copied_from_id=template.id)
    _store(copy, defn)
    db.session.add(copy)
    db.session.flush()
    audit.record("questionnaire_template.copied", copy, source=template.label)
    return copy


def retire(template: QuestionnaireTemplate, *, by: Any) -> None:
    """A retired template is no longer offered for new evaluations (running ones keep it)."""
    if not by.has(Permission.QUESTIONNAIRES_EDIT):
        raise PermissionDenied("You may not edit questionnaires.")
    if template.status == TemplateStatus.RETIRED:
        raise Conflict("This template is already retired.")
    template.status = TemplateStatus.RETIRED
    template.retired_at = utcnow()
    db.session.flush()
    audit.record("questionnaire_template.retired", template)


def export_template(template: QuestionnaireTemplate, fmt: Literal["json", "yaml"]) -> tuple[str, str, str]:
    """The template as JSON or YAML text, with a download name and a content type."""
    defn = template.parsed()
    slug = "".join(ch if ch.isalnum() else "-" for ch in template.name.lower()).strip("-") or "template"
    if fmt == "json":
        return dump_json(defn), f"{slug}-v{template.template_version}.json", "application/json"
    return dump_yaml(defn), f"{slug}-v{template.template_version}.yaml", "application/yaml"


def import_template(data: bytes, filename: str, *, by: Any) -> QuestionnaireTemplate:
    """A JSON or YAML file becomes a new draft; if its name and version exist, it takes the next free version."""
    if not by.has(Permission.QUESTIONNAIRES_EDIT):
        raise PermissionDenied("You may not edit questionnaires.")
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension not in ("json", "yaml", "yml"):
        raise ValidationFailed("Import a .json, .yaml or .yml file exported from a questionnaire template.")
    if not data:
        raise ValidationFailed("The file is empty.")
    if len(data) > MAX_IMPORT_BYTES:
        raise ValidationFailed(f"The file is larger than {MAX_IMPORT_BYTES // 1024} KB.")
    try:
        defn = load(data, "json" if extension == "json" else "yaml")
    except DefinitionError as error:
        raise ValidationFailed(f"The file is not a valid template: {error}") from None
    if not defn.name.strip():
        raise ValidationFailed("The template in the file has no name.")
    if defn.version < 1 or _name_version_taken(defn.name, defn.version):
        defn = replace(defn, version=_next_version(defn.name))
    template = QuestionnaireTemplate(status=TemplateStatus.DRAFT, definition={})
    _store(template, defn)
    db.session.add(template)
    db.session.flush()
    audit.record("questionnaire_template.imported", template, filename=filename[:200], content_hash=template.content_hash)
    return template


def ensure_default_templates() -> list[QuestionnaireTemplate]:
    """The two shipped templates, published, created once (a name that exists in any version is left alone)."""
    templates = []
    for key in DEFAULT_TEMPLATES:
        defn = load_default(key)
        existing = db.session.scalar(
            select(QuestionnaireTemplate)
            .where(QuestionnaireTemplate.name == defn.name)
            .order_by(QuestionnaireTemplate.template_version.desc())
            .limit(1)
        )
        if existing is None:
            existing = QuestionnaireTemplate(status=TemplateStatus.PUBLISHED, definition={}, published_at=utcnow())
            _store(existing, defn)
            db.session.add(existing)
            db.session.flush()
        templates.append(existing)
    return templates


def published_templates() -> list[QuestionnaireTemplate]:
    """Templates that can be sent, by name then version."""
    query = (
        select(QuestionnaireTemplate)
        .where(QuestionnaireTemplate.status == TemplateStatus.PUBLISHED)
        .order_by(QuestionnaireTemplate.name, QuestionnaireTemplate.template_version.desc())
    )
    return list(db.session.scalars(query))
