"""The protocol and system state machines, coverage, report rules, review dates, change control and
the binding of signatures to protocol content."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app.access import Role
from app.audit.models import AuditEvent
from app.errors import Conflict, PermissionDenied, ValidationFailed
from app.extensions import db
from app.signatures import services as signatures
from app.signatures.models import Meaning
from app.signatures.services import SeparationOfDuties, SignatureRefused, manifestations
from app.validation import services, workflow
from app.validation.models import Protocol, SoftwareSystem
from app.validation.rules import (
    ChangeRequestStatus,
    DeviationStatus,
    Outcome,
    ProcessRisk,
    ProtocolStatus,
    ReportStatus,
    SystemStatus,
    TestMethod,
    next_review_date,
    review_state,
)
from app.validation.workflow import IllegalMove
from tests.helpers import PASSWORD
from tests.validation.factories import (
    approved_protocol,
    close_deviations,
    execute_all,
    make_system,
    release_report,
    write_protocol,
)

# --- Protocol state machine: every state x every target ----------------------------------------

P = ProtocolStatus
ALLOWED_PROTOCOL_MOVES = {
    (P.DRAFT, P.IN_REVIEW), (P.DRAFT, P.WITHDRAWN),
    (P.IN_REVIEW, P.DRAFT), (P.IN_REVIEW, P.APPROVED), (P.IN_REVIEW, P.WITHDRAWN),
    (P.APPROVED, P.IN_EXECUTION), (P.APPROVED, P.WITHDRAWN),
    (P.IN_EXECUTION, P.EXECUTED), (P.IN_EXECUTION, P.WITHDRAWN),
}


@pytest.mark.parametrize("current", list(P), ids=str)
@pytest.mark.parametrize("target", list(P), ids=str)
def test_protocol_move_is_allowed_exactly_when_the_table_says(current, target):
    protocol = Protocol(status=current)
    move = workflow.PROTOCOL_MOVE_FUNCTIONS[target]
    if (current, target) in ALLOWED_PROTOCOL_MOVES:
        move(protocol)
        assert protocol.status == target
    else:
        with pytest.raises(IllegalMove):
            move(protocol)
        assert protocol.status == current


def test_executed_and_withdrawn_protocols_are_final():
    assert workflow.PROTOCOL_MOVES[P.EXECUTED] == frozenset()
    assert workflow.PROTOCOL_MOVES[P.WITHDRAWN] == frozenset()


# --- System state machine: every state x every move ---------------------------------------------

S = SystemStatus
ALLOWED_SYSTEM_MOVES = {
    ("start_validation", S.PLANNED): S.VALIDATION_IN_PROGRESS,
    ("release_system", S.VALIDATION_IN_PROGRESS): S.RELEASED,
    ("release_system", S.CHANGE_IN_PROGRESS): S.RELEASED,
    ("start_change", S.RELEASED): S.CHANGE_IN_PROGRESS,
    ("start_revalidation", S.RELEASED): S.VALIDATION_IN_PROGRESS,
    ("retire_system", S.PLANNED): S.RETIRED,
    ("retire_system", S.VALIDATION_IN_PROGRESS): S.RETIRED,
    ("retire_system", S.RELEASED): S.RETIRED,
    ("retire_system", S.CHANGE_IN_PROGRESS): S.RETIRED,
}


@pytest.mark.parametrize("current", list(S), ids=str)
@pytest.mark.parametrize("move", sorted(workflow.SYSTEM_MOVE_FUNCTIONS), ids=str)
def test_system_move_is_allowed_exactly_from_its_source_states(current, move):
    system = SoftwareSystem(status=current)
    if (move, current) in ALLOWED_SYSTEM_MOVES:
        workflow.SYSTEM_MOVE_FUNCTIONS[move](system)
        assert system.status == ALLOWED_SYSTEM_MOVES[(move, current)]
    else:
        with pytest.raises(IllegalMove):
            workflow.SYSTEM_MOVE_FUNCTIONS[move](system)
        assert system.status == current


# --- People -------------------------------------------------------------------------------------


@pytest.fixture
def people(make_user):
    return {
        "author": make_user("author", Role.ENGINEER, full_name="Erin Author"),
        "reviewer": make_user("reviewer", Role.ENGINEER, full_name="Rob Reviewer"),
        "qa": make_user("qa", Role.QA, full_name="Quinn Quality"),
        "tester": make_user("tester", Role.ENGINEER, full_name="Tess Tester"),
        "qa_author": make_user("qa_author", Role.ENGINEER, Role.QA, full_name="Alex Both"),
    }


# --- Coverage -----------------------------------------------------------------------------------


def test_a_high_risk_function_without_a_scripted_test_stops_the_review(people):
    author = people["author"]
    system = make_system(author)
    high = next(f for f in system.functions if f.process_risk == ProcessRisk.HIGH)
    protocol = services.create_protocol(system, author)
    services.add_test_case(protocol, author, method=TestMethod.UNSCRIPTED_AD_HOC, objective="Try it",
                           function_id=high.id)
    with pytest.raises(ValidationFailed, match="Not covered: Function 1"):
        services.submit_protocol(protocol, author, password=PASSWORD)
    assert protocol.status == ProtocolStatus.DRAFT
    case = services.add_test_case(protocol, author, method=TestMethod.SCRIPTED, objective="Scripted",
                                  function_id=high.id)
    with pytest.raises(ValidationFailed, match="Not covered: Function 1"):  # a script without steps covers nothing
        services.submit_protocol(protocol, author, password=PASSWORD)
    services.add_step(case, author, action="Do", expected_result="Done")
    other = services.add_test_case(protocol, author, method=TestMethod.SCRIPTED, objective="Also scripted",
                                   function_id=None)
    with pytest.raises(ValidationFailed, match="need steps with expected results: TC-3"):
        services.submit_protocol(protocol, author, password=PASSWORD)
    services.delete_test_case(other, author)
    services.submit_protocol(protocol, author, password=PASSWORD)
    assert protocol.status == ProtocolStatus.IN_REVIEW


def test_a_qa_signed_justification_covers_a_high_risk_function(people):
    author, qa = people["author"], people["qa"]
    system = make_system(author, ProcessRisk.HIGH)
    protocol = services.create_protocol(system, author)
    services.add_test_case(protocol, author, method=TestMethod.SUPPLIER_EVIDENCE, objective="Vendor tests",
                           function_id=system.functions[0].id)
    assert [gap.description for gap in services.coverage(protocol)] == ["Function 1"]
    with pytest.raises(PermissionDenied):
        services.justify_coverage(protocol, system.functions[0].id, author, text="Vendor", password=PASSWORD)
    services.justify_coverage(protocol, system.functions[0].id, qa, text="Vendor's SOC 2 tests", password=PASSWORD)
    assert services.coverage(protocol) == []
    services.submit_protocol(protocol, author, password=PASSWORD)
    assert protocol.status == ProtocolStatus.IN_REVIEW


# --- Protocol workflow with signatures ----------------------------------------------------------


def test_review_and_approval_are_separate_people_and_not_the_author(people):
    author, reviewer, qa_author = people["author"], people["reviewer"], people["qa_author"]
    system = make_system(qa_author)
    protocol = write_protocol(system, qa_author)
    with pytest.raises(PermissionDenied):
        services.submit_protocol(protocol, author, password=PASSWORD)  # not the author
    services.submit_protocol(protocol, qa_author, password=PASSWORD)
    with pytest.raises(PermissionDenied):
        services.review_protocol(protocol, qa_author, password=PASSWORD)
    with pytest.raises(ValidationFailed, match="reviewed by a second person"):
        services.approve_protocol(protocol, people["qa"], password=PASSWORD)
    services.review_protocol(protocol, reviewer, password=PASSWORD)
    with pytest.raises(PermissionDenied):
        services.approve_protocol(protocol, qa_author, password=PASSWORD)  # QA, but the author
    with pytest.raises(PermissionDenied):
        services.approve_protocol(protocol, reviewer, password=PASSWORD)  # not QA
    services.approve_protocol(protocol, people["qa"], password=PASSWORD)
    assert protocol.status == ProtocolStatus.APPROVED
    meanings = [m.meaning for m in manifestations(services.protocol_sign_target(protocol))]
    assert meanings == ["authored", "reviewed", "approved"]


def test_an_approved_protocol_cannot_be_edited(people):
    system = make_system(people["author"])
    protocol = approved_protocol(system, people["author"], people["reviewer"], people["qa"])
    with pytest.raises(Conflict, match="cannot be edited"):
        services.update_protocol(protocol, people["author"], system_version="10", scope="x", requirements="",
                                 acceptance_criteria="")
    with pytest.raises(Conflict):
        services.add_test_case(protocol, people["author"], method="scripted", objective="x", function_id=None)
    with pytest.raises(Conflict):
        services.add_step(protocol.test_cases[0], people["author"], action="x", expected_result="y")
    with pytest.raises(Conflict):
        services.delete_test_case(protocol.test_cases[0], people["author"])


def test_a_function_edit_after_submission_does_not_change_the_signed_content(people):
    author = people["author"]
    system = make_system(author)
    protocol = approved_protocol(system, author, people["reviewer"], people["qa"])
    services.update_function(system.functions[0], author, description="Renamed", use="direct",
                             process_risk="high", rationale="r")
    assert not any(m.content_changed for m in manifestations(services.protocol_sign_target(protocol)))


def test_a_protocol_returned_to_draft_and_edited_flags_its_old_authored_signature(people):
    author = people["author"]
    system = make_system(author)
    protocol = write_protocol(system, author)
    services.submit_protocol(protocol, author, password=PASSWORD)
    services.return_protocol(protocol, people["reviewer"], reason="Add a step")
    services.add_step(protocol.test_cases[0], author, action="Reopen", expected_result="Reopened")
    shown = manifestations(services.protocol_sign_target(protocol))
    assert [(m.meaning, m.content_changed) for m in shown] == [("authored", True)]


def test_a_protocol_returned_and_sent_again_unchanged_needs_a_new_review_before_approval(people, make_user):
    """The review of the first round does not carry over: the reviewer returned it, so it is not a review of what
    the author sent again, even with the content unchanged."""
    author, reviewer, qa = people["author"], people["reviewer"], people["qa"]
    protocol = write_protocol(make_system(author), author)
    services.submit_protocol(protocol, author, password=PASSWORD)
    services.review_protocol(protocol, reviewer, password=PASSWORD)
    services.return_protocol(protocol, reviewer, reason="Check the expected results once more")
    services.submit_protocol(protocol, author, password=PASSWORD)
    target = services.protocol_sign_target(protocol)
    assert services.reviewed_this_round(target) is None
    with pytest.raises(ValidationFailed, match="must be reviewed by a second person"):
        services.approve_protocol(protocol, qa, password=PASSWORD)
    second = make_user("rita", Role.ENGINEER)
    services.review_protocol(protocol, second, password=PASSWORD)
    assert services.reviewed_this_round(target).signer_id == second.id
    services.approve_protocol(protocol, qa, password=PASSWORD)
    assert protocol.status == ProtocolStatus.APPROVED


def test_withdrawal_needs_a_reason_and_is_final(people):
    author = people["author"]
    protocol = write_protocol(make_system(author), author)
    with pytest.raises(ValidationFailed):
        services.withdraw_protocol(protocol, author, reason=" ")
    services.withdraw_protocol(protocol, author, reason="Wrong system")
    assert protocol.status == ProtocolStatus.WITHDRAWN
    with pytest.raises(IllegalMove):
        services.withdraw_protocol(protocol, author, reason="Again")


# --- Executions, deviations and the report ------------------------------------------------------


def _executed(people, *, fail_first=True):
    system = make_system(people["author"])
    protocol = approved_protocol(system, people["author"], people["reviewer"], people["qa"])
    execute_all(protocol, people["tester"], fail_first=fail_first)
    return system, protocol


def test_a_failure_opens_a_deviation_and_entries_are_immutable(people):
    _system, protocol = _executed(people)
    assert [(d.code, d.status) for d in protocol.deviations] == [("DEV-1", DeviationStatus.OPEN)]
    entry = services.executions_of(protocol)[0]
    entry.actual_result = "changed"
    with pytest.raises(Conflict, match="cannot be changed"):
        db.session.flush()
    db.session.rollback()


def test_a_correction_is_a_new_entry_with_a_reason_and_replaces_the_result(people):
    _system, protocol = _executed(people)
    first = services.executions_of(protocol)[0]
    assert services.counts(protocol).failed == 1
    with pytest.raises(ValidationFailed, match="reason"):
        services.correct_execution(first, people["tester"], tested_version="9.1", actual_result="ok",
                                   outcome="pass", reason="")
    correction = services.correct_execution(first, people["tester"], tested_version="9.1", actual_result="ok",
                                            outcome="pass", reason="Typed the wrong outcome")
    assert correction.corrects_id == first.id and first.outcome == "fail"
    result = services.counts(protocol)
    assert (result.passed, result.failed, result.entries, result.corrections) == (2, 0, 4, 1)
    with pytest.raises(Conflict, match="already corrected"):
        services.correct_execution(first, people["tester"], tested_version="9.1", actual_result="ok",
                                   outcome="pass", reason="again")


def test_execution_completes_only_when_every_test_case_has_a_result(people):
    system = make_system(people["author"])
    protocol = approved_protocol(system, people["author"], people["reviewer"], people["qa"])
    services.start_execution(protocol, people["tester"])
    with pytest.raises(ValidationFailed, match="2 test case"):
        services.complete_execution(protocol, people["tester"])


def _report_ready(people):
    system, protocol = _executed(people)
    report = services.complete_execution(protocol, people["tester"])
    services.save_report(report, people["author"], conclusion="fit", restrictions="", summary="All good")
    return system, protocol, report


def test_the_report_cannot_be_approved_while_a_deviation_is_open(people):
    system, _protocol, report = _report_ready(people)
    with pytest.raises(Conflict, match="DEV-1"):
        services.approve_report(report, people["qa"], password=PASSWORD)
    assert report.status == ReportStatus.DRAFT and system.status == SystemStatus.VALIDATION_IN_PROGRESS


@pytest.mark.parametrize("who", ["author", "tester", "reviewer"])
def test_the_report_is_not_approved_by_the_author_a_tester_or_a_non_qa(people, who):
    _system, protocol, report = _report_ready(people)
    services.close_deviation(protocol.deviations[0], people["qa"], severity="minor", impact="None",
                             disposition="accepted_with_rationale", rationale="Cosmetic", password=PASSWORD,
                             severity_reason="Cosmetic only")
    services.sign_report(report, people["author"], password=PASSWORD)
    user = people[who]
    user.role_set = {Role.ENGINEER, Role.QA}  # even with the QA role the rule holds for author and tester
    if who == "reviewer":
        user.role_set = {Role.ENGINEER}
    with pytest.raises(PermissionDenied):
        services.approve_report(report, user, password=PASSWORD)


@pytest.mark.parametrize(("risks", "months"), [((ProcessRisk.HIGH, ProcessRisk.NOT_HIGH), 12),
                                                ((ProcessRisk.NOT_HIGH,), 24)])
def test_approval_releases_the_system_with_the_validated_version_and_the_next_review(people, risks, months):
    system = make_system(people["author"], *risks)
    protocol = write_protocol(system, people["author"])
    services.submit_protocol(protocol, people["author"], password=PASSWORD)
    services.review_protocol(protocol, people["reviewer"], password=PASSWORD)
    services.approve_protocol(protocol, people["qa"], password=PASSWORD)
    execute_all(protocol, people["tester"], fail_first=True)
    report = services.complete_execution(protocol, people["tester"])
    services.save_report(report, people["author"], conclusion="fit_with_restrictions",
                         restrictions="Not for complaints", summary="")
    services.close_deviation(protocol.deviations[0], people["qa"], severity="minor", impact="None",
                             disposition="workaround", rationale="Use the search instead", password=PASSWORD,
                             severity_reason="A workaround exists")
    release_report(report, people["author"], people["qa"])
    today = services.today()
    assert system.status == SystemStatus.RELEASED
    assert system.validated_version == "9.1"
    assert system.next_periodic_review == next_review_date(today, risks, high_risk_months=12, other_months=24)
    assert (system.next_periodic_review.year - today.year) * 12 + system.next_periodic_review.month - today.month \
        == months
    assert report.counts_snapshot["failed"] == 1 and report.status == ReportStatus.APPROVED


def test_fit_with_restrictions_needs_the_restrictions(people):
    _system, _protocol, report = _report_ready(people)
    with pytest.raises(ValidationFailed, match="Restrictions"):
        services.save_report(report, people["author"], conclusion="fit_with_restrictions", restrictions="",
                             summary="")


def test_review_period_is_a_setting(app, people):
    app.config["VALIDATION_REVIEW_MONTHS_OTHER"] = 36
    try:
        system = make_system(people["author"], ProcessRisk.NOT_HIGH)
        assert services.review_due_from(system, date(2026, 1, 31)) == date(2029, 1, 31)
    finally:
        app.config["VALIDATION_REVIEW_MONTHS_OTHER"] = 24


# --- Periodic review dates ----------------------------------------------------------------------


def test_next_review_date_clamps_to_the_end_of_the_month():
    assert next_review_date(date(2024, 2, 29), ["high"], high_risk_months=12, other_months=24) == date(2025, 2, 28)
    assert next_review_date(date(2026, 1, 31), ["not_high"], high_risk_months=12, other_months=24) == date(
        2028, 1, 31)


@pytest.mark.parametrize(("due", "state"), [(date(2026, 5, 31), "overdue"), (date(2026, 6, 1), "due_soon"),
                                            (date(2026, 7, 1), "due_soon"), (date(2026, 7, 2), None), (None, None)])
def test_review_state(due, state):
    assert review_state(due, date(2026, 6, 1), 30) == state


def _released(people):
    system, protocol, report = _report_ready(people)
    close_deviations(protocol, people["qa"])
    release_report(report, people["author"], people["qa"])
    return system, protocol


def test_periodic_review_remain_validated_sets_the_next_date(people):
    system, _ = _released(people)
    system.next_periodic_review = date(2020, 1, 1)
    review = services.perform_periodic_review(system, people["qa"], outcome="remain_validated",
                                              summary="No incidents", password=PASSWORD)
    assert review.due_date == date(2020, 1, 1)
    assert system.next_periodic_review == review.next_review == services.review_due_from(system, services.today())


def test_periodic_review_retire_records_where_the_data_stays(people):
    system, _ = _released(people)
    with pytest.raises(ValidationFailed):
        services.perform_periodic_review(system, people["qa"], outcome="retire", summary="Replaced",
                                         password=PASSWORD, data_location="", retain_until=date(2040, 1, 1))
    services.perform_periodic_review(system, people["qa"], outcome="retire", summary="Replaced",
                                     password=PASSWORD, data_location="Archive bucket s3://qms-archive",
                                     retain_until=date(2040, 1, 1))
    assert system.status == SystemStatus.RETIRED and system.retain_until == date(2040, 1, 1)
    assert system.retirement_data_location == "Archive bucket s3://qms-archive"


def test_periodic_review_revalidate_starts_a_new_draft_version(people):
    system, _protocol = _released(people)
    review = services.perform_periodic_review(system, people["qa"], outcome="revalidate", summary="Drift",
                                              password=PASSWORD)
    assert system.status == SystemStatus.VALIDATION_IN_PROGRESS
    new = db.session.get(Protocol, review.protocol_id)
    assert (new.number, new.status) == (2, ProtocolStatus.DRAFT)


def test_periodic_review_is_qa_only(people):
    system, _ = _released(people)
    with pytest.raises(PermissionDenied):
        services.perform_periodic_review(system, people["author"], outcome="remain_validated", summary="x",
                                         password=PASSWORD)


# --- Change requests ----------------------------------------------------------------------------


def test_a_change_request_starts_a_new_draft_version_and_old_signatures_stay_valid(people):
    system, old = _released(people)
    change = services.open_change_request(system, people["author"], new_version="10.0", description="Upgrade")
    assert system.status == SystemStatus.CHANGE_IN_PROGRESS
    new = services.assess_change_request(change, people["author"], impact_assessment="Workflow engine changed",
                                         revalidation="partial", password=PASSWORD)
    assert (new.number, new.status, new.system_version) == (2, ProtocolStatus.DRAFT, "10.0")
    assert [c.objective for c in new.test_cases] == [c.objective for c in old.test_cases]
    assert change.status == ChangeRequestStatus.REVALIDATING and change.protocol_id == new.id
    services.update_protocol(new, people["author"], system_version="10.0", scope="Changed parts",
                             requirements="r", acceptance_criteria="a")
    shown = manifestations(services.protocol_sign_target(new))
    assert {m.version for m in shown} == {1} and not any(m.content_changed for m in shown)
    assert services.signed_current(services.protocol_sign_target(old), "approved") is not None
    assert old.status == ProtocolStatus.EXECUTED and old.scope == "Whole system"
    # the new version runs the same workflow and its approval closes the change request
    services.submit_protocol(new, people["author"], password=PASSWORD)
    services.review_protocol(new, people["reviewer"], password=PASSWORD)
    services.approve_protocol(new, people["qa"], password=PASSWORD)
    execute_all(new, people["tester"])
    report = services.complete_execution(new, people["tester"])
    services.save_report(report, people["author"], conclusion="fit", restrictions="", summary="")
    release_report(report, people["author"], people["qa"])
    assert system.status == SystemStatus.RELEASED and system.validated_version == "10.0"
    assert change.status == ChangeRequestStatus.CLOSED


def test_no_revalidation_is_qas_decision_and_releases_the_new_version(people):
    system, _ = _released(people)
    change = services.open_change_request(system, people["author"], new_version="9.1.1", description="Patch")
    with pytest.raises(PermissionDenied):
        services.assess_change_request(change, people["author"], impact_assessment="Patch only",
                                       revalidation="none", password=PASSWORD)
    services.assess_change_request(change, people["qa"], impact_assessment="Patch only", revalidation="none",
                                   password=PASSWORD)
    assert system.status == SystemStatus.RELEASED and system.validated_version == "9.1.1"
    assert change.status == ChangeRequestStatus.CLOSED


def test_a_released_system_gets_new_protocols_only_through_change_control(people):
    system, _ = _released(people)
    with pytest.raises(Conflict, match="change request"):
        services.create_protocol(system, people["author"])


# --- Separation of duties ----------------------------------------------------------------------


def test_the_reviewer_of_a_protocol_does_not_approve_it(people, make_user):
    protocol = write_protocol(make_system(people["author"]), people["author"])
    services.submit_protocol(protocol, people["author"], password=PASSWORD)
    services.review_protocol(protocol, people["qa"], password=PASSWORD)  # QA may review ...
    with pytest.raises(SeparationOfDuties, match="signed this protocol as reviewed"):
        services.approve_protocol(protocol, people["qa"], password=PASSWORD)  # ... but then not approve
    assert protocol.status == ProtocolStatus.IN_REVIEW
    services.approve_protocol(protocol, make_user("qa2", Role.QA), password=PASSWORD)
    signers = {m.meaning: m.printed_name for m in manifestations(services.protocol_sign_target(protocol))}
    assert len(set(signers.values())) == 3  # author, reviewer and approver are three people


def test_the_separation_rules_are_a_setting_but_the_author_never_approves(app, people, monkeypatch):
    # A small company keeps only the author apart: the reviewer may approve, the author still may not.
    monkeypatch.setitem(app.extensions, "signatures.separation",
                        signatures.separation_rules({"protocol": ["authored", "approved"]}))
    protocol = write_protocol(make_system(people["author"]), people["author"])
    services.submit_protocol(protocol, people["author"], password=PASSWORD)
    target = services.protocol_sign_target(protocol)
    assert not signatures.may_sign(target, people["author"], Meaning.APPROVED)
    services.review_protocol(protocol, people["qa"], password=PASSWORD)
    assert signatures.may_sign(target, people["qa"], Meaning.APPROVED)
    services.approve_protocol(protocol, people["qa"], password=PASSWORD)
    assert protocol.status == ProtocolStatus.APPROVED


def test_the_report_is_signed_as_authored_before_qa_approves_it(people):
    _system, protocol, report = _report_ready(people)
    close_deviations(protocol, people["qa"])
    with pytest.raises(Conflict, match="signed as authored"):
        services.approve_report(report, people["qa"], password=PASSWORD)
    with pytest.raises(PermissionDenied):
        services.sign_report(report, people["qa"], password=PASSWORD)  # QA approves; an engineer authors
    services.sign_report(report, people["author"], password=PASSWORD)
    with pytest.raises(Conflict, match="already signed"):
        services.sign_report(report, people["author"], password=PASSWORD)
    services.approve_report(report, people["qa"], password=PASSWORD)
    shown = [(m.meaning, m.printed_name) for m in manifestations(services.report_sign_target(report, protocol))]
    assert shown == [("authored", "Erin Author"), ("approved", "Quinn Quality")]


def test_the_reports_author_does_not_approve_it(people, make_user):
    _system, protocol, report = _report_ready(people)
    close_deviations(protocol, people["qa"])
    writer = make_user("writer", Role.ENGINEER, Role.QA)  # neither the protocol's author nor a tester
    services.sign_report(report, writer, password=PASSWORD)
    with pytest.raises(SeparationOfDuties, match="signed this report as authored"):
        services.approve_report(report, writer, password=PASSWORD)
    assert report.status == ReportStatus.DRAFT


def test_a_report_edited_after_its_authored_signature_needs_a_new_one(people):
    _system, protocol, report = _report_ready(people)
    close_deviations(protocol, people["qa"])
    services.sign_report(report, people["author"], password=PASSWORD)
    services.save_report(report, people["author"], conclusion="fit", restrictions="", summary="Changed")
    assert services.authored_signature(report) is None
    with pytest.raises(Conflict, match="signed as authored"):
        services.approve_report(report, people["qa"], password=PASSWORD)
    services.sign_report(report, people["author"], password=PASSWORD)
    services.approve_report(report, people["qa"], password=PASSWORD)
    assert report.status == ReportStatus.APPROVED


def _close(deviation, user, **changes):
    fields = {"severity": "major", "impact": "None", "disposition": "workaround", "rationale": "Worked around",
              "password": PASSWORD} | changes
    services.close_deviation(deviation, user, **fields)


def test_a_deviation_is_closed_by_qa_with_a_signature(people):
    _system, protocol = _executed(people)
    deviation = protocol.deviations[0]
    with pytest.raises(PermissionDenied, match="closed by QA"):
        _close(deviation, people["author"])  # an engineer (any non-QA user) is refused
    _close(deviation, people["qa"], comment="Retest passed")
    assert (deviation.status, deviation.closed_by_id) == (DeviationStatus.CLOSED, people["qa"].id)
    shown = manifestations(services.deviation_sign_target(deviation))
    assert [(m.meaning, m.printed_name, m.comment) for m in shown] == [("approved", "Quinn Quality", "Retest passed")]


def test_the_engineer_who_executed_the_failed_test_does_not_close_its_deviation(people):
    _system, protocol = _executed(people)
    tester = people["tester"]
    tester.role_set = {Role.ENGINEER, Role.QA}  # even with the QA role
    with pytest.raises(SeparationOfDuties):
        _close(protocol.deviations[0], tester)
    assert protocol.deviations[0].status == DeviationStatus.OPEN


def test_a_wrong_password_closes_nothing(people):
    _system, protocol = _executed(people)
    with pytest.raises(SignatureRefused):
        _close(protocol.deviations[0], people["qa"], severity="minor", severity_reason="Cosmetic", password="wrong")
    deviation = protocol.deviations[0]
    assert (deviation.status, deviation.severity, deviation.impact) == (DeviationStatus.OPEN, "major", "")


def test_a_change_of_severity_needs_a_reason_and_is_audited(people):
    _system, protocol = _executed(people)
    deviation = protocol.deviations[0]
    with pytest.raises(ValidationFailed, match="from major to minor needs a reason"):
        _close(deviation, people["qa"], severity="minor", severity_reason="  ")
    assert deviation.status == DeviationStatus.OPEN
    _close(deviation, people["qa"], severity="minor", severity_reason="Only the label colour is wrong")
    assert (deviation.severity, deviation.severity_reason) == ("minor", "Only the label colour is wrong")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.name == "deviation.severity_changed"))
    assert event is not None and event.entity_id == str(deviation.id)
    assert (event.details["before"], event.details["after"], event.reason) == (
        "major", "minor", "Only the label colour is wrong")


def test_keeping_the_severity_needs_no_reason(people):
    _system, protocol = _executed(people)
    deviation = protocol.deviations[0]
    _close(deviation, people["qa"], severity="major", severity_reason="ignored: nothing changed")
    assert deviation.severity_reason == ""
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.name == "deviation.severity_changed")) is None


def test_fixed_and_retested_needs_a_passing_retest_of_the_failed_step_after_the_failure(people):
    """A report concluded 'fit' on a deviation closed as 'fixed and retested' with no retest anywhere on record."""
    _system, protocol = _executed(people)
    deviation = protocol.deviations[0]
    failed = deviation.execution
    with pytest.raises(ValidationFailed, match=r"'Fixed and retested' needs a passing retest of TC-1 step 1 after "
                                               r"the failure, and none is recorded"):
        _close(deviation, people["qa"], disposition="fixed_retested", rationale="Retested")
    other_step = next(step for step in failed.test_case.steps if step.id != failed.test_step_id)
    services.record_execution(protocol, people["tester"], test_case_id=failed.test_case_id,  # another step: no retest
                              test_step_id=other_step.id, tested_version=protocol.system_version,
                              actual_result="As expected", outcome=Outcome.PASS)
    with pytest.raises(ValidationFailed, match="needs a passing retest"):
        _close(deviation, people["qa"], disposition="fixed_retested", rationale="Retested")
    services.record_execution(protocol, people["tester"], test_case_id=failed.test_case_id,
                              test_step_id=failed.test_step_id, tested_version=protocol.system_version,
                              actual_result="Passes after the fix", outcome=Outcome.PASS)
    _close(deviation, people["qa"], disposition="fixed_retested", rationale="Configuration fixed; step 1 retested")
    assert deviation.status == DeviationStatus.CLOSED and deviation.disposition == "fixed_retested"
