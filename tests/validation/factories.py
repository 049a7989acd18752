"""Plain factories for validation tests: a supplier, a system with functions, a protocol at any stage."""

from __future__ import annotations

from app.auth.models import User
from app.extensions import db
from app.suppliers.models import Supplier
from app.validation import services
from app.validation.models import Protocol, Report, SoftwareSystem
from app.validation.rules import Outcome, ProcessRisk, TestMethod
from tests.helpers import PASSWORD


def make_supplier(code: str = "ATL") -> Supplier:
    supplier = Supplier(code=code, name=f"{code} Software Ltd")
    db.session.add(supplier)
    db.session.flush()
    return supplier


def make_system(by: User, *risks: str, product: str = "Issue tracker") -> SoftwareSystem:
    """A planned system with one function per given risk (default: one high, one not high)."""
    supplier = db.session.query(Supplier).first() or make_supplier()
    system = services.create_system(
        services.SystemData(
            supplier_id=supplier.id, product=product, version_in_use="9.1", deployment="saas",
            intended_use="Track CAPA and complaint actions", qms_processes="CAPA, complaints", in_scope=True,
            scope_rationale="Holds CAPA records", holds_part11_records=True, gamp_category="4",
        ),
        by,
    )
    for number, risk in enumerate(risks or (ProcessRisk.HIGH, ProcessRisk.NOT_HIGH), start=1):
        services.add_function(system, by, description=f"Function {number}", use="direct", process_risk=risk,
                              rationale="Determined in the risk workshop")
    return system


def write_protocol(system: SoftwareSystem, author: User) -> Protocol:
    """A draft covering every function: scripted (two steps) for high risk, exploratory for the rest."""
    protocol = services.create_protocol(system, author)
    services.update_protocol(protocol, author, system_version=system.version_in_use, scope="Whole system",
                             requirements="Records are kept", acceptance_criteria="All tests pass")
    for function in system.functions:
        if function.process_risk == ProcessRisk.HIGH:
            case = services.add_test_case(protocol, author, method=TestMethod.SCRIPTED,
                                          objective=f"Check {function.description}", function_id=function.id)
            services.add_step(case, author, action="Open the record", expected_result="The record shows")
            services.add_step(case, author, action="Close the record", expected_result="It is closed")
        else:
            services.add_test_case(protocol, author, method=TestMethod.UNSCRIPTED_EXPLORATORY,
                                   objective=f"Explore {function.description}", function_id=function.id,
                                   expected_result="Works as intended")
    return protocol


def approved_protocol(system: SoftwareSystem, author: User, reviewer: User, qa: User) -> Protocol:
    protocol = write_protocol(system, author)
    services.submit_protocol(protocol, author, password=PASSWORD)
    services.review_protocol(protocol, reviewer, password=PASSWORD)
    services.approve_protocol(protocol, qa, password=PASSWORD)
    return protocol


def execute_all(protocol: Protocol, tester: User, *, fail_first: bool = False) -> None:
    """Record a result for every step / unscripted case; optionally the very first one fails."""
    services.start_execution(protocol, tester)
    first = True
    for case in protocol.test_cases:
        targets = [step.id for step in case.steps] if case.is_scripted else [None]
        for step_id in targets:
            outcome = Outcome.FAIL if (fail_first and first) else Outcome.PASS
            services.record_execution(protocol, tester, test_case_id=case.id, test_step_id=step_id,
                                      tested_version=protocol.system_version, actual_result="As expected",
                                      outcome=outcome)
            first = False


def close_deviations(protocol: Protocol, qa: User) -> None:
    """QA closes every open deviation of the protocol with a signature, keeping its severity."""
    for deviation in protocol.deviations:
        if deviation.status == "open":
            services.close_deviation(deviation, qa, severity=deviation.severity, impact="None",
                                     disposition="workaround", rationale="A work instruction covers it", password=PASSWORD)


def release_report(report: Report, author: User, qa: User) -> None:
    """The report's author signs it as authored, then QA approves it (the two signatures of a report)."""
    services.sign_report(report, author, password=PASSWORD)
    services.approve_report(report, qa, password=PASSWORD)
