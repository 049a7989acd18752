"""Proposed answers from collected evidence: figures in, one proposal per question the template maps, out.

Pure: no Flask, no ORM. A number question is proposed the figure itself (rounded down to a whole number, as the
questions count whole commits or years); a choice question the value of the first rule that holds, skipping rules
whose figure is missing. A question without a mapping, or without any of its figures, gets no proposal.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from app.questionnaires.definitions import AnswerType, QuestionDefinition, TemplateDefinition
from app.questionnaires.metrics import METRICS


@dataclass(frozen=True)
class Figure:
    """One measured figure with where it comes from."""

    metric: str
    value: float
    text: str  # how a person reads it: "31 commits", "Apache-2.0 (allow)"
    source: str  # "git history of https://github.com/pallets/flask at 1a2b3c4d5e6f"
    measured_at: datetime | None
    link: str = ""  # the stored evidence (a page of this app) or the public page


@dataclass(frozen=True)
class Proposal:
    code: str
    value: str
    figure: Figure
    rationale: str


def _rule_text(metric: str, minimum: float | None, maximum: float | None) -> str:
    if minimum is not None and maximum is not None:
        return f"{metric} from {minimum:g} to below {maximum:g}"
    if minimum is not None:
        return f"{metric} at least {minimum:g}"
    if maximum is not None:
        return f"{metric} below {maximum:g}"
    return f"{metric} known"


def propose_one(question: QuestionDefinition, figures: Mapping[str, Figure]) -> Proposal | None:
    """The proposal for one question, or None when it has no mapping or no figure."""
    mapping = question.evidence
    if mapping is None:
        return None
    if question.answer_type is AnswerType.NUMBER:
        figure = figures.get(mapping.metric)
        if figure is None or not math.isfinite(figure.value):
            return None
        value = math.floor(figure.value)
        return Proposal(question.code, str(value), figure, f"{METRICS.get(mapping.metric, mapping.metric)}: {figure.text}")
    for rule in mapping.rules:
        metric = rule.metric or mapping.metric
        figure = figures.get(metric)
        if figure is None or not rule.holds(figure.value):
            continue
        label = next((o.label for o in question.options if o.value == rule.value), rule.value)
        return Proposal(question.code, rule.value, figure,
                        f"{label}: {figure.text} ({_rule_text(metric, rule.min, rule.max)})")
    return None


def propose(defn: TemplateDefinition, figures: Mapping[str, Figure]) -> list[Proposal]:
    """A proposal for every question that the template maps and the figures can answer, in question order."""
    return [proposal for question in defn.questions() if (proposal := propose_one(question, figures)) is not None]
