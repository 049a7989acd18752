"""Forms of the validation blueprint: shape only; the rules live in services."""

from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.db import ROW_ID_MAX, row_id
from app.formatting import humanise
from app.inputs import BaseForm, WholeNumberField
from app.signatures.forms import SignatureForm, SignerFields
from app.validation.rules import (
    Conclusion,
    Deployment,
    Disposition,
    FunctionUse,
    GampCategory,
    Outcome,
    ProcessRisk,
    Revalidation,
    ReviewOutcome,
    Severity,
    TestMethod,
)


def choices(enum: type) -> list[tuple[str, str]]:
    return [(str(member), humanise(str(member))) for member in enum]  # type: ignore[attr-defined]


GAMP_CHOICES = [
    (GampCategory.INFRASTRUCTURE, "1 – Infrastructure software"),
    (GampCategory.NON_CONFIGURED, "3 – Non-configured product"),
    (GampCategory.CONFIGURED, "4 – Configured product"),
    (GampCategory.CUSTOM, "5 – Custom application"),
]
DEPLOYMENT_CHOICES = [("on_prem", "On premises"), ("saas", "SaaS"), ("paas", "PaaS"), ("iaas", "IaaS")]
assert {value for value, _ in DEPLOYMENT_CHOICES} == {str(d) for d in Deployment}


class VersionedForm(BaseForm):
    version = HiddenField()


class SystemForm(VersionedForm):
    supplier_id = SelectField("Supplier", coerce=row_id, validators=[DataRequired("Choose the supplier.")])
    product = StringField("Product", validators=[DataRequired(), Length(max=200)])
    version_in_use = StringField("Version in use", validators=[DataRequired(), Length(max=100)])
    deployment = SelectField("Deployment", choices=DEPLOYMENT_CHOICES)
    intended_use = TextAreaField("Intended use", validators=[DataRequired(), Length(max=5000)],
                                 description="What the system is used for in your quality system or production.")
    qms_processes = TextAreaField("QMS processes", validators=[Length(max=2000)],
                                 description="E.g. CAPA, complaint handling, design control, release.")
    in_scope = BooleanField("In scope of validation (regulatory use)", default=True)
    scope_rationale = TextAreaField("Rationale of the regulatory-use assessment",
                                    validators=[DataRequired(), Length(max=5000)])
    holds_part11_records = BooleanField("Holds Part 11 records (electronic records or signatures)")
    gamp_category = SelectField("GAMP 5 category", choices=GAMP_CHOICES, default="4")
    inventory_component_ref = StringField(
        "Inventory component (package URL)", validators=[Optional(), Length(max=500)],
        description="Optional, e.g. pkg:generic/atlassian/jira@9.1",
    )


class FunctionForm(VersionedForm):
    description = StringField("Function", validators=[DataRequired(), Length(max=2000)],
                              description="A feature or operation as it is used, e.g. 'Approve a CAPA'.")
    use = SelectField("Use", choices=choices(FunctionUse))
    process_risk = SelectField("Process risk", choices=[("high", "High"), ("not_high", "Not high")])
    rationale = TextAreaField("Rationale of the risk determination", validators=[DataRequired(), Length(max=5000)])


assert {value for value, _ in FunctionForm.process_risk.kwargs["choices"]} == {str(r) for r in ProcessRisk}


class ProtocolForm(VersionedForm):
    system_version = StringField("Version under test", validators=[DataRequired(), Length(max=100)])
    scope = TextAreaField("Scope", validators=[Length(max=10000)])
    requirements = TextAreaField("Requirements", validators=[Length(max=20000)])
    acceptance_criteria = TextAreaField("Acceptance criteria", validators=[Length(max=10000)])
    test_environment = TextAreaField(
        "Test environment", validators=[Length(max=10000)],
        description="Where the tests run: tenant or instance, version, browser, test accounts and data.",
    )
    prerequisites = TextAreaField(
        "Prerequisites", validators=[Length(max=10000)],
        description="What must be true before testing starts: training, configuration frozen, supplier evidence at hand.",
    )


class TestCaseForm(VersionedForm):
    __test__ = False

    method = SelectField("Method", choices=choices(TestMethod))
    function_id = SelectField("Function covered", coerce=row_id)
    objective = TextAreaField("Objective", validators=[DataRequired(), Length(max=5000)])
    expected_result = TextAreaField("Expected result (unscripted tests)", validators=[Length(max=5000)])


class StepForm(BaseForm):
    action = TextAreaField("Action", validators=[DataRequired(), Length(max=5000)])
    expected_result = TextAreaField("Expected result", validators=[DataRequired(), Length(max=5000)])


class StepEditForm(StepForm, VersionedForm):
    """A step changed in place."""


class BulkStepsForm(BaseForm):
    steps = TextAreaField(
        "Steps, one per line", validators=[DataRequired("Write at least one step."), Length(max=50000)],
        description='Write each step as "action | expected result", e.g. "Open the CAPA | The CAPA opens".',
    )


class MoveForm(BaseForm):
    offset = WholeNumberField("Offset", validators=[DataRequired(), NumberRange(-ROW_ID_MAX, ROW_ID_MAX)])


class ConfirmForm(BaseForm):
    """A CSRF-protected button."""


class ReasonForm(BaseForm):
    reason = TextAreaField("Reason", validators=[DataRequired("Give the reason."), Length(max=5000)])


class JustificationForm(SignatureForm):
    function_id = WholeNumberField("Function", validators=[DataRequired(), NumberRange(0, ROW_ID_MAX)])
    text = TextAreaField("Why no scripted test case is needed", validators=[DataRequired(), Length(max=5000)])


class ExecutionForm(BaseForm):
    target = SelectField("Test case and step", validators=[DataRequired()])
    tested_version = StringField("Tested version", validators=[DataRequired(), Length(max=100)])
    actual_result = TextAreaField("Actual result", validators=[DataRequired(), Length(max=10000)])
    outcome = SelectField("Outcome", choices=choices(Outcome))
    evidence = FileField("Evidence (png, jpg, pdf, csv, txt, json)")


class CorrectionForm(BaseForm):
    tested_version = StringField("Tested version", validators=[DataRequired(), Length(max=100)])
    actual_result = TextAreaField("Actual result", validators=[DataRequired(), Length(max=10000)])
    outcome = SelectField("Outcome", choices=choices(Outcome))
    reason = TextAreaField("Reason for the correction", validators=[DataRequired(), Length(max=5000)])
    evidence = FileField("Evidence (png, jpg, pdf, csv, txt, json)")


class DeviationCloseForm(SignerFields, VersionedForm):
    """QA's closure of a deviation, signed."""

    severity = SelectField("Severity", choices=choices(Severity))
    severity_reason = TextAreaField("Reason for a change of severity", validators=[Length(max=5000)],
                                    description="Required when the severity differs from the one recorded.")
    impact = TextAreaField("Impact on the intended use", validators=[DataRequired(), Length(max=5000)])
    disposition = SelectField("Disposition", choices=choices(Disposition))
    rationale = TextAreaField("Closure rationale", validators=[DataRequired(), Length(max=5000)])
    password = PasswordField(
        "Your password", validators=[DataRequired("Enter your password to sign.")],
        description="Closing signs the deviation: the legally binding equivalent of your handwritten signature.",
    )
    comment = TextAreaField("Comment", validators=[Length(max=2000)])


class ReportForm(VersionedForm):
    conclusion = SelectField("Conclusion", choices=choices(Conclusion))
    restrictions = TextAreaField("Restrictions", validators=[Length(max=5000)],
                                 description="Required when the system is fit with restrictions.")
    summary = TextAreaField("Summary", validators=[Length(max=10000)])


class ChangeRequestForm(BaseForm):
    new_version = StringField("New version", validators=[DataRequired(), Length(max=100)])
    description = TextAreaField("What changes", validators=[DataRequired(), Length(max=5000)])


class AssessmentForm(SignatureForm):
    impact_assessment = TextAreaField("Impact assessment", validators=[DataRequired(), Length(max=10000)])
    revalidation = SelectField("Revalidation", choices=choices(Revalidation),
                               description="None needs QA; partial or full starts a new protocol version.")


class PeriodicReviewForm(SignatureForm):
    outcome = SelectField("Outcome", choices=choices(ReviewOutcome))
    summary = TextAreaField("Summary of the review", validators=[DataRequired(), Length(max=10000)],
                            description="Incidents, changes, open deviations, supplier status since the last review.")
    data_location = TextAreaField("Where the data stays (retirement)", validators=[Length(max=5000)])
    retain_until = DateField("Retain the data until (retirement)", validators=[Optional()])
