"""The hazard list's forms: shape only, the services check the rules."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.inputs import BaseForm


class HazardForm(BaseForm):
    code = StringField("Hazard ID", validators=[DataRequired("Give the hazard's id, e.g. HAZ-12."), Length(max=40)],
                       description="Unique in the product, e.g. HAZ-12; the id your risk file uses.")
    hazard = TextAreaField("Hazard", validators=[DataRequired("Describe the hazard."), Length(max=10000)],
                           render_kw={"rows": 2})
    harm = TextAreaField("Harm", validators=[Optional(), Length(max=10000)], render_kw={"rows": 2})
    severity = StringField("Severity", validators=[Optional(), Length(max=40)],
                           description="A level of your company's scale, e.g. S4 or Serious.")
    probability_before = StringField("Probability before control", validators=[Optional(), Length(max=40)])
    probability_after = StringField("Probability after control", validators=[Optional(), Length(max=40)])
    controls = TextAreaField("Risk control measures", validators=[Optional(), Length(max=50000)],
                             render_kw={"rows": 3, "placeholder": "RC-3: the pump stops when the dose check fails"},
                             description="One per line, 'RC-3: measure'. An existing control can be named by its id "
                                         "alone. Tests verify a control by naming its id.")
    soup = TextAreaField("SOUP items that can contribute", validators=[Optional(), Length(max=20000)],
                         render_kw={"rows": 2, "placeholder": "requests; urllib3"},
                         description="Package names as the product's releases list them, separated by ';' or "
                                     "lines ('pypi:name' where two ecosystems share a name).")


class HazardImportForm(BaseForm):
    file = FileField("Hazard list (CSV or XLSX)", validators=[FileRequired("Choose the hazard list file.")],
                     description="One row per hazard with the columns of the export: Hazard ID, Hazard, Harm, "
                                 "Severity, Probability before, Probability after, Risk controls, SOUP items.")
