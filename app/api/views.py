"""The JSON API (/api/v1) for CI pipelines, and the admin pages of its tokens.

CSRF does not apply to the API: it is authenticated by a bearer header a browser never sends by itself.
The token admin pages are ordinary forms; the factory exempts the whole blueprint, so these
forms check their CSRF token themselves (FlaskForm with meta csrf on).
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import validate_csrf
from sqlalchemy import select
from wtforms import BooleanField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length
from wtforms.validators import ValidationError as WTFValidationError

from app import unit_of_work
from app.access import Permission, permission_required
from app.api import services
from app.api.models import ApiToken, TokenScope
from app.audit import services as audit
from app.db import row_id, write_intent
from app.errors import DomainError, NotFound, PermissionDenied
from app.extensions import db
from app.inputs import BaseForm
from app.inventory import services as inventory
from app.inventory.models import Product
from app.inventory.traceability import services as traceability

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf_exempt = True


class TokenForm(BaseForm):
    name = StringField("Name", validators=[DataRequired("Name the token."), Length(max=200)],
                       description="Where the token is used, e.g. 'CI pipeline of the pump firmware'.")
    products = SelectMultipleField("Products", coerce=row_id, choices=[],
                                   description="The existing products the token may import into.")
    may_create_products = BooleanField("May create products",
                                       description="The token may import into any product and create new ones.")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.products.choices = [(product.id, product.name) for product in
                                 db.session.scalars(select(Product).order_by(Product.name))]

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if valid and not self.products.data and not self.may_create_products.data:
            self.products.errors = [services.NO_PRODUCT_SCOPE]
            return False
        return valid


def _check_csrf() -> None:
    """The blueprint is CSRF-exempt for the API; the admin forms still need their token."""
    from flask import current_app

    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return
    try:
        validate_csrf(request.form.get("csrf_token", ""))
    except WTFValidationError:
        abort(400, "The CSRF token is missing or invalid.")


@bp.post("/products/<product_name>/releases/<version>/imports")
def imports_create(product_name: str, version: str) -> Any:
    """Import one or more files (multipart field 'file') into a release; answers the import summary."""
    token = services.authenticate(request.headers.get("Authorization"), TokenScope.INVENTORY_IMPORT)
    actor = audit.Actor(None, f"API token {token.prefix}… ({token.name})")
    g.audit_actor = actor  # a refusal (403, outside the block below) is recorded as access.denied by the token
    g.denied_permissions = (str(TokenScope.INVENTORY_IMPORT),)  # read only if the request is refused
    files = [inventory.UploadedFile(upload.filename or "upload", upload.read())
             for field in ("file", "files") for upload in request.files.getlist(field)]
    with audit.acting_as(actor):
        # Every broken rule is answered as JSON by app/errors.py, after the rollback; a product outside the
        # token's scope is a PermissionDenied (403, audited as access.denied).
        summary = unit_of_work.run(lambda: services.import_into(
            token, product_name, version, files, format=request.form.get("format") or None,
        ), pages=(DomainError,)).value
    # The keys keep the documented order (jsonify would sort them).
    return Response(json.dumps(summary), status=201, mimetype="application/json")


@bp.post("/products/<product_name>/releases/<version>/test-results")
def test_results_create(product_name: str, version: str) -> Any:
    """Import JUnit XML test results (multipart field 'file', several allowed; optional 'source', e.g. the CI job's
    URL) into a draft release of a product within the token's scope; answers the import summary."""
    token = services.authenticate(request.headers.get("Authorization"), TokenScope.INVENTORY_IMPORT)
    actor = audit.Actor(None, f"API token {token.prefix}… ({token.name})")
    g.audit_actor = actor
    g.denied_permissions = (str(TokenScope.INVENTORY_IMPORT),)
    files = [traceability.ResultFile(upload.filename or "junit.xml", upload.read())
             for field in ("file", "files") for upload in request.files.getlist(field)]
    with audit.acting_as(actor):
        summary = unit_of_work.run(lambda: services.import_test_results(
            token, product_name, version, files, source=request.form.get("source") or "",
        ), pages=(DomainError,)).value
    return Response(json.dumps(summary), status=201, mimetype="application/json")


@bp.get("/products/<product_name>/releases/<version>/readiness")
def readiness_show(product_name: str, version: str) -> Any:
    """The release readiness check of a release as JSON (ready, problems, counts); any token that may read the
    product (its import scope) may ask. Reads the release; writes only the token's use, so the request begins as a
    write (on SQLite, turning a read into a write fails at once when another writer committed meanwhile)."""
    write_intent.set(True)
    token = services.authenticate(request.headers.get("Authorization"), TokenScope.INVENTORY_IMPORT)
    actor = audit.Actor(None, f"API token {token.prefix}… ({token.name})")
    g.audit_actor = actor
    g.denied_permissions = (str(TokenScope.INVENTORY_IMPORT),)
    product = inventory.find_product(product_name)
    release = inventory.find_release(product, version) if product is not None else None
    if product is not None and not token.may_import_into(product):
        raise PermissionDenied(f"The API token may not read the product {product.name!r}.")
    if release is None:
        raise NotFound(f"There is no release {version!r} of {product_name!r}." if product is not None
                       else f"There is no product {product_name!r}.")
    body = {"product": release.product.name, "release": release.version, "status": release.status,
            **inventory.release_readiness(release).as_dict()}
    unit_of_work.commit()  # the token's use is recorded
    return Response(json.dumps(body), status=200, mimetype="application/json")


@bp.get("/tokens")
@permission_required(Permission.API_TOKENS_MANAGE)
def tokens_list() -> Any:
    return render_template("api/tokens_list.html", tokens=services.tokens(), form=TokenForm(), plain=None)


@bp.post("/tokens")
@permission_required(Permission.API_TOKENS_MANAGE)
def tokens_create() -> Any:
    _check_csrf()
    form = TokenForm(meta={"csrf": False})
    outcome = unit_of_work.run(lambda: services.create_token(
        form.name.data or "", by=current_user, products=form.products.data or (),
        may_create_products=bool(form.may_create_products.data)), form.products) if form.validate() else None
    if outcome is None or outcome.value is None:
        return render_template("api/tokens_list.html", tokens=services.tokens(), form=form, plain=None), \
            unit_of_work.form_status(form, outcome)
    token, plain = outcome.value
    flash(f"Token {token.name!r} created. Copy it now: it is shown only once.", "success")
    return render_template("api/tokens_list.html", tokens=services.tokens(), form=TokenForm(), plain=plain,
                           new_token=token)


@bp.post("/tokens/<int:token_id>/revoke")
@permission_required(Permission.API_TOKENS_MANAGE)
def tokens_revoke(token_id: int) -> Any:
    _check_csrf()
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise NotFound("There is no such token.")
    if unit_of_work.run(lambda: services.revoke_token(token, by=current_user)).ok:
        flash(f"Token {token.name!r} revoked.", "success")
    return redirect(url_for("api.tokens_list"))
