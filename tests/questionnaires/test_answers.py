"""Answers: checking raw form input per answer type, conditional visibility and completeness."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings

from app.questionnaires.answers import (
    MAX_TEXT_LENGTH,
    Answer,
    CheckedAnswer,
    check_answer,
    is_answered,
    missing_required,
    raw_answer,
    visible_questions,
)
from app.questionnaires.definitions import (
    AnsweredBy,
    AnswerType,
    Option,
    QuestionDefinition,
    ShownIf,
    TemplateDefinition,
)
from tests.questionnaires.strategies import answer_for, choice, template_of, templates


def question(kind: AnswerType, *, required: bool = True, **extra: object) -> QuestionDefinition:
    return QuestionDefinition(code="Q", text="Q?", answer_type=kind, required=required, **extra)  # type: ignore[arg-type]


MULTI = question(
    AnswerType.MULTIPLE_CHOICE, options=(Option("a", "A", 1), Option("b", "B", 2), Option("c", "C", 3))
)


# --- check_answer -------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["yes", "no", " yes "])
def test_yes_no_accepts_yes_and_no(raw: str) -> None:
    assert check_answer(question(AnswerType.YES_NO), raw) == CheckedAnswer(raw.strip())


def test_yes_no_rejects_anything_else() -> None:
    assert check_answer(question(AnswerType.YES_NO), "true").error == "Answer yes or no"


def test_na_is_allowed_only_when_the_question_is_not_required() -> None:
    assert check_answer(question(AnswerType.YES_NO, required=False), "na") == CheckedAnswer("na")
    required = check_answer(question(AnswerType.YES_NO), "na")
    assert required.value is None and required.error is not None and "N/A" in required.error


def test_single_choice_must_be_one_of_the_options() -> None:
    q = choice("C", 10, 5, 0)
    assert check_answer(q, "b") == CheckedAnswer("b")
    assert check_answer(q, "z").error == "Choose one of the options"
    assert check_answer(q, ["a", "b"]).error == "Give only one answer"


def test_blank_required_answers_say_what_to_do() -> None:
    assert check_answer(choice("C", 1, 0), "").error == "Choose one of the options"
    assert check_answer(MULTI, []).error == "Choose at least one option"
    assert check_answer(question(AnswerType.FILE), None).error == "Upload at least one file"
    assert check_answer(question(AnswerType.TEXT), "   ").error == "This question needs an answer"


def test_blank_answers_are_fine_when_optional_or_saving_a_draft() -> None:
    assert check_answer(question(AnswerType.TEXT, required=False), "") == CheckedAnswer(None)
    assert check_answer(question(AnswerType.NUMBER), None, allow_blank=True) == CheckedAnswer(None)


def test_multiple_choice_keeps_option_order_and_drops_repeats() -> None:
    assert check_answer(MULTI, ["c", "a", "c"]) == CheckedAnswer(("a", "c"))
    assert check_answer(MULTI, "b") == CheckedAnswer(("b",))


def test_multiple_choice_rejects_unknown_values_and_na_mixed_with_options() -> None:
    assert check_answer(MULTI, ["a", "zz"]).error == "Choose only from the options shown"
    optional = question(AnswerType.MULTIPLE_CHOICE, required=False, options=MULTI.options)
    assert check_answer(optional, ["na"]) == CheckedAnswer("na")
    assert check_answer(optional, ["na", "a"]).error == "N/A cannot be combined with other options"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("12", Decimal(12)), ("3.5", Decimal("3.5")), ("-0.25", Decimal("-0.25")), (" 1e3 ", Decimal("1e3"))],
)
def test_numbers_parse_as_decimals(raw: str, expected: Decimal) -> None:
    assert check_answer(question(AnswerType.NUMBER), raw) == CheckedAnswer(expected)


@pytest.mark.parametrize("raw", ["twelve", "NaN", "Infinity", "-inf", "3,5", "1,000", "12 years"])
def test_numbers_must_be_finite_plain_numbers(raw: str) -> None:
    checked = check_answer(question(AnswerType.NUMBER), raw)
    assert checked.value is None
    assert checked.error is not None and checked.error.startswith("Enter a number such as 12 or 3.5")


def test_dates_are_iso_year_month_day() -> None:
    q = question(AnswerType.DATE)
    assert check_answer(q, "2026-03-31") == CheckedAnswer(date(2026, 3, 31))
    for raw in ("31.03.2026", "20260331", "2026-W13-2", "2026-3-31"):
        assert check_answer(q, raw).error == "Enter a date as YYYY-MM-DD, such as 2026-03-31"
    assert check_answer(q, "2026-02-30").error == "This date does not exist; enter it as YYYY-MM-DD"


def test_text_is_limited_to_ten_thousand_characters() -> None:
    q = question(AnswerType.TEXT)
    assert check_answer(q, "x" * MAX_TEXT_LENGTH) == CheckedAnswer("x" * MAX_TEXT_LENGTH)
    error = check_answer(q, "x" * (MAX_TEXT_LENGTH + 1)).error
    assert error is not None and "10,000" in error


@pytest.mark.parametrize("kind", [AnswerType.TEXT, AnswerType.YES_NO, AnswerType.NUMBER])
def test_control_characters_are_refused_but_text_keeps_its_lines(kind: AnswerType) -> None:
    error = check_answer(question(kind), "yes\x00").error
    assert error is not None and "control characters" in error
    assert check_answer(question(AnswerType.TEXT), "line 1\r\n\tline 2").error is None


def test_text_answer_na_is_just_text() -> None:
    assert check_answer(question(AnswerType.TEXT), "na") == CheckedAnswer("na")


def test_file_answers_are_the_uploaded_ids() -> None:
    assert check_answer(question(AnswerType.FILE), ["f1", "f2", "f1"]) == CheckedAnswer(("f1", "f2"))


def test_checked_answer_reports_ok() -> None:
    assert CheckedAnswer("a").ok and not CheckedAnswer(None, "bad").ok


@settings(max_examples=60, deadline=None)
@given(
    templates(max_questions=4).flatmap(
        lambda t: answer_for(t.questions()[0]).map(lambda value: (t.questions()[0], value))
    )
)
def test_raw_answer_round_trips_through_check_answer(case: tuple[QuestionDefinition, Answer]) -> None:
    q, value = case
    q = QuestionDefinition(**{**q.__dict__, "required": False})
    assert check_answer(q, raw_answer(value)).value == value


def test_is_answered_counts_na_but_not_blanks() -> None:
    assert is_answered("na") and is_answered(Decimal(0)) and is_answered(("a",))
    assert not is_answered(None) and not is_answered("") and not is_answered(())


# --- visibility ---------------------------------------------------------------------------------


def chain() -> TemplateDefinition:
    return template_of(
        choice("A", 10, 0),
        choice("B", 10, 0, shown_if=ShownIf("A", ("a",))),
        choice("C", 10, 0, shown_if=ShownIf("B", ("b",))),
        QuestionDefinition(
            code="D",
            text="D?",
            answer_type=AnswerType.MULTIPLE_CHOICE,
            options=(Option("x", "X", 1), Option("y", "Y", 1)),
        ),
        choice("E", 10, 0, shown_if=ShownIf("D", ("y",))),
        choice("F", 10, 0, answered_by=AnsweredBy.EVALUATOR),
    )


def codes(questions: list[QuestionDefinition]) -> list[str]:
    return [q.code for q in questions]


def test_questions_without_condition_are_always_visible() -> None:
    assert codes(visible_questions(chain(), {})) == ["A", "D", "F"]


def test_shown_if_shows_the_question_for_the_named_answers() -> None:
    assert codes(visible_questions(chain(), {"A": "a", "B": "b"})) == ["A", "B", "C", "D", "F"]
    assert codes(visible_questions(chain(), {"A": "a", "B": "a"})) == ["A", "B", "D", "F"]


def test_hidden_controller_hides_its_dependants_even_with_stale_answers() -> None:
    assert codes(visible_questions(chain(), {"A": "b", "B": "b", "C": "a"})) == ["A", "D", "F"]


def test_multiple_choice_controller_shows_when_any_chosen_value_matches() -> None:
    assert "E" in codes(visible_questions(chain(), {"D": ("x", "y")}))
    assert "E" not in codes(visible_questions(chain(), {"D": ("x",)}))


def test_na_on_the_controller_hides_the_dependant() -> None:
    assert codes(visible_questions(chain(), {"A": "na"})) == ["A", "D", "F"]


def test_visible_questions_can_be_limited_to_one_respondent() -> None:
    assert codes(visible_questions(chain(), {}, AnsweredBy.EVALUATOR)) == ["F"]
    assert codes(visible_questions(chain(), {}, AnsweredBy.SUPPLIER)) == ["A", "D"]


# --- completeness -------------------------------------------------------------------------------


def test_missing_required_lists_visible_unanswered_required_questions() -> None:
    assert codes(missing_required(chain(), {})) == ["A", "D", "F"]
    assert codes(missing_required(chain(), {"A": "a", "D": ("x",), "F": "b"})) == ["B"]


def test_missing_required_ignores_optional_and_na_answers() -> None:
    defn = template_of(choice("A", 1, 0, required=False), choice("B", 1, 0, required=False))
    assert missing_required(defn, {"B": "na"}) == []


def test_missing_required_for_the_supplier_ignores_evaluator_questions() -> None:
    assert codes(missing_required(chain(), {"A": "b", "D": ("x",)}, AnsweredBy.SUPPLIER)) == []
    assert codes(missing_required(chain(), {"A": "b", "D": ("x",)}, AnsweredBy.EVALUATOR)) == ["F"]
