"""The allowlist of template variables, its examples and its Markdown reference."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.documents import examples
from app.documents.variables import (
    COMMON_NAMES,
    DOCUMENT_TYPES,
    UnknownDocumentTypeError,
    Variable,
    allowed_names,
    example_context,
    markdown_reference,
    variables_for,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "templates.md"
TYPES = list(DOCUMENT_TYPES)


def _paths(variable: Variable, prefix: str = "") -> list[str]:
    path = f"{prefix}{variable.name}"
    below = f"{path}[]." if variable.many else f"{path}."
    return [path, *(p for f in variable.fields for p in _paths(f, below))]


def _assert_shape(variable: Variable, value: Any, where: str) -> None:
    names = {f.name for f in variable.fields}
    if variable.many:
        assert isinstance(value, list), where
        for index, row in enumerate(value):
            assert set(row) == names, f"{where}[{index}]"
            for f in variable.fields:
                _assert_shape(f, row[f.name], f"{where}[{index}].{f.name}")
    elif variable.fields and value is not None:
        assert set(value) == names, where
        for f in variable.fields:
            _assert_shape(f, value[f.name], f"{where}.{f.name}")


def test_the_ten_document_types_have_fixed_names():
    assert TYPES == [
        "supplier_evaluation",
        "approved_supplier_list",
        "purchasing_information",
        "soup_list",
        "release_diff",
        "third_party_notices",
        "traceability_matrix",
        "validation_protocol",
        "validation_report",
        "audit_extract",
    ]


@pytest.mark.parametrize("doc_type", TYPES)
def test_every_type_offers_the_common_variables(doc_type):
    assert {"document", "draft", "signatures", "company", "procedure", "revisions", "control"} == COMMON_NAMES
    assert allowed_names(doc_type) >= COMMON_NAMES


@pytest.mark.parametrize("doc_type", TYPES)
def test_example_context_has_exactly_the_allowlisted_variables(doc_type):
    assert set(example_context(doc_type)) == allowed_names(doc_type)


@pytest.mark.parametrize("doc_type", TYPES)
def test_example_rows_and_objects_have_exactly_the_described_fields(doc_type):
    context = example_context(doc_type)
    for name, variable in variables_for(doc_type).items():
        _assert_shape(variable, context[name], name)


@pytest.mark.parametrize("doc_type", TYPES)
def test_every_variable_and_field_is_described(doc_type):
    def walk(variable: Variable) -> None:
        assert variable.description.strip(), variable.name
        for f in variable.fields:
            walk(f)

    for variable in variables_for(doc_type).values():
        walk(variable)


@pytest.mark.parametrize("doc_type", TYPES)
def test_example_context_carries_a_signature_and_a_row_with_characters_to_escape(doc_type):
    context = example_context(doc_type)
    assert context["signatures"] and context["signatures"][0]["meaning"]

    def row_values(value: Any, in_row: bool) -> list[Any]:
        if isinstance(value, list):
            return [v for row in value for v in row_values(row, True)]
        if isinstance(value, dict):
            return [v for item in value.values() for v in row_values(item, in_row)]
        return [value] if in_row else []

    assert any(examples.TRICKY_NAME in str(v) for v in row_values(context, False))


def test_example_context_titles_and_numbers_the_document():
    context = example_context("soup_list")
    assert context["document"]["title"] == "SOUP list"
    assert context["document"]["number"] == examples.DOCUMENT_NUMBERS["soup_list"]


def test_example_context_is_a_fresh_copy_each_time():
    first = example_context("soup_list")
    first["components"].clear()
    first["document"]["title"] = "changed"
    second = example_context("soup_list")
    assert second["components"] and second["document"]["title"] == "SOUP list"


def test_soup_list_rows_describe_the_iec_62304_identification_columns():
    components = variables_for("soup_list")["components"]
    assert components.many
    for field in ("name", "manufacturer", "version", "purl", "licence", "classification", "safety_class"):
        assert components.field(field) is not None, field
    assert components.field("anomaly_review_conclusion") is not None


def test_nested_rows_describe_their_own_fields():
    steps = variables_for("validation_protocol")["test_cases"].field("steps")
    assert steps is not None and steps.many
    assert {f.name for f in steps.fields} == {"number", "action", "expected_result"}


def test_a_list_field_takes_its_example_from_the_first_row():
    components = variables_for("soup_list")["components"]
    assert components.field("name").example == example_context("soup_list")["components"][0]["name"]


def test_unknown_document_type_is_refused_with_the_known_types():
    with pytest.raises(UnknownDocumentTypeError, match="soup_list"):
        variables_for("soup_lists")
    with pytest.raises(UnknownDocumentTypeError):
        example_context("")


@pytest.mark.parametrize("doc_type", TYPES)
def test_markdown_reference_lists_every_variable_path(doc_type):
    reference = markdown_reference()
    assert f"### `{doc_type}`" in reference
    for variable in variables_for(doc_type).values():
        for path in _paths(variable):
            assert f"`{path}`" in reference, path


def test_markdown_reference_escapes_angle_brackets_of_examples():
    assert "A & B &lt;Ltd>" in markdown_reference()
    assert "<Ltd>" not in markdown_reference()


def test_the_template_guide_contains_the_current_reference():
    # docs/templates.md pastes markdown_reference(); regenerate it when variables change.
    guide = DOC.read_text(encoding="utf-8")
    assert markdown_reference() in guide


@pytest.mark.parametrize("doc_type", TYPES)
def test_the_template_guide_names_every_variable(doc_type):
    guide = DOC.read_text(encoding="utf-8")
    for variable in variables_for(doc_type).values():
        for path in _paths(variable):
            assert path in guide, path
