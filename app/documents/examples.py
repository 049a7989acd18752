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
            "meaning": "authored",
            "signed_at": "2026-11-19 14:12 UTC",
            "comment": "Prepared from the records in Provenance.",
        },
        {
            "printed_name": "Dana Quality",
            "meaning": "approved",
            "signed_at": "2026-11-20 16:04 UTC",
            "comment": "Approved; see the conditions above.",
        },
    ],
    "company": {"name": "Example Medical GmbH"},
}

# The validated system and its protocol, shared by the protocol and the report examples as
# contexts_validation shares them between the two documents.
TRACKIT_SYSTEM: dict[str, Any] = {
    "system_name": "TrackIt Cloud",
    "system_version": "2026.3",
    "system_supplier": TRICKY_NAME,
    "intended_use": "Record design reviews and link them to requirements.",
    "gamp_category": "4",
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
        "supplier_kind": "commercial_vendor",
        "supplier_criticality": "major",
        "supplier_scope": "Hosted issue tracker (OTSS) holding design-history records",
        "evaluation_type": "periodic",
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
        "evidence_figures": [
            {"code": "O2", "figure": "31 commits in 90 days", "source": "git history of https://github.com/pallets/flask at 1a2b3c4d5e6f",
             "measured": "2026-11-30", "proposed": "31", "answer": "31", "state": "accepted", "reason": ""},
            {"code": "O7", "figure": "Security-Policy 0/10: security policy file not detected",
             "source": "OpenSSF Scorecard v5.5.0 of github.com/pallets/flask", "measured": "2026-11-28",
             "proposed": "Neither", "answer": "A policy and published advisories", "state": "overridden",
             "reason": "SECURITY.md and GitHub advisories exist; Scorecard ran before they were added"},
        ],
        "score_sections": [
            {"section": "Quality system", "points": 34.0, "max_points": 40.0, "percentage": 85.0},
            {"section": "Support", "points": 25.0, "max_points": 30.0, "percentage": 83.3},
        ],
        "score_points": 59.0,
        "score_max_points": 70.0,
        "score_percentage": 84.3,
        "knock_out_hits": [],
        "suggested_decision": "approved",
        "final_decision": "conditionally_approved",
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
                "kind": "commercial_vendor",
                "criticality": "major",
                "status": "conditionally_approved",
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
                "kind": "open_source_project",
                "criticality": "critical",
                "status": "approved",
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
            "meaning": "reviewed",
            "signed_at": "2026-11-18 10:02 UTC",
            "comment": "Requirements adequate before ordering.",
        },
        "receipt_verifications": [
            {
                "date": "2026-11-19",
                "verified_by": "Sam Author",
                "version_received": "2026.3",
                "supplier": TRICKY_NAME,
                "result": "accepted",
                "notes": "Tenant and SSO checked against the acceptance criteria.",
            }
        ],
    },
    "soup_list": {
        "product_name": "Infusion Planner",
        "product_safety_class": "B",
        "release_version": "4.2.0",
        "release_status": "frozen",
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
                "licence_verdict": "allow",
                "requirements": "HTTP client for the dose-library service.",
                "hardware_software": "Python 3.11; TLS 1.2+",
                "hazards": "HAZ-12 wrong library version shown",
                "anomaly_review_date": "2026-11-02",
                "anomaly_review_conclusion": "acceptable",
                "status": "approved",
                "direct": True,
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
                "licence_verdict": "allow",
                "requirements": "Renders the planning screens.",
                "hardware_software": "Evergreen browser",
                "hazards": "HAZ-03 stale value displayed",
                "anomaly_review_date": "2026-10-28",
                "anomaly_review_conclusion": "needs_risk_control",
                "status": "evaluated",
                "direct": True,
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
                "licence_verdict": "allow",
                "requirements": "Transitive dependency of requests.",
                "hardware_software": "Python 3.11",
                "hazards": "",
                "anomaly_review_date": "2026-11-02",
                "anomaly_review_conclusion": "acceptable",
                "status": "in_use",
                "direct": False,
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
                "direct": True,
            }
        ],
        "removed": [
            {
                "name": "marshmallow",
                "version": "3.21.0",
                "manufacturer": "marshmallow-code",
                "licence": "MIT",
                "purl": "pkg:pypi/marshmallow@3.21.0",
                "direct": True,
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
        "protocol_status": "approved",
        "scope": "Issue workflow, electronic sign-off and audit log of the design-review project.",
        "requirements": "R1 a review cannot close without a sign-off.\nR2 every change is logged.",
        "acceptance_criteria": "All scripted tests pass; no open deviation of severity major.",
        "functions": [
            {
                "description": "Electronic sign-off of a design review",
                "use": "direct",
                "process_risk": "high",
                "rationale": "A wrong sign-off could release an unverified design.",
            },
            {
                "description": "Dashboards of open reviews",
                "use": "supporting",
                "process_risk": "not_high",
                "rationale": "Convenience view; records stay in the issues.",
            },
        ],
        "test_cases": [
            {
                "code": "TC-01",
                "function": "Electronic sign-off of a design review",
                "method": "scripted",
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
                "method": "unscripted_exploratory",
                "objective": "Dashboards list the open reviews of the project.",
                "steps": [],
                "expected_result": "No wrong or missing review found in 30 minutes of exploration.",
            },
        ],
    },
    "validation_report": {
        **TRACKIT_SYSTEM,
        "protocol_status": "executed",
        "scope": "Issue workflow, electronic sign-off and audit log of the design-review project.",
        "acceptance_criteria": "All scripted tests pass; no open deviation of severity major.",
        "report_version": "1",
        "report_status": "in_review",
        "executions": [
            {
                "test_case": "TC-01",
                "tester": "Robin Tester",
                "executed_at": "2026-11-12 10:15 UTC",
                "tested_version": "2026.3",
                "actual_result": "Closing refused without sign-off; closed after sign-off; the history shows A & B <Ltd>.",
                "outcome": "pass",
            },
            {
                "test_case": "TC-02",
                "tester": "Robin Tester",
                "executed_at": "2026-11-12 11:00 UTC",
                "tested_version": "2026.3",
                "actual_result": "Filter by assignee hides reviews with two assignees.",
                "outcome": "fail",
            },
        ],
        "deviations": [
            {
                "number": "DEV-1",
                "test_case": "TC-02",
                "severity": "minor",
                "description": "Dashboard filter by assignee hides multi-assignee reviews.",
                "impact": "None on records; users rely on the issue list.",
                "disposition": "procedural_control",
                "status": "closed",
            }
        ],
        "outcome_counts": {"passed": 1, "failed": 1, "blocked": 0, "total": 2},
        "conclusion": "fit_with_restrictions",
        "restrictions": "Do not use dashboards to decide which reviews are open.",
    },
    "audit_extract": {
        "scope_description": "Supplier SUP-0042, all events from 2026-11-01 to 2026-11-20",
        "events": [
            {
                "time": "2026-11-18 09:12:03 UTC",
                "actor": "Sam Author",
                "action": "update",
                "entity": "supplier",
                "entity_id": "42",
                "changes": "name: 'A & B' -> 'A & B <Ltd>'",
                "reason": "Legal name corrected",
                "hash": "9f2c6a1e0b7d4c3a8e5f1d2b6c9a0e7f3b4d5c6a7e8f9a0b1c2d3e4f5a6b7c8d",
            },
            {
                "time": "2026-11-20 16:04:11 UTC",
                "actor": TRICKY_NAME,
                "action": "token_used",
                "entity": "evaluation",
                "entity_id": "118",
                "changes": "",
                "reason": "",
                "hash": "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f809",
            },
        ],
    },
}
