"""Periodic reviews: QA's signed decision to keep a released system validated, revalidate it or retire it."""

from __future__ import annotations

from datetime import date

from app.auth.models import User
from app.db import today, utcnow
from app.errors import Conflict, ValidationFailed
from app.extensions import db
from app.signatures import services as signatures
from app.signatures.models import Meaning
from app.signatures.services import SignTarget
from app.validation import policies, workflow
from app.validation.models import PeriodicReview, SoftwareSystem
from app.validation.rules import ReviewOutcome, SystemStatus
from app.validation.services.common import clean_text, one_of, require, verify_signer
from app.validation.services.protocols import new_protocol_version
from app.validation.services.systems import review_due_from


def perform_periodic_review(
    system: SoftwareSystem, by: User, *, outcome: str, summary: str, password: str, comment: str = "",
    data_location: str = "", retain_until: date | None = None,
) -> PeriodicReview:
    """QA signs a periodic review: remain validated (next date set), revalidate (new draft) or retire."""
    require(policies.can_perform_periodic_review(by), "Periodic reviews are decided by QA.")
    outcome = one_of(outcome, ReviewOutcome, "Outcome")
    if system.status != SystemStatus.RELEASED:
        raise Conflict("Only a released system is reviewed periodically.")
    if outcome == ReviewOutcome.RETIRE:
        data_location = clean_text(data_location, "Where the data stays after retirement")
        if retain_until is None:
            raise ValidationFailed("Until when the data is retained is required.")
        if retain_until < today():
            raise ValidationFailed("The retention date must not be in the past.")
    verify_signer(by, password)
    review = PeriodicReview(
        system_id=system.id, reviewer_id=by.id, reviewed_at=utcnow(), due_date=system.next_periodic_review,
        outcome=outcome, summary=clean_text(summary, "Summary of the review"),
    )
    if outcome == ReviewOutcome.REMAIN_VALIDATED:
        review.next_review = review_due_from(system, today())
        system.next_periodic_review = review.next_review
    elif outcome == ReviewOutcome.REVALIDATE:
        workflow.start_revalidation(system)
        system.next_periodic_review = None
    else:
        review.data_location = data_location
        review.retain_until = retain_until
        workflow.retire_system(system)
        system.retired_at = utcnow()
        system.retirement_data_location = review.data_location
        system.retain_until = retain_until
        system.next_periodic_review = None
    db.session.add(review)
    db.session.flush()
    if outcome == ReviewOutcome.REVALIDATE:
        review.protocol_id = new_protocol_version(system, by, "Revalidation decided by periodic review",
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
