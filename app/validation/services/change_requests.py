"""Change requests: a new version of a released system, its signed impact assessment and the revalidation it starts."""

from __future__ import annotations

from sqlalchemy import select

from app.access import Permission
from app.auth.models import User
from app.db import utcnow
from app.errors import Conflict
from app.extensions import db
from app.signatures import services as signatures
from app.signatures.models import Meaning
from app.signatures.services import SignTarget
from app.validation import policies, workflow
from app.validation.models import ChangeRequest, Protocol, SoftwareSystem
from app.validation.rules import ChangeRequestStatus, Revalidation
from app.validation.services.common import clean_text, one_of, require, verify_signer
from app.validation.services.protocols import active_protocol, new_protocol_version


def open_change_request(system: SoftwareSystem, by: User, *, new_version: str, description: str) -> ChangeRequest:
    """A new version of a released system: the system enters change control."""
    require(by.has(Permission.VALIDATION_EDIT), "You may not open change requests.")
    if db.session.scalar(select(ChangeRequest.id).where(
            ChangeRequest.system_id == system.id, ChangeRequest.status != ChangeRequestStatus.CLOSED)):
        raise Conflict("This system already has an open change request.")
    workflow.start_change(system)
    change = ChangeRequest(
        system_id=system.id, new_version=clean_text(new_version, "New version"),
        description=clean_text(description, "Description of the change"), requested_by_id=by.id,
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
    revalidation = one_of(revalidation, Revalidation, "Revalidation")
    if revalidation == Revalidation.NONE:
        require(policies.can_accept_change_without_revalidation(by),
                "Only QA may decide that a new version needs no revalidation.")
    else:
        require(by.has(Permission.VALIDATION_EDIT), "You may not assess change requests.")
    if revalidation != Revalidation.NONE and active_protocol(change.system) is not None:
        raise Conflict("A protocol of this system is in progress; finish or withdraw it first.")
    verify_signer(by, password)
    change.impact_assessment = clean_text(impact_assessment, "Impact assessment")
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
        protocol = new_protocol_version(system, by, f"{change.code}: {revalidation} revalidation for {change.new_version}",
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
