"""Contexts of the OTSS validation protocol and report (source id: the protocol id)."""

from __future__ import annotations

from typing import Any

from app.documents.contexts.base import Source, SourceNotFound, signature_rows, source_record, text
from app.labels import label
from app.validation import services as validation
from app.validation.forms import GAMP_CHOICES
from app.validation.models import Execution, Protocol
from app.validation.rules import ProtocolStatus, ReportStatus

GAMP_LABELS = {str(value): text for value, text in GAMP_CHOICES}


def _protocol(source_id: str) -> Protocol:
    return source_record(Protocol, source_id, "validation protocol")


def _system_variables(protocol: Protocol) -> dict[str, Any]:
    system = protocol.system
    return {
        "system_name": system.product,
        "system_version": protocol.system_version or system.version_in_use,
        "system_supplier": system.supplier.name,
        "intended_use": system.intended_use,
        "gamp_category": GAMP_LABELS.get(str(system.gamp_category), str(system.gamp_category)),
        "protocol_version": str(protocol.number),
        "protocol_status": label(protocol.status),
        "scope": protocol.scope,
        "acceptance_criteria": protocol.acceptance_criteria,
        "test_environment": protocol.test_environment,
        "prerequisites": protocol.prerequisites,
    }


def _entry_code(entry: Execution) -> str:
    """The test an execution entry ran, as the protocol page names it: "TC-1 step 2", or "TC-2" for an unscripted
    case (a retired case still has its code)."""
    case = entry.test_case
    return f"{case.code} step {entry.test_step.order}" if entry.test_step is not None else case.code


def _actual_result(entry: Execution, entries: dict[int, Execution]) -> str:
    """What an entry recorded; a correction then names the entry it corrects as the reader finds it in the report's
    executions (its test, time, tester and outcome, never the entry's internal id) and says why."""
    if entry.corrects_id is None:
        return entry.actual_result
    corrected = entries.get(entry.corrects_id)
    cited = (f"the {_entry_code(corrected)} entry of {text(corrected.executed_at)} by {corrected.tester.full_name} "
             f"({label(corrected.outcome)})" if corrected is not None else "an earlier entry")
    return f"{entry.actual_result}\nCorrects {cited}: {entry.correction_reason}"


def validation_protocol(source_id: str) -> Source:
    """The protocol version with its functions and test cases; approved once QA signed it."""
    protocol = _protocol(source_id)
    functions = validation.protocol_functions(protocol)
    names = {function["id"]: function["description"] for function in functions}
    variables = {
        **_system_variables(protocol),
        "requirements": protocol.requirements,
        "functions": [
            {
                "description": function["description"], "use": label(function["use"]),
                "process_risk": label(function["process_risk"]), "rationale": function["rationale"],
            }
            for function in functions
        ],
        "test_cases": [
            {
                "code": case.code,
                "function": names.get(case.function_id, ""),
                "method": label(case.method),
                "objective": case.objective,
                "steps": [
                    {"number": step.order, "action": step.action, "expected_result": step.expected_result}
                    for step in case.steps
                ],
                "expected_result": case.expected_result,
            }
            for case in protocol.test_cases
        ],
    }
    approved = protocol.status in (ProtocolStatus.APPROVED, ProtocolStatus.IN_EXECUTION, ProtocolStatus.EXECUTED)
    return Source(
        variables=variables, source_type="protocol", source_id=str(protocol.id), version=protocol.number,
        approved=approved, title="OTSS validation protocol", number_prefix="VP",
        number_key=f"{protocol.system.product}-{protocol.number}",
        signatures=signature_rows("protocol", protocol.system_id, protocol.number,
                                  record=f"Validation protocol of {protocol.system.product}",
                                  target=lambda: validation.protocol_sign_target(protocol)),
    )


def _trace(protocol: Protocol, per_case: dict[int, str | None]) -> list[dict[str, str]]:
    """Function -> test case -> result: every function of the protocol with the tests covering it and their result
    (a function without a test shows its signed justification, or that it is not covered)."""
    justified = {j.function_id: j.text for j in protocol.justifications}
    rows = []
    for function in validation.protocol_functions(protocol):
        covering = [case for case in protocol.test_cases if case.function_id == function["id"]]
        if not covering:
            rows.append({
                "function": function["description"], "process_risk": label(function["process_risk"]),
                "test_case": "", "method": "",
                "result": f"Justified: {justified[function['id']]}" if function["id"] in justified else "Not covered",
            })
        for case in covering:
            outcome = per_case.get(case.id)
            rows.append({
                "function": function["description"], "process_risk": label(function["process_risk"]),
                "test_case": case.code, "method": label(case.method),
                "result": label(outcome) if outcome else "Not run",
            })
    return rows


def validation_report(source_id: str) -> Source:
    """The report of a protocol version: every execution entry (a correction naming the entry it corrects as the
    report shows it), the deviations with their disposition and closure rationale, counts and conclusion."""
    protocol = _protocol(source_id)
    report = protocol.report
    if report is None:
        raise SourceNotFound(f"Protocol {source_id} has no report yet (it is written after execution).")
    entries = validation.executions_of(protocol)
    by_id = {entry.id: entry for entry in entries}
    counts = validation.counts(protocol, entries)
    system = protocol.system
    variables = {
        **_system_variables(protocol),
        "report_version": str(protocol.number),
        "report_status": label(report.status),
        "summary": report.summary,
        "trace": _trace(protocol, counts.per_case),
        "evidence": [
            {
                "test_case": _entry_code(entry),
                "file": entry.evidence.original_name,
                "sha256": entry.evidence.sha256,
                "executed_at": text(entry.executed_at),
            }
            for entry in entries if entry.evidence is not None
        ],
        "next_review": text(system.next_periodic_review) if report.status == ReportStatus.APPROVED else "",
        "executions": [
            {
                "test_case": _entry_code(entry),
                "tester": entry.tester.full_name,
                "executed_at": text(entry.executed_at),
                "tested_version": entry.tested_version,
                "actual_result": _actual_result(entry, by_id),
                "outcome": label(entry.outcome),
            }
            for entry in entries
        ],
        "deviations": [
            {
                "number": deviation.code,
                "test_case": _entry_code(deviation.execution) if deviation.execution else "",
                "severity": label(deviation.severity),
                "description": deviation.description,
                "impact": deviation.impact,
                "disposition": label(deviation.disposition),
                "closure_rationale": deviation.closure_rationale,
                "status": label(deviation.status),
            }
            for deviation in protocol.deviations
        ],
        "outcome_counts": {
            "passed": counts.passed, "failed": counts.failed, "blocked": counts.blocked, "total": counts.test_cases,
        },
        "conclusion": label(report.conclusion),
        "restrictions": report.restrictions,
    }
    return Source(
        variables=variables, source_type="report", source_id=str(protocol.id), version=protocol.number,
        approved=report.status == ReportStatus.APPROVED, title="OTSS validation report", number_prefix="VR",
        number_key=f"{protocol.system.product}-{protocol.number}",
        signatures=signature_rows("report", protocol.system_id, protocol.number,
                                  record=f"Validation report of {protocol.system.product}",
                                  target=lambda: validation.report_sign_target(report, protocol)),
    )
