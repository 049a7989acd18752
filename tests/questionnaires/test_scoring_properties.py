"""Properties of scoring that hold for any valid template and any fitting answers."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from app.questionnaires.answers import Answer, visible_questions
from app.questionnaires.definitions import AnswerType, KnockoutScope, TemplateDefinition
from app.questionnaires.scoring import Decision, score, score_choice
from tests.questionnaires.strategies import answers_for, templates

CRITICALITY = st.sampled_from(["critical", "major", "minor"])
SETTINGS = settings(max_examples=80, deadline=None)
ScoredCase = tuple[TemplateDefinition, dict[str, Answer], str]  # template, fitting answers, criticality


@st.composite
def scored_cases(draw: st.DrawFn) -> ScoredCase:
    template = draw(templates())
    return template, draw(answers_for(template)), draw(CRITICALITY)


@SETTINGS
@given(scored_cases(), st.data())
def test_percentage_is_between_0_and_100(case: ScoredCase, data: st.DataObject) -> None:
    template, answers, criticality = case
    # Overrides mostly target answered, visible questions, the only ones they can change.
    answered = [
        q.code for q in visible_questions(template, answers) if answers.get(q.code) not in (None, "na")
    ]
    codes = answered or [q.code for q in template.questions()]
    overrides = data.draw(st.dictionaries(st.sampled_from(codes), st.floats(-50, 150), max_size=2))
    result = score(template, answers, criticality=criticality, overrides=overrides)
    if result.percentage is None:
        assert result.possible == 0
    else:
        assert 0 <= result.percentage <= 100
        assert 0 <= result.earned <= result.possible
    for entry in result.breakdown:
        if entry.points is not None:
            assert 0 <= entry.points <= entry.max_points


@SETTINGS
@given(scored_cases(), st.data())
def test_raising_one_answers_points_never_lowers_the_score(case: ScoredCase, data: st.DataObject) -> None:
    template, answers, criticality = case
    controllers = {q.shown_if.question_code for q in template.questions() if q.shown_if is not None}
    visible = {q.code for q in visible_questions(template, answers)}
    # Changing a controlling answer changes which questions count, so only leaf questions are raised.
    candidates = [
        q
        for q in template.questions()
        if q.answer_type in (AnswerType.YES_NO, AnswerType.SINGLE_CHOICE)
        and q.code in visible
        and q.code not in controllers
        and score_choice(q, answers.get(q.code)) is not None
    ]
    assume(candidates)
    question = data.draw(st.sampled_from(candidates))
    current = score_choice(question, answers[question.code])
    assert current is not None
    better = [
        v
        for v in ("yes", "no", *(o.value for o in question.options))
        if (p := score_choice(question, v)) is not None and p >= current
    ]
    raised = {**answers, question.code: data.draw(st.sampled_from(better))}
    before = score(template, answers, criticality=criticality).percentage
    after = score(template, raised, criticality=criticality).percentage
    if before is None:
        assert after is None  # the question earns nothing, and nothing else counts
    else:
        assert after is not None and after >= before


@SETTINGS
@given(scored_cases())
def test_any_knockout_suggests_rejection(case: ScoredCase) -> None:
    template, answers, criticality = case
    result = score(template, answers, criticality=criticality)
    expected_hits = []
    for question in visible_questions(template, answers):
        value = answers.get(question.code)
        chosen = value if isinstance(value, tuple) else (value,)
        covered = question.knockout_scope is KnockoutScope.ALL or criticality == "critical"
        if covered and any(v in question.knockout_values for v in chosen):
            expected_hits.append(question.code)
    assert list(result.knockout_hits) == expected_hits
    if result.knockout_hits:
        assert result.suggested_decision is Decision.REJECTED


@SETTINGS
@given(scored_cases())
def test_rescoring_the_same_answers_gives_the_same_result(case: ScoredCase) -> None:
    template, answers, criticality = case
    first = score(template, answers, criticality=criticality)
    reordered = dict(reversed(list(answers.items())))
    assert score(template, reordered, criticality=criticality) == first
    assert score(template, answers, criticality=criticality) == first


@SETTINGS
@given(scored_cases())
def test_only_visible_answered_scored_questions_count(case: ScoredCase) -> None:
    template, answers, criticality = case
    result = score(template, answers, criticality=criticality)
    visible = {q.code for q in visible_questions(template, answers)}
    for entry in result.breakdown:
        if entry.applicable:
            assert entry.code in visible
            assert answers.get(entry.code) not in (None, "na")
            assert entry.weighted_max > 0
    assert result.possible == pytest.approx(sum(e.weighted_max for e in result.breakdown if e.applicable))
