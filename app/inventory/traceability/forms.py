"""Forms of the SOUP requirements and test results pages: shape only, the services check the rules."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.db import row_id
from app.inputs import BaseForm
from app.inventory.traceability.rules import RequirementKind, RequirementStatus
from app.labels import label

KIND_CHOICES = [(kind.value, label(kind.value)) for kind in RequirementKind]
STATUS_CHOICES = [(status.value, label(status.value)) for status in RequirementStatus]


class RequirementForm(BaseForm):
    identifier = StringField("ID", validators=[Optional(), Length(max=60)],
                             description="Unique in the product, e.g. SOUP-REQ-12; left empty, the next number is given.")
    kind = SelectField("Kind", choices=KIND_CHOICES, default=RequirementKind.FUNCTIONAL.value)
    text = TextAreaField("Requirement", validators=[DataRequired("Write the requirement."), Length(max=20000)],
                         render_kw={"rows": 3})
    acceptance_criterion = TextAreaField("Acceptance criterion", validators=[Optional(), Length(max=20000)],
                                         description="How a test (or an inspection) shows the requirement is met.",
                                         render_kw={"rows": 2})
    status = SelectField("Status", choices=STATUS_CHOICES, default=RequirementStatus.DRAFT.value)
    version = HiddenField()


class NewRequirementForm(RequirementForm):
    component_ids = SelectMultipleField("Components", coerce=row_id, choices=[],
                                        validators=[DataRequired("Choose the component(s) it is about.")],
                                        description="One, or a family of packages that share the requirement. It "
                                                    "holds for their versions in every release that ships them.")


class TestResultsForm(BaseForm):
    files = FileField("JUnit XML files", validators=[FileRequired("Choose a JUnit XML file.")],
                      render_kw={"multiple": True, "accept": ".xml,application/xml,text/xml"},
                      description="As pytest (--junitxml), Jest (jest-junit), Maven Surefire or go-junit-report "
                                  "write them; several files make one run.")
    source = StringField("Source", validators=[Optional(), Length(max=500)],
                         description="Where the results come from, e.g. the CI job's URL.")


class LinkForm(BaseForm):
    ref = StringField("ID", validators=[DataRequired("Give a requirement or risk-control ID."), Length(max=60)],
                      description="e.g. SOUP-REQ-12 or RC-3")

