"""The default templates are seeded exactly as domain.md lists them, and they are valid."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from app.questionnaires.answers import Answer, missing_required, visible_questions
from app.questionnaires.defaults import DEFAULT_TEMPLATES, default_source, load_default
from app.questionnaires.definitions import (
    AnsweredBy,
    AnswerType,
    Audience,
    KnockoutScope,
    QuestionDefinition,
    TemplateDefinition,
    dump_json,
    dump_yaml,
    load,
    max_points,
    validate,
)
from app.questionnaires.scoring import Decision, score, score_bands

COMMERCIAL = load_default("commercial_vendor")
OPEN_SOURCE = load_default("open_source_project")


def points(question: QuestionDefinition) -> list[float]:
    return [o.points for o in question.options]


def knockouts(template: TemplateDefinition) -> dict[str, tuple[set[str], KnockoutScope]]:
    """Each knock-out question's code: its knock-out values and the suppliers it applies to."""
    return {q.code: (set(q.knockout_values), q.knockout_scope) for q in template.questions() if q.knockout_values}


def test_both_defaults_are_listed_and_valid() -> None:
    assert DEFAULT_TEMPLATES == ("commercial_vendor", "open_source_project")
    for name in DEFAULT_TEMPLATES:
        assert validate(load_default(name)) == []


def test_unknown_default_is_refused() -> None:
    with pytest.raises(KeyError):
        load_default("../pyproject")


@pytest.mark.parametrize("name", DEFAULT_TEMPLATES)
def test_defaults_survive_export_and_import(name: str) -> None:
    defn = load_default(name)
    assert load(dump_yaml(defn)) == defn
    assert load(dump_json(defn)) == defn


@pytest.mark.parametrize("name", DEFAULT_TEMPLATES)
def test_every_default_question_is_a_clear_question_with_help(name: str) -> None:
    for question in load_default(name).questions():
        assert question.text.endswith("?"), question.code
        assert len(question.help) > 20, question.code


@pytest.mark.parametrize("name", DEFAULT_TEMPLATES)
def test_an_answer_quoted_in_a_help_text_is_one_the_question_offers(name: str) -> None:
    for question in load_default(name).questions():
        labels = {option.label for option in question.options}
        quoted = set(re.findall(r'"([^"]+)"', question.help))
        assert not labels or quoted <= labels, (question.code, quoted - labels)


# --- commercial vendor --------------------------------------------------------------------------


def test_commercial_template_has_c1_to_c13_in_the_five_sections() -> None:
    assert COMMERCIAL.audience is Audience.COMMERCIAL and COMMERCIAL.version == 1
    assert [s.title for s in COMMERCIAL.sections] == [
        "Quality management",
        "Security",
        "Company",
        "Product support / anomalies",
        "Change and exit",
    ]
    main_codes = {q.code for q in COMMERCIAL.questions() if q.code[1:].isdigit()}
    assert main_codes == {f"C{i}" for i in range(1, 14)}
    assert {q.code for q in COMMERCIAL.questions()} - main_codes == {"C1a", "C1b", "C13a", "C13b"}


@pytest.mark.parametrize(
    ("code", "expected_points", "weight"),
    [
        ("C1", [10, 7, 0], 2),
        ("C2", [10, 7, 0], 1),
        ("C4", [10, 5, 2], 0.5),
        ("C5", [10, 5, 0], 0.5),
        ("C6", [10, 5, 0], 1),
        ("C7", [10, 5, 0], 2),
        ("C8", [10, 5, 0], 2),
        ("C9", [10, 0, 0], 2),
        ("C10", [10, 5, 0], 1),
        ("C11", [10, 5, 0], 1),
        ("C12", [10, 5, 0], 1),
        ("C13", [10, 5, 0], 1),
    ],
)
def test_commercial_points_and_weights_follow_the_domain(
    code: str, expected_points: list[float], weight: float
) -> None:
    question = COMMERCIAL.question(code)
    assert points(question) == expected_points
    assert question.weight == weight


def test_c1_offers_iso_13485_iso_9001_or_none_and_requires_evidence() -> None:
    c1 = COMMERCIAL.question("C1")
    assert [o.value for o in c1.options] == ["iso_13485", "iso_9001", "none"]
    assert c1.evidence_required and c1.answered_by is AnsweredBy.SUPPLIER


def test_c3_years_in_business_bands_are_under_2_then_2_to_5_then_over_5() -> None:
    c3 = COMMERCIAL.question("C3")
    assert c3.answer_type is AnswerType.NUMBER and max_points(c3) == 10
    assert [score_bands(c3, Decimal(y)) for y in ("0", "1", "2", "5", "6", "30")] == [0, 0, 5, 5, 10, 10]


def test_commercial_knockouts_and_scopes_follow_the_domain() -> None:
    assert knockouts(COMMERCIAL) == {
        "C6": ({"none"}, KnockoutScope.CRITICAL_ONLY),
        "C8": ({"unacceptable"}, KnockoutScope.ALL),
        "C9": ({"no", "end_of_life"}, KnockoutScope.ALL),
        "C13b": ({"no"}, KnockoutScope.ALL),
    }


def test_evaluator_questions_of_the_commercial_template() -> None:
    evaluator = {q.code for q in COMMERCIAL.questions() if q.answered_by is AnsweredBy.EVALUATOR}
    assert evaluator == {"C6", "C8", "C13a", "C13b"}


def test_supplier_sees_a_conditional_question_and_an_evidence_question() -> None:
    supplier = [q for q in COMMERCIAL.questions() if q.answered_by is AnsweredBy.SUPPLIER]
    assert any(q.shown_if is not None for q in supplier)
    assert any(q.evidence_required for q in supplier)


def test_certificate_details_are_asked_only_when_a_certificate_is_held() -> None:
    def shown(answers: dict[str, Answer]) -> set[str]:
        return {q.code for q in visible_questions(COMMERCIAL, answers, AnsweredBy.SUPPLIER)}

    assert {"C1a", "C1b"} <= shown({"C1": "iso_13485"})
    assert {"C1a", "C1b"} <= shown({"C1": "iso_9001"})
    assert not {"C1a", "C1b"} & shown({"C1": "none"})


def test_turnover_is_optional_so_a_supplier_may_answer_na() -> None:
    assert not COMMERCIAL.question("C5").required
    required = [q for q in COMMERCIAL.questions() if q.required]
    assert len(required) == len(COMMERCIAL.questions()) - 1


def best_answers(template: TemplateDefinition) -> dict[str, Answer]:
    answers: dict[str, Answer] = {}
    for question in template.questions():
        if question.options:
            answers[question.code] = max(question.options, key=lambda o: o.points).value
        elif question.answer_type is AnswerType.YES_NO:
            answers[question.code] = "yes"
    answers.update({"C3": Decimal(20), "O2": Decimal(50), "O8": Decimal(12)})
    return answers


def test_best_commercial_answers_score_100_and_suggest_approval() -> None:
    result = score(COMMERCIAL, best_answers(COMMERCIAL), criticality="critical")
    assert result.percentage == 100.0 and result.suggested_decision is Decision.APPROVED
    assert result.possible == 10 * (2 + 1 + 1 + 0.5 + 0.5 + 1 + 2 + 2 + 2 + 1 + 1 + 1 + 1)


def test_c6_none_rejects_only_a_critical_supplier() -> None:
    answers = {**best_answers(COMMERCIAL), "C6": "none"}
    assert score(COMMERCIAL, answers, criticality="major").knockout_hits == ()
    assert score(COMMERCIAL, answers, criticality="critical").knockout_hits == ("C6",)


def test_c13_export_knockout_applies_only_to_systems_holding_part_11_records() -> None:
    answers = {**best_answers(COMMERCIAL), "C13": "no", "C13b": "no"}
    holds = score(COMMERCIAL, {**answers, "C13a": "yes"}, criticality="minor")
    does_not = score(COMMERCIAL, {**answers, "C13a": "no"}, criticality="minor")
    assert holds.knockout_hits == ("C13b",) and holds.suggested_decision is Decision.REJECTED
    assert does_not.knockout_hits == ()


def test_c9_end_of_life_knocks_out_any_supplier() -> None:
    answers = {**best_answers(COMMERCIAL), "C9": "end_of_life"}
    assert score(COMMERCIAL, answers, criticality="minor").knockout_hits == ("C9",)


def test_missing_supplier_answers_leave_evaluator_questions_out() -> None:
    missing = {q.code for q in missing_required(COMMERCIAL, {}, AnsweredBy.SUPPLIER)}
    assert missing == {"C1", "C2", "C3", "C4", "C7", "C9", "C10", "C11", "C12", "C13"}


def test_yaml_quotes_yes_and_no_so_they_stay_strings() -> None:
    for name in DEFAULT_TEMPLATES:
        for question in load_default(name).questions():
            assert all(isinstance(o.value, str) and isinstance(o.label, str) for o in question.options)
        assert "value: yes" not in default_source(name)


# --- open-source project ------------------------------------------------------------------------


def test_open_source_template_has_o1_to_o12_all_answered_by_the_evaluator() -> None:
    assert OPEN_SOURCE.audience is Audience.OPEN_SOURCE
    assert sorted(q.code for q in OPEN_SOURCE.questions()) == sorted(f"O{i}" for i in range(1, 13))
    assert all(q.answered_by is AnsweredBy.EVALUATOR for q in OPEN_SOURCE.questions())


@pytest.mark.parametrize(
    ("code", "weight"), [("O1", 2), ("O5", 2), ("O6", 2), ("O3", 1), ("O7", 1), ("O12", 1)]
)
def test_open_source_weights_follow_the_domain(code: str, weight: float) -> None:
    assert OPEN_SOURCE.question(code).weight == weight


def test_open_source_knockouts_follow_the_domain() -> None:
    assert knockouts(OPEN_SOURCE) == {
        "O3": ({"archived"}, KnockoutScope.ALL),
        "O6": ({"unacceptable"}, KnockoutScope.ALL),
        "O10": ({"incompatible"}, KnockoutScope.ALL),
    }


def test_o1_backing_options_best_to_worst() -> None:
    o1 = OPEN_SOURCE.question("O1")
    assert [o.value for o in o1.options] == [
        "foundation_or_company",
        "three_or_more_maintainers",
        "single_maintainer",
    ]
    assert points(o1) == [10, 5, 0]


def test_o3_release_age_includes_archived() -> None:
    assert [o.value for o in OPEN_SOURCE.question("O3").options] == [
        "under_6_months",
        "6_to_18_months",
        "over_18_months",
        "archived",
    ]


def test_every_open_source_question_earns_up_to_10_points() -> None:
    assert all(max_points(q) == 10 for q in OPEN_SOURCE.questions())


def test_best_open_source_answers_score_100() -> None:
    result = score(OPEN_SOURCE, best_answers(OPEN_SOURCE), criticality="major")
    assert result.percentage == 100.0 and result.knockout_hits == ()
    assert result.possible == 10 * (12 + 3)
