"""Forms for the licence policy: shape only, the service checks the rules."""

from __future__ import annotations

from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.inputs import BaseForm
from app.inventory.licences.policy import Verdict

VERDICT_CHOICES = [(Verdict.ALLOW.value, "Allow"), (Verdict.REVIEW.value, "Review"), (Verdict.DENY.value, "Deny")]



class LicencePolicyEntryForm(BaseForm):
    key = StringField(
        "SPDX id or category",
        validators=[DataRequired(), Length(max=200)],
        description="For example GPL-3.0-only, LicenseRef-Acme-EULA, or a category such as weak_copyleft.",
    )
    verdict = SelectField("Verdict", choices=VERDICT_CHOICES)
    note = TextAreaField("Why", validators=[DataRequired("Say why."), Length(max=5000)], render_kw={"rows": 2})
    version = HiddenField()


class RemoveEntryForm(BaseForm):
    reason = StringField("Reason", validators=[DataRequired("Give a reason."), Length(max=1000)])
