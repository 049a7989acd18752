"""Template definitions: strict round trip through JSON and YAML, and the validation rules."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.questionnaires.definitions import (
    DEFAULT_THRESHOLDS,
    MAX_QUESTIONS,
    AnsweredBy,
    AnswerType,
    Band,
    DecisionThreshold,
    DefinitionError,
    KnockoutScope,
    Option,
    QuestionDefinition,
    SectionDefinition,
    ShownIf,
    TemplateDefinition,
    Thresholds,
    dump_json,
    dump_yaml,
    from_dict,
    is_scored,
    load,
    max_points,
    to_dict,
    validate,
)
from tests.questionnaires.strategies import choice, template_of, templates


def sample() -> TemplateDefinition:
    return template_of(
        choice("A1", 10, 5, 0, weight=2, knockout_values=("c",)),
        QuestionDefinition(
            code="A2",
            text="Years?",
            answer_type=AnswerType.NUMBER,
            bands=(Band(None, 2, 0), Band(2, 6, 5), Band(6, None, 10)),
        ),
        QuestionDefinition(
            code="A3",
            text="Why?",
            answer_type=AnswerType.TEXT,
            shown_if=ShownIf("A1", ("b", "c")),
            answered_by=AnsweredBy.EVALUATOR,
        ),
    )


def sample_dict() -> dict[str, Any]:
    return to_dict(sample())


STRICT = Thresholds(
    critical=DecisionThreshold(approved=90, conditional=70.5),
    major=DecisionThreshold(approved=80, conditional=55),
    minor=DecisionThreshold(approved=70, conditional=40),
)


# --- round trip ---------------------------------------------------------------------------------


def test_json_export_then_import_gives_an_equal_definition() -> None:
    assert load(dump_json(sample())) == sample()


def test_yaml_export_then_import_gives_an_equal_definition() -> None:
    assert load(dump_yaml(sample())) == sample()


def test_custom_thresholds_survive_json_and_yaml() -> None:
    defn = dataclasses.replace(sample(), thresholds=STRICT)
    assert load(dump_json(defn)) == defn
    assert load(dump_yaml(defn)) == defn
    assert to_dict(defn)["thresholds"]["critical"] == {"approved": 90, "conditional": 70.5}


def test_thresholds_default_to_the_domain_values() -> None:
    assert DEFAULT_THRESHOLDS.for_criticality("critical") == DecisionThreshold(approved=80, conditional=60)
    assert DEFAULT_THRESHOLDS.for_criticality("major") == DecisionThreshold(approved=75, conditional=50)
    assert DEFAULT_THRESHOLDS.for_criticality("minor") == DecisionThreshold(approved=75, conditional=50)
    assert sample().thresholds == DEFAULT_THRESHOLDS


def test_a_stored_template_without_thresholds_keeps_the_defaults() -> None:
    data = sample_dict()
    del data["thresholds"]
    assert from_dict(data).thresholds == DEFAULT_THRESHOLDS


def test_a_criticality_left_out_of_the_thresholds_keeps_its_default() -> None:
    data = sample_dict()
    data["thresholds"] = {"critical": {"approved": 85, "conditional": 65}}
    loaded = from_dict(data).thresholds
    assert loaded.critical == DecisionThreshold(85, 65)
    assert (loaded.major, loaded.minor) == (DEFAULT_THRESHOLDS.major, DEFAULT_THRESHOLDS.minor)


def test_yaml_export_keeps_definition_order_and_writes_whole_points_without_decimals() -> None:
    text = dump_yaml(sample())
    assert text.index("name:") < text.index("audience:") < text.index("sections:")
    assert "points: 10\n" in text
    assert "weight: 2\n" in text


def yes_no_template(*options: Option) -> TemplateDefinition:
    """A template of one yes/no question Y with these options."""
    return template_of(QuestionDefinition(code="Y", text="Y?", answer_type=AnswerType.YES_NO, options=options))


def test_yes_and_no_values_survive_yaml_as_strings() -> None:
    defn = yes_no_template(Option("yes", "Yes", 10), Option("no", "No", 0))
    assert load(dump_yaml(defn)) == defn


def test_strings_pyyaml_would_read_as_line_breaks_survive_yaml() -> None:
    defn = dataclasses.replace(sample(), name="A\x85B", description="x\u2028y\u2029z\ufeff, Grüße")
    text = dump_yaml(defn)
    assert load(text) == defn
    assert "Grüße" in text


@settings(max_examples=60, deadline=None)
@given(templates())
def test_any_template_survives_a_json_round_trip(defn: TemplateDefinition) -> None:
    assert load(dump_json(defn), "json") == defn


@settings(max_examples=60, deadline=None)
@given(templates())
def test_any_template_survives_a_yaml_round_trip(defn: TemplateDefinition) -> None:
    assert load(dump_yaml(defn), "yaml") == defn


@settings(max_examples=40, deadline=None)
@given(templates())
def test_generated_templates_are_valid(defn: TemplateDefinition) -> None:
    assert validate(defn) == []


def test_load_detects_json_and_yaml_and_accepts_bytes_with_a_bom() -> None:
    assert load(dump_json(sample()).encode("utf-8-sig")) == sample()
    assert load(dump_yaml(sample()).encode()) == sample()


def test_optional_question_keys_take_their_defaults() -> None:
    data = {
        "name": "T",
        "audience": "any",
        "version": 1,
        "sections": [
            {"title": "S", "questions": [{"code": "Q", "text": "Q?", "answer_type": "text"}]},
        ],
    }
    question = from_dict(data).sections[0].questions[0]
    assert question == QuestionDefinition(code="Q", text="Q?", answer_type=AnswerType.TEXT)
    assert question.required and question.weight == 1.0 and question.answered_by is AnsweredBy.SUPPLIER
    assert question.knockout_scope is KnockoutScope.ALL


def test_whole_number_points_load_as_floats_equal_to_the_original() -> None:
    loaded = from_dict(sample_dict())
    option = loaded.sections[0].questions[0].options[0]
    assert isinstance(option.points, float) and option.points == 10.0


# --- strict import ------------------------------------------------------------------------------


def _error(data: object) -> DefinitionError:
    with pytest.raises(DefinitionError) as caught:
        from_dict(data)
    return caught.value


def test_unknown_key_is_named_with_its_path() -> None:
    data = sample_dict()
    data["sections"][0]["questions"][0]["options"][1]["colour"] = "red"
    assert _error(data).path == "sections[0].questions[0].options[1].colour"
    assert "unknown key" in str(_error(data))


def test_wrong_type_is_named_with_its_path() -> None:
    data = sample_dict()
    data["sections"][0]["questions"][0]["options"][0]["points"] = "ten"
    error = _error(data)
    assert error.path == "sections[0].questions[0].options[0].points"
    assert "expected a number" in error.message


def test_missing_required_key_is_named_with_its_path() -> None:
    data = sample_dict()
    del data["sections"][0]["questions"][2]["answer_type"]
    assert _error(data).path == "sections[0].questions[2].answer_type"


@pytest.mark.parametrize(
    ("thresholds", "path", "message"),
    [
        ({"urgent": {"approved": 90, "conditional": 70}}, "thresholds.urgent", "unknown key"),
        ({"minor": {"approved": 90}}, "thresholds.minor.conditional", "missing required key"),
        ({"minor": {"approved": "90", "conditional": 70}}, "thresholds.minor.approved", "expected a number"),
        ({"minor": {"approved": 90, "conditional": True}}, "thresholds.minor.conditional", "expected a number"),
        ({"minor": {"approved": 90, "conditional": 70, "rejected": 0}}, "thresholds.minor.rejected", "unknown key"),
        ({"major": [75, 50]}, "thresholds.major", "expected a mapping"),
        (None, "thresholds", "expected a mapping"),
    ],
)
def test_bad_thresholds_are_named_with_their_path(thresholds: object, path: str, message: str) -> None:
    data = sample_dict()
    data["thresholds"] = thresholds
    error = _error(data)
    assert error.path == path and message in error.message


def test_unknown_enum_value_lists_the_allowed_ones() -> None:
    data = sample_dict()
    data["sections"][0]["questions"][1]["answer_type"] = "slider"
    error = _error(data)
    assert error.path == "sections[0].questions[1].answer_type"
    assert "yes_no" in error.message and "'slider'" in error.message


def test_booleans_are_not_accepted_as_numbers_or_strings() -> None:
    data = sample_dict()
    data["version"] = True
    assert _error(data).path == "version"
    data = sample_dict()
    data["sections"][0]["questions"][2]["shown_if"]["values"][0] = True
    error = _error(data)
    assert error.path == "sections[0].questions[2].shown_if.values[0]"
    assert "quote yes/no" in error.message


def test_unquoted_yes_in_hand_written_yaml_gets_a_helpful_error() -> None:
    text = dump_yaml(sample()).replace("- b\n", "- yes\n")
    with pytest.raises(DefinitionError, match="quote yes/no"):
        load(text)


def test_non_finite_numbers_are_rejected() -> None:
    data = sample_dict()
    data["sections"][0]["questions"][0]["weight"] = float("nan")
    assert _error(data).path == "sections[0].questions[0].weight"


def test_top_level_must_be_a_mapping() -> None:
    assert "expected a mapping" in str(_error(["a", "list"]))


def test_a_list_where_a_mapping_is_expected_is_reported() -> None:
    data = sample_dict()
    data["sections"][0]["questions"][2]["shown_if"] = ["A1"]
    assert _error(data).path == "sections[0].questions[2].shown_if"


def test_invalid_json_and_yaml_raise_definition_errors() -> None:
    with pytest.raises(DefinitionError, match="not valid JSON"):
        load('{"name": ')
    with pytest.raises(DefinitionError, match="not valid YAML"):
        load("name: [unclosed")
    with pytest.raises(DefinitionError, match="not UTF-8"):
        load(b"\xff\xfe\x00name")


def test_yaml_tags_that_construct_objects_are_refused() -> None:
    with pytest.raises(DefinitionError, match="not valid YAML"):
        load("!!python/object/apply:os.system ['echo hi']\n")


def test_too_many_questions_are_refused_even_through_yaml_aliases() -> None:
    aliases = ", ".join(["*q"] * 99)
    text = (
        "name: T\naudience: any\nversion: 1\nsections:\n"
        f"  - &s {{title: S, questions: [&q {{code: Q, text: Why, answer_type: text}}, {aliases}]}}\n"
        + "  - *s\n"
        * 5
    )
    assert MAX_QUESTIONS < 6 * 100
    with pytest.raises(DefinitionError, match=f"at most {MAX_QUESTIONS} questions"):
        load(text)


def test_json_dump_is_plain_json() -> None:
    data = json.loads(dump_json(sample()))
    assert data["sections"][0]["questions"][1]["bands"][0] == {"min": None, "max": 2, "points": 0}


# --- validation ---------------------------------------------------------------------------------


def messages(defn: TemplateDefinition) -> dict[str, str]:
    return {p.path: p.message for p in validate(defn)}


def test_a_sound_template_has_no_problems() -> None:
    assert validate(sample()) == []


def test_codes_must_be_unique() -> None:
    defn = template_of(choice("A", 1, 0), choice("A", 1, 0))
    assert "sections[0].questions[1].code" in messages(defn)


def test_codes_must_be_usable_in_forms_and_urls() -> None:
    defn = template_of(choice("1 bad code", 1, 0))
    assert "sections[0].questions[0].code" in messages(defn)


def test_shown_if_must_point_to_an_earlier_question() -> None:
    later = template_of(choice("A", 1, 0, shown_if=ShownIf("B", ("a",))), choice("B", 1, 0))
    itself = template_of(choice("A", 1, 0, shown_if=ShownIf("A", ("a",))))
    missing = template_of(choice("A", 1, 0, shown_if=ShownIf("Z", ("a",))))
    for defn in (later, itself, missing):
        assert "earlier question" in messages(defn)["sections[0].questions[0].shown_if.question_code"]


def test_shown_if_values_must_exist_among_the_controlling_options() -> None:
    defn = template_of(choice("A", 1, 0), choice("B", 1, 0, shown_if=ShownIf("A", ("a", "zz"))))
    assert list(messages(defn)) == ["sections[0].questions[1].shown_if.values[1]"]


def test_shown_if_on_a_yes_no_question_uses_yes_and_no() -> None:
    yes_no = QuestionDefinition(code="Y", text="Y?", answer_type=AnswerType.YES_NO)
    good = template_of(yes_no, choice("B", 1, 0, shown_if=ShownIf("Y", ("yes",))))
    bad = template_of(yes_no, choice("B", 1, 0, shown_if=ShownIf("Y", ("true",))))
    assert validate(good) == []
    assert "sections[0].questions[1].shown_if.values[0]" in messages(bad)


def test_shown_if_needs_a_choice_controller_and_at_least_one_value() -> None:
    text = QuestionDefinition(code="T", text="T?", answer_type=AnswerType.TEXT)
    assert (
        "yes/no or choice"
        in messages(template_of(text, choice("B", 1, 0, shown_if=ShownIf("T", ("x",)))))[
            "sections[0].questions[1].shown_if.question_code"
        ]
    )
    assert "sections[0].questions[1].shown_if.values" in messages(
        template_of(choice("A", 1, 0), choice("B", 1, 0, shown_if=ShownIf("A", ())))
    )


def test_supplier_question_cannot_depend_on_an_evaluator_question() -> None:
    defn = template_of(
        choice("A", 1, 0, answered_by=AnsweredBy.EVALUATOR), choice("B", 1, 0, shown_if=ShownIf("A", ("a",)))
    )
    assert "evaluator" in messages(defn)["sections[0].questions[1].shown_if.question_code"]


def test_choice_questions_need_options() -> None:
    single = QuestionDefinition(
        code="S", text="S?", answer_type=AnswerType.SINGLE_CHOICE, options=(Option("a", "A", 1),)
    )
    multiple = QuestionDefinition(code="M", text="M?", answer_type=AnswerType.MULTIPLE_CHOICE)
    found = messages(template_of(single, multiple, choice("X", 1, 0)))
    assert "at least 2" in found["sections[0].questions[0].options"]
    assert "at least 1" in found["sections[0].questions[1].options"]


def test_option_values_are_unique_non_empty_and_not_na() -> None:
    defn = template_of(
        QuestionDefinition(
            code="S",
            text="S?",
            answer_type=AnswerType.SINGLE_CHOICE,
            options=(
                Option("a", "A", 1),
                Option("a", "A again", 1),
                Option("", "Empty", 0),
                Option("na", "N/A", 0),
            ),
        )
    )
    found = messages(defn)
    assert {
        "sections[0].questions[0].options[1].value",
        "sections[0].questions[0].options[2].value",
        "sections[0].questions[0].options[3].value",
    } <= set(found)


def test_yes_no_options_can_only_be_yes_and_no() -> None:
    defn = yes_no_template(Option("yes", "Yes", 10), Option("maybe", "?", 5))
    assert list(messages(defn)) == ["sections[0].questions[0].options[1].value"]


def test_only_choice_questions_have_options_and_only_numbers_have_bands() -> None:
    text = QuestionDefinition(
        code="T",
        text="T?",
        answer_type=AnswerType.TEXT,
        options=(Option("a", "A", 5),),
        bands=(Band(0, 1, 5),),
    )
    found = messages(template_of(text, choice("X", 1, 0)))
    assert "sections[0].questions[0].options" in found and "sections[0].questions[0].bands" in found


def test_file_questions_score_nothing() -> None:
    upload = QuestionDefinition(code="F", text="Upload", answer_type=AnswerType.FILE, evidence_required=True)
    assert max_points(upload) == 0 and not is_scored(upload)
    assert "sections" in messages(template_of(upload))


def test_knockout_values_must_be_existing_option_values() -> None:
    defn = template_of(choice("A", 1, 0, knockout_values=("b", "zz")))
    assert list(messages(defn)) == ["sections[0].questions[0].knockout_values[1]"]
    number = QuestionDefinition(
        code="N", text="N?", answer_type=AnswerType.NUMBER, bands=(Band(0, 1, 1),), knockout_values=("0",)
    )
    assert "sections[0].questions[0].knockout_values[0]" in messages(template_of(number))


def test_weights_and_points_cannot_be_negative() -> None:
    defn = template_of(choice("A", 10, -1), choice("B", 1, 0, weight=-0.5))
    found = messages(defn)
    assert "sections[0].questions[0].options[1].points" in found
    assert "sections[0].questions[1].weight" in found


def test_some_points_must_be_reachable() -> None:
    assert "sections" in messages(template_of(choice("A", 0, 0)))
    assert "sections" in messages(template_of(choice("A", 10, 0, weight=0)))
    assert "sections" not in messages(template_of(choice("A", 10, 0, weight=0), choice("B", 1, 0)))


def test_bands_must_not_overlap_and_need_min_below_max() -> None:
    def number(*bands: Band) -> TemplateDefinition:
        return template_of(
            QuestionDefinition(code="N", text="N?", answer_type=AnswerType.NUMBER, bands=bands)
        )

    assert validate(number(Band(None, 2, 0), Band(2, 5, 5), Band(5, None, 10))) == []
    assert "sections[0].questions[0].bands[1]" in messages(number(Band(0, 3, 0), Band(2, 5, 5)))
    assert "sections[0].questions[0].bands[1]" in messages(number(Band(None, None, 1), Band(7, 8, 5)))
    assert "sections[0].questions[0].bands[0]" in messages(number(Band(5, 5, 1)))
    assert "sections[0].questions[0].bands[0]" in messages(number(Band(6, 2, 1)))


def test_number_without_bands_is_allowed_and_unscored() -> None:
    count = QuestionDefinition(code="N", text="How many?", answer_type=AnswerType.NUMBER)
    assert max_points(count) == 0
    assert validate(template_of(count, choice("A", 1, 0))) == []


@pytest.mark.parametrize(
    ("approved", "conditional", "valid"),
    [
        (75, 50, True),
        (100, 0, True),
        (60, 60, True),  # no conditional band at all
        (0, 0, True),
        (50, 60, False),  # conditional above approved
        (101, 50, False),
        (75, -1, False),
    ],
)
def test_thresholds_must_lie_between_0_and_100_in_order(approved: float, conditional: float, valid: bool) -> None:
    pair = DecisionThreshold(approved=approved, conditional=conditional)
    defn = dataclasses.replace(sample(), thresholds=Thresholds(major=pair))
    problems = validate(defn)
    assert [p.path for p in problems] == ([] if valid else ["thresholds.major"])
    if not valid:
        assert "0 <= conditional <= approved <= 100" in problems[0].message


def test_template_needs_a_name_a_positive_version_and_sections() -> None:
    defn = dataclasses.replace(sample(), name=" ", version=0)
    assert {"name", "version"} <= set(messages(defn))
    assert "sections" in messages(dataclasses.replace(sample(), sections=()))
    empty = dataclasses.replace(sample(), sections=(*sample().sections, SectionDefinition("", ())))
    assert {"sections[1].title", "sections[1].questions"} <= set(messages(empty))


# --- points -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        (choice("A", 10, 7, 0), 10),
        (
            QuestionDefinition(
                code="M",
                text="M",
                answer_type=AnswerType.MULTIPLE_CHOICE,
                options=(Option("a", "A", 3), Option("b", "B", 0), Option("c", "C", 4.5)),
            ),
            7.5,
        ),
        (
            QuestionDefinition(
                code="N", text="N", answer_type=AnswerType.NUMBER, bands=(Band(0, 1, 2), Band(1, 2, 8))
            ),
            8,
        ),
        (
            QuestionDefinition(
                code="Y", text="Y", answer_type=AnswerType.YES_NO, options=(Option("yes", "Yes", 4),)
            ),
            4,
        ),
        (QuestionDefinition(code="Y", text="Y", answer_type=AnswerType.YES_NO), 0),
        (QuestionDefinition(code="D", text="D", answer_type=AnswerType.DATE), 0),
    ],
)
def test_max_points_is_the_best_reachable_answer(question: QuestionDefinition, expected: float) -> None:
    assert max_points(question) == expected


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(0, 50), min_size=1, max_size=5))
def test_multiple_choice_max_is_the_sum_of_positive_options(values: list[float]) -> None:
    question = QuestionDefinition(
        code="M",
        text="M",
        answer_type=AnswerType.MULTIPLE_CHOICE,
        options=tuple(Option(f"v{i}", "L", p) for i, p in enumerate(values)),
    )
    assert max_points(question) == pytest.approx(sum(values))
