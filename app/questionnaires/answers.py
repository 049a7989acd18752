"""Answers to questionnaire questions: checking raw form input, conditional visibility, completeness.

Raw input is what a form posts (a string, or a list of strings for multiple choice and files);
the checked value is typed so that scoring never parses text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from app.inputs import has_control_characters
from app.questionnaires.definitions import (
    MAX_NUMBER_CHARS,
    MAX_NUMBER_MAGNITUDE,
    NA,
    AnsweredBy,
    AnswerType,
    QuestionDefinition,
    TemplateDefinition,
    option_values,
)

Answer = str | tuple[str, ...] | Decimal | date | None
"""A checked answer: "na"; a yes/no or option value; option values or file ids; a Decimal; a date; None."""

RawAnswer = str | Sequence[str] | None

MAX_TEXT_LENGTH = 10_000

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

# Questions where "not applicable" is a meaningful answer. Text and files are simply left empty.
_NA_TYPES = frozenset(
    {
        AnswerType.YES_NO,
        AnswerType.SINGLE_CHOICE,
        AnswerType.MULTIPLE_CHOICE,
        AnswerType.NUMBER,
        AnswerType.DATE,
    }
)


@dataclass(frozen=True)
class CheckedAnswer:
    value: Answer
    error: str | None = None

    @property
    def ok(self) -> bool:
        """True when the answer can be stored."""
        return self.error is None


def is_answered(value: Answer) -> bool:
    """An answer counts as given when it is not None and not empty (N/A counts as given)."""
    return value is not None and value != "" and value != ()


def _strings(raw: RawAnswer) -> list[str]:
    if raw is None:
        return []
    if isinstance(raw, str):
        return [raw.strip()] if raw.strip() else []
    return [item.strip() for item in raw if item and item.strip()]


def check_answer(question: QuestionDefinition, raw: RawAnswer, *, allow_blank: bool = False) -> CheckedAnswer:
    """Turn raw form input into a typed answer, or say in plain words what is wrong with it.

    A blank answer to a required question is an error unless allow_blank (saving a draft).
    "na" (not applicable) is accepted only when the question is not required.
    """
    values = _strings(raw)
    kind = question.answer_type
    if any(has_control_characters(value, multiline=True) for value in values):
        return CheckedAnswer(None, "Remove the control characters (such as a NUL byte): they cannot be stored")
    if not values:
        if question.required and not allow_blank:
            return CheckedAnswer(None, _blank_message(kind))
        return CheckedAnswer(None)
    if kind in _NA_TYPES and values == [NA]:
        if question.required:
            return CheckedAnswer(None, "This question is required, so N/A is not possible")
        return CheckedAnswer(NA)
    if kind is AnswerType.MULTIPLE_CHOICE:
        return _check_multiple(question, values)
    if kind is AnswerType.FILE:
        # The web layer validated the uploads; here only their ids travel, in upload order.
        return CheckedAnswer(tuple(dict.fromkeys(values)))
    if len(values) > 1:
        return CheckedAnswer(None, "Give only one answer")
    text = values[0]
    if kind in (AnswerType.YES_NO, AnswerType.SINGLE_CHOICE):
        if text in option_values(question):
            return CheckedAnswer(text)
        return CheckedAnswer(
            None, "Answer yes or no" if kind is AnswerType.YES_NO else "Choose one of the options"
        )
    if kind is AnswerType.NUMBER:
        return _check_number(question, text)
    if kind is AnswerType.DATE:
        return _check_date(text)
    if len(text) > MAX_TEXT_LENGTH:
        return CheckedAnswer(
            None, f"Shorten the answer to {MAX_TEXT_LENGTH:,} characters or fewer (it has {len(text):,})"
        )
    return CheckedAnswer(text)


def _blank_message(kind: AnswerType) -> str:
    return {
        AnswerType.YES_NO: "Answer yes or no",
        AnswerType.SINGLE_CHOICE: "Choose one of the options",
        AnswerType.MULTIPLE_CHOICE: "Choose at least one option",
        AnswerType.NUMBER: "Enter a number such as 12 or 3.5",
        AnswerType.DATE: "Enter a date such as 2026-03-31",
        AnswerType.TEXT: "This question needs an answer",
        AnswerType.FILE: "Upload at least one file",
    }[kind]


def _check_multiple(question: QuestionDefinition, values: list[str]) -> CheckedAnswer:
    if NA in values:
        return CheckedAnswer(None, "N/A cannot be combined with other options")
    allowed = option_values(question)
    if any(v not in allowed for v in values):
        return CheckedAnswer(None, "Choose only from the options shown")
    chosen = set(values)
    # Option order, not click order, so equal choices always store the same value.
    return CheckedAnswer(tuple(v for v in allowed if v in chosen))


def _bound(value: float) -> Decimal:
    # repr gives the shortest text of the float, so a bound of 0.1 compares equal to an answer "0.1".
    return Decimal(repr(value))


def number_problem(question: QuestionDefinition, number: Decimal) -> str | None:
    """Why a number cannot be an answer to this question (not finite, absurdly large, outside the range); None if fine."""
    if not number.is_finite() or not abs(number) < _bound(MAX_NUMBER_MAGNITUDE):
        return f"Enter a number between -{MAX_NUMBER_MAGNITUDE:g} and {MAX_NUMBER_MAGNITUDE:g}"
    too_low = question.minimum is not None and number < _bound(question.minimum)
    too_high = question.maximum is not None and number > _bound(question.maximum)
    if too_low or too_high:
        return f"Enter a number {question.range_text()}"
    return None


def _check_number(question: QuestionDefinition, text: str) -> CheckedAnswer:
    message = "Enter a number such as 12 or 3.5"
    if len(text) > MAX_NUMBER_CHARS:
        return CheckedAnswer(None, f"{message} (at most {MAX_NUMBER_CHARS} characters)")
    if "," in text:
        # "1,5" and "1,500" mean different things in different countries: refuse to guess.
        return CheckedAnswer(None, f"{message}, without commas")
    try:
        number = Decimal(text)
    except InvalidOperation:
        return CheckedAnswer(None, message)
    if not number.is_finite():
        return CheckedAnswer(None, message)
    problem = number_problem(question, number)
    if problem is not None:
        return CheckedAnswer(None, problem)
    return CheckedAnswer(number)


def _check_date(text: str) -> CheckedAnswer:
    message = "Enter a date as YYYY-MM-DD, such as 2026-03-31"
    if not _ISO_DATE.fullmatch(text):
        return CheckedAnswer(None, message)
    try:
        return CheckedAnswer(date.fromisoformat(text))
    except ValueError:
        return CheckedAnswer(None, "This date does not exist; enter it as YYYY-MM-DD")


def raw_answer(value: Answer) -> str | list[str] | None:
    """The raw form of a checked answer, for storing as JSON; check_answer(q, raw_answer(v)).value == v."""
    if value is None:
        return None
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _matches(value: Answer, wanted: Sequence[str]) -> bool:
    if isinstance(value, tuple):
        return any(v in wanted for v in value)
    return isinstance(value, str) and value in wanted


def visible_questions(
    defn: TemplateDefinition, answers: Mapping[str, Answer], answered_by: AnsweredBy | None = None
) -> list[QuestionDefinition]:
    """Questions shown for these answers: a shown_if question needs its visible controller answered so.

    A question whose controller is hidden is hidden too, even if a stale answer to the controller remains.
    With answered_by, only that respondent's questions are returned (visibility is still worked out over all).
    """
    visible: list[QuestionDefinition] = []
    visible_codes: set[str] = set()
    for question in defn.questions():
        condition = question.shown_if
        # Controllers come earlier (validate() enforces it), so one pass in order settles chains.
        if condition is None or (
            condition.question_code in visible_codes
            and _matches(answers.get(condition.question_code), condition.values)
        ):
            visible.append(question)
            visible_codes.add(question.code)
    if answered_by is None:
        return visible
    return [q for q in visible if q.answered_by is answered_by]


def missing_required(
    defn: TemplateDefinition, answers: Mapping[str, Answer], answered_by: AnsweredBy | None = None
) -> list[QuestionDefinition]:
    """Visible required questions (of this respondent, if given) that still have no answer."""
    return [
        q
        for q in visible_questions(defn, answers, answered_by)
        if q.required and not is_answered(answers.get(q.code))
    ]
