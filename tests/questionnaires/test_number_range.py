"""Number answers are bounded: non-finite and absurdly long numbers always refused, a question's
minimum..maximum refused outside with a message naming the range, and scoring never rewards such a value."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.questionnaires.answers import check_answer
from app.questionnaires.defaults import load_default
from app.questionnaires.definitions import (
    AnswerType,
    Audience,
    Band,
    DefinitionError,
    QuestionDefinition,
    SectionDefinition,
    TemplateDefinition,
    dump_json,
    dump_yaml,
    from_dict,
    load,
    to_dict,
    validate,
)
from app.questionnaires.scoring import score, score_bands

BANDS = (Band(0, 2, 0), Band(2, 6, 5), Band(6, None, 10))


def years(minimum: float | None = 0, maximum: float | None = None) -> QuestionDefinition:
    return QuestionDefinition(code="Y", text="Years?", answer_type=AnswerType.NUMBER, bands=BANDS,
                              minimum=minimum, maximum=maximum)


@pytest.mark.parametrize("raw", ["1E+309", "1E+999999", "9" * 5000, "-1E+400", "1" + "0" * 16])
def test_absurd_numbers_are_refused_even_without_a_range(raw: str) -> None:
    checked = check_answer(years(minimum=None), raw)
    assert not checked.ok and checked.value is None


def test_a_number_below_the_minimum_is_refused_with_the_range_in_the_message() -> None:
    checked = check_answer(years(), "-5")
    assert not checked.ok and checked.error == "Enter a number 0 or more"
    both = check_answer(years(0, 300), "301")
    assert not both.ok and "from 0 to 300" in (both.error or "")
    assert check_answer(years(0, 300), "300").value == Decimal("300")
    assert check_answer(years(0, 300), "0").value == Decimal("0")


def test_the_default_years_in_business_question_has_minimum_zero() -> None:
    c3 = load_default("commercial_vendor").question("C3")
    assert c3.minimum == 0
    assert not check_answer(c3, "-5").ok and not check_answer(c3, "1E+309").ok
    for name, code in (("open_source_project", "O8"), ("open_source_project", "O2")):
        assert load_default(name).question(code).minimum == 0


@pytest.mark.parametrize("value", [Decimal("-5"), Decimal("1E+309"), Decimal("1E+999999"), Decimal("9" * 5000),
                                   10**400, float("inf")])
def test_scoring_gives_no_points_to_a_value_outside_the_range(value: object) -> None:
    assert score_bands(years(), value) == 0.0  # type: ignore[arg-type]


def test_a_score_with_an_out_of_range_answer_does_not_reach_the_top_band() -> None:
    defn = TemplateDefinition(name="T", audience=Audience.ANY, version=1,
                              sections=(SectionDefinition("S", (years(0, 200),)),))
    assert score(defn, {"Y": Decimal("1E+309")}, criticality="major").earned == 0
    assert score(defn, {"Y": Decimal("12")}, criticality="major").earned == 10


def test_the_range_round_trips_and_is_left_out_when_unset() -> None:
    q = years(0, 150)
    defn = TemplateDefinition(name="T", audience=Audience.ANY, version=1, sections=(SectionDefinition("S", (q,)),))
    assert load(dump_yaml(defn)) == defn and load(dump_json(defn)) == defn
    plain = to_dict(TemplateDefinition(name="T", audience=Audience.ANY, version=1,
                                       sections=(SectionDefinition("S", (years(None),)),)))
    assert "minimum" not in plain["sections"][0]["questions"][0]


def _doc(**question: object) -> dict[str, object]:
    return {"name": "T", "audience": "any", "version": 1, "sections": [{"title": "S", "questions": [
        {"code": "Y", "text": "Years?", "answer_type": "number", **question}]}]}


@pytest.mark.parametrize(("value", "message"), [("zero", "expected a number"), (float("inf"), "finite"), (True, "expected a number")])
def test_import_names_the_path_of_a_bad_minimum(value: object, message: str) -> None:
    with pytest.raises(DefinitionError) as caught:
        from_dict(_doc(minimum=value))
    assert caught.value.path == "sections[0].questions[0].minimum" and message in caught.value.message


def test_validate_reports_a_reversed_range_and_a_range_on_a_non_number_question() -> None:
    problems = validate(from_dict(_doc(minimum=10, maximum=1, bands=[{"min": 0, "points": 5}])))
    assert any(p.path == "sections[0].questions[0].maximum" for p in problems)
    text_doc = _doc(minimum=0)
    text_doc["sections"][0]["questions"][0]["answer_type"] = "text"  # type: ignore[index]
    assert any(p.path.endswith(".minimum") for p in validate(from_dict(text_doc)))
