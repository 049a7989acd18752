"""The audit log finds a record's events by the code or reference users see (SUP-020, EV-2026-..., a document
number such as SOUP-INF-4.2.0): the code is looked up once in the domain that owns it (a unique or indexed column),
then the log filters on the trail's indexed (record type, record id) and reads by keyset, never searching the
trail's text."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from app.access import Role
from app.audit import queries
from app.audit import services as audit
from app.audit.models import AuditEvent
from app.documents.models import GeneratedDocument
from app.extensions import db
from app.suppliers.models import Supplier
from tests.audit.test_audit_log import shown_ids
from tests.helpers import captured_sql
from tests.questionnaires.factories import make_supplier, started


def suppliers(*codes: str) -> list[Supplier]:
    made = [Supplier(code=code, name=f"Supplier {code}") for code in codes]
    db.session.add_all(made)
    db.session.commit()
    return made


def events_of(entity_type: str, entity_id: object) -> set[int]:
    return set(db.session.scalars(select(AuditEvent.id).where(
        AuditEvent.entity_type == entity_type, AuditEvent.entity_id == str(entity_id))))


def test_a_supplier_code_in_any_case_finds_the_suppliers_events_only(login_as):
    client = login_as(Role.AUDITOR)
    wanted, other = suppliers("SUP-020", "SUP-021")
    wanted.name = "Renamed Ltd"
    db.session.commit()
    with captured_sql() as statements:
        html = client.get("/audit/?record=sup-020").get_data(as_text=True)
    assert set(shown_ids(html)) == events_of("supplier", wanted.id) and len(shown_ids(html)) == 2
    assert f"SUP-020 is supplier #{wanted.id}" in html.replace("sup-020", "SUP-020")
    lookups = [s for s in statements if "from suppliers" in s]
    assert len(lookups) == 1 and " like " not in lookups[0] and " limit " in lookups[0]
    trail = [s for s in statements if "from audit_events" in s]
    assert trail and all("entity_type" in s and "entity_id" in s and " limit " in s for s in trail)
    assert not [s for s in trail if " like " in s or "count(" in s or "entity_label" in s.split(" where ")[-1]]
    assert other.id != wanted.id


def test_an_evaluation_reference_finds_the_evaluation(app, make_user):
    evaluation = started(make_user("pat", Role.PURCHASING), make_supplier())
    db.session.commit()
    assert queries.resolve_code(evaluation.reference.lower()) == ("evaluation", str(evaluation.id))
    assert queries.AuditFilters(record=evaluation.reference).resolved().entity_id == str(evaluation.id)


def test_a_document_number_finds_the_record_the_document_was_made_from(login_as):
    client = login_as(Role.AUDITOR)
    db.session.add(GeneratedDocument(
        doc_type="soup_list", number="SOUP-INF-4.2.0", revision=1, title="SOUP list", source_type="release",
        source_id="7", content_hash="0" * 64, template_name="default", template_version="1", filename="soup.docx",
        sha256="0" * 64, size=1, data=b"x"))
    db.session.commit()
    with audit.acting_as(audit.Actor(None, "system")):
        audit.record("release.frozen", entity_type="release", entity_id="7")
        audit.record("release.frozen", entity_type="release", entity_id="8")
    db.session.commit()
    html = client.get("/audit/?record=soup-inf-4.2.0").get_data(as_text=True)
    assert set(shown_ids(html)) == events_of("release", 7) and shown_ids(html)


def test_an_unknown_code_says_so_and_shows_no_events(login_as):
    client = login_as(Role.AUDITOR)
    suppliers("SUP-001")
    response = client.get("/audit/?record=SUP-999")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and shown_ids(html) == []
    assert "No record has the code or reference “SUP-999”." in html


def test_the_csv_export_follows_the_record_code(login_as):
    client = login_as(Role.AUDITOR)
    wanted, _other = suppliers("SUP-030", "SUP-031")
    response = client.get("/audit/export.csv?record=SUP-030")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert {int(row["id"]) for row in rows} == events_of("supplier", wanted.id)
    exported = db.session.scalar(select(AuditEvent).where(AuditEvent.name == "audit.exported"))
    assert exported.details["filters"] == {"record": "SUP-030"}


def test_the_record_picker_suggests_records_by_the_start_of_their_code_reference_number_or_name(login_as, make_user):
    client = login_as(Role.AUDITOR)
    suppliers("SUP-020", "SUP-021", "OSS-PALLETS")
    evaluation = started(make_user("pat", Role.PURCHASING), make_supplier(code="ACME", name="Acme Software"))
    db.session.add(GeneratedDocument(
        doc_type="soup_list", number="SOUP-INF-4.2.0", revision=1, title="SOUP list", source_type="release",
        source_id="7", content_hash="0" * 64, template_name="default", template_version="1", filename="soup.docx",
        sha256="0" * 64, size=1, data=b"x"))
    db.session.commit()

    def suggested(text: str) -> list[str]:
        return [code for code, _label in queries.suggest_records(text)]

    assert suggested("sup-02") == ["SUP-020", "SUP-021"]
    assert suggested("Supplier OSS") == ["OSS-PALLETS"]  # by the start of the name, any case
    assert suggested("acme") == ["ACME"]
    assert suggested(evaluation.reference[:8].lower()) == [evaluation.reference]
    assert suggested("soup-inf") == ["SOUP-INF-4.2.0"]
    assert suggested("s") == [] and suggested("%_") == []  # two characters at least; LIKE wildcards are text
    options = client.get("/audit/records?record=SUP-02").get_data(as_text=True)
    assert options.count("<option") == 2 and 'value="SUP-020"' in options and "(supplier)" in options
