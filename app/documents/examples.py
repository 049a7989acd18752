"""Demo values for every document type, used to preview a template and to document its variables.

The values are plain JSON-like data of exactly the shape the web layer builds
(app/documents/contexts/): dates are already formatted text, numbers are numbers.
Every type carries at least one signature and one row holding ``A & B <Ltd>`` so a
preview shows at once whether escaping works.
"""

from __future__ import annotations

from typing import Any

TRICKY_NAME = "A & B <Ltd>"

COMMON: dict[str, Any] = {
    "document": {
        "title": "",  # set per type by example_context()
        "number": "",
        "revision": "2",
        "date": "2026-11-20",
        "generated_at": "2026-11-21 09:30 UTC",
        "generated_by": "Dana Quality",
    },
    "draft": True,
    "signatures": [
        {
            "printed_name": "Sam Author",
            "meaning": "Authored",
            "signed_at": "2026-11-19 14:12:05 UTC",
            "comment": "Prepared from the records in Provenance.",
            "record": "Supplier evaluation of A & B <Ltd> (SUP-0042), version 3",
            "content_hash": "3f1c9a7e5b2d4c6a8e0f1b3d5c7a9e1f2b4d6c8a0e2f4b6d8c0a2e4f6b8d0c2a",
        },
        {
            "printed_name": "Dana Quality",
            "meaning": "Approved",
            "signed_at": "2026-11-20 16:04:41 UTC",
            "comment": "Approved; see the conditions above.",
            "record": "Supplier evaluation of A & B <Ltd> (SUP-0042), version 4",
            "content_hash": "9b2e4d6f8a0c2e4b6d8f0a2c4e6b8d0f1a3c5e7b9d1f3a5c7e9b1d3f5a7c9e1b",
        },
    ],
    "company": {"name": "Example Medical GmbH"},
    "procedure": {"reference": "SOP-PUR-001", "title": "Purchasing and supplier control"},
    "revisions": [
        {"revision": "1", "date": "2026-11-19", "author": "Sam Author", "reason": "First issue"},
        {"revision": "2", "date": "2026-11-20", "author": "Dana Quality", "reason": "Changed: Final decision, Signatures"},
    ],
    "control": {
        "prepared": {"name": "Sam Author", "date": "2026-11-19 14:12:05 UTC", "meaning": "Authored"},
        "reviewed": {"name": "", "date": "", "meaning": ""},
        "approved": {"name": "Dana Quality", "date": "2026-11-20 16:04:41 UTC", "meaning": "Approved"},
    },
}

# The validated system and its protocol, shared by the protocol and the report examples as
# contexts_validation shares them between the two documents.
TRACKIT_SYSTEM: dict[str, Any] = {
    "system_name": "TrackIt Cloud",
    "system_version": "2026.3",
    "system_supplier": TRICKY_NAME,
    "intended_use": "Record design reviews and link them to requirements.",
    "gamp_category": "4 – Configured product",
    "protocol_version": "1",
}

DOCUMENT_NUMBERS: dict[str, str] = {
    "supplier_evaluation": "SE-2026-014",
    "approved_supplier_list": "ASL-2026-11",
    "purchasing_information": "PI-2026-031",
    "soup_list": "SOUP-INF-4.2.0",
    "release_diff": "DIFF-INF-4.2.0",
    "validation_protocol": "VP-JIRA-007",
    "validation_report": "VR-JIRA-007",
    "audit_extract": "AX-2026-003",
}

BY_TYPE: dict[str, dict[str, Any]] = {
    "supplier_evaluation": {
        "supplier_name": TRICKY_NAME,
        "supplier_code": "SUP-0042",
        "supplier_kind": "Commercial vendor",
        "supplier_criticality": "Major",
        "supplier_scope": "Hosted issue tracker (OTSS) holding design-history records",
        "evaluation_type": "Periodic",
        "template_name": "Commercial vendor",
        "template_version": "3",
        "questions": [
            {
                "section": "General",
                "code": "G1",
                "text": "Legal name of the contracting entity",
                "answer": TRICKY_NAME,
                "evidence_files": "",
                "points": None,
                "max_points": None,
                "weight": None,
                "knock_out": False,
            },
            {
                "section": "Quality system",
                "code": "C1",
                "text": "Does the company hold a QMS certificate (ISO 13485 or ISO 9001)?",
                "answer": "ISO 9001",
                "evidence_files": "iso9001-certificate-2026.pdf",
                "points": 7,
                "max_points": 10,
                "weight": 2,
                "knock_out": False,
            },
            {
                "section": "Quality system",
                "code": "C7",
                "text": "Are known bugs published per release?",
                "answer": "public",
                "evidence_files": "release-notes-link.txt, known-issues-2026.pdf",
                "points": 10,
                "max_points": 10,
                "weight": 2,
                "knock_out": False,
            },
            {
                "section": "Support",
                "code": "C9",
                "text": "Are updates and security patches provided for the version we use?",
                "answer": "yes",
                "evidence_files": "",
                "points": 10,
                "max_points": 10,
                "weight": 2,
                "knock_out": False,
            },
            {
                "section": "Support",
                "code": "C10",
                "text": "How long does a fix of a critical vulnerability take?",
                "answer": "<= 90 days",
                "evidence_files": "",
                "points": 5,
                "max_points": 10,
                "weight": 1,
                "knock_out": False,
            },
        ],
        "score_sections": [
            {"section": "Quality system", "points": 34.0, "max_points": 40.0, "percentage": 85.0},
            {"section": "Support", "points": 25.0, "max_points": 30.0, "percentage": 83.3},
        ],
        "score_points": 59.0,
        "score_max_points": 70.0,
        "score_percentage": 84.3,
        "knock_out_hits": [],
        "suggested_decision": "Approved",
        "final_decision": "Conditionally approved",
        "conditions": "Provide the ISO 13485 certificate once issued.\nRe-check patch delays in 6 months.",
        "rationale": "Good release transparency; fix delay for critical vulnerabilities is long.",
        "next_due": "2027-05-20",
    },
    "approved_supplier_list": {
        "snapshot_date": "2026-11-20",
        "suppliers": [
            {
                "supplier": TRICKY_NAME,
                "code": "SUP-0042",
                "scope": "Hosted issue tracker (OTSS)",
                "kind": "Commercial vendor",
                "criticality": "Major",
                "status": "Conditionally approved",
                "last_score": 84.3,
                "last_evaluation_date": "2026-11-20",
                "conditions": "Provide the ISO 13485 certificate once issued.",
                "certificates": "ISO 9001 (valid until 2027-03-31)",
                "next_due": "2027-05-20",
                "approver": "Dana Quality",
            },
            {
                "supplier": "Python Software Foundation",
                "code": "OSS-0007",
                "scope": "CPython runtime (SOUP)",
                "kind": "Open-source project",
                "criticality": "Critical",
                "status": "Approved",
                "last_score": 91.0,
                "last_evaluation_date": "2026-02-03",
                "conditions": "",
                "certificates": "",
                "next_due": "2027-02-03",
                "approver": "Dana Quality",
            },
        ],
    },
    "purchasing_information": {
        "supplier_name": TRICKY_NAME,
        "supplier_code": "SUP-0042",
        "product": "TrackIt Cloud",
        "version": "2026.3",
        "specification": "Hosted issue tracker, EU region, SSO via SAML, 50 named users.",
        "acceptance_criteria": "Tenant reachable over HTTPS; SSO login works; audit log export available.",
        "qms_requirements": "Notify changes 30 days before release; keep records 15 years.",
        "change_notification_agreed": True,
        "licence": "Proprietary subscription (contract 2026-118)",
        "adequacy_review": {
            "printed_name": "Dana Quality",
            "meaning": "Reviewed",
            "signed_at": "2026-11-18 10:02:17 UTC",
            "comment": "Requirements adequate before ordering.",
            "record": "Purchasing information PO-2026-118 from A & B <Ltd>, version 2",
            "content_hash": "5d7f9b1d3f5a7c9e1b3d5f7a9c1e3b5d7f9a1c3e5b7d9f1a3c5e7b9d1f3a5c7e",
        },
        "receipt_verifications": [
            {
                "date": "2026-11-19",
                "verified_by": "Sam Author",
                "version_received": "2026.3",
                "supplier": TRICKY_NAME,
                "result": "Accepted",
                "notes": "Tenant and SSO checked against the acceptance criteria.",
            }
        ],
    },
    "soup_list": {
        "product_name": "Infusion Planner",
        "product_safety_class": "B",
        "release_version": "4.2.0",
        "release_status": "Frozen",
        "components": [
            {
                "name": "requests",
                "manufacturer": "Python Software Foundation",
                "version": "2.32.3",
                "purl": "pkg:pypi/requests@2.32.3",
                "ecosystem": "PyPI",
                "classification": "SOUP",
                "safety_class": "B",
                "licence": "Apache-2.0",
                "licence_verdict": "Allow",
                "requirements": "HTTP client for the dose-library service.",
                "hardware_software": "Python 3.11; TLS 1.2+",
                "hazards": "HAZ-12 wrong library version shown",
                "anomaly_review_date": "2026-11-02",
                "anomaly_review_conclusion": "Acceptable",
                "status": "Approved",
                "direct": "Direct",
            },
            {
                "name": "@angular/core",
                "manufacturer": TRICKY_NAME,
                "version": "18.2.1",
                "purl": "pkg:npm/%40angular/core@18.2.1",
                "ecosystem": "npm",
                "classification": "SOUP",
                "safety_class": "B",
                "licence": "MIT",
                "licence_verdict": "Allow",
                "requirements": "Renders the planning screens.",
                "hardware_software": "Evergreen browser",
                "hazards": "HAZ-03 stale value displayed",
                "anomaly_review_date": "2026-10-28",
                "anomaly_review_conclusion": "Needs a risk control",
                "status": "Evaluated",
                "direct": "Direct",
            },
            {
                "name": "urllib3",
                "manufacturer": "urllib3 maintainers",
                "version": "2.2.2",
                "purl": "pkg:pypi/urllib3@2.2.2",
                "ecosystem": "PyPI",
                "classification": "SOUP",
                "safety_class": "B",
                "licence": "MIT",
                "licence_verdict": "Allow",
                "requirements": "Transitive dependency of requests.",
                "hardware_software": "Python 3.11",
                "hazards": "",
                "anomaly_review_date": "2026-11-02",
                "anomaly_review_conclusion": "Acceptable",
                "status": "In use",
                "direct": "Transitive",
            },
        ],
    },
    "release_diff": {
        "product_name": "Infusion Planner",
        "from_version": "4.1.0",
        "to_version": "4.2.0",
        "added": [
            {
                "name": "pydantic",
                "version": "2.9.2",
                "manufacturer": TRICKY_NAME,
                "licence": "MIT",
                "purl": "pkg:pypi/pydantic@2.9.2",
                "direct": "Direct",
            }
        ],
        "removed": [
            {
                "name": "marshmallow",
                "version": "3.21.0",
                "manufacturer": "marshmallow-code",
                "licence": "MIT",
                "purl": "pkg:pypi/marshmallow@3.21.0",
                "direct": "Direct",
            }
        ],
        "upgraded": [{"name": "requests", "from_version": "2.31.0", "to_version": "2.32.3", "licence": "Apache-2.0"}],
        "downgraded": [{"name": "idna", "from_version": "3.8", "to_version": "3.7", "licence": "BSD-3-Clause"}],
        "licence_changed": [
            {"name": "redis", "version": "7.4.1", "from_licence": "BSD-3-Clause", "to_licence": "RSALv2 OR SSPLv1"}
        ],
    },
    "validation_protocol": {
        **TRACKIT_SYSTEM,
        "protocol_status": "Approved",
        "scope": "Issue workflow, electronic sign-off and audit log of the design-review project.",
        "requirements": "R1 a review cannot close without a sign-off.\nR2 every change is logged.",
        "acceptance_criteria": "All scripted tests pass; no open deviation of severity major.",
        "functions": [
            {
                "description": "Electronic sign-off of a design review",
                "use": "Direct",
                "process_risk": "High",
                "rationale": "A wrong sign-off could release an unverified design.",
            },
            {
                "description": "Dashboards of open reviews",
                "use": "Supporting",
                "process_risk": "Not high",
                "rationale": "Convenience view; records stay in the issues.",
            },
        ],
        "test_cases": [
            {
                "code": "TC-01",
                "function": "Electronic sign-off of a design review",
                "method": "Scripted",
                "objective": "A review cannot be closed without a sign-off by a second person.",
                "steps": [
                    {
                        "number": 1,
                        "action": "Open review DR-1 as the author and try to close it.",
                        "expected_result": "Closing is refused: sign-off missing.",
                    },
                    {
                        "number": 2,
                        "action": "Sign off DR-1 as reviewer, then close it.",
                        "expected_result": "Review closed; sign-off shows name and time.",
                    },
                    {
                        "number": 3,
                        "action": "Rename DR-1 to A & B <Ltd> and open its history.",
                        "expected_result": TRICKY_NAME,
                    },
                ],
                "expected_result": "Only a signed-off review can be closed.",
            },
            {
                "code": "TC-02",
                "function": "Dashboards of open reviews",
                "method": "Unscripted (exploratory)",
                "objective": "Dashboards list the open reviews of the project.",
                "steps": [],
                "expected_result": "No wrong or missing review found in 30 minutes of exploration.",
            },
        ],
    },
    "validation_report": {
        **TRACKIT_SYSTEM,
        "protocol_status": "Executed",
        "scope": "Issue workflow, electronic sign-off and audit log of the design-review project.",
        "acceptance_criteria": "All scripted tests pass; no open deviation of severity major.",
        "report_version": "1",
        "report_status": "Draft",
        "executions": [
            {
                "test_case": "TC-01",
                "tester": "Robin Tester",
                "executed_at": "2026-11-12 10:15 UTC",
                "tested_version": "2026.3",
                "actual_result": "Closing refused without sign-off; closed after sign-off; the history shows A & B <Ltd>.",
                "outcome": "Passed",
            },
            {
                "test_case": "TC-02",
                "tester": "Robin Tester",
                "executed_at": "2026-11-12 11:00 UTC",
                "tested_version": "2026.3",
                "actual_result": "Filter by assignee hides reviews with two assignees.",
                "outcome": "Failed",
            },
        ],
        "deviations": [
            {
                "number": "DEV-1",
                "test_case": "TC-02",
                "severity": "Minor",
                "description": "Dashboard filter by assignee hides multi-assignee reviews.",
                "impact": "None on records; users rely on the issue list.",
                "disposition": "Procedural control",
                "status": "Closed",
            }
        ],
        "outcome_counts": {"passed": 1, "failed": 1, "blocked": 0, "total": 2},
        "conclusion": "Fit with restrictions",
        "restrictions": "Do not use dashboards to decide which reviews are open.",
    },
    "audit_extract": {
        "scope_description": "Supplier SUP-0042, all events from 2026-11-01 to 2026-11-20",
        "events": [
            {
                "time": "2026-11-18 09:12:03 UTC",
                "actor": "Sam Author",
                "action": "Update",
                "entity": "Supplier: SUP-0042 A & B <Ltd>",
                "entity_id": "42",
                "changes": "Name: A & B -> A & B <Ltd>\nApproved by:  -> Dana Quality",
                "reason": "Legal name corrected",
                "hash": "9f2c6a1e0b7d4c3a8e5f1d2b6c9a0e7f3b4d5c6a7e8f9a0b1c2d3e4f5a6b7c8d",
            },
            {
                "time": "2026-11-20 16:04:11 UTC",
                "actor": TRICKY_NAME,
                "action": "Supplier link used",
                "entity": "Evaluation: SUP-0042 periodic",
                "entity_id": "118",
                "changes": "",
                "reason": "",
                "hash": "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f809",
            },
        ],
    },
}
