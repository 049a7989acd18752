"""Rules and writes of OTSS validation, one module per record. Services flush; the view or the CLI commits.

Callers use `from app.validation import services` and `services.<name>`: every public name is re-exported here."""

from __future__ import annotations

from app.db import today
from app.validation.rules import EVIDENCE_EXTENSIONS
from app.validation.services.change_requests import assess_change_request, open_change_request
from app.validation.services.common import verify_signer
from app.validation.services.deviations import close_deviation, deviation_sign_target
from app.validation.services.executions import (
    complete_execution,
    correct_execution,
    counts,
    evidence_file,
    executions_of,
    record_execution,
    tester_ids,
)
from app.validation.services.periodic_reviews import perform_periodic_review
from app.validation.services.protocols import (
    ACTIVE_PROTOCOL_STATES,
    active_protocol,
    approve_protocol,
    coverage,
    create_protocol,
    function_facts,
    latest_protocol,
    load_protocol,
    protocol_content,
    protocol_functions,
    protocol_sign_target,
    return_protocol,
    review_protocol,
    signed_current,
    start_execution,
    submit_protocol,
    update_protocol,
    withdraw_protocol,
)
from app.validation.services.reports import (
    approval_blockers,
    approve_report,
    authored_signature,
    authoring_blockers,
    report_content,
    report_sign_target,
    save_report,
    sign_report,
)
from app.validation.services.systems import (
    SystemData,
    add_function,
    create_system,
    review_due_from,
    systems_query,
    update_function,
    update_system,
)
from app.validation.services.test_cases import (
    add_step,
    add_test_case,
    delete_step,
    delete_test_case,
    justify_coverage,
    update_test_case,
)

__all__ = [
    "ACTIVE_PROTOCOL_STATES",
    "EVIDENCE_EXTENSIONS",
    "SystemData",
    "active_protocol",
    "add_function",
    "add_step",
    "add_test_case",
    "approval_blockers",
    "approve_protocol",
    "approve_report",
    "assess_change_request",
    "authored_signature",
    "authoring_blockers",
    "close_deviation",
    "complete_execution",
    "correct_execution",
    "counts",
    "coverage",
    "create_protocol",
    "create_system",
    "delete_step",
    "delete_test_case",
    "deviation_sign_target",
    "evidence_file",
    "executions_of",
    "function_facts",
    "justify_coverage",
    "latest_protocol",
    "load_protocol",
    "open_change_request",
    "perform_periodic_review",
    "protocol_content",
    "protocol_functions",
    "protocol_sign_target",
    "record_execution",
    "report_content",
    "report_sign_target",
    "return_protocol",
    "review_due_from",
    "review_protocol",
    "save_report",
    "sign_report",
    "signed_current",
    "start_execution",
    "submit_protocol",
    "systems_query",
    "tester_ids",
    "today",
    "update_function",
    "update_protocol",
    "update_system",
    "update_test_case",
    "verify_signer",
    "withdraw_protocol",
]
