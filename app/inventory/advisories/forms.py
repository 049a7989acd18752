"""Forms for advisories: importing OSV files and triaging a match. Shape only, the services check the rules."""

from __future__ import annotations

from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import SelectField, TextAreaField
from wtforms.validators import Length, Optional

from app.inputs import BaseForm
from app.inventory.advisories.models import Justification, MatchState

STATE_CHOICES = [
    (MatchState.OPEN.value, "Open (not triaged)"),
    (MatchState.UNDER_INVESTIGATION.value, "Under investigation"),
    (MatchState.NOT_AFFECTED.value, "Not affected"),
    (MatchState.AFFECTED.value, "Affected (with mitigation)"),
    (MatchState.FIXED.value, "Fixed"),
]
STATE_LABELS = dict(STATE_CHOICES) | {MatchState.OPEN.value: "Open"}
JUSTIFICATION_LABELS = {
    Justification.CODE_NOT_PRESENT.value: "Code not present (CycloneDX)",
    Justification.CODE_NOT_REACHABLE.value: "Code not reachable (CycloneDX)",
    Justification.REQUIRES_CONFIGURATION.value: "Requires configuration (CycloneDX)",
    Justification.REQUIRES_DEPENDENCY.value: "Requires dependency (CycloneDX)",
    Justification.REQUIRES_ENVIRONMENT.value: "Requires environment (CycloneDX)",
    Justification.PROTECTED_BY_COMPILER.value: "Protected by compiler (CycloneDX)",
    Justification.PROTECTED_AT_RUNTIME.value: "Protected at runtime (CycloneDX)",
    Justification.PROTECTED_AT_PERIMETER.value: "Protected at perimeter (CycloneDX)",
    Justification.PROTECTED_BY_MITIGATING_CONTROL.value: "Protected by mitigating control (CycloneDX)",
    Justification.COMPONENT_NOT_PRESENT.value: "Component not present (OpenVEX)",
    Justification.VULNERABLE_CODE_NOT_PRESENT.value: "Vulnerable code not present (OpenVEX)",
    Justification.VULNERABLE_CODE_NOT_IN_EXECUTE_PATH.value: "Vulnerable code not in execute path (OpenVEX)",
    Justification.VULNERABLE_CODE_CANNOT_BE_CONTROLLED_BY_ADVERSARY.value:
        "Vulnerable code cannot be controlled by adversary (OpenVEX)",
    Justification.INLINE_MITIGATIONS_ALREADY_EXIST.value: "Inline mitigations already exist (OpenVEX)",
}
assert set(JUSTIFICATION_LABELS) == set(Justification)
JUSTIFICATION_CHOICES = [("", "— (only for not affected)"), *JUSTIFICATION_LABELS.items()]

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
    justification = SelectField("Justification", choices=JUSTIFICATION_CHOICES, validators=[Optional()])
    note = TextAreaField("Note", validators=[Optional(), Length(max=5000)], render_kw={"rows": 2})
