"""Executions: the results a tester records (one per step, or per unscripted case), corrections by a new entry,
evidence files, the outcome counts, and the end of execution."""

from __future__ import annotations

from collections.abc import Sequence

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import FileStorage

from app.access import Permission
from app.auth.models import User
from app.db import utcnow
from app.errors import Conflict, NotFound, ValidationFailed
from app.extensions import db
from app.storage import StoredFile, store_upload
from app.validation import policies, workflow
from app.validation.models import Execution, Protocol, Report, TestCase, TestStep
from app.validation.rules import (
    EVIDENCE_EXTENSIONS,
    CaseFacts,
    EntryFacts,
    Outcome,
    OutcomeCounts,
    ProtocolStatus,
    ReportStatus,
    outcome_counts,
)
from app.validation.services.common import clean_text, one_of, require
from app.validation.services.deviations import open_deviation


def executions_of(protocol: Protocol) -> list[Execution]:
    """Every entry of a protocol, in the order recorded."""
    return list(db.session.scalars(
        select(Execution).where(Execution.protocol_id == protocol.id)
        .options(selectinload(Execution.tester), selectinload(Execution.evidence))
        .order_by(Execution.executed_at, Execution.id)
    ))


def counts(protocol: Protocol, entries: list[Execution] | None = None) -> OutcomeCounts:
    """Test cases by outcome (the effective result of each) and entries recorded, computed now."""
    entries = executions_of(protocol) if entries is None else entries
    cases = [CaseFacts(c.id, tuple(s.id for s in c.steps) if c.is_scripted else ()) for c in protocol.test_cases]
    facts = [EntryFacts(e.id, e.test_case_id, e.test_step_id, e.outcome, e.executed_at, e.corrects_id)
             for e in entries]
    return outcome_counts(cases, facts)


def tester_ids(protocol: Protocol) -> set[int]:
    """Everyone who recorded a result in this protocol."""
    return testers_by_protocol([protocol.id]).get(protocol.id, set())


def testers_by_protocol(protocol_ids: Sequence[int]) -> dict[int, set[int]]:
    """Everyone who recorded a result, per protocol, for many protocols in one query (a protocol without results
    is absent; no protocols, no query)."""
    testers: dict[int, set[int]] = {}
    if not protocol_ids:
        return testers
    rows = db.session.execute(select(Execution.protocol_id, Execution.tester_id)
                              .where(Execution.protocol_id.in_(protocol_ids)).distinct())
    for protocol_id, tester_id in rows:
        testers.setdefault(protocol_id, set()).add(tester_id)
    return testers


def _entry(
    protocol: Protocol, by: User, case: TestCase, step: TestStep | None, *, tested_version: str,
    actual_result: str, outcome: str, evidence: FileStorage | None, corrects: Execution | None = None,
    reason: str = "",
) -> Execution:
    """One result while the protocol is in execution: per step of a scripted case, or per unscripted case."""
    require(policies.can_execute(by, protocol) or protocol.status != ProtocolStatus.IN_EXECUTION,
            "You may not record results.")
    if protocol.status != ProtocolStatus.IN_EXECUTION:
        raise Conflict("Results are recorded only while the protocol is in execution.")
    if case.protocol_id != protocol.id:
        raise NotFound("This test case is not part of the protocol.")
    if case.is_scripted:
        if step is None or step.test_case_id != case.id:
            raise ValidationFailed("Choose the step of this scripted test case the result is for.")
    elif step is not None:
        raise ValidationFailed("Unscripted test cases record one result for the whole case.")
    stored = _store_evidence(evidence, by)
    entry = Execution(
        protocol_id=protocol.id, test_case_id=case.id, test_step_id=step.id if step else None, tester_id=by.id,
        executed_at=utcnow(), tested_version=clean_text(tested_version, "Tested version"),
        actual_result=clean_text(actual_result, "Actual result"), outcome=one_of(outcome, Outcome, "Outcome"),
        evidence_id=stored.id if stored else None, corrects_id=corrects.id if corrects else None,
        correction_reason=reason,
    )
    db.session.add(entry)
    db.session.flush()
    if entry.outcome == Outcome.FAIL:
        open_deviation(protocol, entry, case, step)
    return entry


def _store_evidence(evidence: FileStorage | None, by: User) -> StoredFile | None:
    """An execution's evidence goes to the shared store: validation's types, UPLOAD_MAX_BYTES, content checked."""
    if evidence is None or not evidence.filename:
        return None
    return store_upload(evidence, EVIDENCE_EXTENSIONS, int(current_app.config["UPLOAD_MAX_BYTES"]), created_by=by)


def evidence_file(stored_file_id: int) -> StoredFile:
    """The stored file of an execution's evidence; any other stored file is not found here."""
    stored = db.session.scalar(
        select(StoredFile).join(Execution, Execution.evidence_id == StoredFile.id)
        .where(StoredFile.id == stored_file_id).limit(1)
    )
    if stored is None:
        raise NotFound("There is no such evidence file.")
    return stored


def record_execution(
    protocol: Protocol, by: User, *, test_case_id: int, test_step_id: int | None, tested_version: str,
    actual_result: str, outcome: str, evidence: FileStorage | None = None,
) -> Execution:
    """Record one result (per step when scripted, per case otherwise); a failure opens a deviation."""
    case = db.session.get(TestCase, test_case_id)
    if case is None:
        raise NotFound("No such test case.")
    step = db.session.get(TestStep, test_step_id) if test_step_id else None
    return _entry(protocol, by, case, step, tested_version=tested_version, actual_result=actual_result,
                  outcome=outcome, evidence=evidence)


def correct_execution(
    entry: Execution, by: User, *, tested_version: str, actual_result: str, outcome: str, reason: str,
    evidence: FileStorage | None = None,
) -> Execution:
    """Correct an entry by a new one with a reason; the original stays as it was."""
    if db.session.scalar(select(func.count(Execution.id)).where(Execution.corrects_id == entry.id)):
        raise Conflict("This entry was already corrected; correct the latest entry instead.")
    protocol = db.session.get(Protocol, entry.protocol_id)
    assert protocol is not None
    return _entry(protocol, by, entry.test_case, entry.test_step, tested_version=tested_version,
                  actual_result=actual_result, outcome=outcome, evidence=evidence, corrects=entry,
                  reason=clean_text(reason, "The reason for the correction"))


def complete_execution(protocol: Protocol, by: User) -> Report:
    """End execution once every test case has a result; the report is then written."""
    require(by.has(Permission.VALIDATION_EXECUTE), "You may not execute protocols.")
    if protocol.status == ProtocolStatus.IN_EXECUTION:
        result = counts(protocol)
        if not result.complete:
            raise ValidationFailed(f"{result.not_run} test case(s) have no result yet.")
    workflow.complete_execution(protocol)
    report = protocol.report or Report(protocol=protocol, status=ReportStatus.DRAFT)
    db.session.add(report)
    db.session.flush()
    return report


def next_target(protocol: Protocol, entries: list[Execution]) -> str | None:
    """The first step (or unscripted test case) in protocol order with no result yet, as "case_id:step_id"."""
    done = {(e.test_case_id, e.test_step_id) for e in entries}
    for case in protocol.test_cases:
        targets = [(case.id, step.id) for step in case.steps] if case.is_scripted else [(case.id, None)]
        for case_id, step_id in targets:
            if (case_id, step_id) not in done:
                return f"{case_id}:{step_id or ''}"
    return None
