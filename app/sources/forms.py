"""Forms of the evidence pages: shape only."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired

from app.inputs import BaseForm


class ScorecardUploadForm(BaseForm):
    file = FileField("Scorecard result (JSON)", validators=[FileRequired("Choose a Scorecard JSON file.")],
                     description="The output of scorecard --format json, or the body the Scorecard API returns.")
