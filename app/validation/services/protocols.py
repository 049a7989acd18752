"""Rules and writes of OTSS validation. Services flush; the view or the CLI commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import current_app
from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import FileStorage

from app.audit import services as audit
from app.audit.models import AuditAction
from app.auth.models import User
from app.auth.permissions import Permission
from app.auth.services import check_password_for_signature
from app.db import utcnow
from app.errors import Conflict, NotFound, PermissionDenied, StaleEdit, ValidationFailed
from app.extensions import db
from app.signatures import services as signatures
from app.signatures.models import Meaning, Signature
from app.signatures.services import SignatureRefused, SignTarget
from app.storage import StoredFile, store_upload
from app.suppliers.models import Supplier
from app.validation import policies, workflow
from app.validation.models import (
    ChangeRequest,
    CoverageJustification,
    Deviation,
    Execution,
    Function,
    PeriodicReview,
    Protocol,
    Report,
    SoftwareSystem,
    TestCase,
    TestStep,
)
from app.validation.rules import (
    EVIDENCE_EXTENSIONS,
    CaseFacts,
    ChangeRequestStatus,
    Conclusion,
    Deployment,
    DeviationStatus,
    Disposition,
    EntryFacts,
    FunctionFacts,
    FunctionUse,
    GampCategory,
    Outcome,
    OutcomeCounts,
    ProcessRisk,
    ProtocolStatus,
    ReportStatus,
    Revalidation,
    ReviewOutcome,
    Severity,
    SystemStatus,
    TestCaseFacts,
    TestMethod,
    coverage_gaps,
    next_review_date,
    outcome_counts,
)

ACTIVE_PROTOCOL_STATES = (
    ProtocolStatus.DRAFT, ProtocolStatus.IN_REVIEW, ProtocolStatus.APPROVED, ProtocolStatus.IN_EXECUTION,
)


def today() -> date:
    return utcnow().date()


def verify_signer(by: User, password: str) -> None:
    """Check the signer's password before anything changes, so a refusal leaves only its audit trace."""
    if not check_password_for_signature(by, password):
        audit.record("signature.refused", by, action=AuditAction.LOGIN_FAILED)
        raise SignatureRefused("The password is not correct (or the account is locked). Nothing was signed.")


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise PermissionDenied(message)


def _check_version(record: Any, expected_version: int | None) -> None:
    if expected_version is not None and record.version != expected_version:
        raise StaleEdit(changes=[f"{e.name or e.action} by {e.actor_name}" for e in audit.history(
            record.audit_type(), record.id, 3)])


def _choice(value: str, allowed: type, label: str) -> str:
    values = [str(member) for member in allowed]  # type: ignore[attr-defined]
    if value not in values:
        raise ValidationFailed(f"{label} must be one of: {', '.join(values)}.")
    return value


def _text(value: str | None, label: str, *, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationFailed(f"{label} is required.")
    return value


# --- Systems and functions -----------------------------------------------------------------------


@dataclass
class SystemData:
    supplier_id: int
    product: str
    version_in_use: str
    deployment: str
    intended_use: str
    qms_processes: str
    in_scope: bool
    scope_rationale: str
    holds_part11_records: bool
    gamp_category: str
    inventory_component_ref: str | None = None


def _apply_system(system: SoftwareSystem, data: SystemData) -> None:
    if db.session.get(Supplier, data.supplier_id) is None:
        raise ValidationFailed("Choose a supplier from the register.")
    system.supplier_id = data.supplier_id
    system.product = _text(data.product, "Product")
    system.version_in_use = _text(data.version_in_use, "Version in use")
    system.deployment = _choice(data.deployment, Deployment, "Deployment")
    system.intended_use = _text(data.intended_use, "Intended use")
    system.qms_processes = _text(data.qms_processes, "QMS processes", required=False)
    system.in_scope = bool(data.in_scope)
    system.scope_rationale = _text(data.scope_rationale, "The rationale of the regulatory-use assessment")
    system.holds_part11_records = bool(data.holds_part11_records)
    system.gamp_category = _choice(data.gamp_category, GampCategory, "GAMP category")
    system.inventory_component_ref = (data.inventory_component_ref or "").strip() or None


def create_system(data: SystemData, by: User) -> SoftwareSystem:
    """Register a software system used in the QMS or production; it starts as planned."""
    _require(by.has(Permission.VALIDATION_EDIT), "You may not register systems.")
    system = SoftwareSystem(status=SystemStatus.PLANNED)
    _apply_system(system, data)
    db.session.add(system)
    db.session.flush()
    return system


def update_system(system: SoftwareSystem, data: SystemData, by: User, expected_version: int | None = None) -> None:
    """Edit a system's register entry (not its status, validated version or review date: workflows set those)."""
    _require(by.has(Permission.VALIDATION_EDIT), "You may not edit systems.")
    if system.status == SystemStatus.RETIRED:
        raise Conflict("A retired system is kept as it was; it cannot be edited.")
    _check_version(system, expected_version)
    _apply_system(system, data)
    db.session.flush()


def add_function(
    system: SoftwareSystem, by: User, *, description: str, use: str, process_risk: str, rationale: str
) -> Function:
    """Add a function of the system with its intended use and process risk determination."""
    _require(by.has(Permission.VALIDATION_EDIT), "You may not edit functions.")
    if system.status == SystemStatus.RETIRED:
        raise Conflict("A retired system cannot get new functions.")
    function = Function(system=system)
    _apply_function(function, description, use, process_risk, rationale)
    db.session.add(function)
    db.session.flush()
    return function


def update_function(
    function: Function, by: User, *, description: str, use: str, process_risk: str, rationale: str,
    expected_version: int | None = None,
) -> None:
    """Edit a function; protocols that left draft keep the copy they were signed with."""
    _require(by.has(Permission.VALIDATION_EDIT), "You may not edit functions.")
    _check_version(function, expected_version)
    _apply_function(function, description, use, process_risk, rationale)
    db.session.flush()


def _apply_function(function: Function, description: str, use: str, process_risk: str, rationale: str) -> None:
    function.description = _text(description, "Description")
    function.use = _choice(use, FunctionUse, "Use")
    function.process_risk = _choice(process_risk, ProcessRisk, "Process risk")
    function.rationale = _text(rationale, "The rationale of the risk determination")


# --- Protocol content, signatures and coverage --------------------------------------------------


def function_facts(function: Function) -> dict[str, Any]:
    return {
        "id": function.id, "description": function.description, "use": function.use,
        "process_risk": function.process_risk, "rationale": function.rationale,
    }


def protocol_functions(protocol: Protocol) -> list[dict[str, Any]]:
    """The functions a protocol covers: live while a draft, the frozen copy once it left draft."""
    if protocol.functions_snapshot is not None and protocol.status != ProtocolStatus.DRAFT:
        return list(protocol.functions_snapshot)
    return [function_facts(function) for function in protocol.system.functions]


def protocol_content(protocol: Protocol) -> dict[str, Any]:
    """The signed content of a protocol version, as plain data."""
    return {
        "system_id": protocol.system_id,
        "version": protocol.number,
        "system_version": protocol.system_version,
        "scope": protocol.scope,
        "requirements": protocol.requirements,
        "acceptance_criteria": protocol.acceptance_criteria,
        "functions": protocol_functions(protocol),
        "test_cases": [
            {
                "order": case.order, "method": case.method, "objective": case.objective,
                "function_id": case.function_id, "expected_result": case.expected_result,
                "steps": [
                    {"order": step.order, "action": step.action, "expected_result": step.expected_result}
                    for step in case.steps
                ],
            }
            for case in protocol.test_cases
        ],
        "justifications": [
            {"function_id": j.function_id, "text": j.text, "by": j.justified_by_id} for j in protocol.justifications
        ],
    }


def protocol_sign_target(protocol: Protocol) -> SignTarget:
    """A system's protocol is one document; each version is signed under its version number."""
    return SignTarget(
        entity_type="protocol", entity_id=str(protocol.system_id), version=protocol.number,
        content=protocol_content(protocol), author_ids=frozenset({protocol.author_id}),
    )


def tester_ids(protocol: Protocol) -> set[int]:
    """Everyone who recorded a result in this protocol."""
    return set(db.session.scalars(select(Execution.tester_id).where(Execution.protocol_id == protocol.id).distinct()))


def report_content(report: Report, protocol: Protocol) -> dict[str, Any]:
    """The signed content of a report: the conclusion, the counts, the deviations and every entry."""
    return {
        "protocol_version": protocol.number,
        "conclusion": report.conclusion,
        "restrictions": report.restrictions,
        "summary": report.summary,
        "counts": counts(protocol).as_dict(),
        "deviations": [
            {"number": d.number, "status": d.status, "severity": d.severity, "disposition": d.disposition,
             "closure_rationale": d.closure_rationale}
            for d in protocol.deviations
        ],
        "executions": [
            {"id": e.id, "test_case_id": e.test_case_id, "step_id": e.test_step_id, "outcome": e.outcome,
             "tested_version": e.tested_version, "corrects_id": e.corrects_id}
            for e in executions_of(protocol)
        ],
    }


def report_sign_target(report: Report, protocol: Protocol) -> SignTarget:
    """The report of a protocol version; its authors are the protocol's author and every tester."""
    return SignTarget(
        entity_type="report", entity_id=str(protocol.system_id), version=protocol.number,
        content=report_content(report, protocol),
        author_ids=frozenset({protocol.author_id} | tester_ids(protocol)),
    )


def signed_current(target: SignTarget, meaning: str) -> Signature | None:
    """The signature with this meaning on this version whose content still matches, if any."""
    current = signatures.content_hash(target.content)
    for signature in signatures.signatures_for(target.entity_type, target.entity_id):
        if signature.entity_version == target.version and signature.meaning == meaning and (
            signature.content_hash == current
        ):
            return signature
    return None


def coverage(protocol: Protocol) -> list[FunctionFacts]:
    """High-risk functions of the protocol without a scripted test case or a QA-signed justification."""
    functions = [
        FunctionFacts(f["id"], f["description"], f["process_risk"]) for f in protocol_functions(protocol)
    ]
    cases = [TestCaseFacts(c.function_id, c.method, len(c.steps)) for c in protocol.test_cases]
    return coverage_gaps(functions, cases, [j.function_id for j in protocol.justifications])


# --- Protocol authoring ---------------------------------------------------------------------------


def active_protocol(system: SoftwareSystem) -> Protocol | None:
    """The protocol version being written, reviewed or executed, if any."""
    return db.session.scalar(
        select(Protocol).where(Protocol.system_id == system.id, Protocol.status.in_(ACTIVE_PROTOCOL_STATES))
    )


def latest_protocol(system: SoftwareSystem) -> Protocol | None:
    return db.session.scalar(
        select(Protocol).where(Protocol.system_id == system.id).order_by(Protocol.number.desc()).limit(1)
    )


def _new_version(system: SoftwareSystem, author: User, reason: str, system_version: str) -> Protocol:
    """Version n+1 as a draft: a copy of the latest version's text and tests (never of its signatures)."""
    if active_protocol(system) is not None:
        raise Conflict("This system already has a protocol in progress; finish or withdraw it first.")
    previous = latest_protocol(system)
    protocol = Protocol(
        system=system, number=(previous.number + 1) if previous else 1, status=ProtocolStatus.DRAFT,
        author_id=author.id, system_version=system_version, reason=reason,
        previous_id=previous.id if previous else None,
    )
    if previous is not None:
        protocol.scope = previous.scope
        protocol.requirements = previous.requirements
        protocol.acceptance_criteria = previous.acceptance_criteria
        for case in previous.test_cases:
            copy = TestCase(
                order=case.order, method=case.method, objective=case.objective,
                function_id=case.function_id, expected_result=case.expected_result,
            )
            copy.steps = [TestStep(order=s.order, action=s.action, expected_result=s.expected_result)
                          for s in case.steps]
            protocol.test_cases.append(copy)
    db.session.add(protocol)
    db.session.flush()
    audit.record("protocol.version_created", protocol, reason=reason,
                 previous_version=previous.number if previous else None)
    return protocol


def create_protocol(system: SoftwareSystem, by: User) -> Protocol:
    """Start the system's validation protocol (or its next version after a withdrawal or a not-fit report)."""
    _require(by.has(Permission.VALIDATION_EDIT), "You may not write protocols.")
    if system.status == SystemStatus.PLANNED:
        workflow.start_validation(system)
    elif system.status not in (SystemStatus.VALIDATION_IN_PROGRESS, SystemStatus.CHANGE_IN_PROGRESS):
        raise Conflict(
            "A released system gets a new protocol version through a change request or a periodic review; "
            "a retired system gets none."
        )
    return _new_version(system, by, "Initial validation" if latest_protocol(system) is None else "New version",
                        system.version_in_use)


def update_protocol(
    protocol: Protocol, by: User, *, system_version: str, scope: str, requirements: str,
    acceptance_criteria: str, expected_version: int | None = None,
) -> None:
    """Edit a draft protocol's text; approved and later versions are immutable."""
    _require_editable(protocol, by)
    _check_version(protocol, expected_version)
    protocol.system_version = _text(system_version, "Version under test")
    protocol.scope = _text(scope, "Scope", required=False)
    protocol.requirements = _text(requirements, "Requirements", required=False)
    protocol.acceptance_criteria = _text(acceptance_criteria, "Acceptance criteria", required=False)
    db.session.flush()


def _require_editable(protocol: Protocol, by: User) -> None:
    if protocol.status != ProtocolStatus.DRAFT:
        raise Conflict(
            f"Protocol v{protocol.number} is {protocol.status.replace('_', ' ')} and cannot be edited; "
            "a change starts a new version."
        )
    _require(policies.can_edit_protocol(by, protocol), "You may not edit this protocol.")


def _function_of(protocol: Protocol, function_id: int | None) -> int | None:
    if function_id is None:
        return None
    function = db.session.get(Function, function_id)
    if function is None or function.system_id != protocol.system_id:
        raise ValidationFailed("Choose a function of this system.")
    return function.id


def add_test_case(
    protocol: Protocol, by: User, *, method: str, objective: str, function_id: int | None, expected_result: str = "",
) -> TestCase:
    """Add a test case at the end of a draft protocol."""
    _require_editable(protocol, by)
    case = TestCase(
        order=max((c.order for c in protocol.test_cases), default=0) + 1,
        method=_choice(method, TestMethod, "Method"), objective=_text(objective, "Objective"),
        function_id=_function_of(protocol, function_id), expected_result=_text(expected_result, "", required=False),
    )
    protocol.test_cases.append(case)
    db.session.flush()
    return case


def update_test_case(
    case: TestCase, by: User, *, method: str, objective: str, function_id: int | None, expected_result: str,
    expected_version: int | None = None,
) -> None:
    """Edit a test case of a draft protocol."""
    _require_editable(case.protocol, by)
    _check_version(case, expected_version)
    case.method = _choice(method, TestMethod, "Method")
    if case.method != TestMethod.SCRIPTED and case.steps:
        raise ValidationFailed("Remove the steps before making this test case unscripted.")
    case.objective = _text(objective, "Objective")
    case.function_id = _function_of(case.protocol, function_id)
    case.expected_result = _text(expected_result, "", required=False)
    db.session.flush()


def delete_test_case(case: TestCase, by: User) -> None:
    """Remove a test case from a draft (the audit trail keeps what it was)."""
    _require_editable(case.protocol, by)
    protocol = case.protocol
    protocol.test_cases.remove(case)
    for number, remaining in enumerate(protocol.test_cases, start=1):
        remaining.order = number
    db.session.flush()


def add_step(case: TestCase, by: User, *, action: str, expected_result: str) -> TestStep:
    """Append a step with its expected result to a scripted test case of a draft protocol."""
    _require_editable(case.protocol, by)
    if case.method != TestMethod.SCRIPTED:
        raise ValidationFailed("Only scripted test cases have steps; unscripted tests record one result.")
    step = TestStep(
        order=max((s.order for s in case.steps), default=0) + 1,
        action=_text(action, "Action"), expected_result=_text(expected_result, "Expected result"),
    )
    case.steps.append(step)
    db.session.flush()
    return step


def delete_step(step: TestStep, by: User) -> None:
    """Remove a step of a draft protocol's test case and renumber the rest."""
    case = step.test_case
    _require_editable(case.protocol, by)
    case.steps.remove(step)
    for number, remaining in enumerate(case.steps, start=1):
        remaining.order = number
    db.session.flush()


def justify_coverage(
    protocol: Protocol, function_id: int, by: User, *, text: str, password: str, comment: str = "",
) -> CoverageJustification:
    """QA signs why a high-risk function needs no scripted test case in this draft."""
    _require(policies.can_justify_coverage(by, protocol),
             "Only QA other than the author may justify a missing scripted test, and only on a draft.")
    function = db.session.get(Function, _function_of(protocol, function_id))
    if function is None or function.process_risk != ProcessRisk.HIGH:
        raise ValidationFailed("Only a high-risk function needs a justification.")
    if any(j.function_id == function.id for j in protocol.justifications):
        raise Conflict("This function already has a justification in this protocol.")
    verify_signer(by, password)
    justification = CoverageJustification(
        function_id=function.id, text=_text(text, "Justification"), justified_by_id=by.id,
    )
    protocol.justifications.append(justification)
    db.session.flush()
    signatures.sign(
        SignTarget("coverage_justification", str(justification.id), 1,
                   {"protocol_id": protocol.id, "function_id": function.id, "text": justification.text},
                   frozenset({protocol.author_id})),
        by, password=password, meaning=Meaning.APPROVED, comment=comment,
    )
    return justification


# --- Protocol workflow ----------------------------------------------------------------------------


def submit_protocol(protocol: Protocol, by: User, *, password: str, comment: str = "") -> None:
    """The author signs the draft as authored and sends it to review; every high-risk function must be covered."""
    if protocol.status != ProtocolStatus.DRAFT:
        workflow.submit_for_review(protocol)  # raises IllegalMove
    _require(policies.can_submit(by, protocol), "Only the protocol's author sends it to review.")
    gaps = coverage(protocol)
    if gaps:
        names = "; ".join(gap.description for gap in gaps)
        raise ValidationFailed(
            "Every high-risk function needs a scripted test case with steps, or a justification signed by QA. "
            f"Not covered: {names}."
        )
    if not protocol.test_cases:
        raise ValidationFailed("Add at least one test case before sending the protocol to review.")
    empty = [c.code for c in protocol.test_cases if c.method == TestMethod.SCRIPTED and not c.steps]
    if empty:
        raise ValidationFailed(f"Scripted test cases need steps with expected results: {', '.join(empty)}.")
    verify_signer(by, password)
    protocol.functions_snapshot = [function_facts(f) for f in protocol.system.functions]
    workflow.submit_for_review(protocol)
    db.session.flush()
    signatures.sign(protocol_sign_target(protocol), by, password=password, meaning=Meaning.AUTHORED, comment=comment)


def review_protocol(protocol: Protocol, by: User, *, password: str, comment: str = "") -> None:
    """A second person (not the author) signs the protocol in review as reviewed."""
    if protocol.status != ProtocolStatus.IN_REVIEW:
        raise workflow.IllegalMove("Only a protocol in review can be signed as reviewed.")
    _require(policies.can_review(by, protocol), "The author cannot review their own protocol.")
    target = protocol_sign_target(protocol)
    if signed_current(target, Meaning.REVIEWED):
        raise Conflict("This protocol version is already reviewed.")
    signatures.sign(target, by, password=password, meaning=Meaning.REVIEWED, comment=comment)


def return_protocol(protocol: Protocol, by: User, *, reason: str) -> None:
    """A reviewer or QA sends a protocol in review back to draft, with the reason."""
    _require(policies.can_review(by, protocol) or policies.can_approve_protocol(by, protocol),
             "Only a reviewer other than the author can return a protocol.")
    reason = _text(reason, "The reason")
    workflow.return_to_draft(protocol)
    protocol.functions_snapshot = None
    db.session.flush()
    audit.record("protocol.returned", protocol, reason=reason)


def approve_protocol(protocol: Protocol, by: User, *, password: str, comment: str = "") -> None:
    """QA (not the author) approves a reviewed protocol; it is then frozen."""
    if protocol.status != ProtocolStatus.IN_REVIEW:
        workflow.approve_protocol(protocol)  # raises IllegalMove
    _require(policies.can_approve_protocol(by, protocol), "Only QA other than the author may approve this protocol.")
    target = protocol_sign_target(protocol)
    if not signed_current(target, Meaning.REVIEWED):
        raise ValidationFailed("The protocol must be reviewed by a second person before QA approves it.")
    signatures.sign(target, by, password=password, meaning=Meaning.APPROVED, comment=comment)
    workflow.approve_protocol(protocol)
    db.session.flush()


def withdraw_protocol(protocol: Protocol, by: User, *, reason: str) -> None:
    """The author or QA withdraws a protocol that was not executed; it is kept with the reason."""
    if protocol.status in (ProtocolStatus.EXECUTED, ProtocolStatus.WITHDRAWN):
        workflow.withdraw_protocol(protocol)  # raises IllegalMove
    _require(policies.can_withdraw(by, protocol), "Only the author or QA may withdraw this protocol.")
    protocol.withdrawn_reason = _text(reason, "The reason")
    workflow.withdraw_protocol(protocol)
    db.session.flush()
    audit.record("protocol.withdrawn", protocol, reason=protocol.withdrawn_reason)


def start_execution(protocol: Protocol, by: User) -> None:
    """A tester starts executing an approved protocol."""
    _require(by.has(Permission.VALIDATION_EXECUTE), "You may not execute protocols.")
    workflow.start_execution(protocol)
    db.session.flush()


# --- Executions and deviations --------------------------------------------------------------------


def executions_of(protocol: Protocol) -> list[Execution]:
    """Every entry of a protocol, in the order recorded."""
    return list(db.session.scalars(
        select(Execution).where(Execution.protocol_id == protocol.id)
        .options(selectinload(Execution.tester), selectinload(Execution.evidence))
        .order_by(Execution.executed_at, Execution.id)
    ))


def counts(protocol: Protocol, entries: list[Execution] | None = None) -> OutcomeCounts:
    """Test cases by outcome (the effective result of each) and entries recorded, computed now."""
    entries = executions_of(protocol) if entries is None else entries
    cases = [CaseFacts(c.id, tuple(s.id for s in c.steps) if c.is_scripted else ()) for c in protocol.test_cases]
    facts = [EntryFacts(e.id, e.test_case_id, e.test_step_id, e.outcome, e.executed_at, e.corrects_id)
             for e in entries]
    return outcome_counts(cases, facts)


def _entry(
    protocol: Protocol, by: User, case: TestCase, step: TestStep | None, *, tested_version: str,
    actual_result: str, outcome: str, evidence: FileStorage | None, corrects: Execution | None = None,
    reason: str = "",
) -> Execution:
    _require(policies.can_execute(by, protocol) or protocol.status != ProtocolStatus.IN_EXECUTION,
             "You may not record results.")
    if protocol.status != ProtocolStatus.IN_EXECUTION:
        raise Conflict("Results are recorded only while the protocol is in execution.")
    if case.protocol_id != protocol.id:
        raise NotFound("This test case is not part of the protocol.")
    if case.is_scripted:
        if step is None or step.test_case_id != case.id:
            raise ValidationFailed("Choose the step of this scripted test case the result is for.")
    elif step is not None:
        raise ValidationFailed("Unscripted test cases record one result for the whole case.")
    stored = _store_evidence(evidence, by)
    entry = Execution(
        protocol_id=protocol.id, test_case_id=case.id, test_step_id=step.id if step else None, tester_id=by.id,
        executed_at=utcnow(), tested_version=_text(tested_version, "Tested version"),
        actual_result=_text(actual_result, "Actual result"), outcome=_choice(outcome, Outcome, "Outcome"),
        evidence_id=stored.id if stored else None, corrects_id=corrects.id if corrects else None,
        correction_reason=reason,
    )
    db.session.add(entry)
    db.session.flush()
    if entry.outcome == Outcome.FAIL:
        _open_deviation(protocol, entry, case, step)
    return entry


def _store_evidence(evidence: FileStorage | None, by: User) -> StoredFile | None:
    """An execution's evidence goes to the shared store: validation's types, UPLOAD_MAX_BYTES, content checked."""
    if evidence is None or not evidence.filename:
        return None
    return store_upload(evidence, EVIDENCE_EXTENSIONS, int(current_app.config["UPLOAD_MAX_BYTES"]), created_by=by)


def evidence_file(stored_file_id: int) -> StoredFile:
    """The stored file of an execution's evidence; any other stored file is not found here."""
    stored = db.session.scalar(
        select(StoredFile).join(Execution, Execution.evidence_id == StoredFile.id)
        .where(StoredFile.id == stored_file_id).limit(1)
    )
    if stored is None:
        raise NotFound("There is no such evidence file.")
    return stored


def record_execution(
    protocol: Protocol, by: User, *, test_case_id: int, test_step_id: int | None, tested_version: str,
    actual_result: str, outcome: str, evidence: FileStorage | None = None,
) -> Execution:
    """Record one result (per step when scripted, per case otherwise); a failure opens a deviation."""
    case = db.session.get(TestCase, test_case_id)
    if case is None:
        raise NotFound("No such test case.")
    step = db.session.get(TestStep, test_step_id) if test_step_id else None
    return _entry(protocol, by, case, step, tested_version=tested_version, actual_result=actual_result,
                  outcome=outcome, evidence=evidence)


def correct_execution(
    entry: Execution, by: User, *, tested_version: str, actual_result: str, outcome: str, reason: str,
    evidence: FileStorage | None = None,
) -> Execution:
    """Correct an entry by a new one with a reason; the original stays as it was."""
    if db.session.scalar(select(func.count(Execution.id)).where(Execution.corrects_id == entry.id)):
        raise Conflict("This entry was already corrected; correct the latest entry instead.")
    protocol = db.session.get(Protocol, entry.protocol_id)
    assert protocol is not None
    return _entry(protocol, by, entry.test_case, entry.test_step, tested_version=tested_version,
                  actual_result=actual_result, outcome=outcome, evidence=evidence, corrects=entry,
                  reason=_text(reason, "The reason for the correction"))


def _open_deviation(protocol: Protocol, entry: Execution, case: TestCase, step: TestStep | None) -> Deviation:
    number = (db.session.scalar(select(func.max(Deviation.number)).where(Deviation.protocol_id == protocol.id))
              or 0) + 1
    where = f"{case.code}" + (f" step {step.order}" if step else "")
    deviation = Deviation(
        protocol_id=protocol.id, execution_id=entry.id, number=number, status=DeviationStatus.OPEN,
        severity=Severity.MAJOR, description=f"{where} failed: {entry.actual_result}",
    )
    db.session.add(deviation)
    db.session.flush()
    audit.record("deviation.opened", deviation, execution_id=entry.id)
    return deviation


def close_deviation(
    deviation: Deviation, by: User, *, severity: str, impact: str, disposition: str, rationale: str,
    expected_version: int | None = None,
) -> None:
    """Close a deviation with its severity, impact, disposition and a rationale."""
    _require(policies.can_close_deviation(by), "You may not close deviations.")
    if deviation.status != DeviationStatus.OPEN:
        raise Conflict(f"{deviation.code} is already closed.")
    report = deviation.protocol.report
    if report is not None and report.status == ReportStatus.APPROVED:
        raise Conflict("The report is approved; its deviations cannot change.")
    _check_version(deviation, expected_version)
    deviation.severity = _choice(severity, Severity, "Severity")
    deviation.impact = _text(impact, "Impact on the intended use")
    deviation.disposition = _choice(disposition, Disposition, "Disposition")
    deviation.closure_rationale = _text(rationale, "The closure rationale")
    deviation.status = DeviationStatus.CLOSED
    deviation.closed_by_id = by.id
    deviation.closed_at = utcnow()
    db.session.flush()
    audit.record("deviation.closed", deviation, disposition=deviation.disposition, reason=deviation.closure_rationale)


def complete_execution(protocol: Protocol, by: User) -> Report:
    """End execution once every test case has a result; the report is then written."""
    _require(by.has(Permission.VALIDATION_EXECUTE), "You may not execute protocols.")
    if protocol.status == ProtocolStatus.IN_EXECUTION:
        result = counts(protocol)
        if not result.complete:
            raise ValidationFailed(f"{result.not_run} test case(s) have no result yet.")
    workflow.complete_execution(protocol)
    report = protocol.report or Report(protocol=protocol, status=ReportStatus.DRAFT)
    db.session.add(report)
    db.session.flush()
    return report


# --- Report ---------------------------------------------------------------------------------------


def save_report(
    report: Report, by: User, *, conclusion: str, restrictions: str, summary: str,
    expected_version: int | None = None,
) -> None:
    """Write the conclusion of an executed protocol; fit with restrictions needs the restrictions."""
    protocol = report.protocol
    if report.status != ReportStatus.DRAFT:
        raise Conflict("An approved report cannot be changed.")
    _require(policies.can_edit_report(by, protocol), "You may not edit this report.")
    _check_version(report, expected_version)
    report.conclusion = _choice(conclusion, Conclusion, "Conclusion")
    report.restrictions = _text(restrictions, "Restrictions", required=conclusion == Conclusion.FIT_WITH_RESTRICTIONS)
    report.summary = _text(summary, "Summary", required=False)
    db.session.flush()


def approval_blockers(report: Report) -> list[str]:
    """Why the report cannot be approved yet (empty when it can)."""
    protocol = report.protocol
    reasons = []
    if report.status != ReportStatus.DRAFT:
        reasons.append("The report is already approved.")
    if protocol.status != ProtocolStatus.EXECUTED:
        reasons.append("The protocol is not executed.")
    if not report.conclusion:
        reasons.append("The report has no conclusion yet.")
    open_ones = [d.code for d in protocol.deviations if d.status == DeviationStatus.OPEN]
    if open_ones:
        reasons.append(f"Open deviations must be closed first: {', '.join(open_ones)}.")
    return reasons


def approve_report(report: Report, by: User, *, password: str, comment: str = "") -> None:
    """QA (neither the author nor a tester) approves; a fit conclusion releases the system and sets its review."""
    protocol = report.protocol
    _require(policies.can_approve_report(by, protocol, tester_ids(protocol)),
             "The report is approved by QA who neither wrote the protocol nor executed a test.")
    blockers = approval_blockers(report)
    if blockers:
        raise Conflict(" ".join(blockers))
    target = report_sign_target(report, protocol)
    signatures.sign(target, by, password=password, meaning=Meaning.APPROVED, comment=comment)
    report.counts_snapshot = dict(target.content["counts"])
    report.status = ReportStatus.APPROVED
    report.approved_by_id = by.id
    report.approved_at = utcnow()
    system = protocol.system
    if report.conclusion != Conclusion.NOT_FIT:
        workflow.release_system(system)
        system.validated_version = protocol.system_version
        system.version_in_use = protocol.system_version
        system.released_at = utcnow()
        system.next_periodic_review = review_due_from(system, today())
    change = db.session.scalar(select(ChangeRequest).where(ChangeRequest.protocol_id == protocol.id))
    if change is not None and change.status != ChangeRequestStatus.CLOSED:
        change.status = ChangeRequestStatus.CLOSED
        change.closed_at = utcnow()
    db.session.flush()
    audit.record("report.approved", report, conclusion=report.conclusion,
                 next_periodic_review=system.next_periodic_review)


def review_due_from(system: SoftwareSystem, day: date) -> date:
    """12 months after day when any function is high risk, else 24 (both settings)."""
    config = current_app.config
    return next_review_date(
        day, [f.process_risk for f in system.functions],
        high_risk_months=int(config["VALIDATION_REVIEW_MONTHS_HIGH_RISK"]),
        other_months=int(config["VALIDATION_REVIEW_MONTHS_OTHER"]),
    )


# --- Change requests and periodic reviews --------------------------------------------------------


def open_change_request(system: SoftwareSystem, by: User, *, new_version: str, description: str) -> ChangeRequest:
    """A new version of a released system: the system enters change control."""
    _require(by.has(Permission.VALIDATION_EDIT), "You may not open change requests.")
    if db.session.scalar(select(ChangeRequest.id).where(
            ChangeRequest.system_id == system.id, ChangeRequest.status != ChangeRequestStatus.CLOSED)):
        raise Conflict("This system already has an open change request.")
    workflow.start_change(system)
    change = ChangeRequest(
        system_id=system.id, new_version=_text(new_version, "New version"),
        description=_text(description, "Description of the change"), requested_by_id=by.id,
        status=ChangeRequestStatus.OPEN,
    )
    db.session.add(change)
    db.session.flush()
    return change


def assess_change_request(
    change: ChangeRequest, by: User, *, impact_assessment: str, revalidation: str, password: str, comment: str = "",
) -> Protocol | None:
    """Record and sign the impact assessment; partial/full revalidation starts a new protocol version as a draft,
    none (QA only) releases the new version at once."""
    if change.status != ChangeRequestStatus.OPEN:
        raise Conflict(f"{change.code} is already assessed.")
    revalidation = _choice(revalidation, Revalidation, "Revalidation")
    if revalidation == Revalidation.NONE:
        _require(policies.can_accept_change_without_revalidation(by),
                 "Only QA may decide that a new version needs no revalidation.")
    else:
        _require(by.has(Permission.VALIDATION_EDIT), "You may not assess change requests.")
    if revalidation != Revalidation.NONE and active_protocol(change.system) is not None:
        raise Conflict("A protocol of this system is in progress; finish or withdraw it first.")
    verify_signer(by, password)
    change.impact_assessment = _text(impact_assessment, "Impact assessment")
    change.revalidation = revalidation
    change.assessed_by_id = by.id
    change.assessed_at = utcnow()
    system = change.system
    protocol: Protocol | None = None
    if revalidation == Revalidation.NONE:
        change.status = ChangeRequestStatus.CLOSED
        change.closed_at = utcnow()
        workflow.release_system(system)
        system.validated_version = change.new_version
        system.version_in_use = change.new_version
    else:
        protocol = _new_version(system, by, f"{change.code}: {revalidation} revalidation for {change.new_version}",
                                change.new_version)
        change.protocol_id = protocol.id
        change.status = ChangeRequestStatus.REVALIDATING
    db.session.flush()
    signatures.sign(
        SignTarget("change_request", str(change.id), change.version,
                   {"new_version": change.new_version, "description": change.description,
                    "impact_assessment": change.impact_assessment, "revalidation": revalidation},
                   frozenset()),
        by, password=password, meaning=Meaning.APPROVED if revalidation == Revalidation.NONE else Meaning.AUTHORED,
        comment=comment,
    )
    return protocol


def perform_periodic_review(
    system: SoftwareSystem, by: User, *, outcome: str, summary: str, password: str, comment: str = "",
    data_location: str = "", retain_until: date | None = None,
) -> PeriodicReview:
    """QA signs a periodic review: remain validated (next date set), revalidate (new draft) or retire."""
    _require(policies.can_perform_periodic_review(by), "Periodic reviews are decided by QA.")
    outcome = _choice(outcome, ReviewOutcome, "Outcome")
    if system.status != SystemStatus.RELEASED:
        raise Conflict("Only a released system is reviewed periodically.")
    if outcome == ReviewOutcome.RETIRE:
        _text(data_location, "Where the data stays after retirement")
        if retain_until is None:
            raise ValidationFailed("Until when the data is retained is required.")
        if retain_until < today():
            raise ValidationFailed("The retention date must not be in the past.")
    verify_signer(by, password)
    review = PeriodicReview(
        system_id=system.id, reviewer_id=by.id, reviewed_at=utcnow(), due_date=system.next_periodic_review,
        outcome=outcome, summary=_text(summary, "Summary of the review"),
    )
    if outcome == ReviewOutcome.REMAIN_VALIDATED:
        review.next_review = review_due_from(system, today())
        system.next_periodic_review = review.next_review
    elif outcome == ReviewOutcome.REVALIDATE:
        workflow.start_revalidation(system)
        system.next_periodic_review = None
    else:
        review.data_location = _text(data_location, "Where the data stays after retirement")
        if retain_until is None:
            raise ValidationFailed("Until when the data is retained is required.")
        if retain_until < today():
            raise ValidationFailed("The retention date must not be in the past.")
        review.retain_until = retain_until
        workflow.retire_system(system)
        system.retired_at = utcnow()
        system.retirement_data_location = review.data_location
        system.retain_until = retain_until
        system.next_periodic_review = None
    db.session.add(review)
    db.session.flush()
    if outcome == ReviewOutcome.REVALIDATE:
        review.protocol_id = _new_version(system, by, "Revalidation decided by periodic review",
                                          system.version_in_use).id
    signatures.sign(
        SignTarget("periodic_review", str(review.id), 1,
                   {"system_id": system.id, "outcome": outcome, "summary": review.summary,
                    "next_review": review.next_review, "data_location": review.data_location,
                    "retain_until": review.retain_until},
                   frozenset()),
        by, password=password, meaning=Meaning.APPROVED, comment=comment,
    )
    db.session.flush()
    return review


# --- Queries for pages ----------------------------------------------------------------------------


def systems_query(*, status: str = "", deployment: str = "", supplier_id: int | None = None,
                  q: str = "") -> Select[tuple[SoftwareSystem]]:
    """The systems list with its filters, supplier loaded in the same query."""
    query = select(SoftwareSystem).options(selectinload(SoftwareSystem.supplier)).order_by(SoftwareSystem.product)
    if status:
        query = query.where(SoftwareSystem.status == status)
    if deployment:
        query = query.where(SoftwareSystem.deployment == deployment)
    if supplier_id:
        query = query.where(SoftwareSystem.supplier_id == supplier_id)
    if q:
        query = query.where(SoftwareSystem.product.ilike(f"%{q.strip()}%"))
    return query


def load_protocol(protocol_id: int) -> Protocol:
    """A protocol with its test cases, steps, functions, justifications and deviations loaded."""
    protocol = db.session.scalar(
        select(Protocol).where(Protocol.id == protocol_id).options(
            selectinload(Protocol.test_cases).selectinload(TestCase.steps),
            selectinload(Protocol.test_cases).selectinload(TestCase.function),
            selectinload(Protocol.justifications).selectinload(CoverageJustification.function),
            selectinload(Protocol.deviations),
            selectinload(Protocol.system).selectinload(SoftwareSystem.functions),
            selectinload(Protocol.author),
            selectinload(Protocol.report),
        )
    )
    if protocol is None:
        raise NotFound("No such protocol.")
    return protocol
