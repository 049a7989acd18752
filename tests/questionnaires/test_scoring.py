"""Scoring: the weighted percentage, what is left out, overrides, knock-outs and suggested decisions."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from app.questionnaires.answers import Answer
from app.questionnaires.definitions import (
    AnsweredBy,
    AnswerType,
    Band,
    KnockoutScope,
    Option,
    QuestionDefinition,
    ShownIf,
)
from app.questionnaires.scoring import (
    DEFAULT_THRESHOLDS,
    SCORERS,
    Decision,
    DecisionThreshold,
    ScoreResult,
    ScoringError,
    Thresholds,
    result_to_dict,
    score,
    score_bands,
    score_choice,
    suggest_decision,
)
from tests.questionnaires.strategies import choice, template_of

# A (W2: 10/5/0), B (W1: 10/0), C shown only when A is "c".
TEMPLATE = template_of(
    choice("A", 10, 5, 0, weight=2),
    choice("B", 10, 0, required=False),
    choice("C", 10, 0, shown_if=ShownIf("A", ("c",))),
    QuestionDefinition(code="T", text="Notes?", answer_type=AnswerType.TEXT, required=False),
)


def minor(answers: dict[str, Answer], **kwargs: object) -> ScoreResult:
    return score(TEMPLATE, answers, criticality="minor", **kwargs)  # type: ignore[arg-type]


def entry(result: ScoreResult, code: str):  # type: ignore[no-untyped-def]
    return next(e for e in result.breakdown if e.code == code)


def test_score_is_weighted_points_over_weighted_maximum() -> None:
    result = minor({"A": "b", "B": "a"})
    assert (result.earned, result.possible) == (5 * 2 + 10, 10 * 2 + 10)
    assert result.percentage == 66.7


def test_na_answers_are_left_out_of_the_score() -> None:
    result = minor({"A": "a", "B": "na"})
    assert result.percentage == 100.0
    assert entry(result, "B").applicable is False
    assert entry(result, "B").reason_not_applicable == "answered N/A"


def test_unanswered_questions_are_left_out_of_the_score() -> None:
    result = minor({"A": "b"})
    assert result.percentage == 50.0
    assert entry(result, "B").reason_not_applicable == "not answered"


def test_hidden_questions_are_left_out_even_with_an_answer() -> None:
    result = minor({"A": "a", "C": "b"})
    assert result.percentage == 100.0
    assert entry(result, "C").reason_not_applicable == "hidden by an earlier answer"
    shown = minor({"A": "c", "C": "b"})
    assert shown.possible == 30 and shown.earned == 0


def test_text_answers_are_not_scored() -> None:
    result = minor({"A": "a", "T": "fine"})
    assert entry(result, "T").reason_not_applicable == "not scored (text answer)"
    assert result.possible == 20


def test_nothing_scorable_answered_gives_no_percentage_and_no_suggestion() -> None:
    result = minor({"T": "only notes"})
    assert result.percentage is None and result.suggested_decision is None
    assert (result.earned, result.possible) == (0, 0)


def test_breakdown_keeps_every_question_in_order_with_weighted_values() -> None:
    result = minor({"A": "b", "B": "a"})
    assert [e.code for e in result.breakdown] == ["A", "B", "C", "T"]
    a = entry(result, "A")
    assert (a.answer, a.points, a.max_points, a.weight, a.weighted, a.weighted_max) == ("b", 5, 10, 2, 10, 20)


def test_answers_that_do_not_fit_the_question_are_left_out_with_a_reason() -> None:
    result = minor({"A": "zz", "B": "a"})
    assert entry(result, "A").reason_not_applicable == "answer does not match the question"
    assert result.percentage == 100.0


# --- overrides ----------------------------------------------------------------------------------


def test_override_replaces_the_points_of_one_answer() -> None:
    result = minor({"A": "c", "B": "a", "C": "b"}, overrides={"A": 7})
    a = entry(result, "A")
    assert (a.points, a.original_points, a.overridden, a.weighted) == (7, 0, True, 14)
    assert result.earned == 14 + 10


@pytest.mark.parametrize(("override", "expected"), [(25, 10), (-3, 0)])
def test_override_is_capped_to_zero_and_the_maximum(override: float, expected: float) -> None:
    assert entry(minor({"A": "b"}, overrides={"A": override}), "A").points == expected


def test_override_of_an_unanswered_question_changes_nothing() -> None:
    result = minor({"A": "a"}, overrides={"B": 10})
    assert entry(result, "B").overridden is False and result.possible == 20


def test_override_of_an_unknown_question_is_an_error() -> None:
    with pytest.raises(ScoringError, match="ZZ"):
        minor({"A": "a"}, overrides={"ZZ": 1})


# --- scorers ------------------------------------------------------------------------------------


NUMBER = QuestionDefinition(
    code="N",
    text="Years?",
    answer_type=AnswerType.NUMBER,
    bands=(Band(None, 2, 0), Band(2, 6, 5), Band(6.5, None, 10)),
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("-4"), 0),
        (Decimal("1.99"), 0),
        (Decimal("2"), 5),
        (Decimal("5.99"), 5),
        (Decimal("6"), 0),
        (Decimal("6.5"), 10),
        (Decimal("1e6"), 10),
    ],
)
def test_numbers_earn_the_points_of_their_half_open_band(value: Decimal, expected: float) -> None:
    assert score_bands(NUMBER, value) == expected


def test_band_bounds_compare_exactly_with_decimal_answers() -> None:
    q = QuestionDefinition(code="N", text="N", answer_type=AnswerType.NUMBER, bands=(Band(0.1, 0.3, 4),))
    assert score_bands(q, Decimal("0.1")) == 4 and score_bands(q, Decimal("0.3")) == 0


def test_number_question_scores_through_the_registry() -> None:
    result = score(template_of(NUMBER), {"N": Decimal("3")}, criticality="major")
    assert result.percentage == 50.0


def test_multiple_choice_earns_the_sum_of_chosen_options() -> None:
    q = QuestionDefinition(
        code="M",
        text="M?",
        answer_type=AnswerType.MULTIPLE_CHOICE,
        options=(Option("a", "A", 2), Option("b", "B", 3), Option("c", "C", 5)),
    )
    result = score(template_of(q), {"M": ("a", "c")}, criticality="minor")
    assert (entry(result, "M").points, entry(result, "M").max_points, result.percentage) == (7, 10, 70.0)


def test_yes_no_without_an_option_for_the_answer_earns_nothing() -> None:
    q = QuestionDefinition(
        code="Y", text="Y?", answer_type=AnswerType.YES_NO, options=(Option("yes", "Yes", 10),)
    )
    assert score_choice(q, "no") == 0 and score_choice(q, "yes") == 10


def test_only_choice_and_number_answers_have_scorers() -> None:
    assert set(SCORERS) == {
        AnswerType.YES_NO,
        AnswerType.SINGLE_CHOICE,
        AnswerType.MULTIPLE_CHOICE,
        AnswerType.NUMBER,
    }


# --- knock-outs ---------------------------------------------------------------------------------


KO = template_of(
    choice("Q", 10, 5, 0, knockout_values=("c",)),
    choice(
        "R",
        10,
        0,
        knockout_values=("b",),
        knockout_scope=KnockoutScope.CRITICAL_ONLY,
        answered_by=AnsweredBy.EVALUATOR,
    ),
    choice("S", 10, 0, knockout_values=("b",), shown_if=ShownIf("Q", ("b",))),
)


def test_knockout_answer_suggests_rejection_whatever_the_score() -> None:
    result = score(KO, {"Q": "c", "R": "a"}, criticality="minor")
    assert result.knockout_hits == ("Q",) and entry(result, "Q").knockout
    assert result.percentage == 50.0 and result.suggested_decision is Decision.REJECTED


def test_critical_only_knockout_does_not_hit_a_non_critical_supplier() -> None:
    for criticality in ("major", "minor"):
        assert score(KO, {"Q": "a", "R": "b"}, criticality=criticality).knockout_hits == ()
    result = score(KO, {"Q": "a", "R": "b"}, criticality="critical")
    assert result.knockout_hits == ("R",) and result.suggested_decision is Decision.REJECTED


def test_hidden_question_cannot_knock_out() -> None:
    assert score(KO, {"Q": "a", "S": "b"}, criticality="minor").knockout_hits == ()
    assert score(KO, {"Q": "b", "S": "b"}, criticality="minor").knockout_hits == ("S",)


def test_override_does_not_clear_a_knockout() -> None:
    result = score(KO, {"Q": "c"}, criticality="minor", overrides={"Q": 10})
    assert result.percentage == 100.0 and result.suggested_decision is Decision.REJECTED


def test_knockout_counts_even_when_the_question_earns_no_points() -> None:
    gate = QuestionDefinition(code="G", text="G?", answer_type=AnswerType.YES_NO, knockout_values=("no",))
    result = score(template_of(choice("A", 10, 0), gate), {"A": "a", "G": "no"}, criticality="minor")
    assert result.knockout_hits == ("G",) and result.percentage == 100.0
    assert result.suggested_decision is Decision.REJECTED


# --- thresholds ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("percentage", "criticality", "expected"),
    [
        (100.0, "minor", Decision.APPROVED),
        (75.0, "minor", Decision.APPROVED),
        (74.9, "minor", Decision.CONDITIONALLY_APPROVED),
        (50.0, "major", Decision.CONDITIONALLY_APPROVED),
        (49.9, "major", Decision.REJECTED),
        (80.0, "critical", Decision.APPROVED),
        (79.9, "critical", Decision.CONDITIONALLY_APPROVED),
        (75.0, "critical", Decision.CONDITIONALLY_APPROVED),
        (60.0, "critical", Decision.CONDITIONALLY_APPROVED),
        (59.9, "critical", Decision.REJECTED),
        (0.0, "minor", Decision.REJECTED),
    ],
)
def test_default_thresholds_at_their_boundaries(
    percentage: float, criticality: str, expected: Decision
) -> None:
    threshold = DEFAULT_THRESHOLDS.for_criticality(criticality)
    assert suggest_decision(percentage, (), threshold) is expected


@pytest.mark.parametrize(
    ("earned", "criticality", "percentage", "expected"),
    [
        (749, "minor", 74.9, Decision.CONDITIONALLY_APPROVED),
        (750, "minor", 75.0, Decision.APPROVED),
        (799, "critical", 79.9, Decision.CONDITIONALLY_APPROVED),
        (800, "critical", 80.0, Decision.APPROVED),
        (7495, "minor", 75.0, Decision.APPROVED),  # 74.95 rounds half up, and the shown value decides
    ],
)
def test_scored_percentages_at_the_boundaries(
    earned: int, criticality: str, percentage: float, expected: Decision
) -> None:
    scale = 10000 if earned > 1000 else 1000
    defn = template_of(choice("P", earned, scale))
    result = score(defn, {"P": "a"}, criticality=criticality)
    assert result.percentage == percentage and result.suggested_decision is expected


def test_thresholds_are_a_setting() -> None:
    strict = Thresholds(minor=DecisionThreshold(approved=90, conditional=70))
    result = score(template_of(choice("P", 8, 10)), {"P": "a"}, criticality="minor", thresholds=strict)
    assert result.suggested_decision is Decision.CONDITIONALLY_APPROVED
    assert result.threshold == DecisionThreshold(90, 70)


def test_scoring_uses_the_templates_own_thresholds() -> None:
    strict = Thresholds(critical=DecisionThreshold(approved=95, conditional=85))
    defn = dataclasses.replace(template_of(choice("P", 9, 10)), thresholds=strict)
    result = score(defn, {"P": "a"}, criticality="critical")
    assert result.percentage == 90.0 and result.suggested_decision is Decision.CONDITIONALLY_APPROVED
    assert result.threshold == DecisionThreshold(95, 85)
    # 90 % would approve a critical supplier under the defaults (>= 80).
    assert score(template_of(choice("P", 9, 10)), {"P": "a"}, criticality="critical").suggested_decision is (
        Decision.APPROVED
    )


def test_lenient_template_thresholds_approve_lower_scores() -> None:
    lenient = Thresholds(minor=DecisionThreshold(approved=40, conditional=20))
    for points, expected in ((1, Decision.REJECTED), (3, Decision.CONDITIONALLY_APPROVED)):
        defn = dataclasses.replace(template_of(choice("P", points, 10)), thresholds=lenient)
        assert score(defn, {"P": "a"}, criticality="minor").suggested_decision is expected
    defn = dataclasses.replace(template_of(choice("P", 4, 10)), thresholds=lenient)
    assert score(defn, {"P": "a"}, criticality="minor").suggested_decision is Decision.APPROVED


def test_thresholds_out_of_order_cannot_score() -> None:
    broken = Thresholds(minor=DecisionThreshold(approved=50, conditional=60))
    with pytest.raises(ScoringError, match="0 <= conditional <= approved <= 100"):
        score(template_of(choice("P", 8, 10)), {"P": "a"}, criticality="minor", thresholds=broken)


def test_unknown_criticality_is_an_error() -> None:
    with pytest.raises(ScoringError, match="urgent"):
        score(TEMPLATE, {}, criticality="urgent")


def test_result_serialises_to_plain_json_values() -> None:
    defn = template_of(choice("A", 10, 0), NUMBER)
    data = result_to_dict(
        score(defn, {"A": "a", "N": Decimal("2.5")}, criticality="minor", overrides={"A": 5})
    )
    assert data["suggested_decision"] == "conditionally_approved"
    assert data["breakdown"][1]["answer"] == "2.5"
    assert data["breakdown"][0]["original_points"] == 10
