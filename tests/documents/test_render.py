"""Rendering: plain-data contexts, escaping, the post-check, template analysis and uploaded templates."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from docx import Document
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from app.documents.examples import TRICKY_NAME
from app.documents.render import (
    ContextError,
    RenderFailed,
    check_context,
    check_template,
    make_environment,
    render_default,
    render_uploaded,
    template_variables,
)
from app.documents.variables import UnknownDocumentTypeError, example_context
from tests.documents.docx_helpers import docx_text, make_template


def _asl_with_supplier(name: object) -> dict:
    context = example_context("approved_supplier_list")
    context["suppliers"][0]["supplier"] = name
    return context


# ---------------------------------------------------------------- the context contract


def test_context_must_hold_exactly_the_types_variables():
    context = example_context("soup_list")
    del context["components"]
    with pytest.raises(ContextError, match="missing \\['components'\\]"):
        render_default("soup_list", context)
    context = example_context("soup_list")
    context["user"] = {"password_hash": "x"}
    with pytest.raises(ContextError, match="not allowed \\['user'\\]"):
        render_default("soup_list", context)


def test_orm_like_objects_are_refused_with_their_path():
    class Supplier:
        password_hash = "secret"

    with pytest.raises(ContextError, match=r"context\['suppliers'\]\[0\]\['supplier'\] is a Supplier"):
        render_default("approved_supplier_list", _asl_with_supplier(Supplier()))


def test_markup_values_are_refused_because_they_skip_escaping():
    with pytest.raises(ContextError, match="skip escaping"):
        render_default("approved_supplier_list", _asl_with_supplier(Markup("<w:br/>")))


def test_decimal_is_not_plain_data():
    with pytest.raises(ContextError, match="Decimal"):
        render_default("approved_supplier_list", _asl_with_supplier(Decimal("1.5")))


def test_non_string_keys_are_refused():
    context = example_context("soup_list")
    context["components"][0] = {1: "x"}
    with pytest.raises(ContextError, match="not a string"):
        check_context("soup_list", context)


def test_dates_and_datetimes_are_plain_data_and_print_in_iso_form():
    context = _asl_with_supplier(date(2026, 11, 20))
    context["suppliers"][1]["supplier"] = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    text = docx_text(render_default("approved_supplier_list", context))
    assert "2026-11-20" in text and "2026-11-20 09:30:00+00:00" in text


def test_unknown_document_type_is_refused():
    with pytest.raises(UnknownDocumentTypeError):
        render_default("purchase_order", {})
    with pytest.raises(UnknownDocumentTypeError):
        check_template("purchase_order", make_template("x"))


# ---------------------------------------------------------------- what the output looks like


def test_ampersand_and_angle_brackets_are_escaped_not_lost():
    text = docx_text(render_default("approved_supplier_list", _asl_with_supplier("A & B <Ltd> \"Q\" 'S'")))
    assert "A & B <Ltd> \"Q\" 'S'" in text


def test_none_prints_as_nothing():
    context = _asl_with_supplier(None)
    context["suppliers"][0]["last_score"] = None
    text = docx_text(render_default("approved_supplier_list", context))
    assert "None" not in text


def test_xml_control_characters_are_dropped_instead_of_corrupting_the_file():
    context = _asl_with_supplier("Acme\x01\x0b Corp")
    context["suppliers"][0]["conditions"] = "line\x02 one\nline two"
    text = docx_text(render_default("approved_supplier_list", context))
    assert "Acme Corp" in text and "line one\nline two" in text


def test_values_that_look_like_tags_are_printed_not_refused():
    text = docx_text(render_default("approved_supplier_list", _asl_with_supplier("{{ not a tag }} {% nor this %}")))
    assert "{{ not a tag }} {% nor this %}" in text


def test_multiline_filter_escapes_and_makes_word_line_breaks():
    out = str(make_environment().from_string("{{ v|multiline }}").render(v="a & b\r\n<c>\nd"))
    assert out == 'a &amp; b</w:t><w:br/><w:t xml:space="preserve">&lt;c&gt;</w:t><w:br/><w:t xml:space="preserve">d'


def test_environment_is_sandboxed_autoescaping_and_strict():
    env = make_environment()
    assert env.sandboxed and env.autoescape
    assert env.from_string("{{ v }}").render(v="<b>") == "&lt;b&gt;"
    with pytest.raises(Exception, match="undefined"):
        env.from_string("{{ nothing_here }}").render()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.text(
        alphabet=st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="\ufffe\uffff"),
        min_size=1,
        max_size=40,
    )
)
def test_any_printable_text_arrives_unchanged(name):
    text = docx_text(render_default("approved_supplier_list", _asl_with_supplier(name)))
    assert name in text


# ---------------------------------------------------------------- template analysis


def test_template_variables_come_from_body_header_and_document_properties():
    data = make_template(
        "{{ product_name }}",
        "{% for c in components %}{{ c.name }}{% endfor %}",
        header="{{ document.number }}",
        core_title="{{ release_version }}",
    )
    assert template_variables(data) == {"product_name", "components", "document", "release_version"}


def test_check_template_accepts_a_clean_template():
    check = check_template("soup_list", make_template("{{ product_name }} {{ components|length }}"))
    assert check.ok and check.used == {"product_name", "components"} and check.unknown == frozenset()


def test_check_template_suggests_the_closest_variable():
    check = check_template("supplier_evaluation", make_template("{{ supplier_nme }}"))
    assert check.unknown == {"supplier_nme"}
    assert check.problems == ("Unknown variable 'supplier_nme': did you mean 'supplier_name'?",)
    assert not check.ok


def test_check_template_names_a_variable_of_another_type():
    check = check_template("audit_extract", make_template("{{ components }}"))
    assert check.problems == ("Unknown variable 'components': it is not a variable of audit_extract templates",)


def test_check_template_finds_misspelt_fields_in_loops_and_objects():
    check = check_template(
        "soup_list",
        make_template(
            "{%p for c in components %}",
            "{{ c.nme }} {{ c['versoin'] }} {{ c.name|upper }} {{ c.items() }}",
            "{%p endfor %}",
            "{{ document.titel }} {{ company.name }}",
        ),
    )
    assert check.problems == (
        "Unknown field 'nme' in 'components[]': did you mean 'name'?",
        "Unknown field 'versoin' in 'components[]': did you mean 'version'?",
        "Unknown field 'titel' in 'document': did you mean 'title'?",
    )


def test_check_template_follows_nested_loops():
    check = check_template(
        "validation_protocol",
        make_template(
            "{% for t in test_cases %}{% for s in t.steps %}{{ s.acton }}{{ s.number }}{% endfor %}{% endfor %}"
        ),
    )
    assert check.problems == ("Unknown field 'acton' in 'test_cases[].steps[]': did you mean 'action'?",)


def test_check_template_quotes_the_paragraph_of_a_syntax_error():
    check = check_template("soup_list", make_template("Fine paragraph", "Version {{ release_version }", "More"))
    assert len(check.problems) == 1
    assert check.problems[0].startswith("Template syntax error:")
    assert "Version {{ release_version" in check.problems[0]


def test_check_template_reports_an_unknown_filter():
    check = check_template("soup_list", make_template("{{ product_name|shout }}"))
    assert check.problems and "shout" in check.problems[0]


def test_check_template_reports_a_file_that_is_not_word():
    check = check_template("soup_list", b"%PDF-1.7 not a docx")
    assert check.problems == ("This file is not a Word .docx file (it is not a zip archive).",)


def test_curly_quotes_inside_tags_are_understood():
    check = check_template("soup_list", make_template("{{ ‘yes’ if draft else “no” }}"))
    assert check.ok, check.problems


# ---------------------------------------------------------------- uploaded templates


def test_uploaded_template_renders_in_a_child_process_with_escaping():
    data = make_template(
        "Supplier {{ supplier_name }}",
        "{%p for q in questions %}",
        "{{ q.code }}: {{ q.answer }}",
        "{%p endfor %}",
        header="{{ document.title }}",
    )
    out = render_uploaded("supplier_evaluation", data, example_context("supplier_evaluation"))
    text = docx_text(out)
    assert f"Supplier {TRICKY_NAME}" in text
    assert f"G1: {TRICKY_NAME}" in text and "C1: ISO 9001" in text
    assert "Supplier evaluation record" in text
    Document(io.BytesIO(out))  # a valid Word file


def test_uploaded_template_with_an_undefined_name_fails_clearly():
    with pytest.raises(RenderFailed, match="does not exist") as failure:
        render_uploaded("soup_list", make_template("{{ product_nme }}"), example_context("soup_list"))
    assert "product_nme" in failure.value.detail


def test_uploaded_render_refuses_leftover_tags():
    # docxtpl turns the escape "{_{" into "{{" after rendering: the post-check must see it.
    data = make_template("{{ product_name }} {_{ release_version }_}")
    with pytest.raises(RenderFailed, match="still contains template tags"):
        render_uploaded("soup_list", data, example_context("soup_list"))


def test_uploaded_render_checks_the_context_before_starting_a_child():
    with pytest.raises(ContextError):
        render_uploaded("soup_list", make_template("x"), {"product_name": object()})
