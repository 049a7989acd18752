"""The variables a Word template of each document type may use: the allowlist, described.

The web layer builds a plain-dict context with exactly these top-level names
(app/documents/contexts/); an uploaded template that uses any other name is refused.
Lists of rows and objects carry field descriptions, so a typo inside a loop
(``row.nme``) can be reported too.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from app.documents import examples
from app.labels import register_labels


class UnknownDocumentTypeError(ValueError):
    """Raised for a document type name that is not one of DOCUMENT_TYPES."""


@dataclass(frozen=True)
class Variable:
    """One variable (or field of a row/object): its name, meaning and an example value."""

    name: str
    description: str
    example: Any
    fields: tuple[Variable, ...] = ()
    many: bool = False  # True: a list of rows, each row described by `fields`

    def field(self, name: str) -> Variable | None:
        """The nested field of that name, or None."""
        return next((f for f in self.fields if f.name == name), None)


@dataclass(frozen=True)
class _Spec:
    """A variable's description without its example (examples live in examples.py)."""

    name: str
    description: str
    fields: tuple[_Spec, ...] = ()
    many: bool = False


def _s(name: str, description: str, *fields: _Spec, many: bool = False) -> _Spec:
    return _Spec(name, description, fields, many)


def _rows(name: str, description: str, *fields: _Spec) -> _Spec:
    return _Spec(name, description, fields, True)


DOCUMENT_TYPES: dict[str, str] = {
    "supplier_evaluation": "Supplier evaluation record",
    "approved_supplier_list": "Approved supplier list",
    "purchasing_information": "Purchasing information (ISO 13485 7.4.2)",
    "soup_list": "SOUP list",
    "release_diff": "SOUP changes between releases",
    "third_party_notices": "Third-party software notices (attribution)",
    "traceability_matrix": "Traceability matrix (SOUP requirements, risk controls, tests)",
    "validation_protocol": "OTSS validation protocol",
    "validation_report": "OTSS validation report",
    "audit_extract": "Audit trail extract",
}
register_labels(DOCUMENT_TYPES)  # a document type in the audit trail or a list reads as its name, not its code

_SIGNATURE_FIELDS = (
    _s("printed_name", "Printed name of the signer"),
    _s("meaning", "Meaning of the signature: Authored, Reviewed, Approved, Executed, Verified or Rejected"),
    _s("signed_at", "Date and time of signing, with the time zone (UTC)"),
    _s("comment", "The signer's comment (may be empty)"),
    _s("record", "What was signed: the record and its version"),
    _s("content_hash", "sha256 of the signed content (binds the signature to exactly that content)"),
    _s("content_note", "'Content changed since signing: <fields>' when the record's signed content has changed since "
                       "this signature (as its page says); empty while the signature still matches the record"),
)

_CONTROL_FIELDS = (
    _s("name", "Printed name"),
    _s("date", "Date and time of the signature (UTC)"),
    _s("meaning", "Meaning of the signature"),
)

_COMMON: tuple[_Spec, ...] = (
    _s(
        "document",
        "The generated document itself",
        _s("title", "Document title"),
        _s("number", "Document number"),
        _s("revision", "Revision of this document (a new one only when the content changed)"),
        _s("date", "Document date (YYYY-MM-DD)"),
        _s("generated_at", "When this file was generated (UTC)"),
        _s("generated_by", "Who generated this file"),
    ),
    _s("draft", "True while the record is not approved; the document then shows a DRAFT mark"),
    _rows("signatures", "Electronic signatures of the record, oldest first", *_SIGNATURE_FIELDS),
    _s("company", "Your company", _s("name", "Company name")),
    _s(
        "procedure",
        "The procedure (SOP) that governs this document type, as an admin set it (empty when not set)",
        _s("reference", "Procedure number, e.g. SOP-PUR-001"),
        _s("title", "Procedure title, e.g. Purchasing"),
    ),
    _rows(
        "revisions",
        "Revision history of this document number, oldest first; the last row is this revision",
        _s("revision", "Revision number"),
        _s("date", "Date of the revision (YYYY-MM-DD)"),
        _s("author", "Who generated the revision"),
        _s("reason", "Why the revision was made: what changed"),
    ),
    _s(
        "control",
        "Prepared / reviewed / approved, filled from the signatures (prepared: the generator when nobody signed as author)",
        _s("prepared", "Who prepared the record", *_CONTROL_FIELDS),
        _s("reviewed", "Who reviewed it (empty when nobody signed as reviewer)", *_CONTROL_FIELDS),
        _s("approved", "Who approved (or rejected) it (empty when not yet signed)", *_CONTROL_FIELDS),
    ),
)

_PROTOCOL_HEAD: tuple[_Spec, ...] = (
    _s("system_name", "Name of the validated software system"),
    _s("system_version", "Version of the system in use"),
    _s("system_supplier", "Supplier of the system"),
    _s("intended_use", "Intended use of the system"),
    _s("gamp_category", "GAMP 5 software category with its name (e.g. 4 – Configured product)"),
    _s("protocol_version", "Protocol version"),
    _s("protocol_status", "Protocol status: Draft, In review, Approved, In execution, Executed or Withdrawn"),
    _s("scope", "Scope of the validation"),
    _s("test_environment", "Where and with what the tests run (tenant, version, browser, accounts, data)"),
    _s("prerequisites", "What must be true before testing starts"),
)

_ASSESSMENT = (
    _s("assessment", "The assessment note of the change (empty while not assessed)"),
    _s("assessed_by", "Who assessed the change, and when"),
)

_DIFF_ROW = (
    _s("name", "Component name"),
    _s("version", "Component version"),
    _s("manufacturer", "Manufacturer (supplier) of the component"),
    _s("licence", "SPDX licence expression"),
    _s("purl", "Package URL"),
    _s("direct", "Direct or Transitive (empty when the import could not tell)"),
    *_ASSESSMENT,
)

_VERSION_CHANGE_ROW = (
    _s("name", "Component name"),
    _s("from_version", "Version in the earlier release"),
    _s("to_version", "Version in the later release"),
    _s("licence", "SPDX licence expression in the later release"),
    *_ASSESSMENT,
)

_SPECS: dict[str, tuple[_Spec, ...]] = {
    "supplier_evaluation": (
        _s("supplier_name", "Supplier name"),
        _s("supplier_code", "Supplier code"),
        _s("supplier_kind", "Commercial vendor, Open-source project, Cloud provider or Service provider"),
        _s("supplier_criticality", "Critical, Major or Minor"),
        _s("supplier_scope", "What the supplier supplies"),
        _s("supplier_contact", "The supplier's contact for this evaluation (name and e-mail)"),
        _s("evaluation_reference", "Reference of the evaluation (e.g. EV-2026-4F2A1C)"),
        _s("evaluation_type", "Initial, Periodic or For cause"),
        _s("evaluator", "Who started and ran the evaluation"),
        _s("started_on", "Date the evaluation was started"),
        _s("sent_on", "Date the questionnaire was sent to the supplier (empty if never sent)"),
        _s("due_on", "Date the answers were due"),
        _s("submitted_on", "Date the supplier submitted the answers"),
        _s("decided_on", "Date of the decision"),
        _s("decided_by", "Who decided (QA, signed)"),
        _s("threshold_approved", "Score in percent from which the scoring suggests approval"),
        _s("threshold_conditional", "Score in percent from which the scoring suggests conditional approval"),
        _s("template_name", "Name of the questionnaire template"),
        _s("template_version", "Version of the questionnaire template"),
        _rows(
            "questions",
            "Every question of the evaluation, in questionnaire order",
            _s("section", "Section title"),
            _s("code", "Question code (e.g. C1)"),
            _s("text", "Question text"),
            _s("answer", "The answer as shown to the evaluator"),
            _s("evidence_files", "Names of the evidence files, comma-separated"),
            _s("points", "Points given (empty when not scored)"),
            _s("max_points", "Maximum points of the question (empty when not scored)"),
            _s("weight", "Weight of the question (empty when not scored)"),
            _s("knock_out", "True when this answer is a knock-out hit"),
        ),
        _rows(
            "evidence_figures",
            "Answers proposed from collected evidence (open-source projects): figure, source, date, what the evaluator did",
            _s("code", "Question code (e.g. O2)"),
            _s("figure", "The measured figure (e.g. 31 commits in 90 days)"),
            _s("source", "Where it was measured (registry, git history at a commit, Scorecard, deps.dev ...)"),
            _s("measured", "Date it was measured (YYYY-MM-DD)"),
            _s("proposed", "The proposed answer"),
            _s("answer", "The evaluator's answer"),
            _s("state", "Proposed answer accepted, Proposed answer overridden, or Not decided yet"),
            _s("reason", "Why the evaluator answered otherwise (overridden only)"),
        ),
        _rows(
            "score_sections",
            "Score breakdown per section (weighted)",
            _s("section", "Section title"),
            _s("points", "Weighted points reached"),
            _s("max_points", "Weighted points possible"),
            _s("percentage", "Section score in percent"),
        ),
        _s("score_points", "Weighted points reached over all scored questions"),
        _s("score_max_points", "Weighted points possible over all scored questions"),
        _s("score_percentage", "Overall score in percent"),
        _rows(
            "knock_out_hits",
            "Answers that hit a knock-out criterion",
            _s("code", "Question code"),
            _s("text", "Question text"),
            _s("answer", "The knock-out answer"),
        ),
        _s("suggested_decision", "Decision suggested by the scoring rules"),
        _s("final_decision", "Decision taken: Approved, Conditionally approved or Rejected"),
        _s("approval_scope", "Scope of the approval: what may be bought from this supplier"),
        _s("conditions", "Conditions of a conditional approval"),
        _s("rationale", "Rationale of the decision"),
        _s("knock_out_justification", "Written justification of an approval despite a knock-out answer"),
        _s("next_due", "Date the next re-evaluation is due (YYYY-MM-DD)"),
    ),
    "approved_supplier_list": (
        _s("snapshot_date", "Date of this snapshot of the list (YYYY-MM-DD)"),
        _rows(
            "suppliers",
            "One row per supplier on the list",
            _s("supplier", "Supplier name"),
            _s("code", "Supplier code"),
            _s("scope", "Approval scope: what may be bought from this supplier"),
            _s("kind", "Kind of supplier"),
            _s("criticality", "Critical, Major or Minor"),
            _s("status", "Approved or Conditionally approved (Suspended, Disqualified or Rejected in the blocked list)"),
            _s("last_score", "Score of the last evaluation in percent"),
            _s("last_evaluation_date", "Date of the last evaluation"),
            _s("conditions", "Conditions of the approval"),
            _s("certificates", "Certificates with their expiry, as text; an expired one says EXPIRED"),
            _s("next_due", "Date the next re-evaluation is due"),
            _s("approver", "Who approved the supplier"),
        ),
        _rows(
            "blocked_suppliers",
            "Suppliers nothing may be bought from: suspended, disqualified or rejected",
            _s("supplier", "Supplier name"),
            _s("code", "Supplier code"),
            _s("scope", "What the supplier supplies"),
            _s("status", "Suspended, Disqualified or Rejected"),
            _s("since", "Date of the decision"),
            _s("reason", "Reason given in the signed decision"),
        ),
    ),
    "purchasing_information": (
        _s("supplier_name", "Supplier name"),
        _s("supplier_code", "Supplier code"),
        _s("order_reference", "Order reference (purchase order number)"),
        _s("product", "Purchased product or service"),
        _s("version", "Purchased version"),
        _s("quantity", "Quantity ordered (e.g. 50 named users)"),
        _s("specification", "Product requirements: the specification of what is bought (ISO 13485 7.4.2)"),
        _s("process_requirements", "Requirements for the supplier's procedures, processes and equipment (7.4.2 a)"),
        _s("personnel_requirements", "Requirements for the qualification of the supplier's personnel (7.4.2 b)"),
        _s("acceptance_criteria", "Acceptance criteria for the delivery"),
        _s("qms_requirements", "Quality management system requirements placed on the supplier"),
        _s("change_notification_agreed", "True when the supplier agreed to notify changes"),
        _s("licence", "Licence or contract of the product"),
        _s("adequacy_review", "Signature of the review that the requirements are adequate", *_SIGNATURE_FIELDS),
        _rows(
            "receipt_verifications",
            "Verification of what was received (ISO 13485 7.4.3)",
            _s("date", "Date of the verification"),
            _s("verified_by", "Who verified"),
            _s("version_received", "Version received"),
            _s("supplier", "Who delivered"),
            _s("result", "Accepted or Rejected"),
            _s("notes", "Checks made and notes of the verification"),
            _s("signature", "The verifier's electronic signature: name, meaning and time"),
        ),
    ),
    "soup_list": (
        _s("product_name", "Device software product"),
        _s("product_safety_class", "IEC 62304 software safety class of the product (A, B or C)"),
        _s("release_version", "Release version"),
        _s("release_status", "Draft or Frozen"),
        _s("transitive_rule", "SOUPs of SOUPs: how the product documents transitive dependencies"),
        _s("prepared_by", "Who prepared the SOUP list (the 'authored' signature), empty until signed"),
        _s("prepared_at", "When it was signed as prepared (UTC)"),
        _s("prepared_note", "'Content changed since signing: <fields>' when the SOUP list has changed since the "
                            "'authored' signature (as beside that signature); empty while it still matches"),
        _s("approved_by", "Who approved the SOUP list (QA's 'approved' signature that froze it), empty until then"),
        _s("approved_at", "When it was approved (UTC)"),
        _s("approved_note", "'Content changed since signing: <fields>' when the SOUP list has changed since the "
                            "'approved' signature (as beside that signature); empty while it still matches"),
        _rows(
            "components",
            "One row per component of the release",
            _s("name", "Title (name) of the SOUP, IEC 62304 8.1.2"),
            _s("manufacturer", "Manufacturer of the SOUP, IEC 62304 8.1.2"),
            _s("version", "Unique version designator, IEC 62304 8.1.2"),
            _s("purl", "Package URL"),
            _s("ecosystem", "Package ecosystem (PyPI, npm, ...)"),
            _s("classification", "SOUP, OTSS or Infrastructure"),
            _s("safety_class", "Software safety class of the items using it"),
            _s("licence", "SPDX licence expression"),
            _s("licence_verdict", "Licence policy verdict: Allow, Review or Deny"),
            _s("requirements", "Functional and performance requirements, IEC 62304 5.3.3"),
            _s("hardware_software", "Hardware and software needed, IEC 62304 5.3.4"),
            _s("hazards", "Hazardous situations from SOUP failure, IEC 62304 7.1.2"),
            _s("anomaly_review_date", "Date of the anomaly list review, IEC 62304 7.1.3"),
            _s("anomaly_review_conclusion", "Acceptable, Needs a risk control or Reject"),
            _s("status", "Proposed, Evaluated, Approved, In use, Deprecated or Removed"),
            _s("direct", "Direct dependency: yes, no, or unknown (the file does not say; treated as direct)"),
            _s("type", "Component type: Library, Framework, Application, Operating system, Service, ..."),
            _s("cpe", "CPE name, when one exists"),
            _s("software_item", "The software item (IEC 62304 5.3) the component serves"),
            _s("class_rationale", "Why its safety class is lower than its software item's (empty when it is not)"),
            _s("covered_by", "The direct parent that covers a transitive component (SOUPs of SOUPs), else empty"),
            _s("advisories", "Advisories affecting it, each with its VEX state and justification or mitigation"),
            _s("waivers", "Licence waivers, licence decisions and supplier exemptions that hold for it"),
        ),
    ),
    "third_party_notices": (
        _s("product_name", "Device software product"),
        _s("release_version", "Release version"),
        _s("release_status", "Draft or Frozen"),
        _s("component_count", "How many shipped (runtime) components are listed"),
        _s("left_out_dev", "How many development-only components are not listed (they do not ship)"),
        _s("approved_by", "Who approved the release's SOUP list, empty until it is frozen"),
        _s("approved_at", "When it was approved (UTC)"),
        _s("approved_note", "'Content changed since signing: <fields>' when the SOUP list has changed since its "
                            "'approved' signature (as beside that signature); empty while it still matches"),
        _rows(
            "licences",
            "One row per licence expression, in name order (no licence declared last)",
            _s("licence", "SPDX licence expression, or 'No licence declared'"),
            _s("count", "How many components are released under it"),
            _s("names", "The components, 'name version' separated by commas"),
        ),
        _rows(
            "components",
            "Every listed component, grouped by licence",
            _s("name", "Component name"),
            _s("version", "Version"),
            _s("licence", "SPDX licence expression"),
            _s("author", "Manufacturer, author or supplier, where known"),
            _s("where", "Package URL, else the homepage"),
        ),
        _rows(
            "licence_texts",
            "The text of every licence id named (from the SPDX licence list), in id order",
            _s("licence_id", "SPDX licence id"),
            _s("name", "Licence name"),
            _s("text", "Full licence text, or the address of its SPDX page when the list has no text for it"),
        ),
    ),
    "traceability_matrix": (
        _s("product_name", "Device software product"),
        _s("release_version", "Release version"),
        _s("release_status", "Draft or Frozen"),
        _s("run", "The latest test run the matrix reads: when, where from and its counts"),
        _s("summary", "How many items are verified, verified by other means, failing and untested"),
        _rows(
            "rows",
            "One row per SOUP requirement, then per risk control, in id order",
            _s("kind", "SOUP requirement or Risk control"),
            _s("identifier", "Its id (SOUP-REQ-12, RC-3)"),
            _s("text", "The requirement (kind, text, acceptance criterion) or the control measure"),
            _s("hazards", "The hazards a risk control reduces"),
            _s("components", "The components it belongs to, one per line"),
            _s("safety_class", "The highest safety class of those components"),
            _s("tests", "The test cases of the latest run that name its id, one per line"),
            _s("results", "Their outcomes, counted"),
            _s("verdict", "Verified, Failing test, Verified by other means (signed) or No test"),
        ),
        _rows(
            "unlinked_tests",
            "The test cases of the latest run that name no requirement or risk control",
            _s("name", "Test case (class and name)"),
            _s("outcome", "passed, failed, error or skipped"),
        ),
    ),
    "release_diff": (
        _s("product_name", "Device software product"),
        _s("from_version", "Earlier release version"),
        _s("to_version", "Later release version"),
        _rows("added", "Components new in the later release", *_DIFF_ROW),
        _rows("removed", "Components no longer in the later release", *_DIFF_ROW),
        _rows("upgraded", "Components with a higher version", *_VERSION_CHANGE_ROW),
        _rows("downgraded", "Components with a lower version", *_VERSION_CHANGE_ROW),
        _rows(
            "licence_changed",
            "Components whose licence changed",
            _s("name", "Component name"),
            _s("version", "Version in the later release"),
            _s("from_licence", "Licence in the earlier release"),
            _s("to_licence", "Licence in the later release"),
            *_ASSESSMENT,
        ),
    ),
    "validation_protocol": (
        *_PROTOCOL_HEAD,
        _s("requirements", "Requirements the system must meet for its intended use"),
        _s("acceptance_criteria", "Acceptance criteria of the validation"),
        _rows(
            "functions",
            "Functions of the system in scope, with their process risk",
            _s("description", "What the function does"),
            _s("use", "Direct or Supporting"),
            _s("process_risk", "High or Not high"),
            _s("rationale", "Rationale of the risk determination"),
        ),
        _rows(
            "test_cases",
            "Test cases of the protocol",
            _s("code", "Test case code as the app shows it (TC-1)"),
            _s("function", "Function the test case covers"),
            _s("method", "Scripted, Unscripted (exploratory), Unscripted (ad hoc) or Supplier evidence"),
            _s("objective", "Objective of the test"),
            _rows(
                "steps",
                "Steps of a scripted test (empty for unscripted tests)",
                _s("number", "Step number"),
                _s("action", "What the tester does"),
                _s("expected_result", "Expected result of the step"),
            ),
            _s("expected_result", "Expected result of the whole test case"),
        ),
    ),
    "validation_report": (
        *_PROTOCOL_HEAD,
        _s("acceptance_criteria", "Acceptance criteria of the validation"),
        _s("report_version", "Report version"),
        _s("report_status", "Report status"),
        _s("summary", "Summary of the validation written in the report"),
        _rows(
            "trace",
            "Function -> test case -> result: every function with the tests covering it and their result",
            _s("function", "The function of the system"),
            _s("process_risk", "High or Not high"),
            _s("test_case", "Test case code as the app shows it, TC-1 (empty when no test covers the function)"),
            _s("method", "Test method"),
            _s("result", "Passed, Failed, Blocked, Not run; or the justification / Not covered"),
        ),
        _rows(
            "evidence",
            "Evidence files recorded with the executions, with their sha256",
            _s("test_case", "The test the evidence was recorded for, as the app shows it (TC-1, or TC-1 step 2)"),
            _s("file", "File name"),
            _s("sha256", "sha256 of the file as stored"),
            _s("executed_at", "When the execution was recorded (UTC)"),
        ),
        _s("next_review", "Date the next periodic review of the system is due (once the report is approved)"),
        _rows(
            "executions",
            "Every execution of a test case",
            _s("test_case", "The test executed, as the app shows it: TC-2, or TC-1 step 2 for a step of a scripted test"),
            _s("tester", "Who executed the test"),
            _s("executed_at", "When (UTC)"),
            _s("tested_version", "Version of the system tested"),
            _s("actual_result", "Actual result; a correction then names the entry it corrects as this table shows it "
                                "(test, time, tester, outcome) and why"),
            _s("outcome", "Passed, Failed or Blocked"),
        ),
        _rows(
            "deviations",
            "Deviations found during execution",
            _s("number", "Deviation number as the app shows it (DEV-1)"),
            _s("test_case", "The test where it was found, as the app shows it (TC-1 step 2)"),
            _s("severity", "Severity"),
            _s("description", "What deviated"),
            _s("impact", "Impact on the intended use"),
            _s("disposition", "Fixed and retested, Accepted with rationale, Workaround or Procedural control"),
            _s("closure_rationale", "Why QA closed the deviation with that disposition (empty while it is open)"),
            _s("status", "Open or Closed"),
        ),
        _s(
            "outcome_counts",
            "Number of executions per outcome",
            _s("passed", "Executions that passed"),
            _s("failed", "Executions that failed"),
            _s("blocked", "Executions that were blocked"),
            _s("total", "All executions"),
        ),
        _s("conclusion", "Fit, Fit with restrictions or Not fit"),
        _s("restrictions", "Restrictions of use (for Fit with restrictions)"),
    ),
    "audit_extract": (
        _s("scope_description", "What this extract covers: the record and the records that belong to it, or a period"),
        _rows(
            "events",
            "Audit trail events, oldest first",
            _s("time", "Time of the event (UTC)"),
            _s("actor", "Who acted"),
            _s("action", "What happened: Create, Update, Status change, Sign, Login, or the event (Evaluation decided, ...)"),
            _s("entity", "The record: its kind and name"),
            _s("entity_id", "Id of the record"),
            _s("changes", "Changed fields (labels) with old and new values as a reader sees them, one a line"),
            _s("reason", "Reason given for the change"),
            _s("hash", "Hash of the event in the audit chain"),
        ),
    ),
}


def _attach(spec: _Spec, example: Any) -> Variable:
    """Pair a description with its example; a list's fields take the first row's values."""
    if spec.many:
        row = example[0] if example else {}
        fields = tuple(_attach(f, row.get(f.name)) for f in spec.fields)
    elif spec.fields:
        fields = tuple(_attach(f, (example or {}).get(f.name)) for f in spec.fields)
    else:
        fields = ()
    return Variable(spec.name, spec.description, example, fields, spec.many)


def example_context(doc_type: str) -> dict[str, Any]:
    """A complete demo context of a document type (fresh copy), for previews and tests."""
    require_document_type(doc_type)
    context = copy.deepcopy(examples.COMMON)
    context["document"]["title"] = DOCUMENT_TYPES[doc_type]
    context["document"]["number"] = examples.DOCUMENT_NUMBERS[doc_type]
    context.update(copy.deepcopy(examples.BY_TYPE[doc_type]))
    return context


def require_document_type(doc_type: str) -> None:
    """Only the eight known document types exist; anything else raises UnknownDocumentTypeError."""
    if doc_type not in DOCUMENT_TYPES:
        known = ", ".join(DOCUMENT_TYPES)
        raise UnknownDocumentTypeError(f"Unknown document type {doc_type!r}; known types: {known}")


def _build(doc_type: str) -> dict[str, Variable]:
    context = example_context(doc_type)
    return {s.name: _attach(s, context[s.name]) for s in (*_COMMON, *_SPECS[doc_type])}


VARIABLES: dict[str, dict[str, Variable]] = {t: _build(t) for t in DOCUMENT_TYPES}
COMMON_NAMES: frozenset[str] = frozenset(s.name for s in _COMMON)


def variables_for(doc_type: str) -> dict[str, Variable]:
    """The allowlisted top-level variables of a document type, by name."""
    require_document_type(doc_type)
    return VARIABLES[doc_type]


def allowed_names(doc_type: str) -> frozenset[str]:
    """Names a template of this document type may use at top level."""
    return frozenset(variables_for(doc_type))


def _example_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None or value == "":
        return "(empty)"
    text = str(value).replace("\n", " / ").replace("|", "\\|")
    return text if len(text) <= 60 else text[:57] + "..."


def _rows_of(variable: Variable, prefix: str) -> list[str]:
    path = f"{prefix}{variable.name}"
    if variable.many:
        lines = [f"| `{path}` | {variable.description} (list of rows) | {len(variable.example)} rows |"]
        for f in variable.fields:
            lines += _rows_of(f, f"{path}[].")
        return lines
    if variable.fields:
        lines = [f"| `{path}` | {variable.description} | |"]
        for f in variable.fields:
            lines += _rows_of(f, f"{path}.")
        return lines
    example = _example_text(variable.example).replace("<", "&lt;")
    return [f"| `{path}` | {variable.description} | {example} |"]


def markdown_reference() -> str:
    """The variables of every document type as Markdown tables (pasted into docs/templates.md)."""
    header = ["| Variable | Meaning | Example |", "|---|---|---|"]
    any_type = next(iter(DOCUMENT_TYPES))
    out = ["### Common to every document type", "", *header]
    for name in (s.name for s in _COMMON):
        out += _rows_of(VARIABLES[any_type][name], "")
    for doc_type, title in DOCUMENT_TYPES.items():
        out += ["", f"### `{doc_type}`: {title}", "", *header]
        for spec in _SPECS[doc_type]:
            out += _rows_of(VARIABLES[doc_type][spec.name], "")
    return "\n".join(out) + "\n"
