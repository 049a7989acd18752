"""Forms of the documents blueprint."""

from __future__ import annotations

from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from app.documents.variables import DOCUMENT_TYPES
from app.inputs import BaseForm

TYPE_CHOICES = [(key, title) for key, title in DOCUMENT_TYPES.items()]


class GenerateForm(BaseForm):
    doc_type = HiddenField(validators=[DataRequired()])
    source_id = HiddenField(validators=[DataRequired(), Length(max=120)])
    format = HiddenField(default="docx")


class TemplateUploadForm(BaseForm):
    doc_type = SelectField("Document type", choices=TYPE_CHOICES)
    name = StringField("Name", validators=[DataRequired(), Length(max=200)], description="E.g. 'ACME letterhead, form QF-74-01'.")
    file = FileField(
        "Word template (.docx)",
        validators=[FileRequired("Choose a .docx file."), FileAllowed(["docx"], "Only .docx files are accepted.")],
    )


class ProcedureForm(BaseForm):
    """The procedure that governs one document type (an empty number clears it)."""

    reference = StringField("Procedure number", validators=[Length(max=80)], description="E.g. SOP-PUR-001.")
    title = StringField("Procedure title", validators=[Length(max=200)], description="E.g. Purchasing.")
