"""Gather a release's traceability matrix (app.inventory.traceability.matrix) from the records: its SOUP
requirements, the product's risk controls with their hazards, and the test cases of its latest run. A fixed number of
queries, whatever the size of the release."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import ColumnElement, func, select

from app.extensions import db
from app.formatting import format_datetime
from app.inventory.models import Component, Release
from app.inventory.risks.models import Hazard, RiskControl, SoupHazardLink, hazard_controls
from app.inventory.traceability import matrix
from app.inventory.traceability.models import SoupRequirement, TestResult, TestResultLink
from app.inventory.traceability.rules import RequirementStatus
from app.inventory.traceability.services import _release_matches, latest_run, signed_rationales
from app.labels import label


def release_matrix(release: Release) -> matrix.Matrix:
    """The release's matrix: requirements (not retired) and risk controls, with the latest run's test cases."""
    run = latest_run(release)
    run_id = run.id if run is not None else None
    items = _requirement_items(release, run_id) + _control_items(release, run_id)
    unlinked: list[matrix.TestRef] = []
    if run_id is not None:
        linked = select(TestResultLink.test_case_id).where(TestResultLink.run_id == run_id)
        unlinked = [matrix.TestRef(name, classname, outcome) for name, classname, outcome in db.session.execute(
            select(TestResult.name, TestResult.classname, TestResult.outcome)
            .where(TestResult.run_id == run_id, TestResult.id.not_in(linked)).order_by(TestResult.position))]
    run_label = (f"run #{run.id} of {format_datetime(run.run_at)}" + (f" from {run.source}" if run.source else "")
                 + f": {run.tests} tests, {run.passed} passed, {run.failed} failed, {run.skipped} skipped"
                 ) if run is not None else ""
    return matrix.build(items, unlinked, run_label)


def _tests(run_id: int | None, *conditions: ColumnElement[bool]) -> dict[object, list[matrix.TestRef]]:
    found: dict[object, list[matrix.TestRef]] = defaultdict(list)
    if run_id is None:
        return found
    query = (select(TestResultLink.requirement_id, func.upper(TestResultLink.ref), TestResult.name,
                    TestResult.classname, TestResult.outcome)
             .join(TestResult, TestResult.id == TestResultLink.test_case_id)
             .where(TestResultLink.run_id == run_id, *conditions).order_by(TestResult.position))
    for requirement_id, ref, name, classname, outcome in db.session.execute(query):
        found[requirement_id if requirement_id is not None else ref].append(matrix.TestRef(name, classname, outcome))
    return found


def _requirement_items(release: Release, run_id: int | None) -> list[matrix.Item]:
    matches = list(db.session.execute(_release_matches(release)))
    if not matches:
        return []
    requirement_ids = sorted({row.requirement_id for row in matches})
    requirements = {r.id: r for r in db.session.scalars(select(SoupRequirement).where(
        SoupRequirement.id.in_(requirement_ids), SoupRequirement.status != RequirementStatus.RETIRED))}
    components = {row.id: row for row in db.session.execute(
        select(Component.id, Component.name, Component.version, Component.safety_class)
        .where(Component.id.in_(sorted({row.component_id for row in matches}))))}
    per_requirement: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for row in matches:
        component = components[row.component_id]
        per_requirement[row.requirement_id].append((
            f"{component.name} {component.version}".strip() + ("" if row.current else " (to re-assess)"),
            component.safety_class))
    tests = _tests(run_id, TestResultLink.requirement_id.in_(list(requirements)))
    rationales = signed_rationales(requirements)
    return [matrix.Item(
        kind=matrix.REQUIREMENT, identifier=requirement.identifier,
        text=f"{label(requirement.kind)}: {requirement.text}" + (
            f" (accepted when: {requirement.acceptance_criterion})" if requirement.acceptance_criterion else ""),
        components=tuple(sorted({name for name, _ in per_requirement[requirement.id]})),
        safety_class=max((cls for _, cls in per_requirement[requirement.id]), default=""),
        tests=tuple(tests.get(requirement.id, ())), rationale=requirement.id in rationales,
    ) for requirement in requirements.values()]


def _control_items(release: Release, run_id: int | None) -> list[matrix.Item]:
    controls = list(db.session.scalars(select(RiskControl).where(RiskControl.product_id == release.product_id)))
    if not controls:
        return []
    hazards: dict[int, list[str]] = defaultdict(list)
    hazard_ids: dict[int, list[int]] = defaultdict(list)
    for control_id, hazard_id, code in db.session.execute(
            select(hazard_controls.c.risk_control_id, Hazard.id, Hazard.code)
            .join(Hazard, Hazard.id == hazard_controls.c.hazard_id)
            .where(Hazard.product_id == release.product_id).order_by(Hazard.code)):
        hazards[control_id].append(code)
        hazard_ids[control_id].append(hazard_id)
    soup: dict[int, set[str]] = defaultdict(set)
    for hazard_id, name in db.session.execute(select(SoupHazardLink.hazard_id, SoupHazardLink.display_name)
                                              .where(SoupHazardLink.product_id == release.product_id)):
        soup[hazard_id].add(name)
    tests = _tests(run_id, TestResultLink.requirement_id.is_(None),
                   func.upper(TestResultLink.ref).in_([control.code.upper() for control in controls]))
    return [matrix.Item(
        kind=matrix.RISK_CONTROL, identifier=control.code, text=control.measure,
        hazards=tuple(hazards.get(control.id, ())),
        components=tuple(sorted({name for hazard_id in hazard_ids.get(control.id, ()) for name in soup[hazard_id]})),
        tests=tuple(tests.get(control.code.upper(), ())),
    ) for control in controls]
