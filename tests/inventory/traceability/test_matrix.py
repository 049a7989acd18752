"""The traceability matrix: verdicts from the linked tests' outcomes, gaps, and the same rows on the page, in the XLSX
and in the Word record (both read back here)."""

from __future__ import annotations

import io

import pytest
from docx import Document
from openpyxl import load_workbook

from app.access import Role
from app.documents import services as documents
from app.extensions import db
from app.inventory.risks import services as risks
from app.inventory.traceability import matrix, services
from app.inventory.traceability.matrix import Item, TestRef, build, verdict
from app.inventory.traceability.services import ResultFile
from tests.inventory.gated import gated_release
from tests.inventory.traceability.test_services import junit, requirement_on_flask


@pytest.mark.parametrize(("outcomes", "rationale", "expected"), [
    (("passed",), False, matrix.VERIFIED),
    (("passed", "failed"), False, matrix.FAILING),  # a passing test does not hide a failing one
    (("error",), True, matrix.FAILING),
    (("skipped",), False, matrix.UNTESTED),
    ((), True, matrix.OTHER_MEANS),
    ((), False, matrix.UNTESTED),
])
def test_the_verdict_of_an_item(outcomes, rationale, expected):
    item = Item(matrix.REQUIREMENT, "SOUP-REQ-1", "x", tests=tuple(TestRef(f"t{i}", "", o) for i, o in enumerate(outcomes)),
                rationale=rationale)
    assert verdict(item) == expected


def test_rows_come_requirements_first_in_natural_id_order_and_gaps_are_counted():
    found = build([Item(matrix.RISK_CONTROL, "RC-1", "m"), Item(matrix.REQUIREMENT, "SOUP-REQ-10", "b"),
                   Item(matrix.REQUIREMENT, "SOUP-REQ-2", "a", tests=(TestRef("t", "", "passed"),))],
                  [TestRef("lonely", "c", "passed")])
    assert [row.item.identifier for row in found.rows] == ["SOUP-REQ-2", "SOUP-REQ-10", "RC-1"]
    assert found.counts() == {"items": 3, "verified": 1, "failing": 0, "other_means": 0, "untested": 2, "gaps": 2,
                              "unlinked_tests": 1}
    assert found.table()[-1][:1] + found.table()[-1][6:] == ["Test without requirement", "c.lonely", "passed", "", "yes"]


@pytest.fixture
def traced(app, make_user):
    """Pump 1.0: SOUP-REQ-1 on flask (a passing and a failing test), SOUP-REQ-2 (no test), RC-1 on HAZ-1 (a passing
    test naming it in a property), RC-2 (no test) and a test naming nothing."""
    engineer = make_user("erin", Role.ENGINEER)
    release = gated_release(engineer)
    requirement_on_flask(release, engineer)
    requirement_on_flask(release, engineer, text="Answers within 200 ms", kind="performance")
    risks.create_hazard(release.product, risks.HazardInput(
        code="HAZ-1", hazard="Wrong dose", controls="RC-1: dose computed twice\nRC-2: alarm", soup="flask"), by=engineer)
    report = junit(("test_routes SOUP-REQ-1", "passed"), ("test_routes_again SOUP-REQ-1", "failed"),
                   ("test_double_check RC-1", "passed"), ("test_menu", "passed"))
    services.import_results(release, [ResultFile("junit.xml", report)], by=engineer, source="CI 7")
    db.session.commit()
    return release


def test_the_page_the_xlsx_and_the_word_record_agree(traced, login_as):
    client = login_as(Role.AUDITOR)
    page = client.get(f"/releases/{traced.id}/traceability").get_data(as_text=True)
    assert "SOUP-REQ-1" in page and "RC-2" in page and "test_menu" in page
    gaps = client.get(f"/releases/{traced.id}/traceability?show=gaps").get_data(as_text=True)
    assert "SOUP-REQ-1" in gaps and "SOUP-REQ-2" in gaps and "RC-2" in gaps and ">RC-1<" not in gaps

    workbook = load_workbook(io.BytesIO(client.get(f"/releases/{traced.id}/traceability.xlsx").data))
    sheet = [["" if v is None else str(v) for v in row] for row in workbook.active.iter_rows(values_only=True)]
    assert sheet[0] == list(matrix.COLUMNS)
    xlsx = {row[1]: (row[0], row[8]) for row in sheet[1:] if row[1]}
    assert xlsx == {"SOUP-REQ-1": ("SOUP requirement", "Failing test"), "SOUP-REQ-2": ("SOUP requirement", "No test"),
                    "RC-1": ("Risk control", "Verified"), "RC-2": ("Risk control", "No test")}
    assert sheet[-1][0] == "Test without requirement" and sheet[-1][6] == "tests.t.test_menu"

    document = documents.generate("traceability_matrix", str(traced.id), by=None)
    word: dict[str, tuple[str, str]] = {}
    for table in Document(io.BytesIO(document.data)).tables:
        header = [cell.text.strip() for cell in table.rows[0].cells]
        if header[:2] == ["Kind", "ID"]:
            word = {row.cells[1].text.strip(): (row.cells[0].text.strip(), row.cells[8].text.strip())
                    for row in table.rows[1:]}
    assert word == xlsx


def test_a_release_without_requirements_controls_or_runs_has_an_empty_matrix(app, make_user, login_as):
    release = gated_release(make_user("erin", Role.ENGINEER))
    db.session.commit()
    page = login_as(Role.ENGINEER).get(f"/releases/{release.id}/traceability").get_data(as_text=True)
    assert "Nothing to trace yet" in page and "No test results are imported yet" in page


def test_a_risk_control_of_the_hazard_list_is_a_known_id_an_rc_nobody_wrote_is_reported(app, make_user):
    engineer = make_user("erin", Role.ENGINEER)
    release = gated_release(engineer)
    risks.create_hazard(release.product, risks.HazardInput(code="HAZ-1", hazard="Wrong dose",
                                                           controls="RCM-4: dose computed twice"), by=engineer)
    summary = services.import_results(release, [ResultFile("junit.xml", junit(
        ("test_double_check RCM-4", "passed"), ("test_other RC-99", "passed")))], by=engineer)
    assert summary.linked == 2 and summary.unknown_ids == ["RC-99"]
