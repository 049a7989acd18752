"""A record uses the identifiers of the system it comes from: the validation protocol and report print each test case
as the app shows it (TC-1, not TC-01), and each execution entry with its step (TC-1 step 2) as the protocol page
lists it, so a deviation, an execution and its evidence can be traced between the app and the paper."""

from __future__ import annotations

import io
import re

from werkzeug.datastructures import FileStorage

from app.access import Role
from app.documents import services
from app.extensions import db
from app.validation import services as validation
from tests.documents.docx_helpers import table_rows
from tests.helpers import login
from tests.validation.factories import approved_protocol, execute_all, make_system


def page_tests(page: str) -> list[str]:
    """The "Test" column of the protocol page's execution entries (the cell after the date), in order."""
    table = page[page.index('aria-label="Execution entries"'):]
    table = table[: table.index("</table>")]
    tests = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        if cells:
            tests.append(re.sub(r"<[^>]+>", "", cells[1]).strip())
    return tests


def test_the_protocol_and_report_print_the_test_case_and_step_codes_the_app_shows(app, make_user):
    author, reviewer = make_user("erin", Role.ENGINEER), make_user("rob", Role.ENGINEER)
    qa, tester = make_user("quinn", Role.QA), make_user("tess", Role.ENGINEER)
    protocol = approved_protocol(make_system(author), author, reviewer, qa)
    execute_all(protocol, tester, fail_first=True)  # TC-1 step 1 fails and opens DEV-1
    scripted = protocol.test_cases[0]
    validation.record_execution(
        protocol, tester, test_case_id=scripted.id, test_step_id=scripted.steps[0].id,
        tested_version=protocol.system_version, actual_result="Passes on retest", outcome="pass",
        evidence=FileStorage(stream=io.BytesIO(b"%PDF-1.7\nscreen"), filename="retest.pdf",
                             content_type="application/pdf"),
    )
    validation.complete_execution(protocol, tester)
    db.session.commit()
    codes = [case.code for case in protocol.test_cases]
    assert codes == ["TC-1", "TC-2"]  # what the app stores and shows

    protocol_doc = services.generate("validation_protocol", str(protocol.id), by=None).data
    assert [row["Code"] for row in table_rows(protocol_doc, "Code", "Objective")] == codes

    report = services.generate("validation_report", str(protocol.id), by=None).data
    assert [row["Test case"] for row in table_rows(report, "Function", "Test case")] == codes
    entries = ["TC-1 step 1", "TC-1 step 2", "TC-2", "TC-1 step 1"]
    assert [row["Test case"] for row in table_rows(report, "Tester", "Test case")] == entries
    assert [row["Test case"] for row in table_rows(report, "File", "sha256")] == ["TC-1 step 1"]
    deviations = table_rows(report, "No.", "Disposition")
    assert [(row["No."], row["Test case"]) for row in deviations] == [("DEV-1", "TC-1 step 1")]

    client = app.test_client()
    login(client, "quinn")
    page = client.get(f"/validation/protocols/{protocol.id}").get_data(as_text=True)
    assert page_tests(page) == entries
    assert "DEV-1" in page
