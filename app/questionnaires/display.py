"""How answers read on screen: option labels instead of values, N/A spelled out (pure)."""

from __future__ import annotations

from typing import Any

from app.questionnaires.definitions import NA, AnswerType, QuestionDefinition


def option_choices(question: QuestionDefinition) -> list[tuple[str, str]]:
    """(value, label) pairs a choice question offers, yes/no spelled out, N/A last when not required."""
    if question.answer_type is AnswerType.YES_NO:
        labels = {o.value: o.label for o in question.options}
        choices = [("yes", labels.get("yes", "Yes")), ("no", labels.get("no", "No"))]
    else:
        choices = [(o.value, o.label) for o in question.options]
    if not question.required and question.answer_type in (AnswerType.YES_NO, AnswerType.SINGLE_CHOICE):
        choices.append((NA, "Not applicable"))
    return choices


def answer_text(question: QuestionDefinition, raw: Any) -> str:
    """A stored raw answer as the reader should see it ('' when unanswered)."""
    if raw is None or raw == "" or raw == []:
        return ""
    if raw == NA:
        return "Not applicable"
    labels = dict(option_choices(question))
    if question.answer_type is AnswerType.MULTIPLE_CHOICE and isinstance(raw, list):
        return ", ".join(labels.get(str(v), str(v)) for v in raw)
    if question.answer_type is AnswerType.FILE and isinstance(raw, list):
        return f"{len(raw)} file(s)"
    return labels.get(str(raw), str(raw))


def selected_values(raw: Any) -> list[str]:
    """The raw answer as a list of strings (for checking radios and boxes)."""
    if raw is None:
        return []
    if isinstance(raw, list):
        return [str(v) for v in raw]
    return [str(raw)]
