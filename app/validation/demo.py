"""Demo data for validation: an issue tracker released with its full signed history, and a CI service
in execution with an open deviation. Idempotent: systems and suppliers are found by name and code."""

from __future__ import annotations

from typing import Any, TypedDict

from sqlalchemy import select

from app.auth.models import User
from app.extensions import db
from app.suppliers.demo import demo_supplier
from app.suppliers.models import Supplier, SupplierKind
from app.validation import services
from app.validation.models import Protocol, SoftwareSystem
from app.validation.rules import Outcome, ProcessRisk, TestMethod

# The demo tools' suppliers: Atlassian is the approved demo supplier SUP-004; GitLab is new, a candidate.
GITLAB = ("GitLab Inc.", SupplierKind.COMMERCIAL_VENDOR, "Source control and CI/CD (GitLab SaaS)")


class ProtocolTexts(TypedDict):
    """The texts of a demo protocol, as update_protocol takes them."""

    system_version: str
    scope: str
    requirements: str
    acceptance_criteria: str


def supplier(code: str) -> Supplier:
    """The demo supplier with this code, created when missing: the demo register's own (SUP-...), or GitLab."""
    if code.startswith("SUP-"):
        return demo_supplier(code)
    found = db.session.scalar(select(Supplier).where(Supplier.code == code))
    if found is None:
        name, kind, scope = GITLAB
        found = Supplier(code=code, name=name, kind=kind, scope=scope)
        db.session.add(found)
        db.session.flush()
    return found


def _system(product: str, code: str, by: User, **fields: Any) -> SoftwareSystem | None:
    if db.session.scalar(select(SoftwareSystem.id).where(SoftwareSystem.product == product)):
        return None  # already seeded
    return services.create_system(services.SystemData(supplier_id=supplier(code).id, product=product, **fields), by)


def _protocol(system: SoftwareSystem, author: User, texts: ProtocolTexts, cases: list[dict[str, Any]]) -> Protocol:
    protocol = services.create_protocol(system, author)
    services.update_protocol(protocol, author, **texts)
    by_description = {f.description: f for f in system.functions}
    for spec in cases:
        case = services.add_test_case(
            protocol, author, method=spec["method"], objective=spec["objective"],
            function_id=by_description[spec["function"]].id, expected_result=spec.get("expected", ""),
        )
        for action, expected in spec.get("steps", []):
            services.add_step(case, author, action=action, expected_result=expected)
    return protocol


def _execute(protocol: Protocol, tester: User, failing_step: tuple[int, int] | None) -> None:
    """A result for every step; the step (case order, step order) given fails with a realistic result."""
    services.start_execution(protocol, tester)
    for case in protocol.test_cases:
        targets = [(s.id, s.order) for s in case.steps] if case.is_scripted else [(None, 0)]
        for step_id, order in targets:
            failed = failing_step == (case.order, order)
            services.record_execution(
                protocol, tester, test_case_id=case.id, test_step_id=step_id,
                tested_version=protocol.system_version,
                actual_result="The transition is refused: the approver group is missing from the workflow scheme."
                if failed else "As expected.",
                outcome=Outcome.FAIL if failed else Outcome.PASS,
            )


def seed_validation(users: dict[str, User], *, password: str, **_options: object) -> None:
    """Two systems: Jira released with its full history, GitLab CI in execution with an open deviation; the users
    sign with the demo password."""
    engineer, reviewer, qa = users["engineer"], users["reviewer"], users["qa"]
    jira = _system(
        "Jira Software Cloud", "SUP-004", engineer, version_in_use="Cloud 2026.10", deployment="saas",
        intended_use="Track CAPA, complaints and design changes with approval workflows.",
        qms_processes="CAPA (8.5.2), complaint handling (8.2.2), change control (7.3.9)", in_scope=True,
        scope_rationale="CAPA and complaint records are quality records used for regulatory decisions.",
        holds_part11_records=True, gamp_category="4",
        inventory_component_ref="pkg:generic/atlassian/jira-software-cloud",
    )
    if jira is not None:
        services.add_function(jira, engineer, description="Approve and close a CAPA", use="direct",
                              process_risk=ProcessRisk.HIGH,
                              rationale="A wrong closure lets a CAPA end without verified effectiveness.")
        services.add_function(jira, engineer, description="Search and report on complaints", use="supporting",
                              process_risk=ProcessRisk.NOT_HIGH,
                              rationale="Reports are checked against the records; an error is seen at once.")
        protocol = _protocol(jira, engineer, {
            "system_version": "Cloud 2026.10", "scope": "CAPA workflow and complaint search as configured.",
            "requirements": "Only the CAPA owner's manager can approve; every transition is kept in the history.",
            "acceptance_criteria": "All scripted steps pass; deviations are closed with a disposition.",
        }, [
            {"method": TestMethod.SCRIPTED, "objective": "CAPA approval follows the configured workflow",
             "function": "Approve and close a CAPA", "steps": [
                 ("Create a CAPA as engineer and submit it", "The CAPA is in 'Awaiting approval'"),
                 ("Approve it as the owner's manager", "The CAPA moves to 'Approved' and the history shows who"),
                 ("Try to approve as another engineer", "The transition is not offered"),
             ]},
            {"method": TestMethod.UNSCRIPTED_EXPLORATORY, "objective": "Explore complaint search and filters",
             "function": "Search and report on complaints", "expected": "Results match the records"},
        ])
        services.submit_protocol(protocol, engineer, password=password, comment="Ready for review")
        services.review_protocol(protocol, reviewer, password=password)
        services.approve_protocol(protocol, qa, password=password)
        _execute(protocol, engineer, failing_step=(1, 2))
        case = protocol.test_cases[0]
        services.record_execution(protocol, engineer, test_case_id=case.id, test_step_id=case.steps[1].id,
                                  tested_version="Cloud 2026.10", outcome=Outcome.PASS,
                                  actual_result="After adding the approver group, the CAPA moves to 'Approved'.")
        services.close_deviation(protocol.deviations[0], qa, severity="major",
                                 impact="Approvals were impossible until configured; no record was affected.",
                                 disposition="fixed_retested", rationale="Approver group added; step 2 retested.",
                                 password=password)
        report = services.complete_execution(protocol, engineer)
        services.save_report(report, engineer, conclusion="fit", restrictions="",
                             summary="Fit for CAPA and complaint handling as configured.")
        services.sign_report(report, engineer, password=password)
        services.approve_report(report, qa, password=password, comment="Released for use")

    gitlab = _system(
        "GitLab CI", "GITLAB", engineer, version_in_use="18.5", deployment="saas",
        intended_use="Build, test and package the device software; keep the release pipeline records.",
        qms_processes="Software release (IEC 62304 5.8), configuration management", in_scope=True,
        scope_rationale="Release builds go into the device; pipeline records are release evidence.",
        holds_part11_records=False, gamp_category="4",
    )
    if gitlab is not None:
        services.add_function(gitlab, engineer, description="Build the release artefact from a tagged commit",
                              use="direct", process_risk=ProcessRisk.HIGH,
                              rationale="A wrong artefact reaches patients undetected.")
        services.add_function(gitlab, engineer, description="Show pipeline history", use="supporting",
                              process_risk=ProcessRisk.NOT_HIGH, rationale="Informational only.")
        protocol = _protocol(gitlab, engineer, {
            "system_version": "18.5", "scope": "Release pipeline of the device software.",
            "requirements": "A tag builds exactly the tagged commit; the artefact checksum is recorded.",
            "acceptance_criteria": "All scripted steps pass.",
        }, [
            {"method": TestMethod.SCRIPTED, "objective": "A tag builds exactly the tagged commit",
             "function": "Build the release artefact from a tagged commit", "steps": [
                 ("Push tag v1.2.3 on a known commit", "A release pipeline starts for that commit"),
                 ("Compare the artefact checksum with a local build", "The checksums are equal"),
             ]},
            {"method": TestMethod.UNSCRIPTED_AD_HOC, "objective": "Look through the pipeline history",
             "function": "Show pipeline history", "expected": "Every run is listed with its commit"},
        ])
        services.submit_protocol(protocol, engineer, password=password)
        services.review_protocol(protocol, reviewer, password=password)
        services.approve_protocol(protocol, qa, password=password)
        _execute(protocol, engineer, failing_step=(1, 2))
