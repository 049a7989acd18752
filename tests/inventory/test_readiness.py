"""The pure readiness check: exact versions, SOUPs of SOUPs, VEX triage, waivers, suppliers, reviews, classes."""

from __future__ import annotations

import pytest

from app.inventory.readiness import (
    ComponentFacts,
    MatchFacts,
    ReleaseFacts,
    check,
    exact_version_problem,
    rule_classes,
)

GOOD = ComponentFacts(
    name="flask", version="3.0.0", classification="soup", safety_class="B", reference_class="B", direct=True,
    licence="BSD-3-Clause", licence_verdict="allow", has_requirements=True, has_hazards=True, supplier="Pallets",
    supplier_status="approved", review_current=True,
)


def rules_of(*components: ComponentFacts, transitive_rule: str = "direct", **overrides) -> set[str]:
    return {p.rule for p in check(ReleaseFacts("P", "1", transitive_rule, components), overrides or None).problems}


@pytest.mark.parametrize("version", ["1.2.3", "4.18.2", "v2.0.0", "2024.1", "1.0.0-rc.1", "22.04"])
def test_exact_versions_pass(version) -> None:
    assert exact_version_problem(version) == ""


@pytest.mark.parametrize("version, word", [
    ("", "no version"), ("^4.18.0", "range"), ("~4.17.0", "range"), (">=2.0", "range"), ("1.x", "range"),
    ("*", "range"), ("1.2 - 1.4", "range"), ("latest", "tag"), ("next", "tag"),
    ("git+https://github.com/a/b.git", "URL"), ("https://example.com/a.tgz", "URL"), ("file:../lib", "URL"),
])
def test_ranges_tags_urls_and_blanks_are_refused(version, word) -> None:
    assert word in exact_version_problem(version)


def test_a_good_component_passes_and_an_empty_release_does_not() -> None:
    assert rules_of(GOOD) == set()
    assert rules_of() == {"components"}


def test_a_transitive_component_is_covered_by_its_parent_under_the_default_rule() -> None:
    child = ComponentFacts(name="werkzeug", version="3.0.1", classification="soup", safety_class="B",
                           reference_class="B", direct=False, parent="flask 3.0.0", licence_verdict="allow")
    assert rules_of(GOOD, child) == set()
    assert rules_of(GOOD, child, transitive_rule="all") == {"supplier", "anomaly_review", "requirements_hazards"}


def test_an_advisory_on_a_transitive_component_counts_against_its_parent() -> None:
    child = ComponentFacts(name="werkzeug", version="3.0.1", classification="soup", safety_class="B",
                           reference_class="B", direct=False, parent="flask 3.0.0", licence_verdict="allow",
                           matches=(MatchFacts("GHSA-1", "open"),))
    result = check(ReleaseFacts("P", "1", "direct", [GOOD, child]))
    assert [(p.rule, p.component) for p in result.problems] == [("advisory_triage", "flask 3.0.0")]
    assert "werkzeug" in result.problems[0].message and "direct parent flask" in result.problems[0].message


def test_unknown_direct_is_treated_as_direct() -> None:
    unknown = ComponentFacts(name="x", version="1.0", classification="soup", safety_class="B", reference_class="B",
                             direct=None, licence_verdict="allow")
    assert rules_of(unknown) == {"supplier", "anomaly_review", "requirements_hazards"}
    assert check(ReleaseFacts("P", "1", "direct", [unknown])).counts["direct_unknown"] == 1


@pytest.mark.parametrize("match, blocks", [
    (MatchFacts("A", "open"), True), (MatchFacts("A", "under_investigation", note="looking"), True),
    (MatchFacts("A", "not_affected", "", "legacy"), True),
    (MatchFacts("A", "not_affected", "code_not_reachable", "never called"), False),
    (MatchFacts("A", "affected", note="input validated upstream"), False), (MatchFacts("A", "affected"), True),
    (MatchFacts("A", "fixed", note="patched"), False),
])
def test_vex_triage_of_class_b_and_c_items(match, blocks) -> None:
    component = ComponentFacts(**{**GOOD.__dict__, "matches": (match,)})
    assert (rules_of(component) == {"advisory_triage"}) is blocks
    class_a = ComponentFacts(**{**GOOD.__dict__, "safety_class": "A", "reference_class": "A", "matches": (match,)})
    assert rules_of(class_a) == set()


def test_licences_deny_needs_a_signed_waiver_and_review_a_decision() -> None:
    denied = ComponentFacts(**{**GOOD.__dict__, "licence_verdict": "deny"})
    assert rules_of(denied) == {"licence"}
    assert rules_of(ComponentFacts(**{**denied.__dict__, "licence_waived": True})) == set()
    review = ComponentFacts(**{**GOOD.__dict__, "licence_verdict": "review"})
    assert rules_of(review) == {"licence"}
    assert rules_of(ComponentFacts(**{**review.__dict__, "licence_decision": "accept"})) == set()
    assert rules_of(ComponentFacts(**{**review.__dict__, "licence_decision": "reject"})) == {"licence"}


@pytest.mark.parametrize("status, passes", [("approved", True), ("conditionally_approved", True),
                                             ("candidate", False), ("suspended", False), ("", False)])
def test_class_b_soup_needs_an_approved_supplier_or_an_exemption(status, passes) -> None:
    component = ComponentFacts(**{**GOOD.__dict__, "supplier_status": status, "supplier": "S" if status else ""})
    assert (rules_of(component) == set()) is passes
    assert rules_of(ComponentFacts(**{**component.__dict__, "supplier_exempt": True})) == set()


def test_a_lower_class_than_the_software_item_needs_a_rationale() -> None:
    lowered = ComponentFacts(**{**GOOD.__dict__, "safety_class": "A", "reference_class": "B", "software_item": "API"})
    assert rules_of(lowered) == {"safety_class"}
    assert rules_of(ComponentFacts(**{**lowered.__dict__, "has_class_rationale": True})) == set()


def test_retired_and_infrastructure_items_ask_less() -> None:
    retired = ComponentFacts(name="old", version="^1", status="removed", licence_verdict="deny")
    infra = ComponentFacts(name="S3", version="", classification="infrastructure", licence_verdict="allow")
    assert rules_of(GOOD, retired, infra) == set()


def test_rule_classes_are_configurable_and_checked() -> None:
    assert rule_classes({"advisory_triage": "ABC"})["advisory_triage"] == frozenset("ABC")
    with pytest.raises(ValueError, match="Unknown readiness rule"):
        rule_classes({"nope": "A"})
    with pytest.raises(ValueError, match="safety classes"):
        rule_classes({"supplier": "D"})
    component = ComponentFacts(**{**GOOD.__dict__, "safety_class": "A", "reference_class": "A",
                                  "matches": (MatchFacts("A", "open"),)})
    assert rules_of(component, advisory_triage="ABC") == {"advisory_triage"}


def test_the_json_shape() -> None:
    body = check(ReleaseFacts("P", "1", "direct", [ComponentFacts(name="a", version="^1", licence_verdict="allow")])).as_dict()
    assert body["ready"] is False
    assert body["problems"][0]["rule"] == "exact_version" and body["problems"][0]["component"] == "a ^1"
    assert body["counts"]["problems"] == 1
