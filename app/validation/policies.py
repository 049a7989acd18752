"""Who may do what to which validation record. Views use these to hide buttons; services to refuse."""

from __future__ import annotations

from collections.abc import Iterable

from app.access import Permission
from app.auth.models import User
from app.validation.models import Protocol
from app.validation.rules import ProtocolStatus, ReportStatus


def can_edit_protocol(user: User, protocol: Protocol) -> bool:
    """Engineers edit drafts only; anything else is signed and frozen."""
    return user.has(Permission.VALIDATION_EDIT) and protocol.status == ProtocolStatus.DRAFT


def can_submit(user: User, protocol: Protocol) -> bool:
    """Only the author sends a draft to review (and signs it as authored)."""
    return can_edit_protocol(user, protocol) and protocol.author_id == user.id


def can_review(user: User, protocol: Protocol) -> bool:
    """A reviewer is anyone with the review permission who is not the author."""
    return user.has(Permission.VALIDATION_REVIEW) and protocol.author_id != user.id


def can_approve_protocol(user: User, protocol: Protocol) -> bool:
    """QA approves, and never their own protocol."""
    return user.has(Permission.VALIDATION_APPROVE) and protocol.author_id != user.id


def can_justify_coverage(user: User, protocol: Protocol) -> bool:
    """A missing scripted test is justified by QA other than the author, while the protocol is a draft."""
    return (
        user.has(Permission.VALIDATION_APPROVE)
        and protocol.author_id != user.id
        and protocol.status == ProtocolStatus.DRAFT
    )


def can_execute(user: User, protocol: Protocol) -> bool:
    """Testers record results while the protocol is in execution."""
    return user.has(Permission.VALIDATION_EXECUTE) and protocol.status == ProtocolStatus.IN_EXECUTION


def can_withdraw(user: User, protocol: Protocol) -> bool:
    """The author or QA withdraws a protocol that has not been executed."""
    return protocol.status not in (ProtocolStatus.EXECUTED, ProtocolStatus.WITHDRAWN) and (
        (user.has(Permission.VALIDATION_EDIT) and protocol.author_id == user.id)
        or user.has(Permission.VALIDATION_APPROVE)
    )


def can_close_deviation(user: User) -> bool:
    """QA closes deviations, with a signature (never the engineer who executed the failed test: the service)."""
    return user.has(Permission.VALIDATION_APPROVE)


def can_edit_report(user: User, protocol: Protocol) -> bool:
    """The report is written by engineers once the protocol is executed and until it is approved."""
    return (
        user.has(Permission.VALIDATION_EDIT)
        and protocol.status == ProtocolStatus.EXECUTED
        and (protocol.report is None or protocol.report.status == ReportStatus.DRAFT)
    )


def can_approve_report(user: User, protocol: Protocol, tester_ids: Iterable[int]) -> bool:
    """QA approves the report, but not the protocol's author nor anyone who executed a test."""
    return (
        user.has(Permission.VALIDATION_APPROVE)
        and protocol.author_id != user.id
        and user.id not in set(tester_ids)
    )


def can_accept_change_without_revalidation(user: User) -> bool:
    """Deciding that a new version needs no testing at all is QA's call."""
    return user.has(Permission.VALIDATION_APPROVE)


def can_perform_periodic_review(user: User) -> bool:
    """Periodic reviews are decided and signed by QA."""
    return user.has(Permission.VALIDATION_APPROVE)
