"""The shipped Word templates: complete, readable, escaped, and in sync with their build script."""

from __future__ import annotations

import copy
import importlib.util
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn

from app.documents.examples import TRICKY_NAME
from app.documents.render import TEMPLATE_DIR, check_template, render_default
from app.documents.variables import DOCUMENT_TYPES, allowed_names, example_context, variables_for
from tests.documents.docx_helpers import docx_text, part_xml

TYPES = list(DOCUMENT_TYPES)
ROOT = Path(__file__).resolve().parents[2]


def _open(data: bytes) -> Any:
    import io

    return Document(io.BytesIO(data))


def _leaves(value: Any) -> list[Any]:
    """Every printable scalar of a context (booleans print as words chosen by the template)."""
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in _leaves(item)]
    if isinstance(value, list):
        return [leaf for item in value for leaf in _leaves(item)]
    if value is None or isinstance(value, bool) or value == "":
        return []
    return [value]


@pytest.fixture(scope="module")
def rendered() -> dict[str, bytes]:
    return {t: render_default(t, example_context(t)) for t in TYPES}


@pytest.mark.parametrize("doc_type", TYPES)
def test_every_default_template_exists(doc_type):
    assert (TEMPLATE_DIR / f"{doc_type}.docx").is_file()


@pytest.mark.parametrize("doc_type", TYPES)
def test_default_template_prints_every_value_of_its_example(doc_type, rendered):
    text = docx_text(rendered[doc_type])
    context = example_context(doc_type)
    del context["draft"]
    missing = [leaf for leaf in _leaves(context) if str(leaf) not in text]
    assert missing == []


@pytest.mark.parametrize("doc_type", TYPES)
def test_default_template_leaves_no_tag_behind(doc_type, rendered):
    text = docx_text(rendered[doc_type])
    assert "{{" not in text and "{%" not in text and "}}" not in text
    for name, xml in part_xml(rendered[doc_type]).items():
        assert "{{" not in xml and "{%" not in xml, name


@pytest.mark.parametrize("doc_type", TYPES)
def test_names_with_ampersand_and_angle_brackets_arrive_intact(doc_type, rendered):
    assert TRICKY_NAME in docx_text(rendered[doc_type])


@pytest.mark.parametrize("doc_type", TYPES)
def test_default_template_uses_exactly_its_allowlisted_variables(doc_type):
    check = check_template(doc_type, (TEMPLATE_DIR / f"{doc_type}.docx").read_bytes())
    assert check.ok, check.problems
    assert check.used == allowed_names(doc_type)
    assert check.unknown == frozenset()


@pytest.mark.parametrize("doc_type", TYPES)
def test_header_names_the_document_and_footer_counts_pages(doc_type, rendered):
    data = rendered[doc_type]
    document = example_context(doc_type)["document"]
    header = _open(data).sections[0].header
    header_text = "\n".join(cell.text for table in header.tables for row in table.rows for cell in row.cells)
    for value in (document["title"], document["number"], document["revision"], document["date"]):
        assert value in header_text
    footers = "".join(xml for name, xml in part_xml(data).items() if "footer" in name)
    assert "PAGE" in footers and "NUMPAGES" in footers
    assert 'w:fldCharType="begin"' in footers
    assert "Page" in docx_text(data) and " of " in docx_text(data)


@pytest.mark.parametrize("doc_type", TYPES)
def test_draft_mark_shows_only_on_drafts(doc_type):
    context = example_context(doc_type)
    context["draft"] = True
    assert "DRAFT" in docx_text(render_default(doc_type, context)).split("\n")
    context["draft"] = False
    assert "DRAFT" not in docx_text(render_default(doc_type, context)).split("\n")


@pytest.mark.parametrize("doc_type", TYPES)
def test_signatures_table_shows_each_manifestation(doc_type, rendered):
    doc = _open(rendered[doc_type])
    last_table = doc.tables[-1]
    assert [c.text for c in last_table.rows[0].cells] == [
        "Printed name", "Meaning", "Date and time", "Signed record and content sha256", "Comment",
    ]
    rows = [[c.text for c in row.cells] for row in last_table.rows[1:]]
    expected = [
        [s["printed_name"], s["meaning"], s["signed_at"], f"{s['record']}\n{s['content_hash']}", s["comment"]]
        for s in example_context(doc_type)["signatures"]
    ]
    assert rows == expected


@pytest.mark.parametrize("doc_type", TYPES)
def test_an_unsigned_record_says_so(doc_type):
    context = example_context(doc_type)
    context["signatures"] = []
    assert "Not signed." in docx_text(render_default(doc_type, context))


@pytest.mark.parametrize("doc_type", TYPES)
def test_empty_lists_render_cleanly(doc_type):
    context = example_context(doc_type)
    for name, variable in variables_for(doc_type).items():
        if variable.many:
            context[name] = []
    text = docx_text(render_default(doc_type, context))
    assert "{{" not in text and "{%" not in text


@pytest.mark.parametrize("doc_type", TYPES)
def test_tables_are_gridded_with_a_repeated_shaded_header_row(doc_type):
    doc = Document(str(TEMPLATE_DIR / f"{doc_type}.docx"))
    loop_tables = [t for t in doc.tables if any("{%tr for" in c.text for row in t.rows for c in row.cells)]
    assert loop_tables
    for table in loop_tables:
        assert table.style.name == "Table Grid"
        first_row = table.rows[0]._tr
        assert first_row.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None
        assert first_row.find(f".//{qn('w:shd')}") is not None


@pytest.mark.parametrize("doc_type", TYPES)
def test_every_tag_sits_in_a_single_run(doc_type):
    doc = Document(str(TEMPLATE_DIR / f"{doc_type}.docx"))
    for paragraph in doc.element.body.iter(qn("w:p")):
        runs = [r.text or "" for r in paragraph.iter(qn("w:t"))]
        for text in runs:
            # A tag that opens in a run also closes in it.
            assert text.count("{{") == text.count("}}"), text
            assert text.count("{%") == text.count("%}"), text


@pytest.mark.parametrize(
    ("doc_type", "landscape"), [(t, t in {"soup_list", "approved_supplier_list", "audit_extract", "traceability_matrix"}) for t in TYPES]
)
def test_wide_lists_are_landscape(doc_type, landscape):
    section = Document(str(TEMPLATE_DIR / f"{doc_type}.docx")).sections[0]
    assert (section.orientation == WD_ORIENT.LANDSCAPE) is landscape
    assert (section.page_width > section.page_height) is landscape


def test_supplier_evaluation_shows_score_decision_and_every_question(rendered):
    context = example_context("supplier_evaluation")
    text = docx_text(rendered["supplier_evaluation"])
    assert f"{context['score_percentage']} %" in text
    assert context["final_decision"] in text
    for question in context["questions"]:
        assert question["text"] in text


def test_soup_list_names_every_component_with_its_version(rendered):
    text = docx_text(rendered["soup_list"])
    for component in example_context("soup_list")["components"]:
        assert f"{component['name']} {component['version']}" in text


def test_multiline_texts_keep_their_line_breaks(rendered):
    conditions = example_context("supplier_evaluation")["conditions"]
    assert "\n" in conditions
    assert conditions in docx_text(rendered["supplier_evaluation"])


def test_booleans_and_dependencies_print_as_words(rendered):
    soup = docx_text(rendered["soup_list"]).split("\n")
    assert "yes" in soup and "no" in soup  # the "Direct" column: yes / no / unknown, never a value's truth
    assert "True" not in soup and "False" not in soup
    assert "Yes" in docx_text(rendered["purchasing_information"]).split("\n")


def test_a_thousand_row_supplier_list_renders_every_row():
    context = example_context("approved_supplier_list")
    row = context["suppliers"][0]
    context["suppliers"] = [{**copy.deepcopy(row), "code": f"SUP-{i:04d}"} for i in range(1000)]
    doc = _open(render_default("approved_supplier_list", context))
    table = next(t for t in doc.tables if t.rows[0].cells[0].text == "Supplier")
    assert len(table.rows) == 1001
    assert table.rows[-1].cells[1].text == "SUP-0999"


def test_committed_templates_match_the_build_script(tmp_path):
    spec = importlib.util.spec_from_file_location("build_docx_templates", ROOT / "scripts" / "build_docx_templates.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    written = module.main(tmp_path)
    assert sorted(p.stem for p in written) == sorted(TYPES)
    for path in written:
        assert path.read_bytes() == (TEMPLATE_DIR / path.name).read_bytes(), f"rerun the build script: {path.name}"


def test_purchasing_information_before_its_adequacy_review():
    context = example_context("purchasing_information")
    context["adequacy_review"] = None
    text = docx_text(render_default("purchasing_information", context))
    assert "Not yet reviewed." in text
    assert "Adequacy reviewed by" not in text
