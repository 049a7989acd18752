"""The hazard list as a table: read in any column order, one problem per refused row, and written back the same."""

from __future__ import annotations

from app.inventory.risks.table import COLUMNS, HazardRow, parse, rows


def test_a_table_in_another_column_order_with_other_spacing_reads_the_same():
    table = [["soup items", "Hazard_ID", "HAZARD", "Risk controls", "Severity"],
             ["requests; urllib3", "HAZ-1", "Wrong dose sent to the pump", "RC-1: dose checked twice\nRC-2: alarm", "S4"]]
    parsed = parse(table)
    assert parsed.problems == []
    assert parsed.rows == [HazardRow(code="HAZ-1", hazard="Wrong dose sent to the pump", severity="S4",
                                     controls=(("RC-1", "dose checked twice"), ("RC-2", "alarm")),
                                     soup=("requests", "urllib3"))]


def test_each_refused_row_is_named_and_the_others_are_read():
    table = [list(COLUMNS),
             ["HAZ-1", "ok", "", "", "", "", "", ""],
             ["", "no id", "", "", "", "", "", ""],
             ["HAZ 2", "space in id", "", "", "", "", "", ""],
             ["haz-1", "duplicate", "", "", "", "", "", ""],
             ["HAZ-3", "", "", "", "", "", "", ""],
             ["HAZ-4", "bad control", "", "", "", "", "not a control line!", ""],
             ["HAZ-5", "long severity", "", "x" * 41, "", "", "", ""]]
    parsed = parse(table)
    assert [row.code for row in parsed.rows] == ["HAZ-1"]
    assert [problem.split(":")[0] for problem in parsed.problems] == ["Row 3", "Row 4", "Row 5", "Row 6", "Row 7", "Row 8"]
    assert "appears twice" in parsed.problems[2]


def test_a_table_without_the_id_and_hazard_columns_is_refused_whole():
    parsed = parse([["Name", "Description"], ["a", "b"]])
    assert parsed.rows == [] and "missing: Hazard ID, Hazard" in parsed.problems[0]


def test_written_rows_read_back_to_the_same_hazards():
    hazards = [HazardRow("HAZ-1", "Wrong dose", "Overdose", "S4", "P3", "P1", (("RC-1", "dose checked twice"),),
                         ("requests",)),
               HazardRow("HAZ-2", "Alarm missed", controls=(("RC-2", "second channel"),))]
    assert parse(rows(hazards)).rows == hazards
