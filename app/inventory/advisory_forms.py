"""Forms for advisories, anomaly reviews and the licence policy: shape only, the services check the rules."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import HiddenField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.inventory.advisory_models import Conclusion, MatchState
from app.inventory.licence_policy import Verdict

CONCLUSION_CHOICES = [
    (Conclusion.ACCEPTABLE.value, "Acceptable: no anomaly affects our use"),
    (Conclusion.NEEDS_RISK_CONTROL.value, "Needs a risk control"),
    (Conclusion.REJECT.value, "Reject this version"),
]
STATE_CHOICES = [
    (MatchState.OPEN.value, "Open"),
    (MatchState.NOT_AFFECTED.value, "Not affected"),
    (MatchState.MITIGATED.value, "Mitigated"),
    (MatchState.ACCEPTED.value, "Risk accepted"),
]
VERDICT_CHOICES = [(Verdict.ALLOW.value, "Allow"), (Verdict.REVIEW.value, "Review"), (Verdict.DENY.value, "Deny")]


class AdvisoryImportForm(FlaskForm):
    file = FileField(
        "OSV file",
        validators=[
            FileRequired("Choose a file."),
            FileAllowed(["json", "yaml", "yml", "zip"], "An OSV .json, .yaml/.yml record or a .zip of them."),
        ],
        description="One OSV record, a list of records, or a zip such as the PyPA advisory database or OSV's all.zip.",
    )


class TriageForm(FlaskForm):
    state = SelectField("Decision", choices=STATE_CHOICES)
    note = TextAreaField("Note", validators=[Optional(), Length(max=5000)], render_kw={"rows": 2})


class AnomalyReviewForm(FlaskForm):
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


class LicencePolicyEntryForm(FlaskForm):
    key = StringField(
        "SPDX id or category",
        validators=[DataRequired(), Length(max=200)],
        description="For example GPL-3.0-only, LicenseRef-Acme-EULA, or a category such as weak_copyleft.",
    )
    verdict = SelectField("Verdict", choices=VERDICT_CHOICES)
    note = TextAreaField("Why", validators=[DataRequired("Say why."), Length(max=5000)], render_kw={"rows": 2})
    version = HiddenField()


class RemoveEntryForm(FlaskForm):
    reason = StringField("Reason", validators=[DataRequired("Give a reason."), Length(max=1000)])
