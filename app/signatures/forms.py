"""The sign step form: password, meaning, comment."""

from __future__ import annotations

from typing import Any

from flask_login import current_user
from wtforms import Field, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from app.inputs import BaseForm
from app.signatures.models import Meaning
from app.signatures.session import username_needed


class SignerFields:
    """The user name a session's first signing asks for (21 CFR 11.200(a)(1)), for every form that signs."""

    username = StringField(
        "Your user name", validators=[Length(max=150)], render_kw={"autocomplete": "username"},
        description="Your first signature in a session is made with your user name and password, later ones with "
                    "your password (21 CFR 11.200(a)(1)).",
    )

    @property
    def username_needed(self) -> bool:
        """Whether this signing is the first of the session (the form then asks for the user name too)."""
        return username_needed()

    def validate_username(self, field: Field) -> None:
        """The first signing of a session names its signer: the signed-in user's own user name."""
        if not username_needed():
            return
        given = (field.data or "").strip()
        if not given:
            raise ValidationError("Enter your user name: your first signature in a session needs your user name "
                                  "and password.")
        if given.casefold() != str(current_user.username).casefold():
            raise ValidationError("This is not your user name. Nothing was signed.")


class SignatureForm(SignerFields, BaseForm):
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
