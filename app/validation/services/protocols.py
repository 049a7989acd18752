"""Protocols: a system's validation protocol, version by version: its signed content and coverage, the draft text, and
the workflow from authored through reviewed and approved to execution."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.access import Permission
from app.audit import services as audit
from app.auth.models import User
from app.errors import Conflict, NotFound, ValidationFailed
from app.extensions import db
from app.signatures import services as signatures
from app.signatures.models import Meaning, Signature
from app.signatures.services import SignTarget
from app.validation import policies, workflow
from app.validation.models import CoverageJustification, Function, Protocol, SoftwareSystem, TestCase, TestStep
from app.validation.rules import FunctionFacts, ProtocolStatus, SystemStatus, TestCaseFacts, TestMethod, coverage_gaps
from app.validation.services.common import check_version, clean_text, require, verify_signer

ACTIVE_PROTOCOL_STATES = (
    ProtocolStatus.DRAFT, ProtocolStatus.IN_REVIEW, ProtocolStatus.APPROVED, ProtocolStatus.IN_EXECUTION,
)


def function_facts(function: Function) -> dict[str, Any]:
    """A function as plain data: what a protocol keeps of it once it leaves draft."""
    return {
        "id": function.id, "description": function.description, "use": function.use,
        "process_risk": function.process_risk, "rationale": function.rationale,
    }


def protocol_functions(protocol: Protocol) -> list[dict[str, Any]]:
    """The functions a protocol covers: live while a draft, the frozen copy once it left draft."""
    if protocol.functions_snapshot is not None and protocol.status != ProtocolStatus.DRAFT:
        return list(protocol.functions_snapshot)
    return [function_facts(function) for function in protocol.system.functions if function.retired_at is None]


def protocol_content(protocol: Protocol) -> dict[str, Any]:
    """The signed content of a protocol version, as plain data."""
    return {
        "system_id": protocol.system_id,
        "version": protocol.number,
        "system_version": protocol.system_version,
        "scope": protocol.scope,
        "requirements": protocol.requirements,
        "acceptance_criteria": protocol.acceptance_criteria,
        # Added later: signed only when filled in, so protocols signed before keep their content hash.
        **{name: getattr(protocol, name) for name in ("test_environment", "prerequisites") if getattr(protocol, name)},
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


def protocol_duty_target(protocol: Protocol) -> SignTarget:
    """The protocol version as the separation of duties sees it (who wrote it; no content: nothing is signed with it,
    so asking who may sign costs no read of its test cases)."""
    return SignTarget(entity_type="protocol", entity_id=str(protocol.system_id), version=protocol.number, content={},
                      author_ids=frozenset({protocol.author_id}), lasting=False)


def protocol_sign_target(protocol: Protocol) -> SignTarget:
    """A system's protocol is one document; each version is signed under its version number."""
    return replace(protocol_duty_target(protocol), content=protocol_content(protocol))


def signed_current(target: SignTarget, meaning: str, *, signed: list[Signature] | None = None,
                   after: int = 0) -> Signature | None:
    """The signature with this meaning on this version whose content still matches, if any (of `signed` when the
    caller read the record's signatures already; only one made after signature id `after`)."""
    current = signatures.content_hash(target.content)
    for signature in signatures.signatures_for(target.entity_type, target.entity_id) if signed is None else signed:
        if signature.id > after and signature.entity_version == target.version and signature.meaning == meaning and (
            signature.content_hash == current
        ):
            return signature
    return None


def reviewed_this_round(target: SignTarget) -> Signature | None:
    """The review that counts for approval: on this version, its content still matching, and signed after the
    author's latest submission (a protocol returned to its author and sent again needs a new review)."""
    signed = signatures.signatures_for(target.entity_type, target.entity_id)
    submitted = max((s.id for s in signed if s.entity_version == target.version and s.meaning == Meaning.AUTHORED),
                    default=0)
    return signed_current(target, Meaning.REVIEWED, signed=signed, after=submitted)


def coverage(protocol: Protocol) -> list[FunctionFacts]:
    """High-risk functions of the protocol without a scripted test case or a QA-signed justification."""
    functions = [
        FunctionFacts(f["id"], f["description"], f["process_risk"]) for f in protocol_functions(protocol)
    ]
    cases = [TestCaseFacts(c.function_id, c.method, len(c.steps)) for c in protocol.test_cases]
    return coverage_gaps(functions, cases, [j.function_id for j in protocol.justifications])


def active_protocol(system: SoftwareSystem) -> Protocol | None:
    """The protocol version being written, reviewed or executed, if any."""
    return db.session.scalar(
        select(Protocol).where(Protocol.system_id == system.id, Protocol.status.in_(ACTIVE_PROTOCOL_STATES))
    )


def latest_protocol(system: SoftwareSystem) -> Protocol | None:
    """The system's newest protocol version, whatever its state."""
    return db.session.scalar(
        select(Protocol).where(Protocol.system_id == system.id).order_by(Protocol.number.desc()).limit(1)
    )


def new_protocol_version(system: SoftwareSystem, author: User, reason: str, system_version: str) -> Protocol:
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
        protocol.test_environment = previous.test_environment
        protocol.prerequisites = previous.prerequisites
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
    require(by.has(Permission.VALIDATION_EDIT), "You may not write protocols.")
    if system.status == SystemStatus.PLANNED:
        workflow.start_validation(system)
    elif system.status not in (SystemStatus.VALIDATION_IN_PROGRESS, SystemStatus.CHANGE_IN_PROGRESS):
        raise Conflict(
            "A released system gets a new protocol version through a change request or a periodic review; "
            "a retired system gets none."
        )
    return new_protocol_version(system, by, "Initial validation" if latest_protocol(system) is None else "New version",
                                system.version_in_use)


def update_protocol(
    protocol: Protocol, by: User, *, system_version: str, scope: str, requirements: str,
    acceptance_criteria: str, test_environment: str = "", prerequisites: str = "",
    expected_version: int | None = None,
) -> None:
    """Edit a draft protocol's text; approved and later versions are immutable."""
    require_editable(protocol, by)
    check_version(protocol, expected_version)
    protocol.system_version = clean_text(system_version, "Version under test")
    protocol.scope = clean_text(scope, "Scope", required=False)
    protocol.requirements = clean_text(requirements, "Requirements", required=False)
    protocol.acceptance_criteria = clean_text(acceptance_criteria, "Acceptance criteria", required=False)
    protocol.test_environment = clean_text(test_environment, "Test environment", required=False)
    protocol.prerequisites = clean_text(prerequisites, "Prerequisites", required=False)
    db.session.flush()


def require_editable(protocol: Protocol, by: User) -> None:
    """Only a draft protocol changes, and only by someone who may edit it."""
    if protocol.status != ProtocolStatus.DRAFT:
        raise Conflict(
            f"Protocol v{protocol.number} is {protocol.status.replace('_', ' ')} and cannot be edited; "
            "a change starts a new version."
        )
    require(policies.can_edit_protocol(by, protocol), "You may not edit this protocol.")


def submit_protocol(protocol: Protocol, by: User, *, password: str, comment: str = "") -> None:
    """The author signs the draft as authored and sends it to review; every high-risk function must be covered."""
    if protocol.status != ProtocolStatus.DRAFT:
        workflow.submit_for_review(protocol)  # raises IllegalMove
    require(policies.can_submit(by, protocol), "Only the protocol's author sends it to review.")
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
    protocol.functions_snapshot = [function_facts(f) for f in protocol.system.functions if f.retired_at is None]
    workflow.submit_for_review(protocol)
    db.session.flush()
    signatures.sign(protocol_sign_target(protocol), by, password=password, meaning=Meaning.AUTHORED, comment=comment)


def review_protocol(protocol: Protocol, by: User, *, password: str, comment: str = "") -> None:
    """A second person (not the author) signs the protocol in review as reviewed."""
    if protocol.status != ProtocolStatus.IN_REVIEW:
        raise workflow.IllegalMove("Only a protocol in review can be signed as reviewed.")
    require(policies.can_review(by, protocol), "The author cannot review their own protocol.")
    target = protocol_sign_target(protocol)
    if reviewed_this_round(target):
        raise Conflict("This protocol version is already reviewed.")
    signatures.sign(target, by, password=password, meaning=Meaning.REVIEWED, comment=comment)


def return_protocol(protocol: Protocol, by: User, *, reason: str) -> None:
    """A reviewer or QA sends a protocol in review back to draft, with the reason."""
    require(policies.can_review(by, protocol) or policies.can_approve_protocol(by, protocol),
            "Only a reviewer other than the author can return a protocol.")
    reason = clean_text(reason, "The reason")
    workflow.return_to_draft(protocol)
    protocol.functions_snapshot = None
    db.session.flush()
    audit.record("protocol.returned", protocol, reason=reason)


def approve_protocol(protocol: Protocol, by: User, *, password: str, comment: str = "") -> None:
    """QA (not the author) approves a reviewed protocol; it is then frozen."""
    if protocol.status != ProtocolStatus.IN_REVIEW:
        workflow.approve_protocol(protocol)  # raises IllegalMove
    require(policies.can_approve_protocol(by, protocol), "Only QA other than the author may approve this protocol.")
    target = protocol_sign_target(protocol)
    if not reviewed_this_round(target):
        raise ValidationFailed("The protocol must be reviewed by a second person before QA approves it.")
    signatures.sign(target, by, password=password, meaning=Meaning.APPROVED, comment=comment)
    workflow.approve_protocol(protocol)
    db.session.flush()


def withdraw_protocol(protocol: Protocol, by: User, *, reason: str) -> None:
    """The author or QA withdraws a protocol that was not executed; it is kept with the reason."""
    if protocol.status in (ProtocolStatus.EXECUTED, ProtocolStatus.WITHDRAWN):
        workflow.withdraw_protocol(protocol)  # raises IllegalMove
    require(policies.can_withdraw(by, protocol), "Only the author or QA may withdraw this protocol.")
    protocol.withdrawn_reason = clean_text(reason, "The reason")
    workflow.withdraw_protocol(protocol)
    db.session.flush()
    audit.record("protocol.withdrawn", protocol, reason=protocol.withdrawn_reason)


def start_execution(protocol: Protocol, by: User) -> None:
    """A tester starts executing an approved protocol."""
    require(by.has(Permission.VALIDATION_EXECUTE), "You may not execute protocols.")
    workflow.start_execution(protocol)
    db.session.flush()


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
