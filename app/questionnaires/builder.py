"""Edits of a draft template definition, as pure functions: each returns a new TemplateDefinition.

The builder's views parse a form, call one of these, and store the result through services.save_definition;
validate() (definitions.py) then lists what still keeps the draft from being published.
"""

from __future__ import annotations

from dataclasses import replace

from app.questionnaires.definitions import (
    CRITICALITIES,
    QuestionDefinition,
    SectionDefinition,
    TemplateDefinition,
    Thresholds,
)


class BuilderError(ValueError):
    """An edit that cannot apply to this definition (unknown section or question, duplicate code)."""


def _sections(defn: TemplateDefinition) -> list[SectionDefinition]:
    return list(defn.sections)


def _check_index(defn: TemplateDefinition, index: int) -> None:
    if not 0 <= index < len(defn.sections):
        raise BuilderError("There is no such section.")


def add_section(defn: TemplateDefinition, title: str) -> TemplateDefinition:
    """Append an empty section."""
    if not title.strip():
        raise BuilderError("Give the section a title.")
    return replace(defn, sections=(*defn.sections, SectionDefinition(title.strip(), ())))


def rename_section(defn: TemplateDefinition, index: int, title: str) -> TemplateDefinition:
    """Change a section's title."""
    _check_index(defn, index)
    if not title.strip():
        raise BuilderError("Give the section a title.")
    sections = _sections(defn)
    sections[index] = replace(sections[index], title=title.strip())
    return replace(defn, sections=tuple(sections))


def move_section(defn: TemplateDefinition, index: int, delta: int) -> TemplateDefinition:
    """Move a section up (-1) or down (+1); at either end nothing moves."""
    _check_index(defn, index)
    target = index + delta
    if not 0 <= target < len(defn.sections):
        return defn
    sections = _sections(defn)
    sections[index], sections[target] = sections[target], sections[index]
    return replace(defn, sections=tuple(sections))


def remove_section(defn: TemplateDefinition, index: int) -> TemplateDefinition:
    """Remove a section and its questions."""
    _check_index(defn, index)
    sections = _sections(defn)
    del sections[index]
    return replace(defn, sections=tuple(sections))


def _locate(defn: TemplateDefinition, code: str) -> tuple[int, int]:
    for s_index, section in enumerate(defn.sections):
        for q_index, question in enumerate(section.questions):
            if question.code == code:
                return s_index, q_index
    raise BuilderError(f"There is no question {code!r}.")


def section_of(defn: TemplateDefinition, code: str) -> int:
    """The index of the section holding the question."""
    return _locate(defn, code)[0]


def add_question(defn: TemplateDefinition, index: int, question: QuestionDefinition) -> TemplateDefinition:
    """Append a question to a section; its code must be new."""
    _check_index(defn, index)
    if any(q.code == question.code for q in defn.questions()):
        raise BuilderError(f"The code {question.code!r} is already used by another question.")
    sections = _sections(defn)
    sections[index] = replace(sections[index], questions=(*sections[index].questions, question))
    return replace(defn, sections=tuple(sections))


def replace_question(defn: TemplateDefinition, code: str, question: QuestionDefinition) -> TemplateDefinition:
    """Put an edited question in place of the one with `code` (the code may change if the new one is free);
    conditions pointing to a renamed code follow it."""
    s_index, q_index = _locate(defn, code)
    if question.code != code and any(q.code == question.code for q in defn.questions()):
        raise BuilderError(f"The code {question.code!r} is already used by another question.")
    sections = _sections(defn)
    questions = list(sections[s_index].questions)
    questions[q_index] = question
    sections[s_index] = replace(sections[s_index], questions=tuple(questions))
    result = replace(defn, sections=tuple(sections))
    if question.code != code:
        result = _rename_conditions(result, code, question.code)
    return result


def _rename_conditions(defn: TemplateDefinition, old: str, new: str) -> TemplateDefinition:
    sections = []
    for section in defn.sections:
        questions = tuple(
            replace(q, shown_if=replace(q.shown_if, question_code=new))
            if q.shown_if is not None and q.shown_if.question_code == old
            else q
            for q in section.questions
        )
        sections.append(replace(section, questions=questions))
    return replace(defn, sections=tuple(sections))


def move_question(defn: TemplateDefinition, code: str, delta: int) -> TemplateDefinition:
    """Move a question up (-1) or down (+1); past a section's edge it moves into the neighbouring section."""
    s_index, q_index = _locate(defn, code)
    sections = _sections(defn)
    questions = list(sections[s_index].questions)
    target = q_index + delta
    if 0 <= target < len(questions):
        questions[q_index], questions[target] = questions[target], questions[q_index]
        sections[s_index] = replace(sections[s_index], questions=tuple(questions))
        return replace(defn, sections=tuple(sections))
    neighbour = s_index + delta
    if not 0 <= neighbour < len(sections):
        return defn
    question = questions.pop(q_index)
    sections[s_index] = replace(sections[s_index], questions=tuple(questions))
    others = list(sections[neighbour].questions)
    others = [*others, question] if delta < 0 else [question, *others]
    sections[neighbour] = replace(sections[neighbour], questions=tuple(others))
    return replace(defn, sections=tuple(sections))


def remove_question(defn: TemplateDefinition, code: str) -> TemplateDefinition:
    """Remove a question (conditions that pointed to it then show up in validation)."""
    s_index, q_index = _locate(defn, code)
    sections = _sections(defn)
    questions = list(sections[s_index].questions)
    del questions[q_index]
    sections[s_index] = replace(sections[s_index], questions=tuple(questions))
    return replace(defn, sections=tuple(sections))


def set_thresholds(defn: TemplateDefinition, thresholds: Thresholds) -> TemplateDefinition:
    """Replace the decision thresholds; each pair needs 0 <= conditional <= approved <= 100."""
    for criticality in CRITICALITIES:
        pair = thresholds.for_criticality(criticality)
        if not pair.is_ordered():
            raise BuilderError(
                f"{criticality.capitalize()} suppliers: the thresholds need 0 <= conditional <= approved <= 100 "
                f"(got approved {pair.approved:g} %, conditional {pair.conditional:g} %)."
            )
    return replace(defn, thresholds=thresholds)
