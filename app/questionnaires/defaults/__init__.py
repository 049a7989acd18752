"""The default questionnaire templates shipped with the app (seeded once, changed as new versions)."""

from __future__ import annotations

from importlib import resources

from app.questionnaires.definitions import TemplateDefinition, load

DEFAULT_TEMPLATES: tuple[str, ...] = ("commercial_vendor", "open_source_project")


def default_source(name: str) -> str:
    """The YAML text of a default template, as shipped."""
    if name not in DEFAULT_TEMPLATES:
        raise KeyError(f"no default template {name!r}; expected one of {', '.join(DEFAULT_TEMPLATES)}")
    return resources.files(__name__).joinpath(f"{name}.yaml").read_text(encoding="utf-8")


def load_default(name: str) -> TemplateDefinition:
    """The default template with this name, parsed through the same strict loader as an import."""
    return load(default_source(name), "yaml")
