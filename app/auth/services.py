"""Accounts: sign-in with lockout, password changes, and the admin operations on users."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import Flask, current_app
from sqlalchemy import func, select

from app.access import Role
from app.audit import queries as audit_queries
from app.audit import services as audit
from app.audit.models import AuditAction
from app.auth.models import TaskMail, User, new_alternative_id
from app.auth.passwords import hash_password, needs_rehash, policy_problems, user_words, verify_password
from app.db import utcnow
from app.errors import Conflict, DomainError, StaleEdit, ValidationFailed, one_of
from app.extensions import db

LOGIN_REFUSED = "Invalid username or password, or the account is locked or inactive."


class LoginRefused(DomainError):
    """Sign-in refused; the message never tells which part was wrong. The failure count and its audit event are kept."""

    keeps_changes = True


class WrongPassword(ValidationFailed):
    """The current password was wrong: nothing changes but the failure count and its audit event, which are kept."""

    keeps_changes = True


def find_user(username: str) -> User | None:
    """The user with this username (case-insensitive), or None."""
    return db.session.scalar(select(User).where(func.lower(User.username) == username.strip().lower()))


def is_locked(user: User) -> bool:
    """True while a lockout is running."""
    return user.locked_until is not None and user.locked_until > utcnow()


def register_failure(user: User) -> None:
    """Count a wrong password; the Nth consecutive failure locks the account for the configured time."""
    config = current_app.config
    user.failed_logins += 1
    audit.record("auth.login_failed", user, action=AuditAction.LOGIN_FAILED, failures=user.failed_logins)
    if user.failed_logins >= config["LOGIN_MAX_FAILURES"]:
        user.locked_until = utcnow() + timedelta(minutes=config["LOGIN_LOCKOUT_MINUTES"])
        user.failed_logins = 0
        audit.record("auth.lockout", user, action=AuditAction.LOCKOUT, until=user.locked_until)


@dataclass(frozen=True)
class CredentialCheck:
    """A password checked against a user's stored hash, before the sign-in is recorded: argon2 is the slow part of
    a sign-in, and done apart it never holds SQLite's write lock (other writers would wait for it)."""

    user_id: int | None
    checked_hash: str | None  # the stored hash the password was checked against (None: not checked)
    matched: bool
    new_hash: str | None = None  # the password hashed with the current settings, when the stored hash is outdated


def check_credentials(username: str, password: str) -> CredentialCheck:
    """Check a password against the user's stored hash (as long for an unknown, locked or inactive user); it only
    reads."""
    user = find_user(username)
    if user is None or is_locked(user) or not user.active:
        verify_password(None, password)
        return CredentialCheck(user.id if user else None, None, False)
    matched = verify_password(user.password_hash, password)
    new_hash = hash_password(password) if matched and needs_rehash(user.password_hash) else None
    return CredentialCheck(user.id, user.password_hash, matched, new_hash)


def authenticate(username: str, password: str, checked: CredentialCheck | None = None) -> User:
    """Check credentials, counting failures in the database; raise LoginRefused on any failure.

    `checked` is the outcome of check_credentials made just before (in a read-only transaction); when the user or
    their password changed since, the password is checked again here."""
    user = find_user(username)
    if user is None:
        if checked is None:
            verify_password(None, password)
        audit.record("auth.login_failed", action=AuditAction.LOGIN_FAILED, username=username[:80])
        raise LoginRefused(LOGIN_REFUSED)
    if is_locked(user) or not user.active:
        if checked is None:
            verify_password(None, password)
        audit.record(
            "auth.login_failed", user, action=AuditAction.LOGIN_FAILED,
            cause="locked" if is_locked(user) else "inactive",
        )
        raise LoginRefused(LOGIN_REFUSED)
    if checked is None or checked.user_id != user.id or checked.checked_hash != user.password_hash:
        checked = check_credentials(username, password)
    if not checked.matched:
        register_failure(user)
        raise LoginRefused(LOGIN_REFUSED)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = utcnow()
    if checked.new_hash:
        user.password_hash = checked.new_hash
    return user


def check_password_for_signature(user: User, password: str) -> bool:
    """Re-check the signer's password; a wrong one counts toward lockout like a failed login."""
    if is_locked(user) or not user.active:
        return False
    if verify_password(user.password_hash, password):
        user.failed_logins = 0
        return True
    register_failure(user)
    return False


def password_expired(user: User) -> bool:
    """True when the password is older than the configured maximum age (0 = never expires)."""
    max_age = current_app.config["PASSWORD_MAX_AGE_DAYS"]
    if user.must_change_password:
        return True
    return bool(max_age) and user.password_changed_at + timedelta(days=max_age) < utcnow()


def end_sessions(user: User) -> None:
    """Rotate the alternative id: every existing session cookie of the user stops working."""
    user.alternative_id = new_alternative_id()


def _check_policy(
    password: str, *, username: str, full_name: str = "", email: str = "", enforce_strength: bool = True
) -> None:
    """Refuse a new password that is too short, common, the username, or (zxcvbn) too easy to guess for this user."""
    config = current_app.config
    problems = policy_problems(
        password, min_length=config["PASSWORD_MIN_LENGTH"], username=username,
        min_score=config["PASSWORD_MIN_SCORE"] if enforce_strength else 0,
        user_inputs=user_words(username=username, full_name=full_name, email=email),
    )
    if problems:
        raise ValidationFailed(" ".join(problems))


def change_password(user: User, current_password: str, new_password: str) -> None:
    """The user changes their own password: the current one is checked, sessions end."""
    if not verify_password(user.password_hash, current_password):
        register_failure(user)
        raise WrongPassword("The current password is not correct.")
    if verify_password(user.password_hash, new_password):
        raise ValidationFailed("Choose a password different from the current one.")
    _check_policy(new_password, username=user.username, full_name=user.full_name, email=user.email)
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    user.must_change_password = False
    end_sessions(user)
    audit.record("auth.password_changed", user)


def set_task_mail(user: User, choice: str) -> None:
    """The user chooses how they hear of their tasks: each reminder, a daily digest of My tasks, or no e-mail."""
    user.task_mail = one_of(TaskMail, choice, "Choose one of the e-mail settings offered.").value


def create_user(
    *, username: str, full_name: str, email: str, roles: set[Role], password: str, must_change: bool = False,
    enforce_strength: bool = True,
) -> User:
    """A new account; usernames are unique forever (users are never deleted).

    `enforce_strength=False` skips only the zxcvbn estimate (length, common list and username still
    apply): the demo seed uses it for its documented demo password, and the seed is refused in production.
    """
    username = username.strip()
    if not username or find_user(username) is not None:
        raise Conflict(f"The username {username!r} is taken (usernames are never reused).")
    _check_policy(password, username=username, full_name=full_name, email=email, enforce_strength=enforce_strength)
    user = User(
        username=username,
        full_name=full_name.strip(),
        email=email.strip(),
        password_hash=hash_password(password),
        password_changed_at=utcnow(),
        must_change_password=must_change,
    )
    user.role_set = roles
    db.session.add(user)
    db.session.flush()
    return user


def set_roles(user: User, roles: set[Role]) -> None:
    """Replace the user's roles."""
    user.role_set = roles


def update_user(user: User, *, full_name: str, email: str, roles: set[Role], expected_version: str) -> None:
    """An admin edits the name, e-mail and roles of the version they saw; an older version is a stale edit."""
    if str(user.version) != expected_version:
        raise StaleEdit(changes=[f"{event.action} by {event.actor_name}" for event in audit.history("user", user.id, 3)])
    user.full_name = full_name
    user.email = email
    set_roles(user, roles)


def signed_in(user: User) -> None:
    """A sign-in is audited once the session is the user's (so the event is theirs)."""
    audit.record("auth.login", user, action=AuditAction.LOGIN)


def sign_out(user: User) -> None:
    """Signing out ends every session of the user and is audited."""
    end_sessions(user)
    audit.record("auth.logout", user, action=AuditAction.LOGOUT)


def deactivate(user: User, *, by: User | None = None) -> None:
    """Deactivate an account (never delete it); its sessions end at once."""
    if by is not None and by.id == user.id:
        raise ValidationFailed("You cannot deactivate your own account.")
    user.active = False
    end_sessions(user)


def reactivate(user: User) -> None:
    """Allow the account to sign in again and clear any lockout."""
    user.active = True
    user.locked_until = None
    user.failed_logins = 0


def reset_password(user: User, new_password: str) -> None:
    """An admin sets a temporary password; the user must change it at the next sign-in."""
    _check_policy(new_password, username=user.username, full_name=user.full_name, email=user.email)
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    user.must_change_password = True
    user.locked_until = None
    user.failed_logins = 0
    end_sessions(user)
    audit.record("auth.password_reset", user)


def actor_choices() -> list[tuple[int, str]]:
    """Every user as (id, "Full Name (username)"), by name, inactive ones marked: the audit log's actor filter."""
    users = db.session.execute(
        select(User.id, User.full_name, User.username, User.active).order_by(User.full_name, User.username)
    ).all()
    return [(row.id, f"{row.full_name} ({row.username})" + ("" if row.active else ", inactive")) for row in users]


def init_app(app: Flask) -> None:
    """Give the audit log (a lower layer) its actor filter's users."""
    audit_queries.provide_user_choices(app, actor_choices)
