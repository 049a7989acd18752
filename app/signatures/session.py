"""21 CFR 11.200(a)(1): the first signing of a continuous session is made with both components (user name and
password), each later one with the password. The session (cleared at every sign-in) remembers the first."""

from __future__ import annotations

from flask import has_request_context, session
from flask_login import current_user

from app.auth.models import User

_SIGNED_AS = "signed_in_this_session_as"


def username_needed() -> bool:
    """Whether the signed-in user has not signed yet in this session (so the next signing asks for the user name)."""
    if not has_request_context() or not current_user.is_authenticated:
        return False
    return bool(session.get(_SIGNED_AS) != current_user.get_id())


def mark_signed(signer: User) -> None:
    """Remember that the signer signed in this session: later signings need the password only."""
    if has_request_context() and current_user.is_authenticated and current_user.get_id() == signer.get_id():
        session[_SIGNED_AS] = signer.get_id()
