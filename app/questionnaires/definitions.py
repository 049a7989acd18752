"""Questionnaire template definitions: plain dataclasses, strict JSON/YAML round trip, validation.

A template is data an admin can export, edit and import again, so the loader is strict: a typo
in a key must fail loudly with the path of the offending value instead of being ignored.
No Flask, no ORM: the web layer stores the exported dict and calls these functions.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal, TypeVar

import yaml

from app import nesting
from app.questionnaires.metrics import METRICS

NA = "na"
"""The answer value meaning "not applicable"; reserved, so no option may use it."""

YES_NO_VALUES: tuple[str, str] = ("yes", "no")

# Limits keep an uploaded template (possibly a YAML alias bomb) from exhausting memory or time:
# safe_load shares aliased nodes, but walking them would still multiply the work.
MAX_SOURCE_CHARS = 1_000_000
MAX_SECTIONS = 100
MAX_QUESTIONS = 500
MAX_ITEMS_PER_LIST = 100

# Number answers: any answer (and any configured range bound) stays below this magnitude, and a typed
# number has at most this many characters, so "1E+999999" or a 5,000-digit number is refused always.
MAX_NUMBER_MAGNITUDE = 1e15
MAX_NUMBER_CHARS = 40

CODE_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{0,31}")


class Audience(StrEnum):
    COMMERCIAL = "commercial"
    OPEN_SOURCE = "open_source"
    ANY = "any"


class AnswerType(StrEnum):
    YES_NO = "yes_no"
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    NUMBER = "number"
    DATE = "date"
    TEXT = "text"
    FILE = "file"


CHOICE_TYPES = frozenset({AnswerType.YES_NO, AnswerType.SINGLE_CHOICE, AnswerType.MULTIPLE_CHOICE})


class KnockoutScope(StrEnum):
    ALL = "all"
    CRITICAL_ONLY = "critical_only"


class AnsweredBy(StrEnum):
    SUPPLIER = "supplier"
    EVALUATOR = "evaluator"


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    points: float


@dataclass(frozen=True)
class Band:
    """Points for a number answer with min <= value < max; None means unbounded on that side.

    Half-open so that bands can cover the number line without overlapping (0-2, 2-5, 5-).
    """

    min: float | None
    max: float | None
    points: float

    def contains(self, value: float) -> bool:
        """A value is in the band when min <= value < max (missing bounds are unbounded)."""
        return (self.min is None or value >= self.min) and (self.max is None or value < self.max)


@dataclass(frozen=True)
class ShownIf:
    question_code: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class EvidenceRule:
    """Propose `value` when the figure `metric` (the mapping's own metric when empty) is in [min, max)."""

    value: str
    metric: str = ""
    min: float | None = None
    max: float | None = None

    def holds(self, figure: float) -> bool:
        return (self.min is None or figure >= self.min) and (self.max is None or figure < self.max)


@dataclass(frozen=True)
class EvidenceMap:
    """How collected evidence proposes an answer: a number question takes the figure `metric` itself; a choice
    question takes the value of the first rule that holds (rules whose figure is missing are skipped)."""

    metric: str
    rules: tuple[EvidenceRule, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class CertificateMap:
    """The question asks for a certificate: its option values name the supplier's certificate register standard
    (`standards`: option value -> standard), `number` and `valid_until` name the questions giving the certificate's
    number and expiry date, and the file is the evidence attached to this question. A signed decision records it."""

    standards: tuple[tuple[str, str], ...]
    valid_until: str
    number: str = ""

    def standard_for(self, value: str) -> str:
        """The register's standard an answer names ('' when the answer names no certificate)."""
        return dict(self.standards).get(value, "")


@dataclass(frozen=True, kw_only=True)
class QuestionDefinition:
    code: str
    text: str
    answer_type: AnswerType
    help: str = ""
    required: bool = True
    evidence_required: bool = False
    options: tuple[Option, ...] = ()
    bands: tuple[Band, ...] = ()
    weight: float = 1.0
    knockout_values: tuple[str, ...] = ()
    knockout_scope: KnockoutScope = KnockoutScope.ALL
    shown_if: ShownIf | None = None
    answered_by: AnsweredBy = AnsweredBy.SUPPLIER
    minimum: float | None = None
    """Smallest accepted number answer (number questions only; None = no lower bound)."""
    maximum: float | None = None
    """Largest accepted number answer (number questions only; None = no upper bound)."""
    evidence: EvidenceMap | None = None
    """How "Collect evidence" proposes this question's answer (open-source questionnaires); None: it does not."""
    certificate: CertificateMap | None = None
    """How the answer reaches the supplier's certificate register when the decision is signed; None: it does not."""

    def range_text(self) -> str:
        """The accepted range in words ("from 0 to 200", "0 or more", "at most 10"); '' when unbounded."""
        low, high = self.minimum, self.maximum
        if low is not None and high is not None:
            return f"from {low:g} to {high:g}"
        if low is not None:
            return f"{low:g} or more"
        if high is not None:
            return f"at most {high:g}"
        return ""


CRITICALITIES: tuple[str, str, str] = ("critical", "major", "minor")


@dataclass(frozen=True)
class DecisionThreshold:
    """A score >= approved suggests approval, >= conditional a conditional approval, below that rejection.

    Any numbers are accepted here so that a template under edit can hold them; validate() reports pairs
    that break 0 <= conditional <= approved <= 100, and scoring refuses them.
    """

    approved: float
    conditional: float

    def is_ordered(self) -> bool:
        """True when 0 <= conditional <= approved <= 100."""
        return 0 <= self.conditional <= self.approved <= 100


@dataclass(frozen=True)
class Thresholds:
    """Decision thresholds per supplier criticality, part of a template (these are the defaults)."""

    critical: DecisionThreshold = DecisionThreshold(approved=80, conditional=60)
    major: DecisionThreshold = DecisionThreshold(approved=75, conditional=50)
    minor: DecisionThreshold = DecisionThreshold(approved=75, conditional=50)

    def for_criticality(self, criticality: str) -> DecisionThreshold:
        """The threshold pair for critical, major or minor suppliers; ValueError for anything else."""
        if criticality not in CRITICALITIES:
            raise ValueError(
                f"unknown criticality {criticality!r}; expected one of {', '.join(CRITICALITIES)}"
            )
        threshold: DecisionThreshold = getattr(self, criticality)
        return threshold


DEFAULT_THRESHOLDS = Thresholds()


@dataclass(frozen=True)
class SectionDefinition:
    title: str
    questions: tuple[QuestionDefinition, ...]


@dataclass(frozen=True, kw_only=True)
class TemplateDefinition:
    name: str
    audience: Audience
    version: int
    sections: tuple[SectionDefinition, ...]
    description: str = ""
    thresholds: Thresholds = DEFAULT_THRESHOLDS

    def questions(self) -> list[QuestionDefinition]:
        """All questions in document order (sections first to last)."""
        return [q for section in self.sections for q in section.questions]

    def question(self, code: str) -> QuestionDefinition:
        """The question with this code; KeyError when the template has none."""
        for q in self.questions():
            if q.code == code:
                return q
        raise KeyError(code)


@dataclass(frozen=True)
class Problem:
    path: str
    message: str


class DefinitionError(ValueError):
    """A template document that cannot be turned into a TemplateDefinition."""

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        self.message = message
        super().__init__(f"{path}: {message}" if path else message)


# ---------------------------------------------------------------------------------------------
# Points


def option_values(question: QuestionDefinition) -> tuple[str, ...]:
    """Values a choice answer may take: always yes/no for a yes/no question, else the option values."""
    if question.answer_type is AnswerType.YES_NO:
        return YES_NO_VALUES
    return tuple(o.value for o in question.options)


def max_points(question: QuestionDefinition) -> float:
    """Best reachable points: top option, sum of positive options (multiple choice), top band; else 0."""
    if question.answer_type is AnswerType.MULTIPLE_CHOICE:
        return math.fsum(o.points for o in question.options if o.points > 0)
    if question.answer_type in (AnswerType.YES_NO, AnswerType.SINGLE_CHOICE):
        return max([0.0, *(o.points for o in question.options)])
    if question.answer_type is AnswerType.NUMBER:
        return max([0.0, *(b.points for b in question.bands)])
    return 0.0


def is_scored(question: QuestionDefinition) -> bool:
    """A question counts towards the score when it can earn points and its weight is positive."""
    return max_points(question) > 0 and question.weight > 0


# ---------------------------------------------------------------------------------------------
# Export


def _num(value: float) -> int | float:
    # Whole numbers are written as 10, not 10.0, so exported YAML reads like the hand-written one.
    value = float(value)
    if value.is_integer() and abs(value) < 1e15:
        return int(value)
    return value


def to_dict(defn: TemplateDefinition) -> dict[str, Any]:
    """The complete, JSON-safe form of a template; from_dict(to_dict(d)) == d."""
    return {
        "name": defn.name,
        "audience": str(defn.audience),
        "version": defn.version,
        "description": defn.description,
        "sections": [
            {"title": s.title, "questions": [_question_to_dict(q) for q in s.questions]}
            for s in defn.sections
        ],
        "thresholds": {
            c: {
                "approved": _num(defn.thresholds.for_criticality(c).approved),
                "conditional": _num(defn.thresholds.for_criticality(c).conditional),
            }
            for c in CRITICALITIES
        },
    }


def _question_to_dict(q: QuestionDefinition) -> dict[str, Any]:
    # The range and the evidence mapping are written only when set, so templates stored before they existed keep
    # their content hash.
    bounds: dict[str, Any] = {
        key: _num(value) for key, value in (("minimum", q.minimum), ("maximum", q.maximum)) if value is not None}
    if q.evidence is not None:
        bounds["evidence"] = {
            "metric": q.evidence.metric,
            "rules": [{"value": r.value, **({"metric": r.metric} if r.metric else {}),
                       **({"min": _num(r.min)} if r.min is not None else {}),
                       **({"max": _num(r.max)} if r.max is not None else {})} for r in q.evidence.rules],
            **({"note": q.evidence.note} if q.evidence.note else {}),
        }
    if q.certificate is not None:
        bounds["certificate"] = {
            "standards": dict(q.certificate.standards), "valid_until": q.certificate.valid_until,
            **({"number": q.certificate.number} if q.certificate.number else {}),
        }
    return {
        "code": q.code,
        "text": q.text,
        "help": q.help,
        "answer_type": str(q.answer_type),
        "required": q.required,
        "evidence_required": q.evidence_required,
        "answered_by": str(q.answered_by),
        "weight": _num(q.weight),
        "options": [{"value": o.value, "label": o.label, "points": _num(o.points)} for o in q.options],
        "bands": [
            {
                "min": None if b.min is None else _num(b.min),
                "max": None if b.max is None else _num(b.max),
                "points": _num(b.points),
            }
            for b in q.bands
        ],
        "knockout_values": list(q.knockout_values),
        "knockout_scope": str(q.knockout_scope),
        "shown_if": (
            None
            if q.shown_if is None
            else {"question_code": q.shown_if.question_code, "values": list(q.shown_if.values)}
        ),
        **bounds,
    }


def dump_json(defn: TemplateDefinition) -> str:
    """The template as indented UTF-8 JSON."""
    return json.dumps(to_dict(defn), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


# PyYAML writes these characters raw when allow_unicode is on, then reads them back as line
# breaks or a byte-order mark; its double-quoted style escapes them, so strings holding them use it.
_YAML_UNSAFE = ("\x85", "\u2028", "\u2029", "\ufeff")


class _TemplateDumper(yaml.SafeDumper):
    """SafeDumper that keeps every string intact through a load (see _YAML_UNSAFE)."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = '"' if any(ch in value for ch in _YAML_UNSAFE) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_TemplateDumper.add_representer(str, _represent_str)


def dump_yaml(defn: TemplateDefinition) -> str:
    """The template as readable UTF-8 YAML in definition order (a PyYAML SafeDumper)."""
    return yaml.dump(to_dict(defn), Dumper=_TemplateDumper, sort_keys=False, allow_unicode=True, width=100)


# ---------------------------------------------------------------------------------------------
# Import

T = TypeVar("T")
E = TypeVar("E", bound=StrEnum)


def _describe(value: object) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"a {type(value).__name__}"


class _Reader:
    """Walks a loaded document; every check names the path of the value it rejects."""

    def __init__(self) -> None:
        self.question_count = 0

    def mapping(
        self, data: object, path: str, required: Sequence[str], optional: Sequence[str]
    ) -> Mapping[str, Any]:
        if not isinstance(data, dict):
            raise DefinitionError(path, f"expected a mapping, got {_describe(data)}")
        unknown = [k for k in data if k not in required and k not in optional]
        if unknown:
            raise DefinitionError(_join(path, str(unknown[0])), "unknown key")
        for key in required:
            if key not in data:
                raise DefinitionError(_join(path, key), "missing required key")
        return data

    def string(self, data: object, path: str) -> str:
        if isinstance(data, str):
            return data
        hint = " (quote yes/no/on/off in YAML)" if isinstance(data, bool) else ""
        raise DefinitionError(path, f"expected a string, got {_describe(data)}{hint}")

    def boolean(self, data: object, path: str) -> bool:
        if isinstance(data, bool):
            return data
        raise DefinitionError(path, f"expected true or false, got {_describe(data)}")

    def integer(self, data: object, path: str) -> int:
        if isinstance(data, int) and not isinstance(data, bool):
            return data
        raise DefinitionError(path, f"expected a whole number, got {_describe(data)}")

    def number(self, data: object, path: str) -> float:
        if isinstance(data, (int, float)) and not isinstance(data, bool):
            try:
                value = float(data)
            except OverflowError:
                raise DefinitionError(path, "number is too large") from None
            if math.isfinite(value):
                return value
            raise DefinitionError(path, "expected a finite number")
        raise DefinitionError(path, f"expected a number, got {_describe(data)}")

    def optional_number(self, data: object, path: str) -> float | None:
        return None if data is None else self.number(data, path)

    def enum(self, data: object, path: str, enum: type[E]) -> E:
        text = self.string(data, path)
        try:
            return enum(text)
        except ValueError:
            allowed = ", ".join(m.value for m in enum)
            raise DefinitionError(path, f"expected one of {allowed}, got {text!r}") from None

    def items(self, data: object, path: str, read: Callable[[object, str], T], limit: int) -> tuple[T, ...]:
        if not isinstance(data, list):
            raise DefinitionError(path, f"expected a list, got {_describe(data)}")
        if len(data) > limit:
            raise DefinitionError(path, f"at most {limit} entries are allowed")
        return tuple(read(item, f"{path}[{i}]") for i, item in enumerate(data))

    def template(self, data: object, path: str = "") -> TemplateDefinition:
        d = self.mapping(data, path, ("name", "audience", "version", "sections"), ("description", "thresholds"))
        return TemplateDefinition(
            name=self.string(d["name"], _join(path, "name")),
            audience=self.enum(d["audience"], _join(path, "audience"), Audience),
            version=self.integer(d["version"], _join(path, "version")),
            description=self.string(d.get("description", ""), _join(path, "description")),
            sections=self.items(d["sections"], _join(path, "sections"), self.section, MAX_SECTIONS),
            thresholds=(
                self.thresholds(d["thresholds"], _join(path, "thresholds"))
                if "thresholds" in d
                else DEFAULT_THRESHOLDS  # templates stored before thresholds were part of them
            ),
        )

    def thresholds(self, data: object, path: str) -> Thresholds:
        # A criticality left out keeps its default, so a file can change only the critical pair.
        d = self.mapping(data, path, (), CRITICALITIES)
        pairs = {c: self.threshold(d[c], _join(path, c)) for c in CRITICALITIES if c in d}
        return Thresholds(**pairs)

    def threshold(self, data: object, path: str) -> DecisionThreshold:
        d = self.mapping(data, path, ("approved", "conditional"), ())
        return DecisionThreshold(
            approved=self.number(d["approved"], _join(path, "approved")),
            conditional=self.number(d["conditional"], _join(path, "conditional")),
        )

    def section(self, data: object, path: str) -> SectionDefinition:
        d = self.mapping(data, path, ("title", "questions"), ())
        return SectionDefinition(
            title=self.string(d["title"], _join(path, "title")),
            questions=self.items(d["questions"], _join(path, "questions"), self.question, MAX_QUESTIONS),
        )

    def question(self, data: object, path: str) -> QuestionDefinition:
        self.question_count += 1
        if self.question_count > MAX_QUESTIONS:
            raise DefinitionError(path, f"a template holds at most {MAX_QUESTIONS} questions")
        optional = (
            "help",
            "required",
            "evidence_required",
            "answered_by",
            "weight",
            "options",
            "bands",
            "knockout_values",
            "knockout_scope",
            "shown_if",
            "minimum",
            "maximum",
            "evidence",
            "certificate",
        )
        d = self.mapping(data, path, ("code", "text", "answer_type"), optional)

        def at(key: str) -> str:
            return _join(path, key)

        shown_if = d.get("shown_if")
        return QuestionDefinition(
            code=self.string(d["code"], at("code")),
            text=self.string(d["text"], at("text")),
            answer_type=self.enum(d["answer_type"], at("answer_type"), AnswerType),
            help=self.string(d.get("help", ""), at("help")),
            required=self.boolean(d.get("required", True), at("required")),
            evidence_required=self.boolean(d.get("evidence_required", False), at("evidence_required")),
            answered_by=self.enum(d.get("answered_by", "supplier"), at("answered_by"), AnsweredBy),
            weight=self.number(d.get("weight", 1), at("weight")),
            options=self.items(d.get("options", []), at("options"), self.option, MAX_ITEMS_PER_LIST),
            bands=self.items(d.get("bands", []), at("bands"), self.band, MAX_ITEMS_PER_LIST),
            knockout_values=self.items(
                d.get("knockout_values", []), at("knockout_values"), self.string, MAX_ITEMS_PER_LIST
            ),
            knockout_scope=self.enum(d.get("knockout_scope", "all"), at("knockout_scope"), KnockoutScope),
            shown_if=None if shown_if is None else self.shown_if(shown_if, at("shown_if")),
            minimum=self.optional_number(d.get("minimum"), at("minimum")),
            maximum=self.optional_number(d.get("maximum"), at("maximum")),
            evidence=None if d.get("evidence") is None else self.evidence(d["evidence"], at("evidence")),
            certificate=None if d.get("certificate") is None else self.certificate(d["certificate"], at("certificate")),
        )

    def certificate(self, data: object, path: str) -> CertificateMap:
        d = self.mapping(data, path, ("standards", "valid_until"), ("number",))
        standards = d["standards"]
        if not isinstance(standards, dict):
            raise DefinitionError(_join(path, "standards"), f"expected a mapping, got {_describe(standards)}")
        if len(standards) > MAX_ITEMS_PER_LIST:
            raise DefinitionError(_join(path, "standards"), f"at most {MAX_ITEMS_PER_LIST} standards")
        return CertificateMap(
            standards=tuple((self.string(key, _join(path, "standards")),
                             self.string(value, _join(_join(path, "standards"), str(key))))
                            for key, value in standards.items()),
            valid_until=self.string(d["valid_until"], _join(path, "valid_until")),
            number=self.string(d.get("number", ""), _join(path, "number")),
        )

    def evidence(self, data: object, path: str) -> EvidenceMap:
        d = self.mapping(data, path, ("metric",), ("rules", "note"))
        return EvidenceMap(
            metric=self.string(d["metric"], _join(path, "metric")),
            rules=self.items(d.get("rules", []), _join(path, "rules"), self.evidence_rule, MAX_ITEMS_PER_LIST),
            note=self.string(d.get("note", ""), _join(path, "note")),
        )

    def evidence_rule(self, data: object, path: str) -> EvidenceRule:
        d = self.mapping(data, path, ("value",), ("metric", "min", "max"))
        return EvidenceRule(
            value=self.string(d["value"], _join(path, "value")),
            metric=self.string(d.get("metric", ""), _join(path, "metric")),
            min=self.optional_number(d.get("min"), _join(path, "min")),
            max=self.optional_number(d.get("max"), _join(path, "max")),
        )

    def option(self, data: object, path: str) -> Option:
        d = self.mapping(data, path, ("value", "label", "points"), ())
        return Option(
            value=self.string(d["value"], _join(path, "value")),
            label=self.string(d["label"], _join(path, "label")),
            points=self.number(d["points"], _join(path, "points")),
        )

    def band(self, data: object, path: str) -> Band:
        d = self.mapping(data, path, ("points",), ("min", "max"))
        return Band(
            min=self.optional_number(d.get("min"), _join(path, "min")),
            max=self.optional_number(d.get("max"), _join(path, "max")),
            points=self.number(d["points"], _join(path, "points")),
        )

    def shown_if(self, data: object, path: str) -> ShownIf:
        d = self.mapping(data, path, ("question_code", "values"), ())
        return ShownIf(
            question_code=self.string(d["question_code"], _join(path, "question_code")),
            values=self.items(d["values"], _join(path, "values"), self.string, MAX_ITEMS_PER_LIST),
        )


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def from_dict(data: object) -> TemplateDefinition:
    """Build a template from its dict form; unknown, mistyped or missing keys raise DefinitionError."""
    return _Reader().template(data)


def load(source: str | bytes, format: Literal["json", "yaml"] | None = None) -> TemplateDefinition:
    """Parse a JSON or YAML template (format detected when None: JSON if it starts with '{')."""
    if isinstance(source, bytes):
        try:
            text = source.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise DefinitionError("", "the file is not UTF-8 text") from None
    else:
        text = source
    if len(text) > MAX_SOURCE_CHARS:
        raise DefinitionError("", f"the file is larger than {MAX_SOURCE_CHARS:,} characters")
    if format is None:
        format = "json" if text.lstrip().startswith("{") else "yaml"
    data: object
    if format == "json":
        try:
            data = nesting.load_json(text)
        except nesting.UnreadableData as exc:
            raise DefinitionError("", str(exc)) from None
        except json.JSONDecodeError as exc:
            raise DefinitionError(
                "", f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
            ) from None
    elif format == "yaml":
        try:
            data = nesting.load_yaml(text)
        except nesting.UnreadableData as exc:
            raise DefinitionError("", str(exc)) from None
        except yaml.YAMLError as exc:
            raise DefinitionError("", f"not valid YAML: {exc}") from None
    else:
        raise ValueError(f"unknown format {format!r}")
    return from_dict(data)


# ---------------------------------------------------------------------------------------------
# Validation


def validate(defn: TemplateDefinition) -> list[Problem]:
    """Every rule a template breaks; an empty list means it can be published."""
    problems: list[Problem] = []

    def report(path: str, message: str) -> None:
        problems.append(Problem(path, message))

    if not defn.name.strip():
        report("name", "Give the template a name")
    if defn.version < 1:
        report("version", "The version must be 1 or higher")
    if not defn.sections:
        report("sections", "A template needs at least one section")

    earlier: dict[str, QuestionDefinition] = {}
    seen_codes: set[str] = set()
    for s_index, section in enumerate(defn.sections):
        s_path = f"sections[{s_index}]"
        if not section.title.strip():
            report(f"{s_path}.title", "Give the section a title")
        if not section.questions:
            report(f"{s_path}.questions", "A section needs at least one question")
        for q_index, question in enumerate(section.questions):
            q_path = f"{s_path}.questions[{q_index}]"
            if question.code in seen_codes:
                report(f"{q_path}.code", f"The code {question.code!r} is used by another question")
            seen_codes.add(question.code)
            _validate_question(question, q_path, earlier, report)
            earlier.setdefault(question.code, question)

    for criticality in CRITICALITIES:
        pair = defn.thresholds.for_criticality(criticality)
        if not pair.is_ordered():
            report(
                f"thresholds.{criticality}",
                f"The {criticality} thresholds need 0 <= conditional <= approved <= 100 "
                f"(got approved {pair.approved:g}, conditional {pair.conditional:g})",
            )

    _validate_certificates(defn, report)
    if defn.sections and not any(is_scored(q) for q in defn.questions()):
        report(
            "sections", "No question can earn points: give at least one question points and a weight above 0"
        )
    return problems


def _validate_certificates(defn: TemplateDefinition, report: Callable[[str, str], None]) -> None:
    """A certificate question is a choice whose mapped values are its options; its number is a text question and
    its expiry a date question of the same template."""
    by_code = {q.code: q for q in defn.questions()}
    for s_index, section in enumerate(defn.sections):
        for q_index, q in enumerate(section.questions):
            if q.certificate is None:
                continue
            path = f"sections[{s_index}].questions[{q_index}].certificate"
            if q.answer_type not in (AnswerType.SINGLE_CHOICE, AnswerType.YES_NO):
                report(path, "Only a single-choice or yes/no question can name a certificate")
            allowed = set(option_values(q))
            for value, standard in q.certificate.standards:
                if value not in allowed:
                    report(f"{path}.standards.{value}", f"{value!r} is not one of this question's option values")
                if not standard.strip():
                    report(f"{path}.standards.{value}", "Name the standard of the certificate register")
            if not q.certificate.standards:
                report(f"{path}.standards", "Map at least one option to a standard")
            for key, code, kind in (("valid_until", q.certificate.valid_until, AnswerType.DATE),
                                    ("number", q.certificate.number, AnswerType.TEXT)):
                if not code:
                    continue
                other = by_code.get(code)
                if other is None:
                    report(f"{path}.{key}", f"No question has the code {code!r}")
                elif other.answer_type is not kind:
                    report(f"{path}.{key}", f"{code!r} must be a {kind.value} question")


def _validate_question(
    q: QuestionDefinition,
    path: str,
    earlier: Mapping[str, QuestionDefinition],
    report: Callable[[str, str], None],
) -> None:
    if not CODE_PATTERN.fullmatch(q.code):
        report(
            f"{path}.code", "A code starts with a letter and uses at most 32 letters, digits, '_', '.' or '-'"
        )
    if not q.text.strip():
        report(f"{path}.text", "Write the question")
    if q.weight < 0:
        report(f"{path}.weight", "The weight cannot be negative")

    if q.options and q.answer_type not in CHOICE_TYPES:
        report(f"{path}.options", "Only yes/no and choice questions have options")
    if q.answer_type in (AnswerType.SINGLE_CHOICE, AnswerType.MULTIPLE_CHOICE):
        needed = 2 if q.answer_type is AnswerType.SINGLE_CHOICE else 1
        if len(q.options) < needed:
            report(f"{path}.options", f"A {q.answer_type.value} question needs at least {needed} option(s)")
    seen_values: set[str] = set()
    for i, option in enumerate(q.options):
        o_path = f"{path}.options[{i}]"
        if not option.value.strip():
            report(f"{o_path}.value", "An option needs a value")
        elif option.value == NA:
            report(f"{o_path}.value", f"{NA!r} is reserved for 'not applicable'")
        elif option.value in seen_values:
            report(f"{o_path}.value", f"The value {option.value!r} is used by another option")
        seen_values.add(option.value)
        if q.answer_type is AnswerType.YES_NO and option.value not in YES_NO_VALUES:
            report(f"{o_path}.value", "A yes/no question only has the options 'yes' and 'no'")
        if not option.label.strip():
            report(f"{o_path}.label", "An option needs a label")
        if option.points < 0:
            report(f"{o_path}.points", "Points cannot be negative")

    if q.bands and q.answer_type is not AnswerType.NUMBER:
        report(f"{path}.bands", "Only number questions have bands")
    _validate_range(q, path, report)
    _validate_bands(q, path, report)

    allowed = set(option_values(q)) if q.answer_type in CHOICE_TYPES else set()
    for i, value in enumerate(q.knockout_values):
        if value not in allowed:
            report(f"{path}.knockout_values[{i}]", f"{value!r} is not one of this question's option values")

    if q.shown_if is not None:
        _validate_shown_if(q, path, earlier, report)
    if q.evidence is not None:
        _validate_evidence(q, path, report)


def _validate_evidence(q: QuestionDefinition, path: str, report: Callable[[str, str], None]) -> None:
    e_path = f"{path}.evidence"
    assert q.evidence is not None
    for where, metric in [(f"{e_path}.metric", q.evidence.metric)] + [
            (f"{e_path}.rules[{i}].metric", r.metric) for i, r in enumerate(q.evidence.rules) if r.metric]:
        if metric not in METRICS:
            report(where, f"Unknown figure {metric!r}; known figures: {', '.join(sorted(METRICS))}")
    if q.answer_type is AnswerType.NUMBER:
        if q.evidence.rules:
            report(f"{e_path}.rules", "A number question takes the figure itself: give no rules")
        return
    if q.answer_type not in (AnswerType.YES_NO, AnswerType.SINGLE_CHOICE):
        report(e_path, "Only number, yes/no and single-choice questions can be proposed from evidence")
        return
    if not q.evidence.rules:
        report(f"{e_path}.rules", "Give at least one rule: which answer a figure proposes")
    allowed = set(option_values(q))
    for i, rule in enumerate(q.evidence.rules):
        if rule.value not in allowed:
            report(f"{e_path}.rules[{i}].value", f"{rule.value!r} is not one of this question's option values")
        if rule.min is not None and rule.max is not None and rule.min >= rule.max:
            report(f"{e_path}.rules[{i}]", "The rule's min must be below its max (it holds for min <= figure < max)")


def _validate_bands(q: QuestionDefinition, path: str, report: Callable[[str, str], None]) -> None:
    for i, band in enumerate(q.bands):
        b_path = f"{path}.bands[{i}]"
        if band.min is not None and band.max is not None and band.min >= band.max:
            report(b_path, "The band's min must be below its max (a band holds min <= value < max)")
        if band.points < 0:
            report(f"{b_path}.points", "Points cannot be negative")
    lower = [
        (-math.inf if b.min is None else b.min, math.inf if b.max is None else b.max, i)
        for i, b in enumerate(q.bands)
    ]
    for a_index, (a_min, a_max, a) in enumerate(lower):
        for b_min, b_max, b in lower[a_index + 1 :]:
            if a_min < b_max and b_min < a_max:
                report(f"{path}.bands[{b}]", f"This band overlaps band {a}")


def _validate_range(q: QuestionDefinition, path: str, report: Callable[[str, str], None]) -> None:
    if q.answer_type is not AnswerType.NUMBER:
        for key in ("minimum", "maximum"):
            if getattr(q, key) is not None:
                report(f"{path}.{key}", "Only number questions have a minimum or maximum")
        return
    for key in ("minimum", "maximum"):
        value = getattr(q, key)
        if value is not None and not abs(value) < MAX_NUMBER_MAGNITUDE:
            report(f"{path}.{key}", f"Give a {key} between -{MAX_NUMBER_MAGNITUDE:g} and {MAX_NUMBER_MAGNITUDE:g}")
    if q.minimum is not None and q.maximum is not None and q.minimum > q.maximum:
        report(f"{path}.maximum", "The maximum must not be below the minimum")


def _validate_shown_if(
    q: QuestionDefinition,
    path: str,
    earlier: Mapping[str, QuestionDefinition],
    report: Callable[[str, str], None],
) -> None:
    assert q.shown_if is not None
    c_path = f"{path}.shown_if"
    controller = earlier.get(q.shown_if.question_code)
    if controller is None:
        report(f"{c_path}.question_code", "The question must depend on an earlier question")
        return
    if controller.answer_type not in CHOICE_TYPES:
        report(f"{c_path}.question_code", "A question can only depend on a yes/no or choice question")
        return
    if q.answered_by is AnsweredBy.SUPPLIER and controller.answered_by is AnsweredBy.EVALUATOR:
        # The supplier never sees evaluator questions, so the question would stay hidden from them.
        report(f"{c_path}.question_code", "A supplier question cannot depend on an evaluator question")
    if not q.shown_if.values:
        report(f"{c_path}.values", "Name at least one answer that shows the question")
    allowed = option_values(controller)
    for i, value in enumerate(q.shown_if.values):
        if value not in allowed:
            report(f"{c_path}.values[{i}]", f"{value!r} is not an answer of question {controller.code}")
