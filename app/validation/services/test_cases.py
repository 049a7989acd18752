"""Test cases and steps of a draft protocol, and QA's signed justification where a high-risk function has no scripted
test."""

from __future__ import annotations

from app.auth.models import User
from app.db import utcnow
from app.errors import Conflict, ValidationFailed
from app.extensions import db
from app.signatures import services as signatures
from app.signatures.models import Meaning
from app.signatures.services import SignTarget
from app.validation import policies
from app.validation.models import CoverageJustification, Function, Protocol, TestCase, TestStep
from app.validation.rules import ProcessRisk, TestMethod
from app.validation.services.common import check_version, clean_text, one_of, require, verify_signer
from app.validation.services.protocols import require_editable


def _require_live(case: TestCase) -> None:
    """A retired test case is kept as it was."""
    if case.retired_at is not None:
        raise Conflict("This test case was retired and is kept as it was.")


def function_of(protocol: Protocol, function_id: int | None) -> int | None:
    """The id of a function of the protocol's own system (None stays None); any other function is refused."""
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
    require_editable(protocol, by)
    case = TestCase(
        order=max((c.order for c in protocol.test_cases), default=0) + 1,
        method=one_of(method, TestMethod, "Method"), objective=clean_text(objective, "Objective"),
        function_id=function_of(protocol, function_id), expected_result=clean_text(expected_result, "", required=False),
    )
    protocol.test_cases.append(case)
    db.session.flush()
    return case


def update_test_case(
    case: TestCase, by: User, *, method: str, objective: str, function_id: int | None, expected_result: str,
    expected_version: int | None = None,
) -> None:
    """Edit a test case of a draft protocol."""
    require_editable(case.protocol, by)
    _require_live(case)
    check_version(case, expected_version)
    case.method = one_of(method, TestMethod, "Method")
    if case.method != TestMethod.SCRIPTED and case.steps:
        raise ValidationFailed("Remove the steps before making this test case unscripted.")
    case.objective = clean_text(objective, "Objective")
    case.function_id = function_of(case.protocol, function_id)
    case.expected_result = clean_text(expected_result, "", required=False)
    db.session.flush()


def delete_test_case(case: TestCase, by: User) -> None:
    """Remove a test case from a draft (the audit trail keeps what it was)."""
    require_editable(case.protocol, by)
    protocol = case.protocol
    protocol.test_cases.remove(case)
    for number, remaining in enumerate(protocol.test_cases, start=1):
        remaining.order = number
    db.session.flush()


def retire_test_case(case: TestCase, by: User) -> None:
    """Retire a test case of a draft: it stays on record (with its steps) but leaves the protocol; the rest renumber."""
    protocol = case.protocol
    require_editable(protocol, by)
    if case.retired_at is not None:
        raise Conflict("This test case is already retired.")
    case.retired_at = utcnow()
    for number, remaining in enumerate((c for c in protocol.test_cases if c is not case), start=1):
        remaining.order = number
    db.session.flush()
    db.session.expire(protocol, ["test_cases", "retired_test_cases"])


def add_step(case: TestCase, by: User, *, action: str, expected_result: str) -> TestStep:
    """Append a step with its expected result to a scripted test case of a draft protocol."""
    require_editable(case.protocol, by)
    _require_live(case)
    if case.method != TestMethod.SCRIPTED:
        raise ValidationFailed("Only scripted test cases have steps; unscripted tests record one result.")
    step = TestStep(
        order=max((s.order for s in case.steps), default=0) + 1,
        action=clean_text(action, "Action"), expected_result=clean_text(expected_result, "Expected result"),
    )
    case.steps.append(step)
    db.session.flush()
    return step


def update_step(step: TestStep, by: User, *, action: str, expected_result: str,
                expected_version: int | None = None) -> None:
    """Edit a step's action and expected result in a draft protocol."""
    require_editable(step.test_case.protocol, by)
    _require_live(step.test_case)
    check_version(step, expected_version)
    step.action = clean_text(action, "Action")
    step.expected_result = clean_text(expected_result, "Expected result")
    db.session.flush()


def delete_step(step: TestStep, by: User) -> None:
    """Remove a step of a draft protocol's test case and renumber the rest."""
    case = step.test_case
    require_editable(case.protocol, by)
    case.steps.remove(step)
    for number, remaining in enumerate(case.steps, start=1):
        remaining.order = number
    db.session.flush()


def justify_coverage(
    protocol: Protocol, function_id: int, by: User, *, text: str, password: str, comment: str = "",
) -> CoverageJustification:
    """QA signs why a high-risk function needs no scripted test case in this draft."""
    require(policies.can_justify_coverage(by, protocol),
            "Only QA other than the author may justify a missing scripted test, and only on a draft.")
    function = db.session.get(Function, function_of(protocol, function_id))
    if function is None or function.process_risk != ProcessRisk.HIGH:
        raise ValidationFailed("Only a high-risk function needs a justification.")
    if any(j.function_id == function.id for j in protocol.justifications):
        raise Conflict("This function already has a justification in this protocol.")
    verify_signer(by, password)
    justification = CoverageJustification(
        function_id=function.id, text=clean_text(text, "Justification"), justified_by_id=by.id,
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


def parse_steps(text: str) -> list[tuple[str, str]]:
    """Steps written one per line as "action | expected result"; blank lines are skipped, a line without both is refused."""
    steps = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        action, bar, expected = line.partition("|")
        if not bar or not action.strip() or not expected.strip():
            raise ValidationFailed(f"Line {number}: write the action, then \"|\", then the expected result.")
        steps.append((action.strip(), expected.strip()))
    if not steps:
        raise ValidationFailed("Write at least one step: action | expected result.")
    return steps


def add_steps(case: TestCase, by: User, text: str) -> list[TestStep]:
    """Append several steps at once, one per line as "action | expected result"; none is added if a line is wrong."""
    return [add_step(case, by, action=action, expected_result=expected) for action, expected in parse_steps(text)]


def _swap(items: list[TestCase] | list[TestStep], index: int, offset: int) -> None:
    """Move one item of a numbered list up (-1) or down (+1), then renumber the list from 1."""
    other = index + offset
    if offset not in (-1, 1):
        raise ValidationFailed("Move up or down by one place.")
    if not 0 <= other < len(items):
        raise Conflict("It is already at that end of the list.")
    ordered: list[TestCase | TestStep] = list(items)
    ordered[index], ordered[other] = ordered[other], ordered[index]
    for number, item in enumerate(ordered, start=1):
        item.order = number


def move_test_case(case: TestCase, by: User, offset: int) -> None:
    """Move a test case of a draft protocol one place up (-1) or down (+1); the codes TC-n follow the new order."""
    protocol = case.protocol
    require_editable(protocol, by)
    _require_live(case)
    _swap(protocol.test_cases, protocol.test_cases.index(case), offset)
    db.session.flush()
    db.session.expire(protocol, ["test_cases"])


def move_step(step: TestStep, by: User, offset: int) -> None:
    """Move a step of a draft protocol's test case one place up (-1) or down (+1)."""
    case = step.test_case
    require_editable(case.protocol, by)
    _require_live(case)
    _swap(case.steps, case.steps.index(step), offset)
    db.session.flush()
    db.session.expire(case, ["steps"])
