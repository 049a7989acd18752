"""The sign step form: password, meaning, comment."""

from __future__ import annotations

from typing import Any

from wtforms import PasswordField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.inputs import BaseForm
from app.signatures.models import Meaning


class SignatureForm(BaseForm):
    """Embedded in every approval; views limit `meaning.choices` to what the step allows."""

    meaning = SelectField("Meaning of this signature", choices=[(m, m.capitalize()) for m in Meaning.ALL])
    password = PasswordField(
        "Your password", validators=[DataRequired("Enter your password to sign.")],
        description="Signing is the legally binding equivalent of your handwritten signature.",
    )
    comment = TextAreaField("Comment", validators=[Length(max=2000)])


def signature_form(meaning: str, **kwargs: Any) -> SignatureForm:
    """A sign step for exactly one meaning (the usual case: a step's meaning is fixed by the action)."""
    form = SignatureForm(**kwargs)
    form.meaning.choices = [(meaning, meaning.capitalize())]
    return form
