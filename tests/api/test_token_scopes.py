"""API tokens are bound to products: a token imports only into its products unless it may create products."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.access import Role
from app.api.models import ApiToken
from app.api.services import NO_PRODUCT_SCOPE, create_token
from app.audit.models import AuditEvent
from app.errors import ValidationFailed
from app.extensions import db
from app.inventory import services as inventory
from app.inventory.models import Product
from tests.inventory.test_import_channels import api_import, stored_components, table_counts

CONTENT = b"flask==3.0.0\n"


@pytest.fixture
def products(app) -> dict[str, Product]:
    found = {name: inventory.ensure_release(name, "0.9").product for name in ("A", "B")}
    db.session.commit()
    return found


@pytest.fixture
def admin(make_user):
    return make_user("ada", Role.ADMIN)


def _token(admin, **scope) -> str:
    _token, plain = create_token("CI", by=admin, **scope)
    db.session.commit()
    return plain


def denials() -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.name == "access.denied")))


def test_a_token_scoped_to_a_product_imports_into_it(app, client, admin, products) -> None:
    plain = _token(admin, products=[products["A"].id])
    first = api_import(client, plain, "A", "1.0", "requirements.txt", CONTENT)
    assert first.status_code == 201, first.json
    assert first.json["product"] == "A" and stored_components("A", "1.0") == 1
    assert api_import(client, plain, "a", "1.0", "requirements.txt", CONTENT).status_code == 201  # names ignore case


@pytest.mark.parametrize("product", ["B", "C"])
def test_a_token_scoped_to_a_product_is_refused_elsewhere_writes_nothing_and_is_audited(
        app, client, admin, products, product: str) -> None:
    plain = _token(admin, products=[products["A"].id])
    before = table_counts()
    response = api_import(client, plain, product, "1.0", "requirements.txt", CONTENT)
    assert response.status_code == 403
    assert response.mimetype == "application/json"
    message = response.json["message"]
    assert f"'{product}'" in message and "'A'" in message
    assert ("may not create the product" if product == "C" else "may not import into the product") in message
    db.session.remove()
    assert db.session.scalar(select(func.count(Product.id)).where(Product.name == "C")) == 0
    assert stored_components(product, "1.0") == 0
    events = denials()
    assert len(events) == 1
    assert events[0].actor_name.startswith("API token prov_")
    assert events[0].reason == message
    assert events[0].details["path"] == f"/api/v1/products/{product}/releases/1.0/imports"
    assert events[0].details["permission"] == "inventory.import"
    # Nothing else was written: no product, release, import, component, nor a token_used event.
    assert table_counts()[:-1] == before[:-1] and table_counts()[-1] == before[-1] + 1
    assert db.session.scalar(select(ApiToken.last_used_at)) is None


def test_a_token_that_may_create_products_creates_one(app, client, admin, products) -> None:
    plain = _token(admin, may_create_products=True)
    response = api_import(client, plain, "C", "1.0", "requirements.txt", CONTENT)
    assert response.status_code == 201, response.json
    assert stored_components("C", "1.0") == 1
    assert api_import(client, plain, "B", "1.0", "requirements.txt", CONTENT).status_code == 201


def test_a_token_without_product_scope_is_refused_by_the_service(app, admin, products) -> None:
    with pytest.raises(ValidationFailed, match="Choose the products"):
        create_token("CI", by=admin)
    with pytest.raises(ValidationFailed, match="does not exist"):
        create_token("CI", by=admin, products=[products["B"].id + 100])


def test_the_form_refuses_a_token_without_scope(app, login_as, products) -> None:
    client = login_as(Role.ADMIN)
    response = client.post("/api/v1/tokens", data={"name": "CI pump"})
    assert response.status_code == 422
    assert NO_PRODUCT_SCOPE in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ApiToken.id))) == 0


def test_the_form_makes_a_scoped_token_and_the_list_shows_its_scope(app, login_as, products) -> None:
    client = login_as(Role.ADMIN)
    page = client.get("/api/v1/tokens").get_data(as_text=True)
    assert f'value="{products["A"].id}"' in page and "May create products" in page
    response = client.post("/api/v1/tokens", data={"name": "CI pump", "products": [str(products["A"].id),
                                                                                      str(products["B"].id)]})
    assert response.status_code == 200
    token = db.session.scalars(select(ApiToken)).one()
    assert [product.name for product in token.products] == ["A", "B"] and not token.may_create_products
    scoped = db.session.scalars(select(AuditEvent).where(AuditEvent.name == "api_token.scoped")).one()
    assert scoped.details == {"products": ["A", "B"], "may_create_products": False}
    client.post("/api/v1/tokens", data={"name": "CI any", "may_create_products": "y"})
    page = client.get("/api/v1/tokens").get_data(as_text=True)
    assert '<span class="badge">A</span> <span class="badge">B</span>' in page
    assert '<span class="badge">any product (may create)</span>' in page
    assert "unrestricted (created before scopes)" not in page


def test_tokens_made_before_scopes_are_flagged_on_the_list(app, login_as, admin) -> None:
    _token(admin, may_create_products=True)
    token = db.session.scalars(select(ApiToken)).one()
    token.created_before_scopes = True  # as migration 0009 marks the tokens that existed before it
    db.session.commit()
    page = login_as(Role.ADMIN).get("/api/v1/tokens").get_data(as_text=True)
    assert "unrestricted (created before scopes)" in page


def test_a_deleted_product_leaves_its_tokens_without_it(app, client, admin, products) -> None:
    plain = _token(admin, products=[products["A"].id])
    db.session.delete(db.session.get(Product, products["A"].id).releases[0])
    db.session.delete(db.session.get(Product, products["A"].id))
    db.session.commit()
    response = api_import(client, plain, "A", "1.0", "requirements.txt", CONTENT)
    assert response.status_code == 403 and "no product" in response.json["message"]
