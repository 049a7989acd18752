"""The anomaly review form: shape only, the service checks the rules."""

from __future__ import annotations

from wtforms import RadioField, SelectMultipleField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.inputs import BaseForm
from app.inventory.anomalies.models import Conclusion

CONCLUSION_CHOICES = [
    (Conclusion.ACCEPTABLE.value, "Acceptable: no anomaly affects our use"),
    (Conclusion.NEEDS_RISK_CONTROL.value, "Needs a risk control"),
    (Conclusion.REJECT.value, "Reject this version"),
]

class AnomalyReviewForm(BaseForm):
    anomalies = TextAreaField(
        "Relevant anomalies",
        validators=[DataRequired("Describe the relevant anomalies, or state that none were found."), Length(max=20000)],
        description="Security advisories and other known bugs of this exact version that matter for our use.",
        render_kw={"rows": 5},
    )
    links = TextAreaField(
        "Links",
        validators=[Optional(), Length(max=20000)],
        description="One http(s) address per line: issue tracker queries, bug reports, release notes.",
        render_kw={"rows": 3},
    )
    advisories = SelectMultipleField(
        "Advisories considered", choices=[], widget=ListWidget(prefix_label=False), option_widget=CheckboxInput()
    )
    conclusion = RadioField("Conclusion", choices=CONCLUSION_CHOICES, validators=[DataRequired("Choose a conclusion.")])
    rationale = TextAreaField(
        "Rationale",
        validators=[Optional(), Length(max=20000)],
        description="Required unless acceptable: the risk control, or why the version is rejected.",
        render_kw={"rows": 3},
    )
