"""The sign step form offers exactly the meaning an action signs with."""

from __future__ import annotations

from app.signatures.forms import signature_form
from app.signatures.models import Meaning


def test_a_signature_form_for_one_meaning_offers_only_that_meaning(app):
    with app.test_request_context():
        form = signature_form(Meaning.REVIEWED, prefix="review")
    assert form.meaning.choices == [("reviewed", "Reviewed")]
    assert form.meaning.name == "review-meaning"
