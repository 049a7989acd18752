"""The readiness rule requirements_verified, on plain facts: class B/C SOUP requirements need a passing linked test in
the latest run or a signed rationale; a requirement recorded for another version needs re-assessing first."""

from __future__ import annotations

import pytest

from app.inventory.readiness import ComponentFacts, ReleaseFacts, RequirementFacts, check


def facts(*requirements: RequirementFacts, safety_class: str = "B", classification: str = "soup") -> ReleaseFacts:
    component = ComponentFacts(name="flask", version="3.1.0", classification=classification, safety_class=safety_class,
                               reference_class=safety_class, direct=True, requirements=requirements)
    return ReleaseFacts(product="Pump", version="2.0", components=[component])


def messages(release: ReleaseFacts) -> list[str]:
    return [p.message for p in check(release).problems if p.rule == "requirements_verified"]


@pytest.mark.parametrize("requirement, expected", [
    (RequirementFacts("SOUP-REQ-1", outcomes=frozenset({"passed", "failed"})), []),
    (RequirementFacts("SOUP-REQ-1", rationale=True), []),
    (RequirementFacts("SOUP-REQ-1", outcomes=frozenset({"failed"})),
     ["SOUP-REQ-1 of flask 3.1.0 has only failing linked tests in the latest test run and no signed rationale for "
      "verification by other means."]),
    (RequirementFacts("SOUP-REQ-1", outcomes=frozenset({"skipped"})),
     ["SOUP-REQ-1 of flask 3.1.0 has only skipped linked tests in the latest test run and no signed rationale for "
      "verification by other means."]),
    (RequirementFacts("SOUP-REQ-1", current=False, recorded_for="3.0.0", outcomes=frozenset({"passed"})),
     ["SOUP-REQ-1 was recorded for flask 3.0.0: re-assess it for 3.1.0."]),
])
def test_class_b_requirements(requirement, expected):
    assert messages(facts(requirement)) == expected


@pytest.mark.parametrize("safety_class, classification", [("A", "soup"), ("B", "otss")])
def test_class_a_and_non_soup_items_are_not_checked(safety_class, classification):
    assert messages(facts(RequirementFacts("SOUP-REQ-1"), safety_class=safety_class,
                          classification=classification)) == []
