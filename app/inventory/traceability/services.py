"""SOUP requirements and test results: the rules and the writes. Services flush; the view, CLI or API call commits.

A requirement is recorded for package versions (`RequirementPackage.version_key` is the components' `review_key`:
OSV ecosystem, normalised name, version), so a release shipping a recorded version sees it as current, and a release
shipping another version of the package sees it to re-assess until someone confirms it for that version.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy import Connection, Select, Table, bindparam, func, insert, or_, select, update
from sqlalchemy import case as when

from app.audit import services as audit
from app.auth.models import User
from app.db import utcnow
from app.errors import PermissionDenied, StaleEdit, ValidationFailed
from app.extensions import db
from app.inventory.models import Component, ImportChannel, Product, Release
from app.inventory.risks.models import RiskControl
from app.inventory.traceability import junit, policies, rules
from app.inventory.traceability.models import (
    RequirementPackage,
    SoupRequirement,
    TestResult,
    TestResultLink,
    TestResultRun,
    VerificationRationale,
)
from app.inventory.workflow import ComponentStatus, ReleaseFrozen
from app.signatures.models import Meaning
from app.signatures.services import SignTarget, sign

KIND_VALUES = frozenset(rules.RequirementKind)
STATUS_VALUES = frozenset(rules.RequirementStatus)


def package_of(component: Component) -> tuple[str, str]:
    """The package identity (OSV ecosystem TAB normalised name) and version key of a component."""
    key = component.review_key or ""
    return key.rsplit("\t", 1)[0], key


# --- requirements --------------------------------------------------------------------------------


def _require_editor(by: User | None) -> None:
    if not policies.can_edit_requirements(by):
        raise PermissionDenied("You may not change SOUP requirements.")


def _clean(values: dict[str, Any]) -> dict[str, str]:
    kind = str(values.get("kind") or rules.RequirementKind.FUNCTIONAL)
    status = str(values.get("status") or rules.RequirementStatus.DRAFT)
    if kind not in KIND_VALUES:
        raise ValidationFailed(f"Unknown kind of requirement {kind!r}.")
    if status not in STATUS_VALUES:
        raise ValidationFailed(f"Unknown requirement status {status!r}.")
    text = str(values.get("text") or "").strip()
    if not text:
        raise ValidationFailed("Write the requirement.")
    return {"kind": kind, "status": status, "text": text,
            "acceptance_criterion": str(values.get("acceptance_criterion") or "").strip()}


def _identifier(product: Product, given: str, *, current: SoupRequirement | None = None) -> str:
    identifier = rules.normalise_identifier(given)
    taken = set(db.session.scalars(select(SoupRequirement.identifier).where(SoupRequirement.product_id == product.id)))
    if current is not None:
        taken.discard(current.identifier)
    if not identifier:
        return rules.next_identifier(taken)
    if not rules.is_identifier(identifier):
        raise ValidationFailed(f"{given!r} is not an ID of the form PREFIX-NUMBER, e.g. SOUP-REQ-12.")
    if identifier in taken:
        raise ValidationFailed(f"{identifier} is already a requirement of {product.name}.")
    return identifier


def create_requirement(product: Product, components: Sequence[Component], values: dict[str, Any], *,
                       by: User | None) -> SoupRequirement:
    """A new requirement of the product, recorded for the versions of the given components (one or a family)."""
    _require_editor(by)
    if not components:
        raise ValidationFailed("Choose the component(s) the requirement is about.")
    if any(component.release.product_id != product.id for component in components):
        raise ValidationFailed("A requirement names components of its own product only.")
    requirement = SoupRequirement(product_id=product.id, identifier=_identifier(product, str(values.get("identifier")
                                  or "")), created_by_id=by.id if by else None, **_clean(values))
    db.session.add(requirement)
    db.session.flush()
    for component in components:
        _record_for(requirement, component, by)
    _resolve_links(product.id, requirement)
    return requirement


def update_requirement(requirement: SoupRequirement, values: dict[str, Any], *, by: User | None,
                       expected_version: int | None = None) -> SoupRequirement:
    """Edit a requirement in place; a stale edit (someone saved meanwhile) is refused."""
    _require_editor(by)
    if expected_version is not None and expected_version != requirement.version:
        raise StaleEdit(f"{requirement.identifier} was changed meanwhile; reload it and edit again.")
    cleaned = _clean(values)
    identifier = _identifier(requirement.product, str(values.get("identifier") or requirement.identifier),
                             current=requirement)
    renamed = identifier != requirement.identifier
    requirement.identifier = identifier
    for name, value in cleaned.items():
        setattr(requirement, name, value)
    db.session.flush()
    if renamed:
        db.session.execute(update(TestResultLink).where(TestResultLink.requirement_id == requirement.id)
                           .values(requirement_id=None))
        _resolve_links(requirement.product_id, requirement)
    return requirement


def _record_for(requirement: SoupRequirement, component: Component, by: User | None) -> RequirementPackage | None:
    package_key, version_key = package_of(component)
    exists = db.session.scalar(select(RequirementPackage.id).where(
        RequirementPackage.requirement_id == requirement.id, RequirementPackage.version_key == version_key))
    if exists is not None:
        return None
    row = RequirementPackage(requirement=requirement, product_id=requirement.product_id, package_key=package_key,
                             version_key=version_key, display_name=component.name, version=component.version,
                             added_by_id=by.id if by else None, added_at=utcnow())
    db.session.add(row)
    db.session.flush()
    return row


def confirm_for(requirement: SoupRequirement, component: Component, *, by: User | None) -> RequirementPackage | None:
    """Re-assess a requirement for a component's version (or share it with another component): it then holds for that
    version too. Nothing to do when it already does."""
    _require_editor(by)
    if component.release.product_id != requirement.product_id:
        raise ValidationFailed("A requirement names components of its own product only.")
    row = _record_for(requirement, component, by)
    if row is not None:
        audit.record("soup_requirement.confirmed", requirement, package=component.name, version=component.version)
    return row


def _resolve_links(product_id: int, requirement: SoupRequirement) -> None:
    """Links of the product's test runs that named this ID before it existed now point at it."""
    runs = select(TestResultRun.id).join(Release, Release.id == TestResultRun.release_id).where(
        Release.product_id == product_id)
    db.session.execute(update(TestResultLink).where(TestResultLink.ref == requirement.identifier,
                                                    TestResultLink.run_id.in_(runs))
                       .values(requirement_id=requirement.id))


def sign_rationale(requirement: SoupRequirement, text: str, *, signer: User, password: str) -> VerificationRationale:
    """QA records and signs why a requirement is verified by other means than a linked test."""
    if not policies.can_sign_rationale(signer):
        raise PermissionDenied("Only QA may sign a verification rationale.")
    text = text.strip()
    if not text:
        raise ValidationFailed("Say how the requirement is verified (e.g. the library's own test suite, with a link).")
    rationale = VerificationRationale(requirement=requirement, text=text, recorded_by_id=signer.id,
                                      recorded_by_name=signer.full_name, recorded_at=utcnow())
    db.session.add(rationale)
    db.session.flush()
    target = SignTarget(entity_type="soup_requirement_rationale", entity_id=str(rationale.id), version=1, content={
        "requirement": requirement.identifier, "product_id": requirement.product_id, "text": text})
    rationale.signature_id = sign(target, signer, password=password, meaning=Meaning.APPROVED, comment=text).id
    db.session.flush()
    audit.record("soup_requirement.rationale_signed", requirement, rationale_id=rationale.id, text=text)
    return rationale


# --- requirements of a release ---------------------------------------------------------------------


@dataclass(frozen=True)
class RequirementFilters:
    """The list's filters, read from the query string; an unknown value shows everything."""

    q: str = ""
    kind: str = ""
    status: str = ""
    state: str = ""  # current | reassess

    @classmethod
    def from_args(cls, args: Any) -> RequirementFilters:
        def pick(name: str, allowed: Iterable[str]) -> str:
            value = str(args.get(name, "") or "")
            return value if value in set(allowed) else ""
        return cls(q=str(args.get("q", "") or "").strip()[:200], kind=pick("kind", KIND_VALUES),
                   status=pick("status", STATUS_VALUES), state=pick("state", set(rules.Applicability)))

    def active(self) -> bool:
        return bool(self.q or self.kind or self.status or self.state)


def _release_matches(release: Release) -> Select[Any]:
    """(requirement id, component id, current) for every requirement recorded for a package the release ships."""
    return _matches(Component.release_id == release.id, RequirementPackage.product_id == release.product_id)


def _matches(*conditions: Any) -> Select[Any]:
    """(requirement id, component id, current) of the components and requirement packages the conditions pick, a
    component matching a requirement recorded for any version of its package (current: for its very version)."""
    prefix = func.substr(Component.review_key, 1, func.length(RequirementPackage.package_key) + 1)
    current = func.max(when((RequirementPackage.version_key == Component.review_key, 1), else_=0))
    return (select(RequirementPackage.requirement_id.label("requirement_id"), Component.id.label("component_id"),
                   current.label("current"))
            .join(Component, prefix == RequirementPackage.package_key + "\t")
            .where(Component.status != ComponentStatus.REMOVED, *conditions)
            .group_by(RequirementPackage.requirement_id, Component.id))


def reassess_counts(release_ids: Any, limit: int) -> tuple[int, list[tuple[int, int]]]:
    """Of the given releases (a subquery of ids), how many hold requirements to re-assess, and the first `limit` as
    (release id, requirements to re-assess), in release order."""
    matches = _matches(Component.release_id.in_(release_ids), Release.product_id == RequirementPackage.product_id
                       ).join(Release, Release.id == Component.release_id).add_columns(
        Component.release_id.label("release_id")).group_by(Component.release_id).subquery()
    per_release = (select(matches.c.release_id, func.count().label("open")).where(matches.c.current == 0)
                   .group_by(matches.c.release_id).subquery())
    count = db.session.scalar(select(func.count()).select_from(per_release)) or 0
    rows = db.session.execute(select(per_release.c.release_id, per_release.c.open)
                              .order_by(per_release.c.release_id).limit(limit)).all() if limit and count else []
    return count, [(row.release_id, row.open) for row in rows]


def component_requirements(component: Component, limit: int = 50) -> list[tuple[SoupRequirement, bool]]:
    """The requirements recorded for the component's package, each with whether it holds for this very version."""
    matches = _matches(Component.id == component.id, RequirementPackage.product_id == component.release.product_id
                       ).subquery()
    rows = db.session.execute(select(SoupRequirement, matches.c.current)
                              .join(matches, matches.c.requirement_id == SoupRequirement.id)
                              .order_by(SoupRequirement.identifier).limit(limit))
    return [(requirement, bool(current)) for requirement, current in rows]


def release_requirements_query(release: Release, filters: RequirementFilters) -> Select[Any]:
    """One row per requirement and component of the release it applies to: (requirement, component, current)."""
    matches = _release_matches(release).subquery()
    query = (select(SoupRequirement, Component, matches.c.current)
             .join(matches, matches.c.requirement_id == SoupRequirement.id)
             .join(Component, Component.id == matches.c.component_id)
             .order_by(SoupRequirement.identifier, Component.name, Component.id))
    if filters.kind:
        query = query.where(SoupRequirement.kind == filters.kind)
    if filters.status:
        query = query.where(SoupRequirement.status == filters.status)
    if filters.state:
        query = query.where(matches.c.current == (1 if filters.state == rules.Applicability.CURRENT else 0))
    if filters.q:
        like = f"%{filters.q.lower()}%"
        query = query.where(or_(func.lower(SoupRequirement.identifier).like(like),
                                func.lower(SoupRequirement.text).like(like), func.lower(Component.name).like(like)))
    return query


def product_requirements_query(product: Product, filters: RequirementFilters) -> Select[Any]:
    """The product's requirements, newest identifier last, filtered."""
    query = select(SoupRequirement).where(SoupRequirement.product_id == product.id).order_by(SoupRequirement.identifier)
    if filters.kind:
        query = query.where(SoupRequirement.kind == filters.kind)
    if filters.status:
        query = query.where(SoupRequirement.status == filters.status)
    if filters.q:
        like = f"%{filters.q.lower()}%"
        query = query.where(or_(func.lower(SoupRequirement.identifier).like(like),
                                func.lower(SoupRequirement.text).like(like)))
    return query


def packages_of(requirement_ids: Iterable[int]) -> dict[int, list[RequirementPackage]]:
    """The package versions each requirement is recorded for (one query for a page)."""
    ids = sorted(set(requirement_ids))
    found: dict[int, list[RequirementPackage]] = defaultdict(list)
    if ids:
        for row in db.session.scalars(select(RequirementPackage).where(RequirementPackage.requirement_id.in_(ids))
                                      .order_by(RequirementPackage.display_name, RequirementPackage.id)):
            found[row.requirement_id].append(row)
    return found


def signed_rationales(requirement_ids: Iterable[int]) -> dict[int, VerificationRationale]:
    """The latest signed rationale of each requirement that has one."""
    ids = sorted(set(requirement_ids))
    found: dict[int, VerificationRationale] = {}
    if ids:
        for rationale in db.session.scalars(select(VerificationRationale).where(
                VerificationRationale.requirement_id.in_(ids), VerificationRationale.signature_id.is_not(None))
                .order_by(VerificationRationale.id)):
            found[rationale.requirement_id] = rationale
    return found


def latest_run(release: Release) -> TestResultRun | None:
    """The release's newest test run: the one the readiness rule reads."""
    return db.session.scalar(select(TestResultRun).where(TestResultRun.release_id == release.id)
                             .order_by(TestResultRun.id.desc()).limit(1))


def outcomes_by_requirement(run_id: int | None, requirement_ids: Iterable[int] | None = None) -> dict[int, set[str]]:
    """The outcomes of the tests linked to each requirement in a run."""
    found: dict[int, set[str]] = defaultdict(set)
    if run_id is None:
        return found
    query = (select(TestResultLink.requirement_id, TestResult.outcome).distinct()
             .join(TestResult, TestResult.id == TestResultLink.test_case_id)
             .where(TestResultLink.run_id == run_id, TestResultLink.requirement_id.is_not(None)))
    if requirement_ids is not None:
        query = query.where(TestResultLink.requirement_id.in_(sorted(set(requirement_ids))))
    for requirement_id, outcome in db.session.execute(query):
        found[requirement_id].add(outcome)
    return found


@dataclass(frozen=True)
class RequirementState:
    """What the readiness check reads of one requirement of one component."""

    identifier: str
    status: str
    current: bool
    recorded_versions: tuple[str, ...]
    outcomes: frozenset[str]
    rationale: bool


def release_requirement_states(release: Release) -> dict[int, list[RequirementState]]:
    """Per component id of the release: its requirements, whether current, their test outcomes in the latest run and
    whether a signed rationale holds. A fixed number of queries, whatever the size of the release."""
    rows = list(db.session.execute(_release_matches(release)))
    if not rows:
        return {}
    requirement_ids = {row.requirement_id for row in rows}
    requirements = {r.id: r for r in db.session.scalars(select(SoupRequirement).where(
        SoupRequirement.id.in_(sorted(requirement_ids))))}
    packages = packages_of(requirement_ids)
    run = latest_run(release)
    outcomes = outcomes_by_requirement(run.id if run else None, requirement_ids)
    rationales = signed_rationales(requirement_ids)
    states: dict[int, list[RequirementState]] = defaultdict(list)
    for row in rows:
        requirement = requirements[row.requirement_id]
        states[row.component_id].append(RequirementState(
            identifier=requirement.identifier, status=requirement.status, current=bool(row.current),
            recorded_versions=tuple(sorted({p.version for p in packages.get(requirement.id, [])})),
            outcomes=frozenset(outcomes.get(requirement.id, set())), rationale=requirement.id in rationales))
    for listed in states.values():
        listed.sort(key=lambda state: state.identifier)
    return states


# --- test results ------------------------------------------------------------------------------------


@dataclass
class ResultFile:
    """A test report to import: its name as sent and its bytes."""

    filename: str
    content: bytes


@dataclass
class ImportSummary:
    """What an import stored (the CLI prints it as JSON, the API answers it)."""

    run: int
    tests: int = 0
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    linked: int = 0  # test cases naming at least one ID
    requirements_covered: list[str] = field(default_factory=list)  # known requirements with a passing linked test
    unknown_ids: list[str] = field(default_factory=list)  # IDs that name no requirement of the product (kept)

    def as_dict(self) -> dict[str, Any]:
        return {"run": self.run, "tests": self.tests, "passed": self.passed, "failed": self.failed,
                "skipped": self.skipped, "linked": self.linked, "requirements_covered": self.requirements_covered,
                "unknown_ids": self.unknown_ids}


def max_bytes() -> int:
    return int(current_app.config["TEST_RESULTS_UPLOAD_MAX_BYTES"])


def parse_files(files: Sequence[ResultFile]) -> list[tuple[ResultFile, junit.ParsedReport]]:
    """Every file parsed, or the first file's error (nothing is stored then)."""
    if not files:
        raise ValidationFailed("Choose at least one JUnit XML file.")
    limit = max_bytes()
    parsed = []
    for upload in files:
        if len(upload.content) > limit:
            raise ValidationFailed(f"{upload.filename}: {len(upload.content):,} bytes is more than the "
                                   f"{limit:,} bytes a test report may have.")
        try:
            report = junit.parse(upload.content, upload.filename)
        except junit.JUnitError as error:
            raise ValidationFailed(str(error)) from error
        parsed.append((upload, report))
    if not any(report.cases for _upload, report in parsed):
        raise ValidationFailed("The report(s) hold no test case.")
    return parsed


def _insert_many(connection: Connection, table: Table, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    """One INSERT, compiled once for the database, run by the driver's executemany over plain tuples: without
    SQLAlchemy's per-row parameter processing, which costs as much as the insert itself for 10,000 rows. For plain
    values only (text, numbers, None) that need no type conversion."""
    compiled = insert(table).compile(dialect=connection.dialect, column_keys=list(columns))
    if compiled.positional:
        order = [columns.index(name) for name in compiled.positiontup or ()]
        params: list[Any] = [tuple(row[i] for i in order) for row in rows]
    else:
        params = [dict(zip(columns, row, strict=True)) for row in rows]
    connection.exec_driver_sql(str(compiled), params)


def import_results(release: Release, files: Sequence[ResultFile], *, by: User | None, source: str = "",
                   channel: str = ImportChannel.WEB) -> ImportSummary:
    """Store one test run of a draft release from JUnit files and link its cases to the IDs they name."""
    if release.is_frozen:
        raise ReleaseFrozen(release.audit_label())
    if not policies.can_import_tests(by, release):
        raise PermissionDenied("You may not import test results into this release.")
    parsed = parse_files(files)
    stamps = [report.timestamp for _upload, report in parsed if report.timestamp is not None]
    now = utcnow()
    run = TestResultRun(release_id=release.id, source=source.strip()[:500], channel=channel, run_at=min(stamps,
                        default=now), imported_at=now, imported_by_id=by.id if by else None,
                        imported_by_name=by.full_name if by else channel,
                        files=[{"name": upload.filename[:255], "sha256": hashlib.sha256(upload.content).hexdigest(),
                                "size": len(upload.content)} for upload, _report in parsed])
    db.session.add(run)
    db.session.flush()
    cases = [case for _upload, report in parsed for case in report.cases]
    known = dict(db.session.execute(select(SoupRequirement.identifier, SoupRequirement.id).where(
        SoupRequirement.product_id == release.product_id)).tuples().all())
    # The product's risk controls (its hazard list) are known ids too: a test verifying RC-3 links to it.
    controls = {code.upper() for code in db.session.scalars(select(RiskControl.code).where(
        RiskControl.product_id == release.product_id))}
    found_by = rules.markers({rules.prefix_of(identifier) for identifier in known}
                             | {rules.prefix_of(code) for code in controls if "-" in code})
    # Core inserts of many rows in one executemany each (no ORM objects, no RETURNING: on SQLite, RETURNING in the
    # rows' order inserts them one by one, and reading 10,000 ids back costs as much as the insert). A link finds its
    # test case by the case's position in the run.
    connection = db.session.connection()
    _insert_many(connection, TestResult.__table__, ("run_id", "position", "name", "classname", "file", "suite", "time",
                                                    "outcome", "message"),
                 [(run.id, position, case.name, case.classname, case.file, case.suite, case.time, case.outcome,
                   case.message) for position, case in enumerate(cases, start=1)])
    links: list[dict[str, Any]] = []
    linked = 0
    unknown: set[str] = set()
    covered: set[str] = set()
    for position, case in enumerate(cases, start=1):
        refs = rules.case_refs(case.name, case.property_refs, found_by)
        if refs:
            linked += 1
        for ref, origin in refs:
            requirement_id = known.get(ref)
            if requirement_id is None and ref.upper() not in controls:
                unknown.add(ref)
            elif case.outcome == junit.PASSED:
                covered.add(ref)
            links.append({"case_run": run.id, "case_position": position, "run_id": run.id, "ref": ref[:60],
                          "requirement_id": requirement_id, "origin": str(origin)})
    if links:
        cases_table = TestResult.__table__
        case_id = select(cases_table.c.id).where(cases_table.c.run_id == bindparam("case_run"),
                                                 cases_table.c.position == bindparam("case_position")).scalar_subquery()
        connection.execute(insert(TestResultLink.__table__).values(test_case_id=case_id), links)
    counts = {outcome: 0 for outcome in junit.OUTCOMES}
    for case in cases:
        counts[case.outcome] += 1
    summary = ImportSummary(run=run.id, tests=len(cases), passed=counts[junit.PASSED],
                            failed=counts[junit.FAILED] + counts[junit.ERROR], skipped=counts[junit.SKIPPED],
                            linked=linked, requirements_covered=sorted(covered), unknown_ids=sorted(unknown))
    run.tests, run.passed, run.failed, run.skipped = summary.tests, summary.passed, summary.failed, summary.skipped
    run.summary = summary.as_dict()
    db.session.flush()
    audit.record("release.tests_imported", release, run_id=run.id, files=[f["name"] for f in run.files],
                 channel=channel, source=run.source, tests=summary.tests, passed=summary.passed,
                 failed=summary.failed, skipped=summary.skipped, unknown_ids=summary.unknown_ids[:50])
    return summary


def run_results_query(run: TestResultRun, outcome: str = "", q: str = "", linked: str = "") -> Select[Any]:
    """The test cases of a run, failures first, filtered by outcome, text and whether they name an ID."""
    order = when((TestResult.outcome.in_((junit.FAILED, junit.ERROR)), 0), (TestResult.outcome == junit.SKIPPED, 2),
                 else_=1)
    query = select(TestResult).where(TestResult.run_id == run.id).order_by(order, TestResult.position)
    if outcome in junit.OUTCOMES:
        query = query.where(TestResult.outcome == outcome)
    if q:
        like = f"%{q.lower()}%"
        query = query.where(or_(func.lower(TestResult.name).like(like), func.lower(TestResult.classname).like(like)))
    named = select(TestResultLink.id).where(TestResultLink.test_case_id == TestResult.id).exists()
    if linked == "yes":
        query = query.where(named)
    elif linked == "no":
        query = query.where(~named)
    return query


def links_of(result_ids: Iterable[int]) -> dict[int, list[TestResultLink]]:
    """The links of each test case on a page (one query)."""
    ids = sorted(set(result_ids))
    found: dict[int, list[TestResultLink]] = defaultdict(list)
    if ids:
        for link in db.session.scalars(select(TestResultLink).where(TestResultLink.test_case_id.in_(ids))
                                       .order_by(TestResultLink.id)):
            found[link.test_case_id].append(link)
    return found


def link_by_hand(result: TestResult, ref: str, *, by: User) -> TestResultLink:
    """Link a test case to a requirement (or a risk-control ID) by hand; an ID no requirement has is kept as given."""
    release = result.run.release
    if not policies.can_import_tests(by, release):
        raise PermissionDenied("You may not link test results of this release.")
    identifier = rules.normalise_identifier(ref)
    if not rules.is_identifier(identifier):
        raise ValidationFailed(f"{ref!r} is not an ID of the form PREFIX-NUMBER, e.g. SOUP-REQ-12 or RC-3.")
    if any(link.ref == identifier for link in result.links):
        raise ValidationFailed(f"{result.name} already names {identifier}.")
    requirement_id = db.session.scalar(select(SoupRequirement.id).where(
        SoupRequirement.product_id == release.product_id, SoupRequirement.identifier == identifier))
    link = TestResultLink(test_case=result, run_id=result.run_id, ref=identifier, requirement_id=requirement_id,
                          origin=rules.LinkOrigin.MANUAL, created_by_id=by.id)
    db.session.add(link)
    db.session.flush()
    return link
