"""The two state machines of validation: a protocol's life and a system's status.

Each move is one function; an illegal move raises IllegalMove and changes nothing. Services call
these after checking the rules that span records (coverage, signatures, deviations)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.errors import Conflict
from app.validation.rules import ProtocolStatus, SystemStatus

if TYPE_CHECKING:
    from app.validation.models import Protocol, SoftwareSystem


class IllegalMove(Conflict):
    """A state change the state machine does not allow from the current state."""


P = ProtocolStatus
PROTOCOL_MOVES: dict[ProtocolStatus, frozenset[ProtocolStatus]] = {
    P.DRAFT: frozenset({P.IN_REVIEW, P.WITHDRAWN}),
    P.IN_REVIEW: frozenset({P.DRAFT, P.APPROVED, P.WITHDRAWN}),
    P.APPROVED: frozenset({P.IN_EXECUTION, P.WITHDRAWN}),
    P.IN_EXECUTION: frozenset({P.EXECUTED, P.WITHDRAWN}),
    P.EXECUTED: frozenset(),
    P.WITHDRAWN: frozenset(),
}

def can_move(table: dict[ProtocolStatus, frozenset[ProtocolStatus]], current: str, target: str) -> bool:
    """True when the table allows current -> target."""
    return target in table.get(current, frozenset())  # type: ignore[call-overload]


def _move_protocol(protocol: Protocol, target: ProtocolStatus) -> None:
    if not can_move(PROTOCOL_MOVES, protocol.status, target):
        raise IllegalMove(
            f"A protocol cannot go from {protocol.status.replace('_', ' ')} to {target.replace('_', ' ')}."
        )
    protocol.status = target


def submit_for_review(protocol: Protocol) -> None:
    """The author hands a draft to review."""
    _move_protocol(protocol, P.IN_REVIEW)


def return_to_draft(protocol: Protocol) -> None:
    """A reviewer or approver sends a protocol in review back to its author."""
    _move_protocol(protocol, P.DRAFT)


def approve_protocol(protocol: Protocol) -> None:
    """QA approves a protocol in review; it becomes immutable."""
    _move_protocol(protocol, P.APPROVED)


def start_execution(protocol: Protocol) -> None:
    """A tester starts executing an approved protocol."""
    _move_protocol(protocol, P.IN_EXECUTION)


def complete_execution(protocol: Protocol) -> None:
    """Execution ends; the report can be written and approved."""
    _move_protocol(protocol, P.EXECUTED)


def withdraw_protocol(protocol: Protocol) -> None:
    """Any protocol not yet executed can be withdrawn (kept, never deleted)."""
    _move_protocol(protocol, P.WITHDRAWN)


# The one function for each target state.
PROTOCOL_MOVE_FUNCTIONS = {
    P.IN_REVIEW: submit_for_review,
    P.DRAFT: return_to_draft,
    P.APPROVED: approve_protocol,
    P.IN_EXECUTION: start_execution,
    P.EXECUTED: complete_execution,
    P.WITHDRAWN: withdraw_protocol,
}


S = SystemStatus
# Each named move of a system: the states it may start from and the state it leads to.
SYSTEM_MOVES: dict[str, tuple[frozenset[SystemStatus], SystemStatus]] = {
    "start_validation": (frozenset({S.PLANNED}), S.VALIDATION_IN_PROGRESS),
    "release_system": (frozenset({S.VALIDATION_IN_PROGRESS, S.CHANGE_IN_PROGRESS}), S.RELEASED),
    "start_change": (frozenset({S.RELEASED}), S.CHANGE_IN_PROGRESS),
    "start_revalidation": (frozenset({S.RELEASED}), S.VALIDATION_IN_PROGRESS),
    "retire_system": (
        frozenset({S.PLANNED, S.VALIDATION_IN_PROGRESS, S.RELEASED, S.CHANGE_IN_PROGRESS}), S.RETIRED,
    ),
}


def _move_system(system: SoftwareSystem, move: str) -> None:
    sources, target = SYSTEM_MOVES[move]
    if system.status not in sources:
        raise IllegalMove(
            f"A system cannot go from {system.status.replace('_', ' ')} to {target.replace('_', ' ')}."
        )
    system.status = target


def start_validation(system: SoftwareSystem) -> None:
    """A planned system enters its first validation."""
    _move_system(system, "start_validation")


def release_system(system: SoftwareSystem) -> None:
    """An approved report releases a system under validation or change."""
    _move_system(system, "release_system")


def start_change(system: SoftwareSystem) -> None:
    """A change request on a released system (a new version) starts change control."""
    _move_system(system, "start_change")


def start_revalidation(system: SoftwareSystem) -> None:
    """A periodic review decided the released system must be validated again."""
    _move_system(system, "start_revalidation")


def retire_system(system: SoftwareSystem) -> None:
    """The system is taken out of use (final)."""
    _move_system(system, "retire_system")


SYSTEM_MOVE_FUNCTIONS = {
    "start_validation": start_validation,
    "release_system": release_system,
    "start_change": start_change,
    "start_revalidation": start_revalidation,
    "retire_system": retire_system,
}
