"""Checks every validation service shares: the signer's password, permissions, stale edits, allowed values and
required text."""

from __future__ import annotations

from typing import Any

from app.audit import services as audit
from app.audit.models import AuditAction
from app.auth.models import User
from app.auth.services import check_password_for_signature
from app.errors import PermissionDenied, StaleEdit, ValidationFailed
from app.signatures.services import SignatureRefused


def verify_signer(by: User, password: str) -> None:
    """Check the signer's password before anything changes, so a refusal leaves only its audit trace."""
    if not check_password_for_signature(by, password):
        audit.record("signature.refused", by, action=AuditAction.LOGIN_FAILED)
        raise SignatureRefused("The password is not correct (or the account is locked). Nothing was signed.")


def require(condition: bool, message: str) -> None:
    """Refuse (403, with the message) unless the condition holds."""
    if not condition:
        raise PermissionDenied(message)


def check_version(record: Any, expected_version: int | None) -> None:
    """A form loaded from an older version of the record may not overwrite a newer one (409 with what changed)."""
    if expected_version is not None and record.version != expected_version:
        raise StaleEdit(changes=[f"{e.name or e.action} by {e.actor_name}" for e in audit.history(
            record.audit_type(), record.id, 3)])


def one_of(value: str, allowed: type, label: str) -> str:
    """The value when it is one of the allowed ones; otherwise refused with the list of them."""
    values = [str(member) for member in allowed]  # type: ignore[attr-defined]
    if value not in values:
        raise ValidationFailed(f"{label} must be one of: {', '.join(values)}.")
    return value


def clean_text(value: str | None, label: str, *, required: bool = True) -> str:
    """The text without surrounding blanks; a required one may not be empty."""
    value = (value or "").strip()
    if required and not value:
        raise ValidationFailed(f"{label} is required.")
    return value
