"""Domain exceptions: a broken rule, raised by services and shown to the user as it is.

app/error_pages.py turns them (and HTTP errors) into pages or JSON."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import TypeVar

Choice = TypeVar("Choice", bound=StrEnum)


class DomainError(Exception):
    """A rule of the domain was broken; the message is shown to the user as it is."""

    status_code = 400
    # True when the work done before the error must still be committed (a refused signature keeps
    # its failure count and audit event); the unit of work then commits instead of rolling back.
    keeps_changes = False
    # With keeps_changes: what to keep, done again after the rollback of everything else (a refused signature keeps
    # its failure count and audit event, never the record its service had begun); None keeps all the work.
    replay: Callable[[], None] | None = None

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationFailed(DomainError):
    status_code = 422


class PermissionDenied(DomainError):
    status_code = 403


class NotFound(DomainError):
    status_code = 404


class Conflict(DomainError):
    """The record changed since the form was loaded, or is frozen/immutable."""

    status_code = 409


class StaleEdit(Conflict):
    def __init__(self, message: str = "", *, changes: list[str] | None = None) -> None:
        super().__init__(
            message or "Someone else changed this record after you opened it. Your changes were not saved."
        )
        self.changes = changes or []


def one_of(kind: type[Choice], value: str, refusal: str) -> Choice:
    """The member of `kind` that `value` names; any other value is refused with `refusal` (a ValidationFailed)."""
    try:
        return kind(value)
    except ValueError as error:
        raise ValidationFailed(refusal) from error
