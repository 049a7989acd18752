"""Forms of the auth blueprint: shape only; rules live in services."""

from __future__ import annotations

from wtforms import BooleanField, EmailField, HiddenField, PasswordField, RadioField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from app.access import Role
from app.inputs import BaseForm

ROLE_CHOICES = [(role.value, role.value.capitalize() if role != Role.QA else "QA") for role in Role]


class LoginForm(BaseForm):
    username = StringField("Username", validators=[DataRequired(), Length(max=80)], render_kw={"autofocus": True})
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1000)])
    next = HiddenField()


class ChangePasswordForm(BaseForm):
    current_password = PasswordField("Current password", validators=[DataRequired()])
    new_password = PasswordField(
        "New password", validators=[DataRequired(), Length(max=1000)],
        description="At least 12 characters. A passphrase of several words works well.",
    )
    confirm = PasswordField("Repeat the new password", validators=[DataRequired(), EqualTo("new_password", "The two passwords differ.")])


class TaskMailForm(BaseForm):
    task_mail = RadioField("How should we tell you of your tasks?", validators=[DataRequired()])


class UserCreateForm(BaseForm):
    username = StringField("Username", validators=[DataRequired(), Length(max=80)])
    full_name = StringField("Full name", validators=[DataRequired(), Length(max=200)])
    email = EmailField("E-mail", validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)])
    roles = SelectMultipleField("Roles", choices=ROLE_CHOICES, validators=[DataRequired("Choose at least one role.")])
    password = PasswordField(
        "Temporary password", validators=[DataRequired(), Length(max=1000)],
        description="The user must change it at the first sign-in.",
    )


class UserEditForm(BaseForm):
    full_name = StringField("Full name", validators=[DataRequired(), Length(max=200)])
    email = EmailField("E-mail", validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)])
    roles = SelectMultipleField("Roles", choices=ROLE_CHOICES, validators=[DataRequired("Choose at least one role.")])
    version = HiddenField()


class ResetPasswordForm(BaseForm):
    password = PasswordField("New temporary password", validators=[DataRequired(), Length(max=1000)])


class ConfirmForm(BaseForm):
    """An empty form: its CSRF token is the confirmation of a POST action."""

    confirm = BooleanField("I confirm", validators=[Optional()])
