"""Write the default Word templates templates/docx/<type>.docx with python-docx.

Run: .venv/bin/python scripts/build_docx_templates.py
The files are committed; rerun after changing this script. Every Jinja tag is written
as one run (python-docx `add_run`), so Word never splits it. The output is byte-stable
(fixed zip timestamps), so an unchanged template gives no diff.
"""

from __future__ import annotations

import io
import sys
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Emu, Length, Pt, RGBColor
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

OUT_DIR = Path(__file__).resolve().parents[1] / "templates" / "docx"
HEADER_FILL = "D9E2F3"  # light blue-grey: readable on screen and in greyscale print
LABEL_FILL = "F2F2F2"
RED = RGBColor(0xC0, 0x00, 0x00)
FIXED_ZIP_TIME = (2026, 1, 1, 0, 0, 0)

Column = tuple[str, str, float]  # header, cell tag, relative width
Builder = Callable[[], DocumentObject]


# ---------------------------------------------------------------- low-level helpers


def shade(cell: _Cell, fill: str) -> None:
    """Give a table cell a background colour."""
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shd)


def repeat_as_header(table: Table) -> None:
    """Repeat the first row of the table on every page."""
    tr_pr = table.rows[0]._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    tr_pr.append(header)


def write(cell: _Cell, text: str, *, size: float = 9, bold: bool = False) -> None:
    """Put a text (tags included) into a cell as a single run."""
    run = cell.paragraphs[0].add_run(text)
    run.font.size = Pt(size)
    run.bold = bold


def add_field(paragraph: Paragraph, instruction: str) -> None:
    """Append a real Word field (PAGE, NUMPAGES) that Word and LibreOffice update."""

    def fld_char(kind: str) -> None:
        char = OxmlElement("w:fldChar")
        char.set(qn("w:fldCharType"), kind)
        paragraph.add_run()._r.append(char)

    fld_char("begin")
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    paragraph.add_run()._r.append(instr)
    fld_char("separate")
    paragraph.add_run("1")
    fld_char("end")


def usable_width(doc: DocumentObject) -> Length:
    """Width between the margins of the (only) section."""
    section = doc.sections[0]
    assert section.page_width is not None and section.left_margin is not None and section.right_margin is not None
    return Emu(section.page_width - section.left_margin - section.right_margin)


def set_widths(table: Table, weights: Sequence[float], total: Length) -> None:
    """Fix column widths from relative weights so Word and LibreOffice lay out alike."""
    table.autofit = False
    widths = [Emu(int(total * w / sum(weights))) for w in weights]
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width


# ---------------------------------------------------------------- building blocks


def new_document(*, landscape: bool) -> DocumentObject:
    """An A4 document with the neutral header, the page-numbered footer and the DRAFT mark."""
    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(10)
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = section.page_height, section.page_width
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(1.5 if landscape else 2.0))
    section.top_margin = section.bottom_margin = Cm(1.8)

    header = section.header
    table = header.add_table(rows=2, cols=3, width=usable_width(doc))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    write(table.cell(0, 0), "{{ company.name }}", bold=True)
    merged = table.cell(0, 1).merge(table.cell(0, 2))
    write(merged, "{{ document.title }}", size=11, bold=True)
    write(table.cell(1, 0), "Document no. {{ document.number }}")
    write(table.cell(1, 1), "Revision {{ document.revision }}")
    write(table.cell(1, 2), "Date {{ document.date }}")
    set_widths(table, (1, 1, 1), usable_width(doc))
    # Word wants a paragraph after a table: move python-docx's initial empty paragraph below it.
    spacer = header.paragraphs[0]._p
    header._element.remove(spacer)
    header._element.append(spacer)

    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run("Generated {{ document.generated_at }} by {{ document.generated_by }}  ·  Page ")
    add_field(footer, "PAGE")
    footer.add_run(" of ")
    add_field(footer, "NUMPAGES")
    for run in footer.runs:
        run.font.size = Pt(8)

    props = doc.core_properties
    props.title = "{{ document.title }}"
    props.subject = "{{ document.number }}"
    props.author = "{{ company.name }}"
    props.comments = ""
    props.keywords = ""
    props.last_modified_by = ""

    doc.add_paragraph("{%p if draft %}")
    mark = doc.add_paragraph()
    mark.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = mark.add_run("DRAFT")
    run.bold = True
    run.font.size = Pt(40)
    run.font.color.rgb = RED
    note = doc.add_paragraph()
    note.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = note.add_run("Not approved: this document is not a controlled record.")
    run.font.color.rgb = RED
    doc.add_paragraph("{%p endif %}")
    return doc


def fields_table(doc: DocumentObject, rows: Sequence[tuple[str, str]]) -> None:
    """A two-column label/value table for the scalar fields of a record."""
    table = doc.add_table(rows=0, cols=2)
    table.style = doc.styles["Table Grid"]
    for label, tag in rows:
        cells = table.add_row().cells
        write(cells[0], label, size=10, bold=True)
        shade(cells[0], LABEL_FILL)
        write(cells[1], tag, size=10)
    set_widths(table, (1, 3), usable_width(doc))
    doc.add_paragraph()


def rows_table(
    doc: DocumentObject,
    loop: str,
    columns: Sequence[Column],
    *,
    size: float = 9,
    empty: str | None = None,
) -> Table:
    """A table with a repeated, shaded header row and one docxtpl `{%tr for %}` row per item."""
    table = doc.add_table(rows=1, cols=len(columns))
    table.style = doc.styles["Table Grid"]
    for cell, (title, _tag, _w) in zip(table.rows[0].cells, columns, strict=True):
        write(cell, title, size=size, bold=True)
        shade(cell, HEADER_FILL)
    repeat_as_header(table)
    write(table.add_row().cells[0], "{%tr for " + loop + " %}", size=size)
    for cell, (_title, tag, _w) in zip(table.add_row().cells, columns, strict=True):
        write(cell, tag, size=size)
    write(table.add_row().cells[0], "{%tr endfor %}", size=size)
    set_widths(table, [w for _t, _g, w in columns], usable_width(doc))
    if empty:
        # The list variable is the loop's iterable: "x in list" -> list.
        items = loop.split(" in ", 1)[1].strip()
        doc.add_paragraph("{%p if not " + items + " %}")
        doc.add_paragraph(empty)
        doc.add_paragraph("{%p endif %}")
    doc.add_paragraph()
    return table


def document_control(doc: DocumentObject) -> None:
    """The revision history and the prepared / reviewed / approved block."""
    doc.add_heading("Revision history", level=2)
    rows_table(
        doc,
        "r in revisions",
        [
            ("Revision", "{{ r.revision }}", 1),
            ("Date", "{{ r.date }}", 1.5),
            ("Author", "{{ r.author }}", 2.5),
            ("Reason / what changed", "{{ r.reason|multiline }}", 6),
        ],
    )
    doc.add_heading("Prepared, reviewed, approved", level=2)
    table = doc.add_table(rows=1, cols=4)
    table.style = doc.styles["Table Grid"]
    for cell, title in zip(table.rows[0].cells, ("", "Name", "Date and time", "Meaning"), strict=True):
        write(cell, title, size=10, bold=True)
        shade(cell, HEADER_FILL)
    for title, key in (("Prepared by", "prepared"), ("Reviewed by", "reviewed"), ("Approved by", "approved")):
        cells = table.add_row().cells
        write(cells[0], title, size=10, bold=True)
        shade(cells[0], LABEL_FILL)
        write(cells[1], "{{ control." + key + ".name }}", size=10)
        write(cells[2], "{{ control." + key + ".date }}", size=10)
        write(cells[3], "{{ control." + key + ".meaning }}", size=10)
    set_widths(table, (1.5, 3, 3, 2.5), usable_width(doc))
    doc.add_paragraph()


# A signature's note when the record's signed content has changed since ("Content changed since signing: ...", as the
# page says it). A document generated before the note existed keeps rows without it, hence `is defined`.
CONTENT_NOTE = "{{ sig.content_note }}"


def signatures(doc: DocumentObject) -> None:
    """The closing table of electronic signatures (name, meaning, time, comment, and the note of a signature whose
    signed content has changed since, beside it)."""
    doc.add_heading("Signatures", level=2)
    table = rows_table(
        doc,
        "sig in signatures",
        [
            ("Printed name", "{{ sig.printed_name }}", 3),
            ("Meaning", "{{ sig.meaning }}", 2),
            ("Date and time", "{{ sig.signed_at }}", 3),
            ("Signed record and content sha256", "{{ sig.record }}\n{{ sig.content_hash }}", 5),
            ("Comment", "{{ sig.comment|multiline }}", 4),
        ],
        size=10,
        empty="Not signed.",
    )
    note = table.rows[2].cells[4]
    for text in ("{%p if sig.content_note is defined and sig.content_note %}", CONTENT_NOTE, "{%p endif %}"):
        run = note.add_paragraph().add_run(text)
        run.font.size = Pt(10)
        run.bold = text == CONTENT_NOTE
        if text == CONTENT_NOTE:
            run.font.color.rgb = RED


def yes_no(expr: str) -> str:
    """A tag printing yes/no for a boolean."""
    return "{{ 'Yes' if " + expr + " else 'No' }}"


def signed_by(name: str, when: str, note: str | None = None) -> str:
    """A tag printing who signed and when, or that nobody has (as the control block says it), never a blank; with
    `note`, followed by the signature's note when its signed content has changed since (as the control block and the
    signatures table print it beside that signature). A document generated before the note existed has none, hence
    `is defined`."""
    tag = "{{ " + name + " ~ ' ' ~ " + when + " if " + name + " else 'No signature recorded' }}"
    if note is None:
        return tag
    return tag + "{{ '. ' ~ " + note + " if " + note + " is defined and " + note + " }}"


def document(title: str, *, landscape: bool) -> Callable[[Callable[[DocumentObject], None]], Builder]:
    """Make a document type's builder from the function that writes its body: every document is a
    new_document() headed by its title and closed by the signatures table."""

    def builder(body: Callable[[DocumentObject], None]) -> Builder:
        def build() -> DocumentObject:
            doc = new_document(landscape=landscape)
            doc.add_heading(title, level=1)
            doc.add_paragraph("{%p if procedure.reference %}")
            doc.add_paragraph("Governing procedure: {{ procedure.reference }} {{ procedure.title }}")
            doc.add_paragraph("{%p endif %}")
            body(doc)
            document_control(doc)
            signatures(doc)
            return doc

        return build

    return builder


# ---------------------------------------------------------------- the document types


@document("Supplier evaluation: {{ supplier_name }}", landscape=False)
def supplier_evaluation(doc: DocumentObject) -> None:
    doc.add_heading("Supplier", level=2)
    fields_table(
        doc,
        [
            ("Name", "{{ supplier_name }}"),
            ("Code", "{{ supplier_code }}"),
            ("Kind", "{{ supplier_kind }}"),
            ("Criticality", "{{ supplier_criticality }}"),
            ("Scope", "{{ supplier_scope|multiline }}"),
            ("Contact", "{{ supplier_contact }}"),
        ],
    )
    doc.add_heading("Evaluation", level=2)
    fields_table(
        doc,
        [
            ("Reference", "{{ evaluation_reference }}"),
            ("Type", "{{ evaluation_type }}"),
            ("Evaluator", "{{ evaluator }}"),
            ("Questionnaire", "{{ template_name }} version {{ template_version }}"),
            ("Started", "{{ started_on }}"),
            ("Sent to the supplier", "{{ sent_on }}"),
            ("Answers due", "{{ due_on }}"),
            ("Submitted", "{{ submitted_on }}"),
            ("Decided", "{{ decided_on }} {{ decided_by }}"),
            ("Decision thresholds",
             "{{ 'Approved from ' ~ threshold_approved ~ ' %, conditionally approved from ' ~ threshold_conditional"
             " ~ ' %' if threshold_approved != '' else 'Not scored yet' }}"),
        ],
    )
    doc.add_heading("Questions and answers", level=2)
    rows_table(
        doc,
        "q in questions",
        [
            ("Section", "{{ q.section }}", 2.2),
            ("Code", "{{ q.code }}", 1.1),
            ("Question", "{{ q.text }}", 4.5),
            ("Answer", "{{ q.answer|multiline }}", 3),
            ("Evidence", "{{ q.evidence_files }}", 2.6),
            ("Points", "{{ q.points }}", 1.1),
            ("Max", "{{ q.max_points }}", 1),
            ("Weight", "{{ q.weight }}", 1.1),
            ("KO", "{{ 'KO' if q.knock_out }}", 0.9),
        ],
        size=8,
        empty="No questions.",
    )
    doc.add_heading("Evidence behind the answers", level=2)
    rows_table(
        doc,
        "e in evidence_figures",
        [
            ("Code", "{{ e.code }}", 1.1),
            ("Figure", "{{ e.figure }}", 4),
            ("Source", "{{ e.source }}", 4),
            ("Measured", "{{ e.measured }}", 1.8),
            ("Proposed", "{{ e.proposed }}", 2.2),
            ("Answer", "{{ e.answer }}", 2.2),
            ("Evaluator", "{{ e.state }}{{ ': ' ~ e.reason if e.reason }}", 3),
        ],
        size=8,
        empty="No answer was proposed from collected evidence.",
    )
    doc.add_heading("Score", level=2)
    fields_table(
        doc,
        [
            ("Score", "{{ score_percentage ~ ' %' if score_percentage != '' else 'Not scored yet' }}"),
            ("Weighted points",
             "{{ score_points ~ ' of ' ~ score_max_points if score_points != '' else 'Not scored yet' }}"),
        ],
    )
    rows_table(
        doc,
        "s in score_sections",
        [
            ("Section", "{{ s.section }}", 4),
            ("Weighted points", "{{ s.points }}", 2),
            ("Possible", "{{ s.max_points }}", 2),
            ("Score (%)", "{{ s.percentage }}", 2),
        ],
    )
    doc.add_heading("Knock-out hits", level=2)
    rows_table(
        doc,
        "k in knock_out_hits",
        [("Code", "{{ k.code }}", 1), ("Question", "{{ k.text }}", 5), ("Answer", "{{ k.answer }}", 3)],
        empty="None.",
    )
    doc.add_heading("Decision", level=2)
    fields_table(
        doc,
        [
            ("Suggested decision", "{{ suggested_decision }}"),
            ("Final decision", "{{ final_decision }}"),
            ("Approval scope", "{{ approval_scope|multiline }}"),
            ("Conditions", "{{ conditions|multiline }}"),
            ("Rationale", "{{ rationale|multiline }}"),
            ("Knock-out justification", "{{ knock_out_justification|multiline }}"),
            ("Next re-evaluation due", "{{ next_due }}"),
        ],
    )


@document("Approved supplier list", landscape=True)
def approved_supplier_list(doc: DocumentObject) -> None:
    doc.add_paragraph("Snapshot of {{ snapshot_date }}: {{ suppliers|length }} suppliers.")
    rows_table(
        doc,
        "s in suppliers",
        [
            ("Supplier", "{{ s.supplier }}", 3),
            ("Code", "{{ s.code }}", 1.6),
            ("Scope", "{{ s.scope }}", 3),
            ("Kind", "{{ s.kind }}", 2),
            ("Criticality", "{{ s.criticality }}", 1.5),
            ("Status", "{{ s.status }}", 2.2),
            ("Last score (%)", "{{ s.last_score }}", 1.3),
            ("Last evaluation", "{{ s.last_evaluation_date }}", 1.8),
            ("Conditions", "{{ s.conditions|multiline }}", 3),
            ("Certificates", "{{ s.certificates|multiline }}", 2.6),
            ("Next due", "{{ s.next_due }}", 1.8),
            ("Approver", "{{ s.approver }}", 1.8),
        ],
        size=8,
        empty="No suppliers.",
    )
    doc.add_heading("Blocked suppliers: nothing may be bought from them", level=2)
    rows_table(
        doc,
        "b in blocked_suppliers",
        [
            ("Supplier", "{{ b.supplier }}", 3),
            ("Code", "{{ b.code }}", 1.6),
            ("Supplies", "{{ b.scope }}", 3),
            ("Status", "{{ b.status }}", 2),
            ("Since", "{{ b.since }}", 1.8),
            ("Reason", "{{ b.reason|multiline }}", 6),
        ],
        size=8,
        empty="None.",
    )


@document("Purchasing information: {{ product }} {{ version }}", landscape=False)
def purchasing_information(doc: DocumentObject) -> None:
    fields_table(
        doc,
        [
            ("Supplier", "{{ supplier_name }}"),
            ("Supplier code", "{{ supplier_code }}"),
            ("Order reference", "{{ order_reference }}"),
            ("Product", "{{ product }}"),
            ("Version", "{{ version }}"),
            ("Quantity", "{{ quantity }}"),
            ("Product requirements", "{{ specification|multiline }}"),
            ("Process requirements", "{{ process_requirements|multiline }}"),
            ("Qualification of the supplier's personnel", "{{ personnel_requirements|multiline }}"),
            ("Acceptance criteria", "{{ acceptance_criteria|multiline }}"),
            ("QMS requirements", "{{ qms_requirements|multiline }}"),
            ("Change notification agreed", yes_no("change_notification_agreed")),
            ("Licence", "{{ licence }}"),
        ],
    )
    doc.add_heading("Adequacy review", level=2)
    doc.add_paragraph("{%p if adequacy_review %}")
    fields_table(
        doc,
        [
            ("Adequacy reviewed by", "{{ adequacy_review.printed_name }}"),
            ("Meaning", "{{ adequacy_review.meaning }}{{ '. ' ~ adequacy_review.content_note if"
                        " adequacy_review.content_note is defined and adequacy_review.content_note }}"),
            ("Date and time", "{{ adequacy_review.signed_at }}"),
            ("Signed record", "{{ adequacy_review.record }}"),
            ("Content sha256", "{{ adequacy_review.content_hash }}"),
            ("Comment", "{{ adequacy_review.comment|multiline }}"),
        ],
    )
    doc.add_paragraph("{%p else %}")
    doc.add_paragraph("Not yet reviewed.")
    doc.add_paragraph("{%p endif %}")
    doc.add_heading("Verification of purchased product", level=2)
    rows_table(
        doc,
        "r in receipt_verifications",
        [
            ("Date", "{{ r.date }}", 2),
            ("Verified by", "{{ r.verified_by }}", 2.5),
            ("Version received", "{{ r.version_received }}", 2),
            ("Delivered by", "{{ r.supplier }}", 2.5),
            ("Result", "{{ r.result }}", 1.8),
            ("Checks and notes", "{{ r.notes|multiline }}", 4),
            ("Signed", "{{ r.signature }}", 3),
        ],
        empty="Not yet received.",
    )


@document("SOUP list: {{ product_name }} {{ release_version }}", landscape=True)
def soup_list(doc: DocumentObject) -> None:
    fields_table(
        doc,
        [
            ("Product", "{{ product_name }}"),
            ("Software safety class", "{{ product_safety_class }}"),
            ("Release", "{{ release_version }}"),
            ("Release status", "{{ release_status }}"),
            ("Components", "{{ components|length }}"),
            ("SOUPs of SOUPs", "{{ transitive_rule }}"),
            ("Prepared (authored) by", signed_by("prepared_by", "prepared_at", "prepared_note")),
            ("Approved by", signed_by("approved_by", "approved_at", "approved_note")),
        ],
    )
    doc.add_heading("Identification (IEC 62304 8.1.2)", level=2)
    rows_table(
        doc,
        "c in components",
        [
            ("#", "{{ loop.index }}", 0.7),
            ("Title", "{{ c.name }}", 2.6),
            ("Manufacturer", "{{ c.manufacturer }}", 2.6),
            ("Version", "{{ c.version }}", 1.5),
            ("Package URL", "{{ c.purl }}", 4),
            ("Ecosystem", "{{ c.ecosystem }}", 1.3),
            ("Classification", "{{ c.classification }}", 1.6),
            ("Safety class", "{{ c.safety_class }}", 1.1),
            ("Licence", "{{ c.licence }}", 2),
            ("Licence verdict", "{{ c.licence_verdict }}", 1.3),
            ("Type", "{{ c.type }}", 1.4),
            ("Software item", "{{ c.software_item }}", 1.8),
            ("Direct", "{{ c.direct }}", 1.1),
            ("Covered by", "{{ c.covered_by }}", 1.8),
            ("Status", "{{ c.status }}", 1.5),
        ],
        size=8,
        empty="No components.",
    )
    doc.add_heading("Advisories (VEX), waivers and exemptions", level=2)
    rows_table(
        doc,
        "c in components",
        [
            ("Title and version", "{{ c.name }} {{ c.version }}", 3),
            ("Advisories and their VEX state", "{{ c.advisories }}", 7),
            ("Waivers, licence decisions, supplier exemptions", "{{ c.waivers }}", 7),
            ("Lower-class rationale", "{{ c.class_rationale }}", 3),
        ],
        size=8,
    )
    doc.add_heading("Requirements, hazards and anomaly review (IEC 62304 5.3.3, 5.3.4, 7.1.2, 7.1.3)", level=2)
    rows_table(
        doc,
        "c in components",
        [
            ("Title and version", "{{ c.name }} {{ c.version }}", 2.6),
            ("Functional and performance requirements", "{{ c.requirements|multiline }}", 4),
            ("Hardware and software needed", "{{ c.hardware_software|multiline }}", 3),
            ("Hazardous situations", "{{ c.hazards|multiline }}", 3.5),
            ("Anomaly review", "{{ c.anomaly_review_date }}", 1.7),
            ("Conclusion", "{{ c.anomaly_review_conclusion }}", 2),
        ],
        size=8,
    )


@document("SOUP changes: {{ product_name }} {{ from_version }} to {{ to_version }}", landscape=False)
def release_diff(doc: DocumentObject) -> None:
    fields_table(
        doc,
        [("Product", "{{ product_name }}"), ("From release", "{{ from_version }}"), ("To release", "{{ to_version }}")],
    )
    assessed = ("Assessment", "{{ c.assessment|multiline }}\n{{ c.assessed_by }}", 3.5)
    listed = [
        ("Name", "{{ c.name }}", 2.2),
        ("Version", "{{ c.version }}", 1.3),
        ("Manufacturer", "{{ c.manufacturer }}", 2),
        ("Licence", "{{ c.licence }}", 1.7),
        ("Package URL", "{{ c.purl }}", 3),
        ("Dependency", "{{ c.direct }}", 1.3),
        assessed,
    ]
    moved = [
        ("Name", "{{ c.name }}", 3),
        ("From version", "{{ c.from_version }}", 2),
        ("To version", "{{ c.to_version }}", 2),
        ("Licence", "{{ c.licence }}", 2.5),
        assessed,
    ]
    for title, variable, columns in (
        ("Added", "added", listed),
        ("Removed", "removed", listed),
        ("Upgraded", "upgraded", moved),
        ("Downgraded", "downgraded", moved),
    ):
        doc.add_heading(title, level=2)
        rows_table(doc, f"c in {variable}", columns, empty="None.")
    doc.add_heading("Licence changed", level=2)
    rows_table(
        doc,
        "c in licence_changed",
        [
            ("Name", "{{ c.name }}", 3),
            ("Version", "{{ c.version }}", 2),
            ("From licence", "{{ c.from_licence }}", 3),
            ("To licence", "{{ c.to_licence }}", 3),
            assessed,
        ],
        empty="None.",
    )


@document("Third-party software notices: {{ product_name }} {{ release_version }}", landscape=False)
def third_party_notices(doc: DocumentObject) -> None:
    fields_table(
        doc,
        [
            ("Product", "{{ product_name }}"),
            ("Release", "{{ release_version }} ({{ release_status }})"),
            ("Components listed", "{{ component_count }} shipped (runtime) components"),
            ("Not listed", "{{ left_out_dev }} development-only components (not shipped)"),
            ("SOUP list approved", signed_by("approved_by", "approved_at", "approved_note")),
        ],
    )
    doc.add_heading("Licences", level=2)
    rows_table(
        doc,
        "g in licences",
        [("Licence", "{{ g.licence }}", 3), ("Components", "{{ g.count }}", 1), ("Names", "{{ g.names }}", 7)],
        empty="No components.",
    )
    doc.add_heading("Components", level=2)
    rows_table(
        doc,
        "c in components",
        [
            ("Name", "{{ c.name }}", 2.6),
            ("Version", "{{ c.version }}", 1.4),
            ("Licence", "{{ c.licence }}", 2.2),
            ("Author or supplier", "{{ c.author }}", 2.4),
            ("Package URL or homepage", "{{ c.where }}", 3.4),
        ],
        size=8,
        empty="No components.",
    )
    doc.add_heading("Licence texts", level=2)
    doc.add_paragraph("{%p for t in licence_texts %}")
    heading = doc.add_paragraph()
    run = heading.add_run("{{ t.licence_id }}: {{ t.name }}")
    run.bold = True
    body = doc.add_paragraph()
    run = body.add_run("{{ t.text|multiline }}")
    run.font.size = Pt(8)
    doc.add_paragraph("{%p endfor %}")


@document("Traceability matrix: {{ product_name }} {{ release_version }}", landscape=True)
def traceability_matrix(doc: DocumentObject) -> None:
    fields_table(
        doc,
        [
            ("Product", "{{ product_name }}"),
            ("Release", "{{ release_version }} ({{ release_status }})"),
            ("Test results", "{{ run }}"),
            ("Summary", "{{ summary }}"),
        ],
    )
    rows_table(
        doc,
        "r in rows",
        [
            ("Kind", "{{ r.kind }}", 1.4),
            ("ID", "{{ r.identifier }}", 1.4),
            ("Requirement or measure", "{{ r.text|multiline }}", 4),
            ("Hazards", "{{ r.hazards }}", 1.2),
            ("Components", "{{ r.components|multiline }}", 2.4),
            ("Class", "{{ r.safety_class }}", 0.7),
            ("Tests (latest run)", "{{ r.tests|multiline }}", 4),
            ("Results", "{{ r.results }}", 1.4),
            ("Verdict", "{{ r.verdict }}", 1.6),
        ],
        size=7,
        empty="Nothing to trace: no SOUP requirement or risk control applies to this release.",
    )
    doc.add_heading("Tests that name no requirement or risk control", level=2)
    rows_table(
        doc,
        "t in unlinked_tests",
        [("Test", "{{ t.name }}", 8), ("Result", "{{ t.outcome }}", 2)],
        size=7,
        empty="None.",
    )


def _system_fields(doc: DocumentObject) -> None:
    doc.add_heading("System", level=2)
    fields_table(
        doc,
        [
            ("System", "{{ system_name }}"),
            ("Version", "{{ system_version }}"),
            ("Supplier", "{{ system_supplier }}"),
            ("Intended use", "{{ intended_use|multiline }}"),
            ("GAMP category", "{{ gamp_category }}"),
            ("Test environment", "{{ test_environment|multiline }}"),
            ("Prerequisites", "{{ prerequisites|multiline }}"),
        ],
    )


@document("Validation protocol: {{ system_name }} {{ system_version }}", landscape=False)
def validation_protocol(doc: DocumentObject) -> None:
    _system_fields(doc)
    doc.add_heading("Protocol", level=2)
    fields_table(
        doc,
        [
            ("Protocol version", "{{ protocol_version }}"),
            ("Status", "{{ protocol_status }}"),
            ("Scope", "{{ scope|multiline }}"),
            ("Requirements", "{{ requirements|multiline }}"),
            ("Acceptance criteria", "{{ acceptance_criteria|multiline }}"),
        ],
    )
    doc.add_heading("Functions and process risk", level=2)
    rows_table(
        doc,
        "f in functions",
        [
            ("Function", "{{ f.description }}", 4),
            ("Use", "{{ f.use }}", 1.5),
            ("Process risk", "{{ f.process_risk }}", 1.5),
            ("Rationale", "{{ f.rationale|multiline }}", 4),
        ],
        empty="No functions.",
    )
    doc.add_heading("Test cases", level=2)
    table = rows_table(
        doc,
        "t in test_cases",
        [
            ("Code", "{{ t.code }}", 1.2),
            ("Function", "{{ t.function }}", 2.5),
            ("Method", "{{ t.method }}", 2),
            ("Objective", "{{ t.objective|multiline }}", 3),
            ("Steps and expected results", "{%p for step in t.steps %}", 5),
        ],
        size=8,
        empty="No test cases.",
    )
    # The steps cell of the item row: a paragraph loop, then the overall expected result (empty for a scripted test,
    # whose steps carry theirs), so the cell always keeps a paragraph even for an unscripted test without steps.
    steps = table.rows[2].cells[4]
    for text in (
        "{{ step.number }}. {{ step.action }} Expected: {{ step.expected_result }}",
        "{%p endfor %}",
        "{{ ('Expected result: ' ~ t.expected_result)|multiline if t.expected_result }}",
    ):
        run = steps.add_paragraph().add_run(text)
        run.font.size = Pt(8)


@document("Validation report: {{ system_name }} {{ system_version }}", landscape=False)
def validation_report(doc: DocumentObject) -> None:
    _system_fields(doc)
    doc.add_heading("Protocol and report", level=2)
    fields_table(
        doc,
        [
            ("Protocol version", "{{ protocol_version }}"),
            ("Protocol status", "{{ protocol_status }}"),
            ("Scope", "{{ scope|multiline }}"),
            ("Acceptance criteria", "{{ acceptance_criteria|multiline }}"),
            ("Report version", "{{ report_version }}"),
            ("Report status", "{{ report_status }}"),
            ("Summary", "{{ summary|multiline }}"),
            ("Next periodic review", "{{ next_review }}"),
        ],
    )
    doc.add_heading("Traceability: function, test, result", level=2)
    rows_table(
        doc,
        "t in trace",
        [
            ("Function", "{{ t.function }}", 4),
            ("Process risk", "{{ t.process_risk }}", 1.5),
            ("Test case", "{{ t.test_case }}", 1.2),
            ("Method", "{{ t.method }}", 2),
            ("Result", "{{ t.result|multiline }}", 2.5),
        ],
        size=8,
        empty="No functions.",
    )
    doc.add_heading("Executions", level=2)
    rows_table(
        doc,
        "e in executions",
        [
            ("Test case", "{{ e.test_case }}", 1.3),
            ("Tester", "{{ e.tester }}", 2),
            ("Executed at (UTC)", "{{ e.executed_at }}", 2.2),
            ("Tested version", "{{ e.tested_version }}", 1.5),
            ("Actual result", "{{ e.actual_result|multiline }}", 4.5),
            ("Outcome", "{{ e.outcome }}", 1.3),
        ],
        size=8,
        empty="No executions.",
    )
    fields_table(
        doc,
        [
            ("Passed", "{{ outcome_counts.passed }}"),
            ("Failed", "{{ outcome_counts.failed }}"),
            ("Blocked", "{{ outcome_counts.blocked }}"),
            ("Total", "{{ outcome_counts.total }}"),
        ],
    )
    doc.add_heading("Evidence", level=2)
    rows_table(
        doc,
        "v in evidence",
        [
            ("Test case", "{{ v.test_case }}", 1.3),
            ("File", "{{ v.file }}", 3),
            ("sha256", "{{ v.sha256 }}", 5.5),
            ("Recorded (UTC)", "{{ v.executed_at }}", 2.2),
        ],
        size=8,
        empty="No evidence files.",
    )
    doc.add_heading("Deviations", level=2)
    table = rows_table(
        doc,
        "d in deviations",
        [
            ("No.", "{{ d.number }}", 1.2),
            ("Test case", "{{ d.test_case }}", 1.3),
            ("Severity", "{{ d.severity }}", 1.3),
            ("Description", "{{ d.description|multiline }}", 3.2),
            ("Impact", "{{ d.impact|multiline }}", 2.8),
            ("Disposition", "{{ d.disposition }}", 2.5),
            ("Status", "{{ d.status }}", 1.2),
        ],
        size=8,
        empty="No deviations.",
    )
    # Beside the disposition, why QA closed the deviation so (a disposition alone, "Accepted with rationale", leaves
    # out the rationale). A report generated before rows carried it keeps rows without it, hence `is defined`.
    disposition = table.rows[2].cells[5]
    for text in ("{%p if d.closure_rationale is defined and d.closure_rationale %}",
                 "{{ ('Rationale: ' ~ d.closure_rationale)|multiline }}", "{%p endif %}"):
        run = disposition.add_paragraph().add_run(text)
        run.font.size = Pt(8)
    doc.add_heading("Conclusion", level=2)
    fields_table(doc, [("Conclusion", "{{ conclusion }}"), ("Restrictions", "{{ restrictions|multiline }}")])


@document("Audit trail extract", landscape=True)
def audit_extract(doc: DocumentObject) -> None:
    fields_table(doc, [("Scope", "{{ scope_description|multiline }}"), ("Events", "{{ events|length }}")])
    rows_table(
        doc,
        "e in events",
        [
            ("Time (UTC)", "{{ e.time }}", 2.2),
            ("Actor", "{{ e.actor }}", 2),
            ("Action", "{{ e.action }}", 1.5),
            ("Record", "{{ e.entity }}", 1.5),
            ("Id", "{{ e.entity_id }}", 0.8),
            ("Changes (old -> new)", "{{ e.changes|multiline }}", 4.5),
            ("Reason", "{{ e.reason|multiline }}", 2.5),
            ("Hash", "{{ e.hash }}", 2.6),
        ],
        size=7,
        empty="No events.",
    )


BUILDERS: dict[str, Builder] = {
    "supplier_evaluation": supplier_evaluation,
    "approved_supplier_list": approved_supplier_list,
    "purchasing_information": purchasing_information,
    "soup_list": soup_list,
    "release_diff": release_diff,
    "third_party_notices": third_party_notices,
    "traceability_matrix": traceability_matrix,
    "validation_protocol": validation_protocol,
    "validation_report": validation_report,
    "audit_extract": audit_extract,
}


def stable_bytes(doc: DocumentObject) -> bytes:
    """The saved document with fixed zip timestamps, so rebuilding gives identical files."""
    raw = io.BytesIO()
    doc.save(raw)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw.getvalue())) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, src.read(info))
    return out.getvalue()


def main(out_dir: Path = OUT_DIR) -> list[Path]:
    """Write every default template; returns the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for doc_type, build in BUILDERS.items():
        path = out_dir / f"{doc_type}.docx"
        path.write_bytes(stable_bytes(build()))
        written.append(path)
    return written


if __name__ == "__main__":
    for written_path in main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT_DIR):
        print(written_path)
