"""Pure rules of OTSS validation (FDA CSA, ISO/TR 80002-2): the vocabularies, the coverage check,
the outcome counts of an execution and the periodic review date. Plain values in, plain values out."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from dateutil.relativedelta import relativedelta


class Deployment(StrEnum):
    ON_PREM = "on_prem"
    SAAS = "saas"
    PAAS = "paas"
    IAAS = "iaas"


class GampCategory(StrEnum):
    INFRASTRUCTURE = "1"
    NON_CONFIGURED = "3"
    CONFIGURED = "4"
    CUSTOM = "5"


class SystemStatus(StrEnum):
    PLANNED = "planned"
    VALIDATION_IN_PROGRESS = "validation_in_progress"
    RELEASED = "released"
    CHANGE_IN_PROGRESS = "change_in_progress"
    RETIRED = "retired"


class FunctionUse(StrEnum):
    DIRECT = "direct"
    SUPPORTING = "supporting"


class ProcessRisk(StrEnum):
    HIGH = "high"
    NOT_HIGH = "not_high"


class ProtocolStatus(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    IN_EXECUTION = "in_execution"
    EXECUTED = "executed"
    WITHDRAWN = "withdrawn"


class TestMethod(StrEnum):
    __test__ = False  # not a pytest class

    SCRIPTED = "scripted"
    UNSCRIPTED_EXPLORATORY = "unscripted_exploratory"
    UNSCRIPTED_AD_HOC = "unscripted_ad_hoc"
    SUPPLIER_EVIDENCE = "supplier_evidence"


EVIDENCE_EXTENSIONS: frozenset[str] = frozenset({"png", "jpg", "jpeg", "pdf", "csv", "txt", "json"})
"""What an execution's evidence may be (screenshots, exports, logs); sized by UPLOAD_MAX_BYTES."""


class Outcome(StrEnum):
    PASS = "pass"  # noqa: S105 - an outcome, not a secret
    FAIL = "fail"
    BLOCKED = "blocked"


class Severity(StrEnum):
    CRITICAL = "critical"
    MAJOR = "major"
    MINOR = "minor"


class Disposition(StrEnum):
    FIXED_RETESTED = "fixed_retested"
    ACCEPTED_WITH_RATIONALE = "accepted_with_rationale"
    WORKAROUND = "workaround"
    PROCEDURAL_CONTROL = "procedural_control"


class DeviationStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Conclusion(StrEnum):
    FIT = "fit"
    FIT_WITH_RESTRICTIONS = "fit_with_restrictions"
    NOT_FIT = "not_fit"


class ReportStatus(StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"


class Revalidation(StrEnum):
    NONE = "none"
    PARTIAL = "partial"
    FULL = "full"


class ChangeRequestStatus(StrEnum):
    OPEN = "open"
    REVALIDATING = "revalidating"
    CLOSED = "closed"


class ReviewOutcome(StrEnum):
    REMAIN_VALIDATED = "remain_validated"
    REVALIDATE = "revalidate"
    RETIRE = "retire"


def assurance_needed(risk: str) -> str:
    """What assurance a function needs: high process risk -> scripted testing, else unscripted is enough."""
    if risk == ProcessRisk.HIGH:
        return "Scripted test case required (or a justification signed by QA)"
    return "Unscripted testing (exploratory or ad hoc) is enough"


# --- Coverage ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FunctionFacts:
    id: int
    description: str
    risk: str


@dataclass(frozen=True)
class TestCaseFacts:
    __test__ = False

    function_id: int | None
    method: str
    step_count: int


def coverage_gaps(
    functions: Iterable[FunctionFacts], test_cases: Iterable[TestCaseFacts], justified_function_ids: Iterable[int]
) -> list[FunctionFacts]:
    """High-risk functions that have neither a scripted test case with steps nor a QA-signed justification."""
    scripted = {
        case.function_id for case in test_cases if case.method == TestMethod.SCRIPTED and case.step_count > 0
    }
    justified = set(justified_function_ids)
    return [
        function
        for function in functions
        if function.risk == ProcessRisk.HIGH and function.id not in scripted and function.id not in justified
    ]


# --- Execution results ---------------------------------------------------------------------------


@dataclass(frozen=True)
class EntryFacts:
    id: int
    test_case_id: int
    step_id: int | None
    outcome: str
    executed_at: datetime
    corrects_id: int | None = None


def effective_entries(entries: Sequence[EntryFacts]) -> dict[tuple[int, int | None], EntryFacts]:
    """The result that counts per (test case, step): the latest entry that no correction replaced."""
    corrected = {entry.corrects_id for entry in entries if entry.corrects_id is not None}
    latest: dict[tuple[int, int | None], EntryFacts] = {}
    for entry in sorted(entries, key=lambda e: (e.executed_at, e.id)):
        if entry.id in corrected:
            continue
        latest[(entry.test_case_id, entry.step_id)] = entry
    return latest


@dataclass(frozen=True)
class CaseFacts:
    id: int
    step_ids: tuple[int, ...]  # empty for unscripted test cases (one result per case)


def case_outcome(case: CaseFacts, effective: dict[tuple[int, int | None], EntryFacts]) -> str | None:
    """A test case fails when any step fails, is blocked when any is blocked, passes when all pass, else not run."""
    keys = [(case.id, step) for step in case.step_ids] if case.step_ids else [(case.id, None)]
    outcomes = [effective[key].outcome for key in keys if key in effective]
    if Outcome.FAIL in outcomes:
        return Outcome.FAIL
    if Outcome.BLOCKED in outcomes:
        return Outcome.BLOCKED
    if len(outcomes) == len(keys):
        return Outcome.PASS
    return None


@dataclass(frozen=True)
class OutcomeCounts:
    test_cases: int
    passed: int
    failed: int
    blocked: int
    not_run: int
    entries: int
    corrections: int
    per_case: dict[int, str | None] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return self.not_run == 0

    def as_dict(self) -> dict[str, int]:
        return {
            "test_cases": self.test_cases, "passed": self.passed, "failed": self.failed,
            "blocked": self.blocked, "not_run": self.not_run, "entries": self.entries,
            "corrections": self.corrections,
        }


def outcome_counts(cases: Sequence[CaseFacts], entries: Sequence[EntryFacts]) -> OutcomeCounts:
    """Counts of test cases by outcome (from the effective entries) and of entries recorded."""
    effective = effective_entries(entries)
    per_case = {case.id: case_outcome(case, effective) for case in cases}
    values = list(per_case.values())
    return OutcomeCounts(
        test_cases=len(cases),
        passed=values.count(Outcome.PASS),
        failed=values.count(Outcome.FAIL),
        blocked=values.count(Outcome.BLOCKED),
        not_run=values.count(None),
        entries=len(entries),
        corrections=sum(1 for entry in entries if entry.corrects_id is not None),
        per_case=per_case,
    )


# --- Periodic review -----------------------------------------------------------------------------


def review_period_months(risks: Iterable[str], *, high_risk_months: int, other_months: int) -> int:
    """The periodic review interval: the short one when any function is high risk."""
    return high_risk_months if any(risk == ProcessRisk.HIGH for risk in risks) else other_months


def next_review_date(
    from_day: date, risks: Iterable[str], *, high_risk_months: int, other_months: int
) -> date:
    """The next periodic review: months after the release or the last review (end of month clamps)."""
    months = review_period_months(risks, high_risk_months=high_risk_months, other_months=other_months)
    return from_day + relativedelta(months=months)


def review_state(due: date | None, today: date, soon_days: int) -> str | None:
    """'overdue' after the due date, 'due_soon' within soon_days of it, else None."""
    if due is None:
        return None
    if due < today:
        return "overdue"
    if (due - today).days <= soon_days:
        return "due_soon"
    return None
