"""The hazard list as a table (CSV or XLSX), both ways (pure: no Flask, no ORM).

One row per hazard; its risk controls one per line as "RC-3: measure" in one cell, and the SOUP items that can
contribute to it separated by ";" or line breaks (a name, or "ecosystem:name" where two ecosystems share a name).
Headers are matched without regard to case or spacing, and columns may come in any order, so a risk file kept in
another tool can be exported there and imported here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

COLUMNS = ("Hazard ID", "Hazard", "Harm", "Severity", "Probability before", "Probability after", "Risk controls",
           "SOUP items")
_REQUIRED = ("Hazard ID", "Hazard")
_FIELDS = {"hazard id": "code", "hazard": "hazard", "harm": "harm", "severity": "severity",
           "probability before": "probability_before", "probability after": "probability_after",
           "risk controls": "controls", "soup items": "soup"}
CODE = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{0,39}")
_CONTROL = re.compile(r"^\s*([A-Za-z][A-Za-z0-9_.-]{0,39})\s*(?::\s*(.*))?$")
MAX_TEXT = 10_000
MAX_SCALE = 40


@dataclass(frozen=True)
class HazardRow:
    """One hazard as the table gives it."""

    code: str
    hazard: str
    harm: str = ""
    severity: str = ""
    probability_before: str = ""
    probability_after: str = ""
    controls: tuple[tuple[str, str], ...] = ()  # (RC id, measure or "" to keep the stored one)
    soup: tuple[str, ...] = ()  # package names, or "ecosystem:name"


@dataclass
class Parsed:
    """The rows read, and the problems of the rows left out (by line number)."""

    rows: list[HazardRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _key(header: str) -> str:
    return " ".join(header.replace("_", " ").split()).lower()


def parse(table: Sequence[Sequence[str]]) -> Parsed:
    """The hazard rows of a table whose first row is the header; a row with a problem is left out and named."""
    result = Parsed()
    if not table:
        result.problems.append("The table is empty.")
        return result
    header = [_key(cell) for cell in table[0]]
    missing = [name for name in _REQUIRED if _key(name) not in header]
    if missing:
        result.problems.append(f"The first row must name the columns; missing: {', '.join(missing)} (expected "
                               f"{', '.join(COLUMNS)}).")
        return result
    positions = {_FIELDS[name]: index for index, name in enumerate(header) if name in _FIELDS}
    seen: set[str] = set()
    for number, cells in enumerate(table[1:], start=2):
        values = {name: (cells[index].strip() if index < len(cells) else "") for name, index in positions.items()}
        problem = _problem(values, seen)
        if problem:
            result.problems.append(f"Row {number}: {problem}")
            continue
        seen.add(values["code"].upper())
        controls, control_problem = _controls(values.get("controls", ""))
        if control_problem:
            result.problems.append(f"Row {number}: {control_problem}")
            continue
        result.rows.append(HazardRow(
            code=values["code"], hazard=values["hazard"], harm=values.get("harm", ""),
            severity=values.get("severity", ""), probability_before=values.get("probability_before", ""),
            probability_after=values.get("probability_after", ""), controls=controls,
            soup=tuple(dict.fromkeys(part.strip() for part in re.split(r"[;\n]", values.get("soup", "")) if part.strip())),
        ))
    return result


def _problem(values: dict[str, str], seen: set[str]) -> str:
    code = values.get("code", "")
    if not code:
        return "no Hazard ID."
    if not CODE.fullmatch(code):
        return f"the Hazard ID {code[:50]!r} is not an id (a letter, then letters, digits, '.', '_' or '-', at most 40)."
    if code.upper() in seen:
        return f"the Hazard ID {code} appears twice in the table."
    if not values.get("hazard"):
        return f"{code} has no hazard text."
    for name in ("hazard", "harm"):
        if len(values.get(name, "")) > MAX_TEXT:
            return f"{code}: the {name} text is longer than {MAX_TEXT} characters."
    for name in ("severity", "probability_before", "probability_after"):
        if len(values.get(name, "")) > MAX_SCALE:
            return f"{code}: the {name.replace('_', ' ')} is longer than {MAX_SCALE} characters (a level of a scale)."
    return ""


def _controls(cell: str) -> tuple[tuple[tuple[str, str], ...], str]:
    found: dict[str, str] = {}
    for line in cell.splitlines():
        if not line.strip():
            continue
        match = _CONTROL.match(line)
        if match is None:
            return (), f"the risk control line {line.strip()[:60]!r} is not 'RC-n: measure'."
        code, measure = match.group(1), (match.group(2) or "").strip()
        if len(measure) > MAX_TEXT:
            return (), f"the measure of {code} is longer than {MAX_TEXT} characters."
        found[code] = measure or found.get(code, "")
    return tuple(found.items()), ""


def rows(hazards: Sequence[HazardRow]) -> list[list[str]]:
    """The table of a hazard list (header first), which `parse` reads back to the same rows."""
    table = [list(COLUMNS)]
    for row in hazards:
        table.append([row.code, row.hazard, row.harm, row.severity, row.probability_before, row.probability_after,
                      "\n".join(f"{code}: {measure}" for code, measure in row.controls), "; ".join(row.soup)])
    return table
