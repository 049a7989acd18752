"""Builders and hypothesis strategies for questionnaire tests: valid templates and fitting answers."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

from hypothesis import strategies as st

from app.questionnaires.answers import Answer
from app.questionnaires.definitions import (
    NA,
    AnsweredBy,
    AnswerType,
    Audience,
    Band,
    DecisionThreshold,
    KnockoutScope,
    Option,
    QuestionDefinition,
    SectionDefinition,
    ShownIf,
    TemplateDefinition,
    Thresholds,
    is_scored,
    option_values,
)


def template_of(*questions: QuestionDefinition, name: str = "Test template") -> TemplateDefinition:
    """A one-section template holding these questions."""
    return TemplateDefinition(
        name=name, audience=Audience.ANY, version=1, sections=(SectionDefinition("Only section", questions),)
    )


def choice(
    code: str, *points: float, weight: float = 1.0, required: bool = True, **extra: Any
) -> QuestionDefinition:
    """A single-choice question with options a, b, c, ... worth the given points."""
    options = tuple(Option(chr(ord("a") + i), f"Option {chr(ord('A') + i)}", p) for i, p in enumerate(points))
    return QuestionDefinition(
        code=code,
        text=f"Question {code}?",
        answer_type=AnswerType.SINGLE_CHOICE,
        options=options,
        weight=weight,
        required=required,
        **extra,
    )


points = st.one_of(st.integers(0, 10).map(float), st.floats(0, 100, allow_nan=False, allow_infinity=False))
weights = st.sampled_from([0.0, 0.5, 1.0, 2.0, 3.25])
# A NUL or a lone surrogate is refused at every door (app.nesting), so no stored template holds one.
storable_characters = st.characters(exclude_characters="\x00", exclude_categories=("Cs",))
plain_text = st.text(storable_characters, max_size=30)


@st.composite
def _options(draw: st.DrawFn, kind: AnswerType) -> tuple[Option, ...]:
    if kind is AnswerType.YES_NO:
        values = draw(st.lists(st.sampled_from(["yes", "no"]), unique=True, max_size=2))
    else:
        count = draw(st.integers(2 if kind is AnswerType.SINGLE_CHOICE else 1, 4))
        values = [f"v{i}" for i in range(count)]
    return tuple(Option(v, draw(plain_text.filter(str.strip)), draw(points)) for v in values)


@st.composite
def _bands(draw: st.DrawFn) -> tuple[Band, ...]:
    cuts = sorted(draw(st.lists(st.integers(-50, 50), unique=True, min_size=1, max_size=4)))
    bounds: list[float | None] = [None, *map(float, cuts), None]
    bands = [Band(lo, hi, draw(points)) for lo, hi in itertools.pairwise(bounds)]
    # Leave some bands out so that gaps (worth 0 points) are exercised too.
    kept = draw(st.lists(st.booleans(), min_size=len(bands), max_size=len(bands)))
    return tuple(b for b, keep in zip(bands, kept, strict=True) if keep)


@st.composite
def _question(draw: st.DrawFn, index: int, earlier: list[QuestionDefinition]) -> QuestionDefinition:
    kind = draw(st.sampled_from(list(AnswerType)))
    answered_by = draw(st.sampled_from(list(AnsweredBy)))
    options = (
        draw(_options(kind))
        if kind in (AnswerType.YES_NO, AnswerType.SINGLE_CHOICE, AnswerType.MULTIPLE_CHOICE)
        else ()
    )
    bands = draw(_bands()) if kind is AnswerType.NUMBER and draw(st.booleans()) else ()
    draft = QuestionDefinition(code=f"Q{index}", text="x", answer_type=kind, options=options)
    knockouts: tuple[str, ...] = ()
    if options or kind is AnswerType.YES_NO:
        knockouts = tuple(draw(st.lists(st.sampled_from(option_values(draft)), unique=True, max_size=1)))
    controllers = [
        q
        for q in earlier
        if q.answer_type in (AnswerType.YES_NO, AnswerType.SINGLE_CHOICE, AnswerType.MULTIPLE_CHOICE)
        and not (answered_by is AnsweredBy.SUPPLIER and q.answered_by is AnsweredBy.EVALUATOR)
    ]
    shown_if = None
    conditional = draw(st.booleans())
    if controllers and conditional:
        controller = draw(st.sampled_from(controllers))
        values = draw(st.lists(st.sampled_from(option_values(controller)), unique=True, min_size=1))
        shown_if = ShownIf(controller.code, tuple(values))
    return QuestionDefinition(
        code=f"Q{index}",
        text=draw(plain_text.filter(str.strip)),
        help=draw(plain_text),
        answer_type=kind,
        required=draw(st.booleans()),
        evidence_required=draw(st.booleans()),
        options=options,
        bands=bands,
        weight=draw(weights),
        knockout_values=knockouts,
        knockout_scope=draw(st.sampled_from(list(KnockoutScope))),
        shown_if=shown_if,
        answered_by=answered_by,
    )


percent = st.one_of(st.integers(0, 100).map(float), st.floats(0, 100, allow_nan=False))


@st.composite
def decision_thresholds(draw: st.DrawFn) -> DecisionThreshold:
    """An ordered pair: 0 <= conditional <= approved <= 100."""
    low, high = sorted((draw(percent), draw(percent)))
    return DecisionThreshold(approved=high, conditional=low)


thresholds = st.builds(
    Thresholds, critical=decision_thresholds(), major=decision_thresholds(), minor=decision_thresholds()
)


@st.composite
def templates(draw: st.DrawFn, max_questions: int = 8) -> TemplateDefinition:
    """Templates that pass validate(): unique codes, earlier controllers, at least one scored question."""
    questions: list[QuestionDefinition] = []
    for index in range(draw(st.integers(1, max_questions))):
        questions.append(draw(_question(index, questions)))
    if not any(is_scored(q) for q in questions):
        questions.append(choice(f"Q{len(questions)}", 0, draw(st.integers(1, 10).map(float))))
    cuts = sorted(draw(st.sets(st.integers(1, len(questions) - 1), max_size=3))) if len(questions) > 1 else []
    edges = [0, *cuts, len(questions)]
    sections = tuple(
        SectionDefinition(draw(plain_text.filter(str.strip)), tuple(questions[a:b]))
        for a, b in itertools.pairwise(edges)
    )
    return TemplateDefinition(
        name=draw(plain_text.filter(str.strip)),
        audience=draw(st.sampled_from(list(Audience))),
        version=draw(st.integers(1, 1000)),
        description=draw(st.text(storable_characters, max_size=200)),
        sections=sections,
        thresholds=draw(st.one_of(st.just(Thresholds()), thresholds)),
    )


def answer_for(question: QuestionDefinition) -> st.SearchStrategy[Answer]:
    """A checked value that fits the question (or N/A, or no answer)."""
    kind = question.answer_type
    value: st.SearchStrategy[Answer]
    if kind in (AnswerType.YES_NO, AnswerType.SINGLE_CHOICE):
        value = st.sampled_from(option_values(question))
    elif kind is AnswerType.MULTIPLE_CHOICE:
        value = st.lists(st.sampled_from(option_values(question)), unique=True, min_size=1).map(
            lambda chosen: tuple(v for v in option_values(question) if v in chosen)
        )
    elif kind is AnswerType.NUMBER:
        value = st.decimals(min_value=-100, max_value=100, places=2, allow_nan=False, allow_infinity=False)
    elif kind is AnswerType.DATE:
        value = st.dates(min_value=date(2000, 1, 1))
    elif kind is AnswerType.TEXT:
        # what a supplier can store: any text but control characters (tabs and line breaks are text)
        storable = st.one_of(st.characters(exclude_categories=("Cc", "Cs")), st.sampled_from("\t\n"))
        value = st.text(storable, min_size=1, max_size=20).map(str.strip).filter(bool)
    else:
        value = st.lists(st.uuids().map(str), min_size=1, max_size=2, unique=True).map(tuple)
    if kind in (AnswerType.TEXT, AnswerType.FILE):
        return st.one_of(value, value, st.none())  # these are left empty rather than answered N/A
    return st.one_of(value, value, st.just(NA), st.none())


@st.composite
def answers_for(draw: st.DrawFn, template: TemplateDefinition) -> dict[str, Answer]:
    """Answers to some of the template's questions (unanswered ones are absent or None)."""
    answers: dict[str, Answer] = {}
    for question in template.questions():
        value = draw(answer_for(question))
        if value is not None or draw(st.booleans()):
            answers[question.code] = value
    return answers
