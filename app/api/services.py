"""API tokens: made by an admin, shown once, stored as a SHA-256 hash, scoped and revocable."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select

from app.access import Permission
from app.api.models import ApiToken, TokenScope
from app.audit import services as audit
from app.audit.models import AuditAction
from app.auth.models import User
from app.db import utcnow
from app.errors import Conflict, PermissionDenied, ValidationFailed
from app.extensions import db
from app.inventory import services as inventory
from app.inventory.models import ImportChannel, Product
from app.inventory.traceability import services as traceability

TOKEN_PREFIX = "prov_"  # noqa: S105 - a public marker that makes leaked tokens easy to scan for


class InvalidToken(PermissionDenied):
    """No, an unknown, a revoked or a wrongly scoped bearer token."""

    status_code = 401


def hash_token(token: str) -> str:
    """Tokens carry 256 random bits, so a plain SHA-256 is a safe, fast lookup key."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


NO_PRODUCT_SCOPE = ("Choose the products the token may import into, or let it create products "
                    "(then it may import into any product).")


def create_token(name: str, *, by: User, products: Iterable[int] = (), may_create_products: bool = False,
                 scope: str = TokenScope.INVENTORY_IMPORT) -> tuple[ApiToken, str]:
    """A new token for an admin, bound to the products with ids `products` or allowed to create products;
    the plain token is returned once and never stored."""
    if not by.has(Permission.API_TOKENS_MANAGE):
        raise PermissionDenied("Only an administrator may make API tokens.")
    name = name.strip()
    if not name:
        raise ValidationFailed("Give the token a name that says where it is used (e.g. 'CI pump firmware').")
    if scope not in set(TokenScope):
        raise ValidationFailed(f"Unknown scope {scope!r}.")
    product_ids = set(products)
    chosen = list(db.session.scalars(select(Product).where(Product.id.in_(product_ids)))) if product_ids else []
    if len(chosen) != len(product_ids):
        raise ValidationFailed("One of the chosen products does not exist (any more). Reload the page and choose again.")
    if not chosen and not may_create_products:
        raise ValidationFailed(NO_PRODUCT_SCOPE)
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(name=name[:200], token_hash=hash_token(plain), prefix=plain[:12], scope=scope,
                     may_create_products=may_create_products, products=[] if may_create_products else chosen,
                     created_by_id=by.id)
    db.session.add(token)
    db.session.flush()
    # The product scope lives in a link table the field-level audit does not see: record it with the token.
    audit.record("api_token.scoped", token, products=[product.name for product in token.products],
                 may_create_products=token.may_create_products)
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


def import_into(token: ApiToken, product_name: str, version: str, files: Sequence[inventory.UploadedFile], *,
                format: str | None = None) -> dict[str, Any]:
    """Import files through the API, within the token's product scope (see inventory.import_into)."""
    product = inventory.find_product(product_name)
    if not token.may_import_into(product):
        name = product.name if product is not None else product_name.strip()
        if product is None:
            raise PermissionDenied(f"The API token may not create the product {name!r}: it may import only into "
                                   f"{_names(token)}.")
        raise PermissionDenied(f"The API token may not import into the product {name!r}: it may import only into "
                               f"{_names(token)}.")
    return inventory.import_into(product_name, version, files, format=format, channel=ImportChannel.API)


def import_test_results(token: ApiToken, product_name: str, version: str,
                        files: Sequence[traceability.ResultFile], *, source: str = "") -> dict[str, Any]:
    """Import JUnit test results through the API into an existing release of a product in the token's scope."""
    product = inventory.find_product(product_name)
    if product is not None and not token.may_import_into(product):
        raise PermissionDenied(f"The API token may not import into the product {product.name!r}: it may import only "
                               f"into {_names(token)}.")
    release = inventory.named_release(product_name, version)
    return traceability.import_results(release, files, by=None, source=source or "api",
                                       channel=ImportChannel.API).as_dict()


def _names(token: ApiToken) -> str:
    return ", ".join(repr(product.name) for product in token.products) or "no product (its products were deleted)"


def tokens() -> list[ApiToken]:
    """Every token, newest first."""
    return list(db.session.scalars(select(ApiToken).order_by(ApiToken.id.desc())))
