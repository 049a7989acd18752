"""Requirement IDs: auto-numbering, markers in test names and properties, carried versions."""

from __future__ import annotations

import pytest

from app.inventory.traceability import rules


@pytest.mark.parametrize("name, found", [
    ("test_argon2_verifies SOUP-REQ-12 and RC-3", ["SOUP-REQ-12", "RC-3"]),
    ("test_soup_req_12_docxtpl_renders", ["SOUP-REQ-12"]),  # a Python function name cannot hold a hyphen
    ("renders a table [REQ-7]", ["REQ-7"]),  # a product's own prefix
    ("test_rc3_alarm", ["RC-3"]),
    ("test_utf-8_names", []),
    ("test_arc_4_and_src-9", []),
])
def test_markers_anywhere_in_a_name(name, found):
    assert rules.ids_in_name(name, rules.markers({"REQ", "SOUP-REQ"})) == found


def test_property_lists_ids_separated_by_commas_or_spaces():
    assert rules.ids_in_property("SOUP-REQ-12, rc-3;  SOUP-REQ-12") == ["SOUP-REQ-12", "RC-3"]


def test_a_property_and_a_name_marker_give_each_id_once():
    refs = rules.case_refs("test_x SOUP-REQ-1", "SOUP-REQ-1, RC-2", rules.markers(()))
    assert refs == [("SOUP-REQ-1", "property"), ("RC-2", "property")]


def test_auto_numbering_takes_one_above_the_highest_of_its_prefix():
    assert rules.next_identifier(["SOUP-REQ-3", "SOUP-REQ-11", "REQ-40"]) == "SOUP-REQ-12"
    assert rules.next_identifier([]) == "SOUP-REQ-1"


@pytest.mark.parametrize("text, ok", [("SOUP-REQ-12", True), ("REQ-7", True), ("SOUP-REQ", False), ("12", False),
                                      ("X" * 70 + "-1", False)])
def test_hand_given_ids_have_a_prefix_and_a_number(text, ok):
    assert rules.is_identifier(rules.normalise_identifier(text)) is ok


def test_a_requirement_is_current_for_its_versions_and_to_reassess_for_another():
    assert rules.applicability("3.0.0", ["3.0.0"]) == rules.Applicability.CURRENT
    assert rules.applicability("3.1.0", ["3.0.0"]) == rules.Applicability.REASSESS
    assert rules.applicability("3.1.0", []) is None
