"""A product's hazard list through its pages: add a hazard with controls and SOUP links, import and export it as CSV
and XLSX (read back with openpyxl), refuse bad files without storing anything, and count a linked class B SOUP item
as having its hazard references in the readiness check."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from app.access import Role
from app.extensions import db
from app.inventory import services as inventory
from app.inventory.models import Component
from app.inventory.risks.models import Hazard, RiskControl, SoupHazardLink
from app.spreadsheets import csv_bytes
from tests.inventory.gated import components_of, gated_release

HEADER = ["Hazard ID", "Hazard", "Harm", "Severity", "Probability before", "Probability after", "Risk controls",
          "SOUP items"]


@pytest.fixture
def product(app, make_user):
    engineer = make_user("erin", Role.ENGINEER)
    release = gated_release(engineer)  # Pump 1.0: flask 3.0.0 (class B SOUP) and click 8.1.7
    db.session.commit()
    return release.product


def _xlsx(rows: list[list[str]]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _import(client, product, name: str, data: bytes):
    return client.post(f"/products/{product.id}/hazards/import", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_hazard_added_with_its_controls_and_soup_shows_on_the_list_and_the_component(product, login_as):
    client = login_as(Role.ENGINEER)
    response = client.post(f"/products/{product.id}/hazards", data={
        "new-code": "HAZ-1", "new-hazard": "Wrong dose sent to the pump", "new-harm": "Overdose",
        "new-severity": "S4", "new-probability_before": "P3", "new-probability_after": "P1",
        "new-controls": "RC-1: dose checked twice before sending", "new-soup": "Flask"})
    assert response.status_code == 302
    page = client.get(f"/products/{product.id}/hazards").get_data(as_text=True)
    assert "HAZ-1" in page and "RC-1" in page and "<code>flask</code>" in page
    flask = db.session.scalar(select(Component).where(Component.name == "flask"))
    detail = client.get(f"/components/{flask.id}").get_data(as_text=True)
    assert ">HAZ-1</a>" in detail and "controls RC-1" in detail

    again = client.post(f"/products/{product.id}/hazards", data={"new-code": "HAZ-1", "new-hazard": "again"})
    assert again.status_code == 422 and "already has a hazard HAZ-1" in again.get_data(as_text=True)
    unknown = client.post(f"/products/{product.id}/hazards", data={
        "new-code": "HAZ-2", "new-hazard": "x", "new-soup": "left-pad"})
    assert unknown.status_code == 422 and "No release of Pump has these packages: left-pad" in unknown.get_data(as_text=True)
    assert _count(Hazard) == 1


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_imported_hazard_list_exports_to_the_same_rows(product, login_as, fmt):
    client = login_as(Role.QA)
    rows = [HEADER,
            ["HAZ-1", "Wrong dose", "Overdose", "S4", "P3", "P1", "RC-1: dose checked twice\nRC-2: alarm", "flask"],
            ["HAZ-2", "Alarm missed", "Delay", "S3", "P2", "P1", "RC-2", "click; flask"],
            ["HAZ-3", "Unknown SOUP", "", "", "", "", "", "left-pad"],
            ["", "no id", "", "", "", "", "", ""]]
    data = csv_bytes(rows) if fmt == "csv" else _xlsx(rows)
    response = _import(client, product, f"hazards.{fmt}", data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "3 added, 0 changed, 0 unchanged; 2 new risk control(s), 3 new SOUP link(s)" in page
    assert "HAZ-3: left-pad" in page and "Row 5: no Hazard ID." in page

    exported = client.get(f"/products/{product.id}/hazards.{fmt}")
    assert exported.status_code == 200
    if fmt == "csv":
        from app.spreadsheets import read_table
        table = read_table("x.csv", exported.data)
    else:
        sheet = load_workbook(io.BytesIO(exported.data)).active
        table = [["" if value is None else str(value) for value in row] for row in sheet.iter_rows(values_only=True)]
    assert table[0] == HEADER
    assert table[1] == ["HAZ-1", "Wrong dose", "Overdose", "S4", "P3", "P1", "RC-1: dose checked twice\nRC-2: alarm", "flask"]
    assert table[2][6:] == ["RC-2: alarm", "click; flask"]

    again = _import(client, product, f"again.{fmt}", exported.data)
    assert "0 added, 0 changed, 3 unchanged" in again.get_data(as_text=True)
    assert (_count(Hazard), _count(RiskControl), _count(SoupHazardLink)) == (3, 2, 3)


def _bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (60 * 1024 * 1024))
    return buffer.getvalue()


@pytest.mark.parametrize(("name", "data", "message"), [
    ("hazards.csv", "Hazard ID;Hazard\nHAZ-1;Dosis".encode("latin-1") + b"\xe9", "not UTF-8 text"),
    ("hazards.xlsx", b"not a workbook", "named .xlsx but is not an XLSX workbook"),
    ("hazards.xlsx", _bomb(), "unpacks to more than 50 MB"),
    ("hazards.csv", b"Name,Description\na,b\n", "missing: Hazard ID, Hazard"),
    ("hazards.csv", b"", "The file is empty."),
])
def test_a_file_that_cannot_be_read_is_refused_with_its_reason_and_nothing_is_stored(product, login_as, name, data, message):
    response = _import(login_as(Role.ENGINEER), product, name, data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True), re.sub(r"\s+", " ", response.get_data(as_text=True))[-3000:]
    assert _count(Hazard) == 0


def test_an_auditor_reads_the_list_but_cannot_change_it(product, login_as):
    auditor = login_as(Role.AUDITOR)
    hazard = Hazard(product_id=product.id, code="HAZ-9", hazard="x")
    db.session.add(hazard)
    db.session.commit()
    assert auditor.get(f"/hazards/{hazard.id}").status_code == 200
    assert auditor.post(f"/hazards/{hazard.id}", data={"hazard": "changed"}).status_code == 403
    db.session.refresh(hazard)
    assert hazard.hazard == "x"


def test_a_class_b_soup_item_linked_to_a_hazard_has_its_hazard_references(app, make_user, login_as):
    engineer = make_user("erin", Role.ENGINEER)
    release = gated_release(engineer, breaking="requirements_hazards")
    flask = components_of(release)["flask"]
    flask.hazard_refs = ""
    db.session.commit()
    assert any(p.rule == "requirements_hazards" and "hazard references" in p.message
               for p in inventory.release_readiness(release).problems)
    client = login_as(Role.QA)
    _import(client, release.product, "h.csv", csv_bytes([HEADER, ["HAZ-1", "Wrong dose", "", "", "", "", "", "flask"]]))
    assert not any("hazard references" in p.message for p in inventory.release_readiness(release).problems)
