"""The builder's pure edits of a draft definition."""

from __future__ import annotations

import pytest

from app.questionnaires import builder
from app.questionnaires.definitions import (
    DEFAULT_THRESHOLDS,
    AnswerType,
    Audience,
    DecisionThreshold,
    Option,
    QuestionDefinition,
    ShownIf,
    TemplateDefinition,
    Thresholds,
    validate,
)


def q(code: str, shown_if: ShownIf | None = None) -> QuestionDefinition:
    return QuestionDefinition(
        code=code, text=f"Question {code}?", answer_type=AnswerType.YES_NO,
        options=(Option("yes", "Yes", 10), Option("no", "No", 0)), shown_if=shown_if,
    )


def empty() -> TemplateDefinition:
    return TemplateDefinition(name="T", audience=Audience.ANY, version=1, sections=())


def two_sections() -> TemplateDefinition:
    defn = builder.add_section(builder.add_section(empty(), "First"), "Second")
    defn = builder.add_question(defn, 0, q("A"))
    defn = builder.add_question(defn, 0, q("B", ShownIf("A", ("yes",))))
    return builder.add_question(defn, 1, q("C"))


def codes(defn: TemplateDefinition) -> list[list[str]]:
    return [[question.code for question in s.questions] for s in defn.sections]


def test_sections_and_questions_are_added_in_order_and_validate():
    defn = two_sections()
    assert [s.title for s in defn.sections] == ["First", "Second"] and codes(defn) == [["A", "B"], ["C"]]
    assert validate(defn) == []


def test_a_code_cannot_be_used_twice():
    with pytest.raises(builder.BuilderError, match="already used"):
        builder.add_question(two_sections(), 1, q("A"))
    with pytest.raises(builder.BuilderError, match="already used"):
        builder.replace_question(two_sections(), "C", q("A"))


def test_questions_move_within_and_across_sections():
    defn = two_sections()
    assert codes(builder.move_question(defn, "B", -1)) == [["B", "A"], ["C"]]
    assert codes(builder.move_question(defn, "B", +1)) == [["A"], ["B", "C"]]
    assert codes(builder.move_question(defn, "C", -1)) == [["A", "B", "C"], []]
    assert builder.move_question(defn, "A", -1) == defn  # already first


def test_moving_a_condition_before_its_controller_shows_up_in_validation():
    moved = builder.move_question(two_sections(), "B", -1)
    assert any("shown_if" in p.path for p in validate(moved))


def test_renaming_a_code_carries_the_conditions_along():
    renamed = builder.replace_question(two_sections(), "A", q("A2"))
    assert renamed.question("B").shown_if == ShownIf("A2", ("yes",))
    assert validate(renamed) == []


def test_sections_move_rename_and_remove():
    defn = two_sections()
    assert [s.title for s in builder.move_section(defn, 1, -1).sections] == ["Second", "First"]
    assert builder.rename_section(defn, 0, " Quality ").sections[0].title == "Quality"
    assert codes(builder.remove_section(defn, 0)) == [["C"]]
    with pytest.raises(builder.BuilderError):
        builder.remove_section(defn, 5)
    with pytest.raises(builder.BuilderError, match="title"):
        builder.add_section(defn, "  ")


def test_removing_a_question_leaves_the_rest():
    assert codes(builder.remove_question(two_sections(), "B")) == [["A"], ["C"]]
    with pytest.raises(builder.BuilderError, match="no question"):
        builder.remove_question(two_sections(), "Z")


# --- thresholds ---------------------------------------------------------------------------------


def test_set_thresholds_replaces_them_and_keeps_the_rest() -> None:
    strict = Thresholds(critical=DecisionThreshold(approved=90, conditional=70))
    defn = builder.set_thresholds(two_sections(), strict)
    assert defn.thresholds == strict and defn.sections == two_sections().sections
    assert two_sections().thresholds == DEFAULT_THRESHOLDS


@pytest.mark.parametrize(
    ("pair", "message"),
    [
        (DecisionThreshold(approved=50, conditional=60), "Minor suppliers"),
        (DecisionThreshold(approved=120, conditional=60), "approved 120 %"),
        (DecisionThreshold(approved=70, conditional=-5), "conditional -5 %"),
    ],
)
def test_set_thresholds_refuses_pairs_out_of_order(pair: DecisionThreshold, message: str) -> None:
    with pytest.raises(builder.BuilderError, match=message):
        builder.set_thresholds(two_sections(), Thresholds(minor=pair))
