"""Scoring of an evaluation: points per answer, knock-outs, and the suggested decision.

Pure: takes a template and checked answers, returns a ScoreResult with a per-question breakdown so the
record shows how the number came about. Scorers are picked by answer type from SCORERS (as CTFd picks
its scoring rules by name), so a new answer type adds one function and one registry entry.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from app.questionnaires.answers import Answer, is_answered, number_problem, raw_answer, visible_questions

# Thresholds live in the template definition now; scoring keeps offering them under their old names.
from app.questionnaires.definitions import CRITICALITIES as CRITICALITIES
from app.questionnaires.definitions import DEFAULT_THRESHOLDS as DEFAULT_THRESHOLDS
from app.questionnaires.definitions import (
    NA,
    AnswerType,
    Band,
    KnockoutScope,
    QuestionDefinition,
    TemplateDefinition,
    max_points,
    option_values,
)
from app.questionnaires.definitions import DecisionThreshold as DecisionThreshold
from app.questionnaires.definitions import Thresholds as Thresholds


class Decision(StrEnum):
    APPROVED = "approved"
    CONDITIONALLY_APPROVED = "conditionally_approved"
    REJECTED = "rejected"


class ScoringError(ValueError):
    """Scoring was asked something that cannot be answered (unknown criticality or question)."""



NO_OVERRIDES: Mapping[str, float] = MappingProxyType({})


@dataclass(frozen=True)
class QuestionScore:
    code: str
    text: str
    answer: Answer
    points: float | None
    max_points: float
    weight: float
    weighted: float | None
    weighted_max: float
    overridden: bool
    knockout: bool
    applicable: bool
    reason_not_applicable: str | None
    original_points: float | None = None
    """The points the answer earned before an evaluator override (None when not overridden)."""


@dataclass(frozen=True)
class ScoreResult:
    percentage: float | None
    earned: float
    possible: float
    breakdown: tuple[QuestionScore, ...]
    knockout_hits: tuple[str, ...]
    suggested_decision: Decision | None
    threshold: DecisionThreshold


# ---------------------------------------------------------------------------------------------
# Scorers: points earned by one (visible, answered, not N/A) answer; None when it does not fit.

Scorer = Callable[[QuestionDefinition, Answer], float | None]


def score_choice(question: QuestionDefinition, value: Answer) -> float | None:
    """A yes/no or single-choice answer earns the points of its option (0 for yes/no without one)."""
    if not isinstance(value, str) or value not in option_values(question):
        return None
    return next((o.points for o in question.options if o.value == value), 0.0)


def score_multiple(question: QuestionDefinition, value: Answer) -> float | None:
    """A multiple-choice answer earns the sum of its chosen options' points."""
    if not isinstance(value, tuple):
        return None
    points = {o.value: o.points for o in question.options}
    if any(v not in points for v in value):
        return None
    return math.fsum(points[v] for v in set(value))


def _decimal(number: float) -> Decimal:
    # repr gives the shortest text of the float, so a band bound of 0.1 compares equal to an answer "0.1".
    return Decimal(repr(number))


def _in_band(band: Band, value: Decimal) -> bool:
    return (band.min is None or value >= _decimal(band.min)) and (
        band.max is None or value < _decimal(band.max)
    )


def score_bands(question: QuestionDefinition, value: Answer) -> float | None:
    """A number earns the points of the band holding it (min <= value < max); outside every band, 0.

    A number the question does not accept (outside its minimum..maximum, not finite, absurdly large)
    earns 0, whatever band it would fall in.
    """
    if isinstance(value, bool) or not isinstance(value, (Decimal, int, float)):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return 0.0
    number = value if isinstance(value, Decimal) else Decimal(value) if isinstance(value, int) else _decimal(value)
    if number_problem(question, number) is not None:
        return 0.0
    return next((b.points for b in question.bands if _in_band(b, number)), 0.0)


SCORERS: dict[AnswerType, Scorer] = {
    AnswerType.YES_NO: score_choice,
    AnswerType.SINGLE_CHOICE: score_choice,
    AnswerType.MULTIPLE_CHOICE: score_multiple,
    AnswerType.NUMBER: score_bands,
}
"""Scored answer types; date, text and file answers are informative and earn nothing."""


# ---------------------------------------------------------------------------------------------


def is_knockout(question: QuestionDefinition, value: Answer, *, critical: bool) -> bool:
    """An answer knocks out when it is among the knock-out values and the scope covers this supplier."""
    if not question.knockout_values or not is_answered(value) or value == NA:
        return False
    if question.knockout_scope is KnockoutScope.CRITICAL_ONLY and not critical:
        return False
    chosen = value if isinstance(value, tuple) else (value,)
    return any(v in question.knockout_values for v in chosen)


def _round_percentage(value: float) -> float:
    # Half-up on the decimal text, so 74.95 shows (and decides) as 75.0 on every platform.
    return float(Decimal(repr(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def suggest_decision(
    percentage: float | None, knockout_hits: tuple[str, ...], threshold: DecisionThreshold
) -> Decision | None:
    """Any knock-out rejects; else the rounded percentage meets the thresholds; no score, no suggestion."""
    if knockout_hits:
        return Decision.REJECTED
    if percentage is None:
        return None
    if percentage >= threshold.approved:
        return Decision.APPROVED
    if percentage >= threshold.conditional:
        return Decision.CONDITIONALLY_APPROVED
    return Decision.REJECTED


def threshold_for(thresholds: Thresholds, criticality: str) -> DecisionThreshold:
    """The pair for this criticality; an unknown criticality or a pair out of order is a ScoringError."""
    if criticality not in CRITICALITIES:
        raise ScoringError(f"unknown criticality {criticality!r}; expected one of {', '.join(CRITICALITIES)}")
    threshold = thresholds.for_criticality(criticality)
    if not threshold.is_ordered():
        raise ScoringError(
            f"the {criticality} thresholds need 0 <= conditional <= approved <= 100 "
            f"(got approved {threshold.approved:g}, conditional {threshold.conditional:g})"
        )
    return threshold


def score(
    template: TemplateDefinition,
    answers: Mapping[str, Answer],
    *,
    criticality: str,
    overrides: Mapping[str, float] = NO_OVERRIDES,
    thresholds: Thresholds | None = None,
) -> ScoreResult:
    """Score = sum(points x weight) / sum(max points x weight) x 100 over visible, answered, non-N/A answers.

    An override replaces the points of one applicable answer (capped to 0..max) but never clears its
    knock-out. The suggested decision uses the percentage rounded to one decimal, the one the record shows,
    against the given thresholds or else the template's own.
    """
    threshold = threshold_for(template.thresholds if thresholds is None else thresholds, criticality)
    questions = template.questions()
    codes = {q.code for q in questions}
    unknown = sorted(set(overrides) - codes)
    if unknown:
        raise ScoringError(f"override for unknown question {unknown[0]!r}")
    for code, points in overrides.items():
        if not math.isfinite(points):
            raise ScoringError(f"override for {code!r} is not a finite number")
    visible = {q.code for q in visible_questions(template, answers)}
    critical = criticality == "critical"

    breakdown: list[QuestionScore] = []
    for question in questions:
        value = answers.get(question.code)
        shown = question.code in visible
        knockout = shown and is_knockout(question, value, critical=critical)
        breakdown.append(_score_question(question, value, shown, knockout, overrides.get(question.code)))

    applicable = [entry for entry in breakdown if entry.applicable]
    earned = math.fsum(entry.weighted or 0.0 for entry in applicable)
    possible = math.fsum(entry.weighted_max for entry in applicable)
    # earned * 100 / possible rounds once, so 7495 of 10000 is 74.95 (not 74.9499...) before rounding.
    percentage = _round_percentage(earned * 100 / possible) if possible > 0 else None
    hits = tuple(entry.code for entry in breakdown if entry.knockout)
    return ScoreResult(
        percentage=percentage,
        earned=earned,
        possible=possible,
        breakdown=tuple(breakdown),
        knockout_hits=hits,
        suggested_decision=suggest_decision(percentage, hits, threshold),
        threshold=threshold,
    )


def _score_question(
    question: QuestionDefinition, value: Answer, shown: bool, knockout: bool, override: float | None
) -> QuestionScore:
    best = max_points(question)

    def entry(points: float | None, reason: str | None = None, original: float | None = None) -> QuestionScore:
        """The question's row; without points it is left out of the score for `reason`."""
        return QuestionScore(
            code=question.code,
            text=question.text,
            answer=value,
            points=points,
            max_points=best,
            weight=question.weight,
            weighted=None if points is None else points * question.weight,
            weighted_max=best * question.weight,
            overridden=original is not None,
            knockout=knockout,
            applicable=points is not None,
            reason_not_applicable=reason,
            original_points=original,
        )

    def left_out(reason: str) -> QuestionScore:
        return entry(None, reason)

    scorer = SCORERS.get(question.answer_type)
    if not shown:
        return left_out("hidden by an earlier answer")
    if not is_answered(value):
        return left_out("not answered")
    if value == NA:
        return left_out("answered N/A")
    if scorer is None:
        return left_out(f"not scored ({question.answer_type.value} answer)")
    if best * question.weight <= 0:
        return left_out("earns no points")
    points = scorer(question, value)
    if points is None:
        return left_out("answer does not match the question")
    original = None
    if override is not None:
        original, points = points, min(max(override, 0.0), best)
    return entry(points, original=original)


def result_to_dict(result: ScoreResult) -> dict[str, Any]:
    """A JSON-safe copy of a result for storing with the evaluation (answers in their raw form)."""
    return {
        "percentage": result.percentage,
        "earned": result.earned,
        "possible": result.possible,
        "knockout_hits": list(result.knockout_hits),
        "suggested_decision": None if result.suggested_decision is None else str(result.suggested_decision),
        "threshold": {"approved": result.threshold.approved, "conditional": result.threshold.conditional},
        "breakdown": [
            {
                "code": e.code,
                "text": e.text,
                "answer": raw_answer(e.answer),
                "points": e.points,
                "max_points": e.max_points,
                "weight": e.weight,
                "weighted": e.weighted,
                "weighted_max": e.weighted_max,
                "overridden": e.overridden,
                "original_points": e.original_points,
                "knockout": e.knockout,
                "applicable": e.applicable,
                "reason_not_applicable": e.reason_not_applicable,
            }
            for e in result.breakdown
        ],
    }
