"""Forms for advisories: importing OSV files and triaging a match. Shape only, the services check the rules."""

from __future__ import annotations

from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import SelectField, TextAreaField
from wtforms.validators import Length, Optional

from app.inputs import BaseForm
from app.inventory.advisories.models import MatchState

STATE_CHOICES = [
    (MatchState.OPEN.value, "Open"),
    (MatchState.NOT_AFFECTED.value, "Not affected"),
    (MatchState.MITIGATED.value, "Mitigated"),
    (MatchState.ACCEPTED.value, "Risk accepted"),
]

class AdvisoryImportForm(BaseForm):
    file = FileField(
        "OSV file",
        validators=[
            FileRequired("Choose a file."),
            FileAllowed(["json", "yaml", "yml", "zip"], "An OSV .json, .yaml/.yml record or a .zip of them."),
        ],
        description="One OSV record, a list of records, or a zip such as the PyPA advisory database or OSV's all.zip.",
    )


class TriageForm(BaseForm):
    state = SelectField("Decision", choices=STATE_CHOICES)
    note = TextAreaField("Note", validators=[Optional(), Length(max=5000)], render_kw={"rows": 2})
