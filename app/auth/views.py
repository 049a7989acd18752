"""Sign-in, sign-out, own password, and user administration."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from app import unit_of_work
from app.access import Permission, Role, permission_required
from app.audit import services as audit
from app.auth import services
from app.auth.forms import (
    ChangePasswordForm,
    ConfirmForm,
    LoginForm,
    ResetPasswordForm,
    TaskMailForm,
    UserCreateForm,
    UserEditForm,
)
from app.auth.models import TASK_MAIL_CHOICES, User
from app.extensions import db
from app.pagination import paginate

bp = Blueprint("auth", __name__)


def safe_next(target: str | None) -> str | None:
    """Only a local path is a valid redirect target (no scheme, no host, no '//' or backslash tricks)."""
    if not target:
        return None
    target = target.strip()
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit() and (user := _checked_sign_in(form)) is not None:
        if services.password_expired(user):
            flash("Your password must be changed before you continue.", "warning")
            return redirect(url_for("auth.change_password"))
        return redirect(safe_next(form.next.data) or url_for("dashboard.index"))
    return render_template("auth/login.html", form=form)


def _checked_sign_in(form: LoginForm) -> User | None:
    """The password is checked (argon2, the slow part) in a read-only transaction, then the sign-in is recorded in
    a short write: on SQLite no other writer waits for the hashing."""
    username, password = form.username.data or "", form.password.data or ""
    checked = unit_of_work.run(lambda: services.check_credentials(username, password), reads_only=True).value
    return unit_of_work.run(lambda: _sign_in(form, checked)).value


def _sign_in(form: LoginForm, checked: services.CredentialCheck | None = None) -> User:
    """Record the attempt (a refusal keeps its failure count) and start a new session as the user."""
    user = services.authenticate(form.username.data or "", form.password.data or "", checked)
    session.clear()  # a new session at sign-in
    login_user(user)
    session["last_seen"] = session["signed_in_at"] = services.utcnow().timestamp()
    services.signed_in(user)
    return user


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Any:
    user = db.session.get(User, current_user.id)
    if user is not None:
        unit_of_work.run(lambda: services.sign_out(user))
    logout_user()
    session.clear()
    flash("You have signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> Any:
    form = ChangePasswordForm()
    if form.validate_on_submit() and unit_of_work.run(lambda: services.change_password(
        current_user, form.current_password.data or "", form.new_password.data or "",
    ), form.new_password).ok:
        login_user(current_user._get_current_object())  # the new alternative id: this browser stays signed in
        session["last_seen"] = services.utcnow().timestamp()
        flash("Your password was changed. Other sessions were signed out.", "success")
        return redirect(url_for("dashboard.index"))
    return render_template("auth/change_password.html", form=form)


@bp.route("/account/keepalive", methods=["POST"])
@login_required
def keepalive() -> Any:
    """"Stay signed in": the request itself restarts the inactivity timer (auth.hooks); nothing else happens."""
    return "", 204


@bp.route("/account/email", methods=["GET", "POST"])
@login_required
def task_mail() -> Any:
    form = TaskMailForm(task_mail=current_user.task_mail)
    form.task_mail.choices = list(TASK_MAIL_CHOICES)
    outcome = None
    if form.validate_on_submit():
        outcome = unit_of_work.run(lambda: services.set_task_mail(current_user, form.task_mail.data or ""),
                                   form.task_mail)
        if outcome.ok:
            flash("Your e-mail setting is saved.", "success")
            return redirect(url_for("auth.task_mail"))
    return render_template("auth/task_mail.html", form=form), unit_of_work.form_status(form, outcome)


@bp.route("/users")
@permission_required(Permission.USERS_MANAGE)
def users_list() -> Any:
    query = select(User).order_by(User.username)
    status = request.args.get("status", "")
    if status == "active":
        query = query.where(User.active.is_(True))
    elif status == "inactive":
        query = query.where(User.active.is_(False))
    page = paginate(query)
    return render_template("auth/users_list.html", page=page, status=status)


@bp.route("/users/new", methods=["GET", "POST"])
@permission_required(Permission.USERS_MANAGE)
def users_create() -> Any:
    form = UserCreateForm()
    outcome = None
    if form.validate_on_submit():
        outcome = unit_of_work.run(lambda: services.create_user(
            username=form.username.data or "",
            full_name=form.full_name.data or "",
            email=form.email.data or "",
            roles={Role(value) for value in form.roles.data or []},
            password=form.password.data or "",
            must_change=True,
        ))
        if (user := outcome.value) is not None:
            flash(f"User {user.username} created. They must change the password at first sign-in.", "success")
            return redirect(url_for("auth.users_detail", user_id=user.id))
    return render_template("auth/users_create.html", form=form), unit_of_work.form_status(form, outcome)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@permission_required(Permission.USERS_MANAGE)
def users_detail(user_id: int) -> Any:
    user = db.get_or_404(User, user_id)
    form = UserEditForm(obj=user if request.method == "GET" else None)
    if request.method == "GET":
        form.roles.data = sorted(role.value for role in user.role_set)
        form.version.data = str(user.version)
    if form.validate_on_submit() and unit_of_work.run(lambda: services.update_user(
        user, full_name=form.full_name.data or "", email=form.email.data or "",
        roles={Role(value) for value in form.roles.data or []}, expected_version=form.version.data or "",
    )).ok:
        flash("User saved.", "success")
        return redirect(url_for("auth.users_detail", user_id=user.id))
    return render_template(
        "auth/users_detail.html", user=user, form=form, confirm=ConfirmForm(), reset_form=ResetPasswordForm(),
        history=audit.history("user", user.id),
    )


@bp.route("/users/<int:user_id>/deactivate", methods=["POST"])
@permission_required(Permission.USERS_MANAGE)
def users_deactivate(user_id: int) -> Any:
    user = db.get_or_404(User, user_id)
    return _change_user(user, ConfirmForm(), lambda: services.deactivate(user, by=current_user),
                        f"{user.username} is deactivated; their sessions have ended.")


@bp.route("/users/<int:user_id>/reactivate", methods=["POST"])
@permission_required(Permission.USERS_MANAGE)
def users_reactivate(user_id: int) -> Any:
    user = db.get_or_404(User, user_id)
    return _change_user(user, ConfirmForm(), lambda: services.reactivate(user), f"{user.username} can sign in again.")


@bp.route("/users/<int:user_id>/reset-password", methods=["POST"])
@permission_required(Permission.USERS_MANAGE)
def users_reset_password(user_id: int) -> Any:
    user = db.get_or_404(User, user_id)
    form = ResetPasswordForm()
    return _change_user(user, form, lambda: services.reset_password(user, form.password.data or ""),
                        f"Temporary password set for {user.username}; they must change it at next sign-in.")


def _change_user(user: User, form: FlaskForm, action: Callable[[], object], done: str) -> Any:
    """An admin action on a user's page: a sent form runs one service call; back to the user either way."""
    if form.validate_on_submit() and unit_of_work.run(action).ok:
        flash(done, "success")
    return redirect(url_for("auth.users_detail", user_id=user.id))
