"""Sub-records changed in place: several steps at once, test cases and steps moved up and down, functions retired
and kept on record, the execution form on the next step not yet run; under htmx every route answers the changed
fragment (422 with what was typed when refused), without htmx the same route redirects to the page."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.access import Role
from app.audit.models import AuditEvent
from app.auth.models import User
from app.errors import Conflict, ValidationFailed
from app.extensions import db
from app.validation import services
from app.validation.models import Function, TestCase, TestStep
from app.validation.rules import ProcessRisk, TestMethod
from tests.validation.factories import approved_protocol, make_system, write_protocol

HTMX = {"HX-Request": "true"}


@pytest.fixture
def engineer(login_as):
    return login_as(Role.ENGINEER, username="erin")


def _author(client: object) -> User:
    """The engineer signed in as the client."""
    return db.session.scalar(select(User).where(User.username == "erin"))


# --- Services -------------------------------------------------------------------------------------


def test_several_steps_are_added_from_one_line_each(make_user):
    author = make_user("erin")
    protocol = write_protocol(make_system(author), author)
    case = protocol.test_cases[0]
    added = services.add_steps(case, author, "Log in | The home page shows\n\n  Open a CAPA  |  It opens  \n")
    assert [(s.order, s.action, s.expected_result) for s in added] == [
        (3, "Log in", "The home page shows"), (4, "Open a CAPA", "It opens")]


@pytest.mark.parametrize("text, message", [
    ("Log in | shown\nOpen a CAPA", "Line 2"), ("| only expected", "Line 1"), ("  \n ", "at least one step"),
])
def test_a_wrong_line_adds_no_step_and_names_the_line(make_user, text, message):
    with pytest.raises(ValidationFailed, match=message):
        services.parse_steps(text)


def test_test_cases_move_up_and_down_and_take_the_codes_of_their_place(make_user):
    author = make_user("erin")
    protocol = write_protocol(make_system(author), author)
    first, second = protocol.test_cases
    services.move_test_case(second, author, -1)
    assert [(c.id, c.code) for c in protocol.test_cases] == [(second.id, "TC-1"), (first.id, "TC-2")]
    services.move_test_case(second, author, 1)
    assert [c.id for c in protocol.test_cases] == [first.id, second.id]
    with pytest.raises(Conflict, match="already at that end"):
        services.move_test_case(first, author, -1)
    with pytest.raises(ValidationFailed):
        services.move_test_case(first, author, 2)


def test_steps_move_within_their_test_case(make_user):
    author = make_user("erin")
    protocol = write_protocol(make_system(author), author)
    case = protocol.test_cases[0]
    opening, closing = case.steps
    services.move_step(closing, author, -1)
    assert [(s.order, s.action) for s in case.steps] == [(1, closing.action), (2, opening.action)]
    with pytest.raises(Conflict):
        services.move_step(opening, author, 1)
    audited = db.session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "test_step")).all()
    assert any(e.action == "update" for e in audited)


def test_nothing_moves_once_the_protocol_left_draft(make_user):
    author, reviewer, qa = make_user("erin"), make_user("rob"), make_user("quinn", Role.QA)
    protocol = approved_protocol(make_system(author), author, reviewer, qa)
    with pytest.raises(Conflict, match="cannot be edited"):
        services.move_test_case(protocol.test_cases[1], author, -1)
    with pytest.raises(Conflict, match="cannot be edited"):
        services.add_steps(protocol.test_cases[0], author, "One more | step")


def test_a_retired_function_stays_on_record_and_leaves_the_coverage_of_drafts(make_user):
    author = make_user("erin")
    system = make_system(author, ProcessRisk.HIGH, ProcessRisk.HIGH)
    protocol = services.create_protocol(system, author)
    kept, retired = system.functions
    assert {g.id for g in services.coverage(protocol)} == {kept.id, retired.id}
    services.retire_function(retired, author)
    assert db.session.get(Function, retired.id).retired_at is not None
    assert [f["id"] for f in services.protocol_functions(protocol)] == [kept.id]
    assert [g.id for g in services.coverage(protocol)] == [kept.id]
    with pytest.raises(Conflict, match="already retired"):
        services.retire_function(retired, author)


def test_a_retired_test_case_stays_on_record_out_of_the_protocol(make_user):
    author = make_user("erin")
    protocol = write_protocol(make_system(author), author)
    scripted, unscripted = protocol.test_cases
    services.retire_test_case(scripted, author)
    assert [(c.id, c.code) for c in protocol.test_cases] == [(unscripted.id, "TC-1")]
    assert [c.id for c in protocol.retired_test_cases] == [scripted.id]
    assert len(db.session.get(TestCase, scripted.id).steps) == 2  # kept with its steps
    assert [g.description for g in services.coverage(protocol)] == ["Function 1"]  # its function is uncovered again
    assert [c["objective"] for c in services.protocol_content(protocol)["test_cases"]] == [unscripted.objective]
    with pytest.raises(Conflict, match="retired"):
        services.add_step(scripted, author, action="One more", expected_result="Shown")
    with pytest.raises(Conflict, match="already retired"):
        services.retire_test_case(scripted, author)


def test_the_next_target_is_the_first_step_without_a_result(make_user):
    author, reviewer, qa, tester = make_user("erin"), make_user("rob"), make_user("quinn", Role.QA), make_user("tess")
    protocol = approved_protocol(make_system(author), author, reviewer, qa)
    services.start_execution(protocol, tester)
    scripted, unscripted = protocol.test_cases
    assert services.next_target(protocol, []) == f"{scripted.id}:{scripted.steps[0].id}"
    services.record_execution(protocol, tester, test_case_id=scripted.id, test_step_id=scripted.steps[0].id,
                              tested_version="9.1", actual_result="Shown", outcome="pass")
    entries = services.executions_of(protocol)
    assert services.next_target(protocol, entries) == f"{scripted.id}:{scripted.steps[1].id}"
    services.record_execution(protocol, tester, test_case_id=scripted.id, test_step_id=scripted.steps[1].id,
                              tested_version="9.1", actual_result="Closed", outcome="pass")
    assert services.next_target(protocol, services.executions_of(protocol)) == f"{unscripted.id}:"
    services.record_execution(protocol, tester, test_case_id=unscripted.id, test_step_id=None,
                              tested_version="9.1", actual_result="Works", outcome="pass")
    assert services.next_target(protocol, services.executions_of(protocol)) is None


# --- Pages ----------------------------------------------------------------------------------------


def test_a_function_added_under_htmx_answers_the_list_with_a_fresh_open_form(engineer):
    system = make_system(_author(engineer))
    db.session.commit()
    data = {"function-description": "Export the audit trail", "function-use": "supporting",
            "function-process_risk": "not_high", "function-rationale": "Read only"}
    response = engineer.post(f"/validation/systems/{system.id}/functions", data=data, headers=HTMX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in body and 'id="functions-body"' in body and "Function added." in body
    assert "Export the audit trail" in body and "<details class=\"subrecord-form\" open>" in body
    assert 'id="function-description"' in body and "autofocus" in body
    refused = engineer.post(f"/validation/systems/{system.id}/functions",
                            data={**data, "function-description": ""}, headers=HTMX)
    assert refused.status_code == 422 and "Read only" in refused.get_data(as_text=True)
    plain = engineer.post(f"/validation/systems/{system.id}/functions", data=data)
    assert plain.status_code == 302 and plain.location.endswith(f"/validation/systems/{system.id}#functions")


def test_a_function_is_edited_and_retired_in_place(engineer):
    system = make_system(_author(engineer))
    function = system.functions[1]
    db.session.commit()
    form = engineer.get(f"/validation/functions/{function.id}/edit", headers=HTMX)
    assert form.status_code == 200 and 'id="functions-body"' in form.get_data(as_text=True)
    assert "Save function" in form.get_data(as_text=True)
    saved = engineer.post(f"/validation/functions/{function.id}/edit", headers=HTMX, data={
        "description": "Search complaints by product", "use": "direct", "process_risk": "not_high",
        "rationale": "Errors show at once", "version": str(function.version)})
    assert saved.status_code == 200 and "Search complaints by product" in saved.get_data(as_text=True)
    retired = engineer.post(f"/validation/functions/{function.id}/retire", headers=HTMX)
    body = retired.get_data(as_text=True)
    assert retired.status_code == 200 and "<h3>Retired</h3>" in body
    assert "<s>Search complaints by product</s>" in body
    again = engineer.post(f"/validation/functions/{function.id}/retire")
    assert again.status_code == 302


def test_steps_are_added_in_bulk_and_moved_in_place(engineer):
    author = _author(engineer)
    protocol = write_protocol(make_system(author), author)
    case = protocol.test_cases[0]
    db.session.commit()
    added = engineer.post(f"/validation/test-cases/{case.id}/steps/bulk", headers=HTMX,
                          data={f"steps{case.id}-steps": "Log in | Home shows\nSign out | Login shows"})
    body = added.get_data(as_text=True)
    assert added.status_code == 200 and "2 steps added to TC-1." in body and 'id="coverage-body" hx-swap-oob' in body
    assert [s.action for s in db.session.scalars(select(TestStep).where(TestStep.test_case_id == case.id)
                                                 .order_by(TestStep.order))][2:] == ["Log in", "Sign out"]
    refused = engineer.post(f"/validation/test-cases/{case.id}/steps/bulk", headers=HTMX,
                            data={f"steps{case.id}-steps": "Log in without a result"})
    assert refused.status_code == 422 and "Line 1" in refused.get_data(as_text=True)
    last = db.session.scalar(select(TestStep).where(TestStep.test_case_id == case.id, TestStep.order == 4))
    moved = engineer.post(f"/validation/steps/{last.id}/move", data={"offset": "-1"}, headers=HTMX)
    assert moved.status_code == 200 and "Step moved." in moved.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(TestStep, last.id).order == 3
    bad = engineer.post(f"/validation/steps/{last.id}/move", data={"offset": "up"}, headers=HTMX)
    assert bad.status_code == 422 and "Move up or down by one place." in bad.get_data(as_text=True)
    plain = engineer.post(f"/validation/steps/{last.id}/move", data={"offset": "1"})
    assert plain.status_code == 302 and plain.location.endswith(f"#case-{case.id}")


def test_a_test_case_is_added_edited_and_moved_in_place(engineer):
    author = _author(engineer)
    protocol = write_protocol(make_system(author), author)
    db.session.commit()
    added = engineer.post(f"/validation/protocols/{protocol.id}/test-cases", headers=HTMX, data={
        "case-method": TestMethod.SCRIPTED, "case-function_id": "0", "case-objective": "Audit trail export"})
    body = added.get_data(as_text=True)
    assert added.status_code == 200 and "TC-3" in body and "Test case added." in body
    assert 'id="case-method"' in body and "autofocus" in body
    refused = engineer.post(f"/validation/protocols/{protocol.id}/test-cases", headers=HTMX, data={
        "case-method": TestMethod.SCRIPTED, "case-function_id": "0", "case-objective": ""})
    assert refused.status_code == 422 and 'id="test-cases-body"' in refused.get_data(as_text=True)
    third = db.session.scalar(select(TestCase).where(TestCase.protocol_id == protocol.id, TestCase.order == 3))
    editing = engineer.get(f"/validation/test-cases/{third.id}/edit", headers=HTMX)
    assert editing.status_code == 200 and "Save TC-3" in editing.get_data(as_text=True)
    moved = engineer.post(f"/validation/test-cases/{third.id}/move", data={"offset": "-1"}, headers=HTMX)
    assert moved.status_code == 200
    db.session.expire_all()
    assert db.session.get(TestCase, third.id).order == 2
    retired = engineer.post(f"/validation/test-cases/{third.id}/retire", headers=HTMX)
    body = retired.get_data(as_text=True)
    assert retired.status_code == 200 and "TC-2 retired; it stays on record." in body
    assert "<s>Audit trail export</s>" in body
    plain = engineer.post(f"/validation/test-cases/{third.id}/retire")
    assert plain.status_code == 302


def test_the_execution_form_stands_on_the_next_step_not_yet_run(login_as, make_user):
    author, reviewer, qa = make_user("erin"), make_user("rob"), make_user("quinn", Role.QA)
    protocol = approved_protocol(make_system(author), author, reviewer, qa)
    tester_client = login_as(Role.ENGINEER, username="tess")
    tester = db.session.scalar(select(User).where(User.username == "tess"))
    services.start_execution(protocol, tester)
    scripted = protocol.test_cases[0]
    services.record_execution(protocol, tester, test_case_id=scripted.id, test_step_id=scripted.steps[0].id,
                              tested_version="9.1", actual_result="Shown", outcome="pass")
    db.session.commit()
    page = tester_client.get(f"/validation/protocols/{protocol.id}").get_data(as_text=True)
    assert f'<option selected value="{scripted.id}:{scripted.steps[1].id}">' in page


def test_a_step_is_edited_in_place(engineer):
    author = _author(engineer)
    protocol = write_protocol(make_system(author), author)
    step = protocol.test_cases[0].steps[1]
    db.session.commit()
    form = engineer.get(f"/validation/steps/{step.id}/edit", headers=HTMX)
    assert form.status_code == 200 and "Save step 2" in form.get_data(as_text=True)
    page = engineer.get(f"/validation/steps/{step.id}/edit")  # without htmx: the page with the step's form
    assert page.status_code == 200 and "<html" in page.get_data(as_text=True)
    assert "Save step 2" in page.get_data(as_text=True)
    refused = engineer.post(f"/validation/steps/{step.id}/edit", headers=HTMX,
                            data={"action": "", "expected_result": "Closed", "version": str(step.version)})
    assert refused.status_code == 422 and "Save step 2" in refused.get_data(as_text=True)
    saved = engineer.post(f"/validation/steps/{step.id}/edit", headers=HTMX, data={
        "action": "Close the record as QA", "expected_result": "It is closed", "version": str(step.version)})
    assert saved.status_code == 200 and "TC-1 step 2 saved." in saved.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(TestStep, step.id).action == "Close the record as QA"


def test_a_step_of_a_protocol_out_of_draft_is_not_edited(make_user):
    author, reviewer, qa = make_user("erin"), make_user("rob"), make_user("quinn", Role.QA)
    protocol = approved_protocol(make_system(author), author, reviewer, qa)
    with pytest.raises(Conflict, match="cannot be edited"):
        services.update_step(protocol.test_cases[0].steps[0], author, action="Other", expected_result="Other")
