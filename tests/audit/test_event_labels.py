"""What a reader of the audit trail sees as an event's "what" and a record's type: words of the product, not the
code's parts (an event name "auth.login" reads "Signed in", a record type "api_token" reads "API token")."""

from __future__ import annotations

import re
from pathlib import Path

from app.audit.display import event_label
from app.audit.models import record_types
from app.labels import label

APP = Path(__file__).resolve().parents[2] / "app"
RECORDED = re.compile(r'audit\.record(?:_changes)?\(\s*"([a-z_]+\.[a-z_]+)"')
# Words that print wrongly when a code is simply split: an acronym in lower case, or a module's name.
MISREAD = re.compile(r"\b(Api|Auth|Soup|Vex|Pdf|Otss|Sbom|Cve|Url|Reevaluation)\b")


def recorded_event_names() -> set[str]:
    return {name for path in APP.rglob("*.py") for name in RECORDED.findall(path.read_text(encoding="utf-8"))}


def test_every_event_the_app_records_reads_as_words_of_the_product(app):
    names = recorded_event_names()
    assert {"auth.login", "api_token.used", "release.vex_imported"} <= names  # the scan finds the app's events
    misread = {name: event_label(name, "") for name in names if MISREAD.search(event_label(name, ""))}
    assert misread == {}


def test_sign_in_events_say_what_happened():
    assert event_label("auth.login", "login") == "Signed in"
    assert event_label("auth.login_failed", "login_failed") == "Sign-in failed"
    assert event_label("auth.logout", "logout") == "Signed out"


def test_every_record_type_reads_as_words_of_the_product(app):
    misread = {name: label(name) for name in record_types() if MISREAD.search(label(name))}
    assert misread == {}
    assert label("api_token") == "API token" and label("evaluation_token") == "Supplier link"


def test_every_audited_field_reads_with_its_acronyms_in_capitals(app):
    from app.audit.display import _audited_classes
    from app.labels import field_label

    lower_acronym = re.compile(r"\b(soup|otss|url|pdf|sha\d*|part11|Soup|Otss|Url|Pdf|Sha\d*)\b")
    misread = {f"{name}.{column}": field_label(column) for name, cls in _audited_classes().items()
               for column in cls.__table__.columns.keys()  # noqa: SIM118 - the names, not the Column objects
               if lower_acronym.search(field_label(column))}
    assert misread == {}
    assert field_label("supplies_soup_class_b") == "Supplies SOUP of class B"
