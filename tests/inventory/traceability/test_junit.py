"""Reading JUnit XML: real reports of three runners, counted against the raw XML; unsafe and broken files refused."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from app.inventory.traceability import junit

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "junit"
REAL = ("pytest.xml", "jest-junit.xml", "go-junit-report.xml")


def raw_counts(path: Path) -> dict[str, int]:
    """Figures computed from the XML itself: test cases, and those with a failure/error or a skip element."""
    root = ET.parse(path).getroot()  # noqa: S314 - our own fixture files
    cases = list(root.iter("testcase"))
    failed = sum(1 for case in cases if case.find("failure") is not None or case.find("error") is not None)
    skipped = sum(1 for case in cases if case.find("skipped") is not None and case.find("failure") is None
                  and case.find("error") is None)
    return {"tests": len(cases), "failed": failed, "skipped": skipped, "passed": len(cases) - failed - skipped}


@pytest.mark.parametrize("name", REAL)
def test_real_reports_read_every_test_case_with_its_outcome(name):
    path = FIXTURES / name
    report = junit.parse(path.read_bytes(), name)
    expected = raw_counts(path)
    outcomes = [case.outcome for case in report.cases]
    assert len(report.cases) == expected["tests"] > 0
    assert outcomes.count(junit.PASSED) == expected["passed"]
    assert outcomes.count(junit.FAILED) + outcomes.count(junit.ERROR) == expected["failed"]
    assert outcomes.count(junit.SKIPPED) == expected["skipped"]
    assert report.timestamp is not None


def test_a_failure_keeps_its_message_and_a_pytest_case_its_class():
    report = junit.parse((FIXTURES / "pytest.xml").read_bytes())
    failing = next(case for case in report.cases if case.name == "test_always_fail")
    assert failing.outcome == junit.FAILED and failing.classname == "tests.test_lib"
    assert failing.message.startswith("assert False")


def test_requirements_property_of_a_case_and_of_its_suite_are_read():
    report = junit.parse(b"""<testsuites><testsuite name="s"><properties><property name="requirements"
        value="RC-3"/></properties><testcase name="t" file="tests/t.py"><properties><property name="requirements"
        value="SOUP-REQ-12"/></properties></testcase></testsuite></testsuites>""")
    assert report.cases[0].property_refs == "SOUP-REQ-12, RC-3"
    assert report.cases[0].file == "tests/t.py"


@pytest.mark.parametrize("content, why", [
    (b"<testsuite><testcase name='x'>", "not well-formed"),
    (b"", "not well-formed"),
    (b"<html><body/></html>", "root element is <html>"),
    (b'<?xml version="1.0"?><!DOCTYPE t [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
     b'<testsuite><testcase name="&x;"/></testsuite>', ""),
    (b'<?xml version="1.0"?><!DOCTYPE t [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
     b'<testsuite><testcase name="&b;"/></testsuite>', ""),
])
def test_broken_and_unsafe_files_are_refused_with_a_message(content, why):
    with pytest.raises(junit.JUnitError) as refused:
        junit.parse(content, "bad.xml")
    assert str(refused.value).startswith("bad.xml: ")
    assert why in str(refused.value)


@pytest.mark.parametrize("time", ["NaN", "-nan", "Infinity", "-1"])
def test_a_time_that_is_no_duration_is_zero(time):
    """NaN gave a 500 on SQLite (NOT NULL) and 'nan' on PostgreSQL's results page."""
    report = junit.parse(f'<testsuite name="s"><testcase name="t" time="{time}"/></testsuite>'.encode())
    assert [case.time for case in report.cases] == [0.0]


@pytest.mark.parametrize("stamp", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"])
def test_a_timestamp_past_the_calendar_in_utc_is_no_timestamp(stamp):
    """A 500 (OverflowError) on both databases."""
    report = junit.parse(f'<testsuite name="s" timestamp="{stamp}"><testcase name="t"/></testsuite>'.encode())
    assert report.timestamp is None and len(report.cases) == 1
