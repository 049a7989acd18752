"""Near-duplicate supplier names are found among the neighbours of a name's key in an index: the supplier page and
each creation read a bounded number of rows whatever the size of the register (they used to read every name)."""

from __future__ import annotations

from sqlalchemy import func, insert, select

from app.access import Role
from app.extensions import db
from app.suppliers import services
from app.suppliers.models import Supplier
from app.suppliers.services.register import NEAR_DUPLICATE_NEIGHBOURS
from tests.helpers import captured_sql


def add_register(count: int) -> None:
    """`count` suppliers inserted in bulk (Core), named like a generated register."""
    db.session.execute(insert(Supplier), [
        {"code": f"G-{n:06d}", "name": f"Generated supplier {n:06d} GmbH", "kind": "commercial_vendor",
         "status": "approved", "criticality": "minor", "version": 1}
        for n in range(count)
    ])
    db.session.commit()


def test_every_supplier_carries_the_key_of_its_name_on_orm_and_bulk_inserts_and_after_a_rename(make_user):
    add_register(2)
    assert db.session.scalars(select(Supplier.name_key).order_by(Supplier.id)).all() == [
        "generated supplier 000000", "generated supplier 000001"]
    supplier = Supplier(code="ATL", name="Atlassian Pty Ltd")
    db.session.add(supplier)
    db.session.commit()
    assert supplier.name_key == "atlassian"
    supplier.name = "The Atlassian Corporation"
    db.session.commit()
    assert db.session.scalar(select(Supplier.name_key).where(Supplier.code == "ATL")) == "atlassian"


def test_a_near_duplicate_is_found_in_a_large_register_with_a_bounded_read(make_user):
    add_register(3 * NEAR_DUPLICATE_NEIGHBOURS)
    db.session.add_all([Supplier(code="ATL", name="Atlassian Pty Ltd"), Supplier(code="ACM", name="Acme Medical")])
    db.session.commit()
    with captured_sql() as statements:
        found = services.near_duplicates("ATLASSIAN")
        also = services.near_duplicates("Acme")  # a key another one starts with
        typo = services.near_duplicates("Generated supplier 000123 AG", exclude_id=None)
    assert [s.code for s in found] == ["ATL"] and [s.code for s in also] == ["ACM"]
    assert "G-000123" in {s.code for s in typo}
    reads = [sql for sql in statements if "from suppliers where" in sql and "id in" not in sql]
    assert reads and all("limit" in sql for sql in reads)  # neighbours only, never the whole register


def test_the_supplier_page_costs_the_same_with_a_small_and_a_large_register(login_as):
    client = login_as(Role.QA)
    db.session.add(Supplier(code="ATL", name="Atlassian Pty Ltd"))
    db.session.commit()
    supplier_id = db.session.scalar(select(Supplier.id).where(Supplier.code == "ATL"))

    def statements_of_page() -> int:
        with captured_sql() as statements:
            assert client.get(f"/suppliers/{supplier_id}").status_code == 200
        return len(statements)

    small = statements_of_page()
    add_register(2 * NEAR_DUPLICATE_NEIGHBOURS)
    assert db.session.scalar(select(func.count(Supplier.id))) > 2 * NEAR_DUPLICATE_NEIGHBOURS
    assert statements_of_page() == small
