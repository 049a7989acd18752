"""Sign-in, sign-out, own password, and user administration."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from app.audit import services as audit
from app.audit.models import AuditAction
from app.auth import services
from app.auth.decorators import permission_required
from app.auth.forms import ChangePasswordForm, ConfirmForm, LoginForm, ResetPasswordForm, UserCreateForm, UserEditForm
from app.auth.models import User
from app.auth.permissions import Permission, Role
from app.errors import DomainError, StaleEdit
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
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.username.data or "", form.password.data or "")
        except services.LoginRefused as refused:
            db.session.commit()  # the failure count and its audit event must persist
            flash(str(refused), "error")
            return render_template("auth/login.html", form=form), 200
        session.clear()  # a new session at sign-in
        login_user(user)
        session["last_seen"] = services.utcnow().timestamp()
        audit.record("auth.login", user, action=AuditAction.LOGIN)
        db.session.commit()
        if services.password_expired(user):
            flash("Your password must be changed before you continue.", "warning")
            return redirect(url_for("auth.change_password"))
        return redirect(safe_next(form.next.data) or url_for("dashboard.index"))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Any:
    user = db.session.get(User, current_user.id)
    if user is not None:
        services.end_sessions(user)
        audit.record("auth.logout", user, action=AuditAction.LOGOUT)
        db.session.commit()
    logout_user()
    session.clear()
    flash("You have signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> Any:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data or "", form.new_password.data or "")
        except DomainError as error:
            db.session.commit()  # keep the failure count
            form.new_password.errors = [error.message]
        else:
            db.session.commit()
            login_user(current_user._get_current_object())  # the new alternative id: this browser stays signed in
            session["last_seen"] = services.utcnow().timestamp()
            flash("Your password was changed. Other sessions were signed out.", "success")
            return redirect(url_for("dashboard.index"))
    return render_template("auth/change_password.html", form=form)


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
    if form.validate_on_submit():
        try:
            user = services.create_user(
                username=form.username.data or "",
                full_name=form.full_name.data or "",
                email=form.email.data or "",
                roles={Role(value) for value in form.roles.data or []},
                password=form.password.data or "",
                must_change=True,
            )
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(f"User {user.username} created. They must change the password at first sign-in.", "success")
            return redirect(url_for("auth.users_detail", user_id=user.id))
    return render_template("auth/users_create.html", form=form)


def _user_or_404(user_id: int) -> User:
    return db.get_or_404(User, user_id)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@permission_required(Permission.USERS_MANAGE)
def users_detail(user_id: int) -> Any:
    user = _user_or_404(user_id)
    form = UserEditForm(obj=user if request.method == "GET" else None)
    if request.method == "GET":
        form.roles.data = sorted(role.value for role in user.role_set)
        form.version.data = str(user.version)
    if form.validate_on_submit():
        if str(user.version) != form.version.data:
            raise StaleEdit(changes=[f"{event.action} by {event.actor_name}" for event in audit.history("user", user.id, 3)])
        user.full_name = form.full_name.data or ""
        user.email = form.email.data or ""
        services.set_roles(user, {Role(value) for value in form.roles.data or []})
        db.session.commit()
        flash("User saved.", "success")
        return redirect(url_for("auth.users_detail", user_id=user.id))
    return render_template(
        "auth/users_detail.html", user=user, form=form, confirm=ConfirmForm(), reset_form=ResetPasswordForm(),
        history=audit.history("user", user.id),
    )


@bp.route("/users/<int:user_id>/deactivate", methods=["POST"])
@permission_required(Permission.USERS_MANAGE)
def users_deactivate(user_id: int) -> Any:
    user = _user_or_404(user_id)
    if ConfirmForm().validate_on_submit():
        try:
            services.deactivate(user, by=current_user)
        except DomainError as error:
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(f"{user.username} is deactivated; their sessions have ended.", "success")
    return redirect(url_for("auth.users_detail", user_id=user.id))


@bp.route("/users/<int:user_id>/reactivate", methods=["POST"])
@permission_required(Permission.USERS_MANAGE)
def users_reactivate(user_id: int) -> Any:
    user = _user_or_404(user_id)
    if ConfirmForm().validate_on_submit():
        services.reactivate(user)
        db.session.commit()
        flash(f"{user.username} can sign in again.", "success")
    return redirect(url_for("auth.users_detail", user_id=user.id))


@bp.route("/users/<int:user_id>/reset-password", methods=["POST"])
@permission_required(Permission.USERS_MANAGE)
def users_reset_password(user_id: int) -> Any:
    user = _user_or_404(user_id)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(user, form.password.data or "")
        except DomainError as error:
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(f"Temporary password set for {user.username}; they must change it at next sign-in.", "success")
    return redirect(url_for("auth.users_detail", user_id=user.id))
