"""Reading JUnit XML (pytest, Jest, Maven Surefire, Go, JUnit 5 all write it) into plain test cases.

Pure: bytes in, dataclasses out. Parsed by junitparser over lxml with a hardened parser: no DTD is loaded, no
entity resolved, no network reached, and a document with a DOCTYPE is refused outright (XXE and entity expansion
bombs need one). Size is bounded by the caller before parsing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime

from junitparser import Error, Failure, JUnitXml, JUnitXmlError, Skipped, TestSuite
from lxml import etree

PASSED, FAILED, ERROR, SKIPPED = "passed", "failed", "error", "skipped"
OUTCOMES = (PASSED, FAILED, ERROR, SKIPPED)
MESSAGE_MAX = 4000  # characters of a failure's message and text kept per test case
REQUIREMENTS_PROPERTY = "requirements"  # <property name="requirements" value="SOUP-REQ-12, RC-3"/>


class JUnitError(ValueError):
    """The file is not a JUnit XML report we accept; the message says why, for the person who sent it."""


@dataclass(slots=True)
class ParsedCase:
    """One test case as the report gives it."""

    name: str
    classname: str = ""
    file: str = ""
    time: float = 0.0
    outcome: str = PASSED
    message: str = ""
    suite: str = ""
    property_refs: str = ""  # the raw value of its (or its suite's) "requirements" property


@dataclass(frozen=True)
class ParsedReport:
    """Every test case of one file, and the run's timestamp when a suite gives one."""

    cases: list[ParsedCase] = field(default_factory=list)
    timestamp: datetime | None = None


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=False, remove_comments=True)


def parse(content: bytes, filename: str = "report.xml") -> ParsedReport:
    """The test cases of a JUnit XML document; a malformed or unsafe one raises JUnitError."""
    try:
        root = etree.fromstring(content, _parser())
    except etree.XMLSyntaxError as error:
        raise JUnitError(f"{filename}: not well-formed XML ({error.msg}).") from error
    if root is None:
        raise JUnitError(f"{filename}: the file is empty.")
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise JUnitError(f"{filename}: a DOCTYPE (DTD or entity declaration) is not accepted in a test report.")
    if root.tag not in ("testsuites", "testsuite"):
        raise JUnitError(f"{filename}: the root element is <{root.tag}>, not <testsuites> or <testsuite>.")
    try:
        report = JUnitXml.fromroot(root)
    except JUnitXmlError as error:
        raise JUnitError(f"{filename}: {error}") from error
    cases: list[ParsedCase] = []
    stamps: list[datetime] = []
    for suite in _suites(report):
        stamp = _timestamp(suite._elem.get("timestamp"))
        if stamp is not None:
            stamps.append(stamp)
        suite_refs = _property(suite._elem)
        suite_name = suite._elem.get("name") or ""
        for elem in suite._elem.iterchildren("testcase"):
            cases.append(_case(elem, suite_name, suite_refs))
    return ParsedReport(cases=cases, timestamp=min(stamps) if stamps else None)


def _suites(report: JUnitXml) -> list[TestSuite]:
    """Every <testsuite>, nested ones included (Surefire and JUnit 5 nest them)."""
    return [TestSuite.fromelem(elem) for elem in report._elem.iter("testsuite")]


def _property(elem: etree._Element) -> str:
    values = [prop.get("value") or prop.text or "" for props in elem.iterchildren("properties")
              for prop in props.iterchildren("property") if prop.get("name") == REQUIREMENTS_PROPERTY]
    return ", ".join(value for value in values if value)


_RESULTS = {Failure._tag: FAILED, Error._tag: ERROR, Skipped._tag: SKIPPED}


def _case(elem: etree._Element, suite: str, suite_refs: str) -> ParsedCase:
    outcome, message, own = PASSED, "", ""
    for child in elem:
        tag = child.tag
        if tag == "properties":
            own = _property(elem)
        elif tag in _RESULTS and outcome in (PASSED, SKIPPED):  # a failure or error outweighs a skip (pytest's xfail)
            outcome = _RESULTS[tag]
            text = (child.text or "").strip()
            head = child.get("message") or ""
            message = (f"{head}\n{text}" if head and text and text != head else head or text)[:MESSAGE_MAX]
    try:
        time = float(elem.get("time") or 0)
    except ValueError:
        time = 0.0
    if not math.isfinite(time) or time < 0:
        time = 0.0  # NaN, infinity or a negative duration is no duration
    refs = f"{own}, {suite_refs}" if own and suite_refs else own or suite_refs
    return ParsedCase(name=(elem.get("name") or "")[:1000], classname=(elem.get("classname") or "")[:500],
                      file=(elem.get("file") or "")[:500], time=time, outcome=outcome, message=message, suite=suite[:300],
                      property_refs=refs)


def _timestamp(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        stamp = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if stamp.tzinfo is not None:
        try:
            stamp = stamp.astimezone(UTC).replace(tzinfo=None)
        except OverflowError:  # 9999-12-31T23:59:59-14:00 is past the last day in UTC: no timestamp
            return None
    return stamp
