"""Security test finding: a NUL byte gave a 500 on PostgreSQL (login, supplier name, supplier search, audit
filter); on SQLite it was stored and /suppliers/export.xlsx then failed for everyone. Text is refused at the
form and API boundary with a clear message; the XLSX export drops what an older row still holds."""

from __future__ import annotations

import io
import pkgutil
from importlib import import_module

import pytest
from flask_wtf import FlaskForm
from openpyxl import load_workbook
from sqlalchemy import func, select, update

import app as app_package
from app.access import Role
from app.extensions import db
from app.inputs import BaseForm, has_control_characters
from app.suppliers.models import Supplier
from tests.suppliers.factories import make_supplier

SUPPLIER = {"code": "SUP-100", "name": "Acme\x00 Ltd", "kind": "open_source_project", "manual_criticality": ""}


def test_a_nul_in_the_login_user_name_is_refused_with_a_message(client, make_user):
    make_user("alice", Role.QA)
    response = client.post("/login", data={"username": "alice\x00", "password": "whatever"})
    assert response.status_code == 200
    assert "control characters" in response.get_data(as_text=True)


def test_a_nul_in_a_new_supplier_name_is_refused_and_nothing_is_stored(login_as):
    client = login_as(Role.PURCHASING)
    response = client.post("/suppliers/new", data=SUPPLIER)
    assert response.status_code == 422
    assert "control characters" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Supplier)) == 0


def test_a_nul_in_an_edited_supplier_name_is_refused(login_as):
    supplier = make_supplier("SUP-1", "Old name")
    db.session.commit()
    client = login_as(Role.QA)
    form = {**SUPPLIER, "code": "SUP-1", "version": supplier.version}
    response = client.post(f"/suppliers/{supplier.id}/edit", data=form)
    assert response.status_code == 422 and "control characters" in response.get_data(as_text=True)
    assert db.session.get(Supplier, supplier.id).name == "Old name"


def test_multi_line_text_keeps_tabs_and_new_lines(login_as):
    client = login_as(Role.PURCHASING)
    response = client.post("/suppliers/new", data={**SUPPLIER, "name": "Acme", "scope": "line 1\r\n\tline 2"})
    assert response.status_code == 302
    assert db.session.scalars(select(Supplier)).one().scope == "line 1\r\n\tline 2"


@pytest.mark.parametrize("url", [
    "/suppliers/?q=Acme%00", "/audit/?actor=x%00", "/audit/?entity_id=%00", "/audit/export.csv?actor=%00",
    "/suppliers/export.csv?q=%01",
])
def test_a_control_character_in_a_filter_is_answered_400_with_a_message(login_as, url):
    response = login_as(Role.QA).get(url)
    assert response.status_code == 400
    assert "control characters" in response.get_data(as_text=True)


def test_a_control_character_in_the_api_path_is_answered_400(client):
    response = client.post("/api/v1/products/pump%00/releases/1.0/imports")
    assert response.status_code == 400 and "control characters" in response.get_json()["message"]


def test_the_xlsx_export_survives_control_characters_already_stored(login_as):
    supplier = make_supplier("SUP-1", "Old name")
    db.session.commit()
    # What older rows may hold: SQLite kept NUL bytes; PostgreSQL refuses NUL but keeps other control characters.
    stored = "Acme\x00\x0b Ltd" if db.engine.dialect.name == "sqlite" else "Acme\x01\x0b Ltd"
    db.session.execute(update(Supplier).where(Supplier.id == supplier.id).values(name=stored))
    db.session.commit()
    response = login_as(Role.QA).get("/suppliers/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert "Acme Ltd" in [cell.value for row in sheet.iter_rows() for cell in row]


def test_every_form_derives_from_the_base_form():
    for module in pkgutil.walk_packages(app_package.__path__, "app."):
        if module.name.endswith(("forms", "views")):
            import_module(module.name)
    forms = set()
    stack = list(FlaskForm.__subclasses__())
    while stack:
        form = stack.pop()
        forms.add(form)
        stack.extend(form.__subclasses__())
    app_forms = {form for form in forms if form.__module__.startswith("app.") and form is not BaseForm}
    assert app_forms
    assert not {f"{form.__module__}.{form.__name__}" for form in app_forms if not issubclass(form, BaseForm)}


@pytest.mark.parametrize(("text", "multiline", "refused"), [
    ("plain", False, False), ("tab\there", False, True), ("tab\there", True, False), ("a\r\nb", True, False),
    ("nul\x00", True, True), ("del\x7f", True, True), ("c1\x85", True, True), ("bell\x07", True, True),
])
def test_control_character_rule(text, multiline, refused):
    assert has_control_characters(text, multiline=multiline) is refused
