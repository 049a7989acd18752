"""Forms of the questionnaires blueprint: shape only (rules live in services and the pure core)."""

from __future__ import annotations

import math

from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    FloatField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional, ValidationError

from app.db import row_id, stated_id
from app.inputs import BaseForm
from app.questionnaires.definitions import (
    AnsweredBy,
    AnswerType,
    Audience,
    Band,
    DecisionThreshold,
    EvidenceMap,
    EvidenceRule,
    KnockoutScope,
    Option,
    QuestionDefinition,
    ShownIf,
    Thresholds,
)
from app.questionnaires.models import EvaluationType
from app.signatures.forms import SignatureForm

AUDIENCE_CHOICES = [(Audience.COMMERCIAL.value, "Commercial vendors"), (Audience.OPEN_SOURCE.value, "Open-source projects"), (Audience.ANY.value, "Any supplier")]
ANSWER_TYPE_CHOICES = [
    (AnswerType.YES_NO.value, "Yes / no"),
    (AnswerType.SINGLE_CHOICE.value, "Single choice"),
    (AnswerType.MULTIPLE_CHOICE.value, "Multiple choice"),
    (AnswerType.NUMBER.value, "Number"),
    (AnswerType.DATE.value, "Date"),
    (AnswerType.TEXT.value, "Text"),
    (AnswerType.FILE.value, "File upload"),
]


class VersionedForm(BaseForm):
    version = HiddenField()

    def version_number(self) -> int | None:
        """The record version the form was loaded from (None when absent)."""
        return stated_id(self.version.data)


class TemplateForm(VersionedForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    audience = SelectField("Audience", choices=AUDIENCE_CHOICES)
    description = TextAreaField("Description", validators=[Length(max=5000)])


class SectionForm(VersionedForm):
    title = StringField("Section title", validators=[DataRequired(), Length(max=300)])


def _plain(number: float) -> int | float:
    # 80, not 80.0, in the input.
    return int(number) if float(number).is_integer() else number


def _percent(label: str) -> FloatField:
    return FloatField(
        label,
        validators=[InputRequired("Give a percentage."), NumberRange(min=0, max=100, message="Between 0 and 100.")],
        render_kw={"min": 0, "max": 100, "step": "any", "inputmode": "decimal"},
    )


class ThresholdsForm(VersionedForm):
    """The six decision thresholds of a template (a score at or above a threshold reaches that decision)."""

    critical_approved = _percent("Critical: approved from (%)")
    critical_conditional = _percent("Critical: conditionally approved from (%)")
    major_approved = _percent("Major: approved from (%)")
    major_conditional = _percent("Major: conditionally approved from (%)")
    minor_approved = _percent("Minor: approved from (%)")
    minor_conditional = _percent("Minor: conditionally approved from (%)")

    @classmethod
    def for_thresholds(cls, thresholds: Thresholds, version: int) -> ThresholdsForm:
        """A form showing a template's current thresholds."""
        values = {
            f"{c}_{kind}": _plain(getattr(getattr(thresholds, c), kind))
            for c in ("critical", "major", "minor")
            for kind in ("approved", "conditional")
        }
        return cls(formdata=None, version=version, **values)

    def to_thresholds(self) -> Thresholds:
        """The submitted numbers as Thresholds (order is checked by the builder)."""

        def pair(criticality: str) -> DecisionThreshold:
            return DecisionThreshold(
                approved=float(getattr(self, f"{criticality}_approved").data),
                conditional=float(getattr(self, f"{criticality}_conditional").data),
            )

        return Thresholds(critical=pair("critical"), major=pair("major"), minor=pair("minor"))


class MoveForm(VersionedForm):
    direction = HiddenField(validators=[DataRequired()])


class ConfirmForm(VersionedForm):
    """Empty but for CSRF and the version: the confirmation of a POST action."""


def _lines(text: str) -> list[list[str]]:
    return [[part.strip() for part in line.split("|")] for line in (text or "").splitlines() if line.strip()]


def _number(text: str, what: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ValidationError(f"{what} must be a number, not {text!r}.") from None


def parse_options(text: str) -> tuple[Option, ...]:
    """Lines 'value | label | points' -> options (a missing label repeats the value; points default to 0)."""
    options = []
    for parts in _lines(text):
        if len(parts) > 3:
            raise ValidationError("Write each option as: value | label | points")
        value = parts[0]
        label = parts[1] if len(parts) > 1 and parts[1] else value
        points = _number(parts[2], "Points") if len(parts) > 2 and parts[2] else 0.0
        options.append(Option(value, label, points))
    return tuple(options)


def parse_bands(text: str) -> tuple[Band, ...]:
    """Lines 'min | max | points' (empty min or max = unbounded) -> bands."""
    bands = []
    for parts in _lines(text):
        if len(parts) != 3:
            raise ValidationError("Write each band as: min | max | points (leave min or max empty for no bound)")
        bands.append(Band(
            _number(parts[0], "Min") if parts[0] else None,
            _number(parts[1], "Max") if parts[1] else None,
            _number(parts[2], "Points"),
        ))
    return tuple(bands)


def _bound(text: str | None, what: str) -> float | None:
    """An optional finite number bound ('' = none)."""
    text = (text or "").strip()
    if not text:
        return None
    value = _number(text, what)
    if not math.isfinite(value):
        raise ValidationError(f"{what} must be a finite number.")
    return value


def _values(text: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in (text or "").split(",") if v.strip())


def options_text(question: QuestionDefinition) -> str:
    return "\n".join(f"{o.value} | {o.label} | {o.points:g}" for o in question.options)


def bands_text(question: QuestionDefinition) -> str:
    return "\n".join(
        f"{'' if b.min is None else f'{b.min:g}'} | {'' if b.max is None else f'{b.max:g}'} | {b.points:g}"
        for b in question.bands
    )


def parse_evidence(metric: str, text: str) -> EvidenceMap | None:
    """A figure name and lines 'answer value | min | max | figure' (empty bound = none, empty figure = the first)
    -> the evidence mapping; no figure = no mapping."""
    metric = (metric or "").strip()
    rules = []
    for parts in _lines(text):
        if not 1 <= len(parts) <= 4:
            raise ValidationError("Write each evidence rule as: answer value | min | max | figure")
        parts += [""] * (4 - len(parts))
        rules.append(EvidenceRule(parts[0], parts[3], _bound(parts[1], "Min"), _bound(parts[2], "Max")))
    if not metric:
        if rules:
            raise ValidationError("Name the figure the rules read (e.g. commits_90d).")
        return None
    return EvidenceMap(metric, tuple(rules))


def evidence_rules_text(question: QuestionDefinition) -> str:
    if question.evidence is None:
        return ""
    return "\n".join(
        f"{r.value} | {'' if r.min is None else f'{r.min:g}'} | {'' if r.max is None else f'{r.max:g}'}"
        + (f" | {r.metric}" if r.metric else "")
        for r in question.evidence.rules
    )


class QuestionForm(VersionedForm):
    code = StringField("Code", validators=[DataRequired(), Length(max=32)], description="Short and unique, e.g. C14.")
    text = TextAreaField("Question", validators=[DataRequired(), Length(max=2000)])
    help = TextAreaField("Help text", validators=[Length(max=5000)])
    answer_type = SelectField("Answer type", choices=ANSWER_TYPE_CHOICES)
    answered_by = SelectField(
        "Answered by", choices=[(AnsweredBy.SUPPLIER.value, "Supplier"), (AnsweredBy.EVALUATOR.value, "Evaluator (hidden from the supplier)")]
    )
    required = BooleanField("Required", default=True)
    evidence_required = BooleanField("Evidence required (the supplier must attach a file)")
    weight = FloatField("Weight", default=1.0, validators=[InputRequired(), NumberRange(min=0, max=1000)])
    options = TextAreaField(
        "Options", description="One per line: value | label | points. Yes/no questions use the values yes and no."
    )
    bands = TextAreaField("Number bands", description="One per line: min | max | points (min ≤ answer < max; leave a bound empty for none).")
    minimum = StringField("Smallest accepted number", description="Number questions: answers below it are refused; empty = no minimum.")
    maximum = StringField("Largest accepted number", description="Number questions: answers above it are refused; empty = no maximum.")
    knockout_values = StringField("Knock-out values", description="Option values that reject the supplier, separated by commas.")
    knockout_scope = SelectField(
        "Knock-out applies to", choices=[(KnockoutScope.ALL.value, "All suppliers"), (KnockoutScope.CRITICAL_ONLY.value, "Critical suppliers only")]
    )
    shown_if_code = StringField("Show only if question", validators=[Length(max=32)], description="Code of an earlier question; empty = always shown.")
    shown_if_values = StringField("…is answered with", description="Option values, separated by commas.")
    evidence_metric = StringField("Propose the answer from the figure", validators=[Length(max=40)],
                                  description="Open-source questionnaires: a figure that \"Collect evidence\" measures, "
                                              "e.g. commits_90d or organisations_12m; empty = not proposed.")
    evidence_rules = TextAreaField("Evidence rules", description=(
        "Choice questions, one per line, first that holds wins: answer value | min | max | figure "
        "(min ≤ figure < max; empty bound = none; empty figure = the one above). Number questions take the figure itself."))

    def validate_evidence_rules(self, field: TextAreaField) -> None:
        parse_evidence(self.evidence_metric.data or "", field.data or "")

    def validate_options(self, field: TextAreaField) -> None:
        parse_options(field.data or "")

    def validate_bands(self, field: TextAreaField) -> None:
        parse_bands(field.data or "")

    def validate_minimum(self, field: StringField) -> None:
        _bound(field.data, "The minimum")

    def validate_maximum(self, field: StringField) -> None:
        _bound(field.data, "The maximum")

    def to_question(self) -> QuestionDefinition:
        """The question the form describes (after validate())."""
        shown_if = None
        if (self.shown_if_code.data or "").strip():
            shown_if = ShownIf(self.shown_if_code.data.strip(), _values(self.shown_if_values.data or ""))
        return QuestionDefinition(
            code=(self.code.data or "").strip(),
            text=(self.text.data or "").strip(),
            help=(self.help.data or "").strip(),
            answer_type=AnswerType(self.answer_type.data),
            answered_by=AnsweredBy(self.answered_by.data),
            required=bool(self.required.data),
            evidence_required=bool(self.evidence_required.data),
            weight=float(self.weight.data or 0),
            options=parse_options(self.options.data or ""),
            bands=parse_bands(self.bands.data or ""),
            knockout_values=_values(self.knockout_values.data or ""),
            knockout_scope=KnockoutScope(self.knockout_scope.data),
            shown_if=shown_if,
            minimum=_bound(self.minimum.data, "The minimum"),
            maximum=_bound(self.maximum.data, "The maximum"),
            evidence=parse_evidence(self.evidence_metric.data or "", self.evidence_rules.data or ""),
        )

    def load(self, question: QuestionDefinition) -> None:
        """Fill the form from an existing question."""
        self.code.data = question.code
        self.text.data = question.text
        self.help.data = question.help
        self.answer_type.data = question.answer_type.value
        self.answered_by.data = question.answered_by.value
        self.required.data = question.required
        self.evidence_required.data = question.evidence_required
        self.weight.data = question.weight
        self.options.data = options_text(question)
        self.bands.data = bands_text(question)
        self.minimum.data = "" if question.minimum is None else f"{question.minimum:g}"
        self.maximum.data = "" if question.maximum is None else f"{question.maximum:g}"
        self.knockout_values.data = ", ".join(question.knockout_values)
        self.knockout_scope.data = question.knockout_scope.value
        self.shown_if_code.data = question.shown_if.question_code if question.shown_if else ""
        self.shown_if_values.data = ", ".join(question.shown_if.values) if question.shown_if else ""
        self.evidence_metric.data = question.evidence.metric if question.evidence else ""
        self.evidence_rules.data = evidence_rules_text(question)


class ImportForm(BaseForm):
    file = FileField(
        "Template file (JSON or YAML)",
        validators=[
            FileRequired("Choose a file."),
            FileAllowed(["json", "yaml", "yml"], "Only .json, .yaml or .yml files."),
            FileSize(1024 * 1024, message="The file is larger than 1 MB."),
        ],
    )


# --- Evaluations ---------------------------------------------------------------------------------

TYPE_CHOICES = [(EvaluationType.INITIAL.value, "Initial"), (EvaluationType.PERIODIC.value, "Periodic"), (EvaluationType.FOR_CAUSE.value, "For cause")]


class StartEvaluationForm(BaseForm):
    supplier_id = HiddenField(validators=[DataRequired()])
    template_id = SelectField("Questionnaire", coerce=row_id, validators=[InputRequired("Choose a questionnaire.")])
    evaluation_type = SelectField("Type", choices=TYPE_CHOICES)
    due_date = DateField("Answers due by", validators=[Optional()])


class SendLinkForm(BaseForm):
    contact_name = StringField("Contact name", validators=[DataRequired(), Length(max=200)])
    contact_email = EmailField("Contact e-mail", validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)])


class CancelForm(BaseForm):
    reason = TextAreaField("Reason for cancelling", validators=[DataRequired(), Length(max=2000)])


class OverrideForm(BaseForm):
    question_code = SelectField("Question", validators=[DataRequired()])
    points = FloatField("New points", validators=[InputRequired(), NumberRange(min=0)])
    reason = TextAreaField("Reason", validators=[DataRequired("Give the reason for the override."), Length(max=2000)])


DECISION_MEANING = {"approved": "approved", "conditionally_approved": "approved", "rejected": "rejected"}


class DecisionForm(SignatureForm):
    """QA's decision with the signature step; the meaning follows the decision (approved or rejected)."""

    decision = RadioField(
        "Decision",
        choices=[("approved", "Approved"), ("conditionally_approved", "Conditionally approved"), ("rejected", "Rejected")],
        validators=[InputRequired("Choose a decision.")],
        description="Pre-selected: the decision the score suggests. Choose another with a rationale.",
    )
    approval_scope = TextAreaField("Scope of the approval", validators=[Length(max=2000)], description="What may be bought from this supplier.")
    conditions = TextAreaField("Conditions", validators=[Length(max=5000)], description="Required for a conditional approval.")
    rationale = TextAreaField("Rationale", validators=[DataRequired("Write the rationale of the decision."), Length(max=5000)])
    knockout_justification = TextAreaField(
        "Justification despite the knock-out", validators=[Length(max=5000)],
        description="Required to approve conditionally when an answer is a knock-out.",
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.meaning.choices = [("approved", "Approved"), ("rejected", "Rejected")]
        self.meaning.data = DECISION_MEANING.get(self.decision.data or "", "approved")


class EvaluatorAnswersForm(VersionedForm):
    """CSRF and the evaluation's version (a stale form gets 409): the evaluator's answer inputs are generated from
    the template (answer-<code>)."""




class ProposalForm(BaseForm):
    """Accept one proposed answer (code) or, without a code, every open one."""

    code = HiddenField()


class ProposalOverrideForm(BaseForm):
    code = HiddenField(validators=[DataRequired()])
    answer = StringField("Answer", validators=[DataRequired("Choose the answer.")])
    reason = TextAreaField("Why not the proposed answer", validators=[
        DataRequired("Say why you answer otherwise than the evidence proposes."), Length(max=2000)])
