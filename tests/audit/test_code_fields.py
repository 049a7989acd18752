"""The rule behind the audit trail's display (app/audit/display.py): which fields hold codes, and how a value reads
by what its field holds; the tables of code fields name real columns and events."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from app.audit.display import CODE_COLUMNS, DETAIL_CODES, NESTED_CODE_KEYS, CodeFields, _audited_classes
from app.labels import label

APP = Path(__file__).resolve().parents[2] / "app"


def test_how_a_value_reads_by_what_its_field_holds(app):
    fields = CodeFields.of_models(_audited_classes())
    text = fields.text
    assert (text("qa"), text("qa", holds_codes=True)) == ("qa", "QA")
    assert text("qa,admin", holds_codes=True) == "QA, Admin" and text("qa,admin") == "qa,admin"
    assert text("a_code_nobody_defined", holds_codes=True) == "a_code_nobody_defined"  # unknown: as recorded
    assert (text(None), text(""), text(True), text(False), text(3), text("86.9")) == ("", "", "Yes", "No", "3", "86.9")
    assert text("2026-12-02T08:52:28.900284") == "2026-12-02 08:52 UTC"
    assert text("2026-12-02T08:52:28.900284", is_text=True) == "2026-12-02T08:52:28.900284"  # a text column
    assert text("2026-12-02") == "2026-12-02"
    assert text(["critical", "none"], holds_codes=True) == "Critical, None"
    assert text({"status": "approved", "q": "approved", "answer_type": "yes_no"}) == (
        "Status: Approved; Q: approved; Answer type: Yes/no")
    assert fields.column_holds_codes("supplier", "status") and not fields.column_holds_codes("supplier", "name")
    assert fields.column_holds_codes("deviation", "disposition") and fields.column_holds_codes("user", "roles")
    assert not fields.column_holds_codes("user", "username")


def test_the_tables_of_code_fields_name_real_columns_and_recorded_events(app):
    classes = _audited_classes()
    for record_type, columns in CODE_COLUMNS.items():
        assert record_type in classes, record_type
        assert columns <= set(classes[record_type].__table__.columns.keys()), (record_type, columns)
    source = "\n".join(path.read_text(encoding="utf-8") for path in APP.rglob("*.py"))
    for name in DETAIL_CODES:
        assert f'"{name}"' in source, name
    for key in NESTED_CODE_KEYS:
        assert f'"{key}"' in source, key


def test_within_one_code_set_every_label_is_distinct_so_a_label_names_its_code(app):
    def enums(cls: type[StrEnum]) -> list[type[StrEnum]]:
        return [found for sub in cls.__subclasses__() for found in (sub, *enums(sub))]

    for code_set in enums(StrEnum):
        if code_set.__module__.startswith("app."):
            labels = [label(member) for member in code_set]
            assert len(set(labels)) == len(labels), code_set
