"""The traceability matrix of a release (pure: no Flask, no ORM): each SOUP requirement and each risk control, the
components and hazards it belongs to, the test cases of the release's latest run that name it, and its verdict.

Verdicts: "failing" when a linked test failed or errored (a passing one does not hide it), "verified" when a linked
test passed, "other means" when no test ran but a signed rationale says how it is verified, else "untested".
Gaps are failing and untested items, and test cases that name no requirement or risk control.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

PASSED, FAILED, ERROR, SKIPPED = "passed", "failed", "error", "skipped"
VERIFIED, FAILING, OTHER_MEANS, UNTESTED = "verified", "failing", "other_means", "untested"
VERDICT_LABELS = {VERIFIED: "Verified", FAILING: "Failing test", OTHER_MEANS: "Verified by other means (signed)",
                  UNTESTED: "No test"}
GAPS = frozenset({FAILING, UNTESTED})
REQUIREMENT, RISK_CONTROL = "requirement", "risk_control"
KIND_LABELS = {REQUIREMENT: "SOUP requirement", RISK_CONTROL: "Risk control"}
COLUMNS = ("Kind", "ID", "Text", "Hazards", "Components", "Safety class", "Tests", "Latest results", "Verdict", "Gap")


@dataclass(frozen=True)
class TestRef:
    """A test case of the latest run, as the matrix names it."""

    __test__ = False  # not a pytest test class
    name: str
    classname: str
    outcome: str

    @property
    def label(self) -> str:
        return f"{self.classname}.{self.name}" if self.classname else self.name


@dataclass(frozen=True)
class Item:
    """A requirement or a risk control with what it traces to."""

    kind: str
    identifier: str
    text: str
    components: tuple[str, ...] = ()
    hazards: tuple[str, ...] = ()
    safety_class: str = ""
    tests: tuple[TestRef, ...] = ()
    rationale: bool = False


def verdict(item: Item) -> str:
    """The item's verdict from the outcomes of its linked tests and its signed rationale."""
    outcomes = {test.outcome for test in item.tests}
    if outcomes & {FAILED, ERROR}:
        return FAILING
    if PASSED in outcomes:
        return VERIFIED
    return OTHER_MEANS if item.rationale else UNTESTED


@dataclass(frozen=True)
class Row:
    item: Item
    verdict: str

    @property
    def gap(self) -> bool:
        return self.verdict in GAPS

    def cells(self) -> list[str]:
        """The row as the XLSX and the Word table print it."""
        outcomes = Counter(test.outcome for test in self.item.tests)
        return [KIND_LABELS[self.item.kind], self.item.identifier, self.item.text, ", ".join(self.item.hazards),
                ", ".join(self.item.components), self.item.safety_class,
                "\n".join(test.label for test in self.item.tests),
                ", ".join(f"{count} {outcome}" for outcome, count in sorted(outcomes.items())),
                VERDICT_LABELS[self.verdict], "yes" if self.gap else "no"]


@dataclass(frozen=True)
class Matrix:
    """Every row, and the test cases of the latest run that name nothing."""

    rows: tuple[Row, ...]
    unlinked: tuple[TestRef, ...]
    run_label: str = ""  # the latest run: when and where from ("" when no run was imported)

    def counts(self) -> dict[str, int]:
        found = Counter(row.verdict for row in self.rows)
        return {"items": len(self.rows), **{key: found.get(key, 0) for key in VERDICT_LABELS},
                "gaps": sum(1 for row in self.rows if row.gap), "unlinked_tests": len(self.unlinked)}

    def table(self) -> list[list[str]]:
        """Header, one row per item, then one row per test case that names nothing (the XLSX)."""
        rows = [list(COLUMNS)] + [row.cells() for row in self.rows]
        rows += [["Test without requirement", "", "", "", "", "", test.label, test.outcome, "", "yes"]
                 for test in self.unlinked]
        return rows


def build(items: Sequence[Item], unlinked: Sequence[TestRef], run_label: str = "") -> Matrix:
    """The matrix: requirements then risk controls, each in id order."""
    order = {REQUIREMENT: 0, RISK_CONTROL: 1}
    rows = tuple(Row(item, verdict(item)) for item in sorted(
        items, key=lambda i: (order.get(i.kind, 2), _natural(i.identifier))))
    return Matrix(rows, tuple(unlinked), run_label)


def _natural(identifier: str) -> tuple[object, ...]:
    """SOUP-REQ-2 before SOUP-REQ-10."""
    return tuple(int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", identifier))


def filtered(matrix: Matrix, show: str) -> list[Row]:
    """The rows a filter keeps: "gaps", a verdict, a kind, or everything ("")."""
    if show == "gaps":
        return [row for row in matrix.rows if row.gap]
    if show in VERDICT_LABELS:
        return [row for row in matrix.rows if row.verdict == show]
    if show in KIND_LABELS:
        return [row for row in matrix.rows if row.item.kind == show]
    return list(matrix.rows)
