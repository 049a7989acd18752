"""Proposed answers from figures (pure), and the evidence mapping as template data (strict, validated)."""

from __future__ import annotations

from datetime import datetime

import pytest

from app.questionnaires.defaults import load_default
from app.questionnaires.definitions import DefinitionError, from_dict, load, to_dict, validate
from app.questionnaires.proposals import Figure, propose, propose_one

WHEN = datetime(2026, 11, 1)


def figure(metric: str, value: float) -> Figure:
    return Figure(metric, value, f"{value:g}", "test source", WHEN, "/evidence")


OSS = load_default("open_source_project")


@pytest.mark.parametrize(("figures", "expected"), [
    ({"organisations_12m": 3, "authors_12m": 9}, "foundation_or_company"),  # at least 3 organisations
    ({"organisations_12m": 2, "authors_12m": 9}, "three_or_more_maintainers"),
    ({"organisations_12m": 0, "authors_12m": 2}, "single_maintainer"),
    ({"authors_12m": 4}, "three_or_more_maintainers"),  # organisations unknown: the next rule that can decide
])
def test_rules_are_tried_in_order_and_skip_missing_figures(figures, expected):
    proposal = propose_one(OSS.question("O1"), {m: figure(m, v) for m, v in figures.items()})
    assert proposal is not None and proposal.value == expected


def test_a_number_question_takes_the_figure_rounded_down_and_a_question_without_figures_gets_nothing():
    assert propose_one(OSS.question("O2"), {"commits_90d": figure("commits_90d", 31)}).value == "31"
    assert propose_one(OSS.question("O8"), {"first_release_years": figure("first_release_years", 16.9)}).value == "16"
    assert propose_one(OSS.question("O2"), {}) is None
    assert propose_one(OSS.question("O12"), {"commits_90d": figure("commits_90d", 3)}) is None  # not mapped


def test_an_archived_repository_is_proposed_archived_whatever_the_release_age():
    figures = {"archived": figure("archived", 1), "last_release_months": figure("last_release_months", 2)}
    assert propose_one(OSS.question("O3"), figures).value == "archived"
    figures["archived"] = figure("archived", 0)
    assert propose_one(OSS.question("O3"), figures).value == "under_6_months"


def test_the_proposal_carries_its_figure_and_says_which_rule():
    proposal = propose_one(OSS.question("O10"), {"licence_verdict_rank": figure("licence_verdict_rank", 0)})
    assert proposal.value == "compatible" and proposal.figure.source == "test source"
    assert proposal.rationale == "Compatible: 0 (licence_verdict_rank below 1)"
    assert [p.code for p in propose(OSS, {"commits_90d": figure("commits_90d", 1), "dependents": figure("dependents", 60)})] == ["O2", "O4"]


def test_the_mapping_round_trips_and_a_question_without_one_keeps_its_stored_form():
    assert from_dict(to_dict(OSS)) == OSS
    assert "evidence" not in to_dict(OSS)["sections"][0]["questions"][4]  # O12 has no mapping


@pytest.mark.parametrize(("evidence", "message"), [
    ({"metric": "likes"}, "Unknown figure 'likes'"),
    ({"metric": "stars", "rules": [{"value": "huge", "min": 1}]}, "'huge' is not one of this question's option values"),
    ({"metric": "stars", "rules": []}, "Give at least one rule"),
    ({"metric": "stars", "rules": [{"value": "wide", "min": 5, "max": 5}]}, "min must be below its max"),
])
def test_a_bad_mapping_is_reported_with_its_path(evidence, message):
    data = to_dict(OSS)
    data["sections"][0]["questions"][2]["evidence"] = evidence  # O4, single choice
    problems = validate(from_dict(data))
    assert any(message in p.message and p.path.startswith("sections[0].questions[2].evidence") for p in problems), problems


def test_a_number_question_takes_no_rules_and_unknown_keys_fail_loudly():
    data = to_dict(OSS)
    data["sections"][0]["questions"][1]["evidence"] = {"metric": "commits_90d", "rules": [{"value": "1", "min": 0}]}
    assert any("give no rules" in p.message for p in validate(from_dict(data)))
    data["sections"][0]["questions"][1]["evidence"] = {"metric": "commits_90d", "threshold": 3}
    with pytest.raises(DefinitionError, match="threshold: unknown key"):
        from_dict(data)


def test_thresholds_are_data_an_imported_template_can_change():
    text = load_default("open_source_project")
    data = to_dict(text)
    data["sections"][0]["questions"][0]["evidence"]["rules"][0]["min"] = 5  # five organisations for O1
    changed = load(__import__("json").dumps(data))
    figures = {"organisations_12m": figure("organisations_12m", 3), "authors_12m": figure("authors_12m", 9)}
    assert propose_one(changed.question("O1"), figures).value == "three_or_more_maintainers"


def test_the_builder_form_edits_the_mapping_like_the_bands():
    from app.questionnaires.forms import evidence_rules_text, parse_evidence

    o1 = OSS.question("O1")
    text = evidence_rules_text(o1)
    assert text.splitlines()[0] == "foundation_or_company | 3 | "
    assert text.splitlines()[1] == "three_or_more_maintainers | 3 |  | authors_12m"
    assert parse_evidence(o1.evidence.metric, text) == o1.evidence
    assert parse_evidence("", "") is None
