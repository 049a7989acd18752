"""A Word record reads as plain English wherever the record is incomplete: it says "Not scored yet" or "No signature
recorded" rather than print a bare "%", "of" or a blank where a signature belongs; it says what the evaluator did with
a proposed answer in words, never the stored state; it prints no empty "Expected result:" under a scripted test
case; and the SOUP changes of a product's first release compare it with nothing, as its page does, never with a
later release."""

from __future__ import annotations

import io
from datetime import datetime

from docx import Document
from sqlalchemy import select

from app.access import Role
from app.documents import services
from app.extensions import db
from app.inventory import services as inventory
from app.inventory.models import Component
from app.questionnaires import evaluations
from app.questionnaires import services as questionnaires
from app.questionnaires.models import AnswerProposal, ProposalState
from tests.documents.docx_helpers import docx_text, field_value, table_rows
from tests.documents.test_labels import raw_words
from tests.inventory.factories import release_with, requirements
from tests.questionnaires.factories import make_supplier, scored, started
from tests.validation.factories import make_system, write_protocol

NOT_SCORED = "Not scored yet"


def test_an_evaluation_not_yet_scored_says_so_instead_of_printing_a_bare_percent_sign(make_user):
    evaluation = started(make_user("pat", Role.PURCHASING))
    db.session.commit()
    data = services.generate("supplier_evaluation", str(evaluation.id), by=None).data
    assert field_value(data, "Score") == NOT_SCORED
    assert field_value(data, "Weighted points") == NOT_SCORED
    assert field_value(data, "Decision thresholds") == NOT_SCORED


def test_a_scored_evaluation_prints_its_score_and_thresholds(make_user):
    evaluation = scored(make_user("pat", Role.PURCHASING))
    db.session.commit()
    data = services.generate("supplier_evaluation", str(evaluation.id), by=None).data
    score = evaluation.score
    assert field_value(data, "Score") == f"{score['percentage']} %"
    assert field_value(data, "Weighted points") == f"{score['earned']} of {score['possible']}"
    assert field_value(data, "Decision thresholds") == (f"Approved from {score['threshold']['approved']} %, "
                                                        f"conditionally approved from {score['threshold']['conditional']} %")
    assert NOT_SCORED not in docx_text(data)


def test_evidence_behind_the_answers_says_what_the_evaluator_did_in_words(make_user):
    qa = make_user("quinn", Role.QA)
    supplier = make_supplier("OSS-SIX", "six", kind="open_source_project")
    template = questionnaires.ensure_default_templates()[1]
    evaluation = evaluations.start_evaluation(supplier, template, evaluation_type="initial", due_date=None, by=qa)
    measured = datetime(2026, 11, 30, 8, 0)
    for code, value, state, reason in (
        ("O2", "31", ProposalState.ACCEPTED, ""),
        ("O7", "none", ProposalState.OVERRIDDEN, "SECURITY.md exists"),
        ("O4", "wide", ProposalState.PROPOSED, ""),
    ):
        db.session.add(AnswerProposal(
            evaluation_id=evaluation.id, question_code=code, value=value, figure=f"figure of {code}",
            source="test source", measured_at=measured, state=state, reason=reason,
            answer="" if state == ProposalState.PROPOSED else value,
        ))
    db.session.commit()
    data = services.generate("supplier_evaluation", str(evaluation.id), by=None).data
    said = {row["Code"]: row["Evaluator"] for row in table_rows(data, "Figure", "Evaluator")}
    assert said == {"O2": "Proposed answer accepted", "O7": "Proposed answer overridden: SECURITY.md exists",
                    "O4": "Not decided yet"}
    assert raw_words(docx_text(data)) == []


def test_an_unsigned_soup_list_and_its_notices_say_no_signature_is_recorded(app):
    release, _ = release_with("Pump", "1.0", {"requirements.txt": requirements("click==8.1.7")})
    soup = services.generate("soup_list", str(release.id), by=None).data
    assert field_value(soup, "Prepared (authored) by") == "No signature recorded"
    assert field_value(soup, "Approved by") == "No signature recorded"
    notices = services.generate("third_party_notices", str(release.id), by=None).data
    assert field_value(notices, "SOUP list approved") == "No signature recorded"


def test_a_scripted_test_case_prints_no_empty_expected_result(make_user):
    author = make_user("erin", Role.ENGINEER)
    protocol = write_protocol(make_system(author), author)  # TC-1 scripted (expected results per step), TC-2 not
    db.session.commit()
    data = services.generate("validation_protocol", str(protocol.id), by=None).data
    scripted, unscripted = (row["Steps and expected results"] for row in table_rows(data, "Code", "Objective"))
    assert "Expected: The record shows" in scripted and "Expected result" not in scripted
    assert unscripted == "Expected result: Works as intended"


def test_the_soup_changes_of_a_first_release_compare_it_with_nothing_even_when_a_later_release_exists(app):
    first, _ = release_with("Pump", "1.0", {"requirements.txt": requirements("click==8.1.7", "flask==3.0.3")})
    later, _ = release_with("Pump", "1.1", {"requirements.txt": requirements("click==8.1.7", "flask==3.0.0")})
    assert first.previous_release is None and later.previous_release_id == first.id

    document = services.generate("release_diff", str(first.id), by=None)
    data = document.data
    assert field_value(data, "From release") == "(none)" and field_value(data, "To release") == "1.0"
    assert document.source_id == str(first.id)
    on_page = inventory.release_diff(first.previous_release, first)  # what the release's diff page shows
    added = sorted(row["Name"] for row in table_rows(data, "Name", "Package URL"))
    assert added == sorted(change.name for change in on_page.of("added"))
    assert added == sorted(db.session.scalars(select(Component.name).where(Component.release_id == first.id)))
    moved = [table for table in Document(io.BytesIO(data)).tables if table.rows[0].cells[1].text == "From version"]
    assert len(moved) == 2 and [len(table.rows) for table in moved] == [1, 1]  # nothing upgraded, nothing downgraded
