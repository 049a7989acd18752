"""API tokens: made by an admin, shown once, stored as a SHA-256 hash, scoped and revocable."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select

from app.access import Permission
from app.api.models import ApiToken, TokenScope
from app.audit import services as audit
from app.audit.models import AuditAction
from app.auth.models import User
from app.db import utcnow
from app.errors import Conflict, PermissionDenied, ValidationFailed
from app.extensions import db

TOKEN_PREFIX = "prov_"  # noqa: S105 - a public marker that makes leaked tokens easy to scan for


class InvalidToken(PermissionDenied):
    """No, an unknown, a revoked or a wrongly scoped bearer token."""

    status_code = 401


def hash_token(token: str) -> str:
    """Tokens carry 256 random bits, so a plain SHA-256 is a safe, fast lookup key."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(name: str, *, by: User, scope: str = TokenScope.INVENTORY_IMPORT) -> tuple[ApiToken, str]:
    """A new token for an admin; the plain token is returned once and never stored."""
    if not by.has(Permission.API_TOKENS_MANAGE):
        raise PermissionDenied("Only an administrator may make API tokens.")
    name = name.strip()
    if not name:
        raise ValidationFailed("Give the token a name that says where it is used (e.g. 'CI pump firmware').")
    if scope not in set(TokenScope):
        raise ValidationFailed(f"Unknown scope {scope!r}.")
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(name=name[:200], token_hash=hash_token(plain), prefix=plain[:12], scope=scope,
                     created_by_id=by.id)
    db.session.add(token)
    db.session.flush()
    return token, plain


def revoke_token(token: ApiToken, *, by: User) -> ApiToken:
    """Revoke a token for good; it stops working at once."""
    if not by.has(Permission.API_TOKENS_MANAGE):
        raise PermissionDenied("Only an administrator may revoke API tokens.")
    if token.revoked_at is not None:
        raise Conflict("This token is already revoked.")
    token.revoked_at = utcnow()
    token.revoked_by_id = by.id
    db.session.flush()
    return token


def authenticate(authorization: str | None, scope: str) -> ApiToken:
    """The active token of an 'Authorization: Bearer ...' header holding `scope`; records its use."""
    kind, _, value = (authorization or "").partition(" ")
    if kind.lower() != "bearer" or not value.strip():
        raise InvalidToken("Send an API token as 'Authorization: Bearer <token>'.")
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(value.strip())))
    if token is None or token.revoked_at is not None:
        raise InvalidToken("The API token is unknown or revoked.")
    if token.scope != scope:
        raise PermissionDenied(f"The API token is not allowed to do this (scope {token.scope}).")
    token.last_used_at = utcnow()
    audit.record("api_token.used", token, action=AuditAction.TOKEN_USED, scope=scope)
    return token


def tokens() -> list[ApiToken]:
    """Every token, newest first."""
    return list(db.session.scalars(select(ApiToken).order_by(ApiToken.id.desc())))
