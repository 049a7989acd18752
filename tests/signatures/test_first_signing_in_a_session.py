"""21 CFR 11.200(a)(1): the first signing of a continuous session is made with the user name and the password;
later signings in the same session with the password; a new sign-in starts a new session."""

from __future__ import annotations

from sqlalchemy import func, select

from app.access import Role
from app.extensions import db
from app.signatures.models import Signature
from app.suppliers.models import Supplier
from tests.helpers import PASSWORD, login
from tests.suppliers.factories import make_supplier


def suspend(client, supplier_id: int, **signing_fields):
    return client.post(f"/suppliers/{supplier_id}/status",
                       data={"action": "suspend", "reason": "Unannounced change", **signing_fields})


def signatures() -> int:
    return db.session.scalar(select(func.count(Signature.id))) or 0


def test_the_first_signing_asks_for_the_user_name_and_refuses_a_missing_or_foreign_one(login_as, make_user):
    make_user("other", Role.QA)
    supplier = make_supplier("S-1", "Suspect", status="approved")
    db.session.commit()
    client = login_as(Role.QA, username="quinn")
    assert 'autocomplete="username"' in client.get(f"/suppliers/{supplier.id}").get_data(as_text=True)

    missing = suspend(client, supplier.id, password=PASSWORD)
    assert missing.status_code == 422 and "Enter your user name" in missing.get_data(as_text=True)
    foreign = suspend(client, supplier.id, username="other", password=PASSWORD)
    assert foreign.status_code == 422 and "This is not your user name" in foreign.get_data(as_text=True)
    assert signatures() == 0 and db.session.get(Supplier, supplier.id).status == "approved"

    signed = suspend(client, supplier.id, username="QUINN", password=PASSWORD)  # user names ignore case
    assert signed.status_code == 302 and signatures() == 1


def test_later_signings_in_the_session_need_the_password_only_until_the_next_sign_in(login_as):
    first, second, third = (make_supplier(f"S-{n}", f"Supplier {n}", status="approved") for n in (1, 2, 3))
    db.session.commit()
    client = login_as(Role.QA, username="quinn")
    assert suspend(client, first.id, username="quinn", password=PASSWORD).status_code == 302

    page = client.get(f"/suppliers/{second.id}").get_data(as_text=True)
    assert 'autocomplete="username"' not in page  # only the password is asked now
    assert suspend(client, second.id, password=PASSWORD).status_code == 302
    assert signatures() == 2

    client.post("/logout")
    assert login(client, "quinn").status_code == 302
    again = suspend(client, third.id, password=PASSWORD)
    assert again.status_code == 422 and "Enter your user name" in again.get_data(as_text=True)
    assert signatures() == 2


def test_a_refused_first_signing_does_not_count_as_the_first(login_as):
    first, second = (make_supplier(f"S-{n}", f"Supplier {n}", status="approved") for n in (1, 2))
    db.session.commit()
    client = login_as(Role.QA, username="quinn")
    assert suspend(client, first.id, username="quinn", password="wrong").status_code == 422
    assert suspend(client, second.id, password=PASSWORD).status_code == 422
    assert signatures() == 0
