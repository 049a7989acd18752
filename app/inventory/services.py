"""Products, releases and their components: import, diff, classification, assessment and freeze.

Services flush; the view, CLI command or API call commits. A frozen release refuses every change
here (ReleaseFrozen, 409) and again in a before_flush guard, so no code path can slip past.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from license_expression import ExpressionError, get_spdx_licensing
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from app.audit import services as audit
from app.auth.models import User
from app.db import utcnow
from app.errors import NotFound, PermissionDenied, StaleEdit, ValidationFailed
from app.extensions import db
from app.inventory import diff as diffing
from app.inventory import policies, supplier_groups
from app.inventory.advisories import services as advisory_services
from app.inventory.anomalies import services as anomaly_services
from app.inventory.importers import FORMATS, ImporterError, parse_file
from app.inventory.importers.base import ComponentRecord, ParsedFile
from app.inventory.licences import services as licence_services
from app.inventory.licences.expressions import normalise_licence
from app.inventory.models import (
    ChangeKind,
    Classification,
    Component,
    ComponentStatus,
    ImportChannel,
    ImportRun,
    LicenceState,
    Product,
    Release,
    ReleaseStatus,
    RiskLevel,
    SafetyClass,
    Scope,
    SoftwareItem,
)
from app.inventory.workflow import ReleaseFrozen, require_component_move, require_release_move
from app.signatures.models import Meaning, Signature
from app.signatures.services import SignTarget, sign
from app.suppliers import services as supplier_services
from app.suppliers.models import Supplier, SupplierKind, SupplierStatus


class ImportFailed(ValidationFailed):
    """A file could not be imported; nothing was written."""


@dataclass(frozen=True)
class UploadedFile:
    """A file to import: its name as sent and its bytes."""

    filename: str
    content: bytes


# Fields a person fills in; they travel to the next release of the same package.
ASSESSMENT_FIELDS: tuple[str, ...] = (
    "classification",
    "classification_rationale",
    "supplier_id",
    "safety_class",
    "requirements",
    "hw_sw_needed",
    "hazard_refs",
    "risk_level",
)
EDITABLE_FIELDS: tuple[str, ...] = (
    "name", "version", "ecosystem", "purl", "manufacturer", "repository_url", "licence_expression",
    "scope", "description", *ASSESSMENT_FIELDS, "status",
)
NO_LICENCE = "NOASSERTION"
INSERT_BATCH = 2000  # components per INSERT statement (one executemany each)


# --- Products and releases ---------------------------------------------------------------------


def create_product(name: str, *, safety_class: str = SafetyClass.A, description: str = "",
                   by: User | None = None) -> Product:
    """A product name is unique (case-insensitive)."""
    name = name.strip()
    if not name:
        raise ValidationFailed("A product needs a name.")
    if safety_class not in set(SafetyClass):
        raise ValidationFailed(f"Safety class must be A, B or C (got {safety_class!r}).")
    if find_product(name) is not None:
        raise ValidationFailed(f"A product named {name!r} already exists.")
    product = Product(name=name, safety_class=safety_class, description=description.strip(),
                      created_by_id=by.id if by else None)
    db.session.add(product)
    db.session.flush()
    return product


def update_product(product: Product, *, name: str, safety_class: str, description: str) -> Product:
    """Rename or reclassify a product; the name stays unique."""
    name = name.strip()
    other = find_product(name)
    if other is not None and other.id != product.id:
        raise ValidationFailed(f"A product named {name!r} already exists.")
    if safety_class not in set(SafetyClass):
        raise ValidationFailed(f"Safety class must be A, B or C (got {safety_class!r}).")
    product.name, product.safety_class, product.description = name, safety_class, description.strip()
    db.session.flush()
    return product


def add_software_item(product: Product, name: str, safety_class: str) -> SoftwareItem:
    """A software item's class cannot exceed the product's class (IEC 62304 4.3)."""
    name = name.strip()
    if not name:
        raise ValidationFailed("A software item needs a name.")
    if safety_class not in set(SafetyClass) or safety_class > product.safety_class:
        raise ValidationFailed(f"A software item of a class {product.safety_class} product is class A..{product.safety_class}.")
    if any(item.name.lower() == name.lower() for item in product.software_items):
        raise ValidationFailed(f"The product already has a software item named {name!r}.")
    item = SoftwareItem(product=product, name=name, safety_class=safety_class)
    db.session.add(item)
    db.session.flush()
    return item


def find_product(name: str) -> Product | None:
    """The product with this name, ignoring case."""
    return db.session.scalar(select(Product).where(func.lower(Product.name) == name.strip().lower()))


def latest_release(product: Product, *, excluding: Release | None = None) -> Release | None:
    """The product's most recently created release."""
    query = select(Release).where(Release.product_id == product.id).order_by(Release.id.desc()).limit(1)
    if excluding is not None and excluding.id is not None:
        query = query.where(Release.id != excluding.id)
    return db.session.scalar(query)


def create_release(product: Product, version: str, *, by: User | None = None,
                   previous: Release | bool | None = True, notes: str = "") -> Release:
    """A new draft release; its diff baseline is the product's latest release unless another is named."""
    version = version.strip()
    if not version:
        raise ValidationFailed("A release needs a version.")
    if find_release(product, version) is not None:
        raise ValidationFailed(f"{product.name} already has a release {version!r}.")
    baseline = latest_release(product) if previous is True else (previous or None)
    if isinstance(baseline, Release) and baseline.product_id != product.id:
        raise ValidationFailed("The previous release must belong to the same product.")
    release = Release(product=product, version=version, status=ReleaseStatus.DRAFT, notes=notes.strip(),
                      previous_release=baseline if isinstance(baseline, Release) else None,
                      created_by_id=by.id if by else None)
    db.session.add(release)
    db.session.flush()
    return release


def find_release(product: Product, version: str) -> Release | None:
    """The release of a product with exactly this version."""
    return db.session.scalar(select(Release).where(Release.product_id == product.id, Release.version == version.strip()))


def ensure_release(product_name: str, version: str, *, by: User | None = None) -> Release:
    """The named release, creating the product (class A until someone says otherwise) and the release when missing."""
    product = find_product(product_name) or create_product(product_name, by=by)
    return find_release(product, version) or create_release(product, version, by=by)


def require_draft(release: Release) -> None:
    """Refuse any change to a frozen release."""
    if release.is_frozen:
        raise ReleaseFrozen(release.audit_label())


# --- Import ------------------------------------------------------------------------------------


def import_files(release: Release, files: Sequence[UploadedFile], *, by: User | None = None,
                 format: str | None = None, channel: str = ImportChannel.WEB) -> dict[str, Any]:
    """Import files into a draft release in one transaction and return the summary.

    Every file is parsed before anything is written, so one bad file imports nothing. Re-importing
    a file of the same name replaces the components that file brought earlier (people's
    assessments of unchanged versions are kept).
    """
    require_draft(release)
    if by is not None and not policies.can_edit_release(by, release):
        raise PermissionDenied("You may not import into this release.")
    if not files:
        raise ImportFailed("Choose at least one file to import.")
    if format is not None and format not in FORMATS:
        raise ImportFailed(f"Unknown format {format!r}: expected one of {', '.join(sorted(FORMATS))}.")
    limit = int(current_app.config["UPLOAD_MAX_BYTES"])
    parsed = []
    for upload in files:
        name = _safe_filename(upload.filename)
        if not upload.content:
            raise ImportFailed(f"{name}: the file is empty.")
        if len(upload.content) > limit:
            raise ImportFailed(f"{name}: the file is larger than {limit // (1024 * 1024)} MB.")
        try:
            result = parse_file(name, upload.content, format)
        except ImporterError as error:
            raise ImportFailed(f"{name}: {error}") from error
        parsed.append((name, upload.content, result))

    session = db.session()
    verdict_of = _verdict_cache()
    previous_rows = _component_rows(release.previous_release_id) if release.previous_release_id else []
    carried = _carry_over_source(previous_rows)
    totals = _ImportTotals()
    changes: diffing.ReleaseDiff | None = None
    release_diff_known = False
    for index, (name, content, result) in enumerate(parsed):
        replaced_rows = _replace_file(session, release, name)
        carried_same = _carry_over_source(replaced_rows)
        del replaced_rows
        records = result.components
        run = ImportRun(
            release_id=release.id, filename=name, format=result.format,
            sha256=hashlib.sha256(content).hexdigest(), size=len(content), channel=channel,
            component_count=len(records),
            direct_count=sum(1 for record in records if record.direct is True),
            transitive_count=sum(1 for record in records if record.direct is False),
            warnings=list(result.warnings)[:200], imported_by_id=by.id if by else None,
        )
        session.add(run)
        session.flush()
        items = [_diff_item(record) for record in records]
        changes = diffing.diff(_previous_items(previous_rows), items) if release.previous_release_id else None
        # One file into a release that holds nothing else: the release diff is this diff, no need to redo it.
        release_diff_known = len(parsed) == 1 and not _has_components(release)
        defaults = _row_defaults(release, run)
        for start in range(0, len(records), INSERT_BATCH):
            # Rows are built and inserted a batch at a time, so a large file never has all its dicts in memory.
            rows = [_row(defaults, record, item, verdict_of)
                    for record, item in zip(records[start:start + INSERT_BATCH], items[start:start + INSERT_BATCH],
                                            strict=True)]
            for row, item in zip(rows, items[start:start + INSERT_BATCH], strict=True):
                _carry_forward(row, item, changes, carried, carried_same)
            session.execute(insert(Component.__table__), rows)
        del items
        totals.add(records)
        parsed[index] = (name, content, ParsedFile(format=result.format))  # the records are in the database now
        del records, result
        audit.record("release.imported", release, components=run.component_count, file=name,
                     format=run.format, sha256=run.sha256, channel=channel)
    counts = changes.counts() if release_diff_known and changes is not None else release_diff_counts(release)
    summary = _summary(release, sorted({result.format for _, _, result in parsed}), totals, counts)
    for run in release.import_runs[-len(parsed):]:
        run.summary = summary
    advisory_services.refresh_matches(release)
    session.flush()
    return summary


def import_into(product_name: str, version: str, files: Sequence[UploadedFile], *, by: User | None = None,
                format: str | None = None, channel: str = ImportChannel.CLI) -> dict[str, Any]:
    """Import files into a product's release, creating both when missing (CLI and API)."""
    if not product_name.strip() or not version.strip():
        raise ValidationFailed("Name the product and the release version.")
    product = find_product(product_name)
    release = find_release(product, version) if product else None
    if release is not None:
        require_draft(release)
    release = release or ensure_release(product_name, version, by=by)
    return import_files(release, files, by=by, format=format, channel=channel)


def _safe_filename(filename: str) -> str:
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    return name[:255] or "upload"


def _replace_file(session: Session, release: Release, filename: str) -> list[dict[str, Any]]:
    """Remove the components an earlier import of the same file brought; return them for carry-over."""
    run_ids = list(session.scalars(select(ImportRun.id).where(
        ImportRun.release_id == release.id, ImportRun.filename == filename, ImportRun.replaced.is_(False))))
    if not run_ids:
        return []
    rows = [dict(row._mapping) for row in session.execute(
        select(*_carry_columns()).where(Component.import_run_id.in_(run_ids)))]
    session.execute(delete(Component.__table__).where(Component.import_run_id.in_(run_ids)))
    session.execute(update(ImportRun.__table__).where(ImportRun.id.in_(run_ids)).values(replaced=True))
    return rows


def _carry_columns() -> list[Any]:
    names = ("name", "version", "ecosystem", "licence_expression", "status", "assessed", "assessment_note",
             "assessed_by_id", "assessed_at", "manufacturer", *ASSESSMENT_FIELDS)
    return [getattr(Component, name) for name in names]


def _component_rows(release_id: int) -> list[dict[str, Any]]:
    result = db.session.execute(
        select(*_carry_columns()).where(Component.release_id == release_id).order_by(Component.id))
    keys = tuple(result.keys())
    return [dict(zip(keys, row, strict=True)) for row in result]


def _carry_over_source(rows: Iterable[dict[str, Any]]) -> dict[tuple[str, str, str], dict[str, Any]]:
    """Index rows by package and version; a package's entry (version "") is its highest-assessed row."""
    index: dict[tuple[str, str, str], dict[str, Any]] = {}
    for row in rows:
        key = diffing.package_key(row["ecosystem"], row["name"])
        index.setdefault((*key, row["version"]), row)
        if row["classification"] or (*key, "") not in index:
            index[(*key, "")] = row
    return index


_SCOPES = frozenset(Scope)


def _verdict_cache() -> Any:
    """The licence policy's verdict per (expression, unknown ids), computed once per distinct licence."""
    policy = licence_services.current_policy()

    @cache
    def verdict_of(expression: str, unknown: tuple[str, ...], looked_up: bool = True) -> str:
        return str(policy.verdict(expression, unknown, looked_up=looked_up).verdict.value)

    return verdict_of


def _row_defaults(release: Release, run: ImportRun) -> dict[str, Any]:
    now = utcnow()
    return {
        "release_id": release.id, "import_run_id": run.id, "supplier_id": None,
        "classification": "", "classification_rationale": "", "safety_class": release.product.safety_class,
        "requirements": "", "hw_sw_needed": "", "hazard_refs": "", "risk_level": RiskLevel.LOW.value,
        "status": ComponentStatus.PROPOSED.value, "change_kind": ChangeKind.ADDED.value, "previous_version": "",
        "assessed": False, "assessment_note": "", "assessed_by_id": None, "assessed_at": None,
        "created_at": now, "updated_at": now, "row_version": 1,
    }


def _diff_item(record: ComponentRecord) -> diffing.DiffItem:
    """The record as the diff sees it: its identity and licence, cut to the column sizes as they will be stored."""
    return diffing.DiffItem(record.name[:300], record.version[:120], (record.ecosystem or "generic")[:40],
                            record.licence_expression[:1000])


def _previous_items(rows: list[dict[str, Any]]) -> Iterator[diffing.DiffItem]:
    return (diffing.DiffItem(r["name"], r["version"], r["ecosystem"], r["licence_expression"]) for r in rows)


def _has_components(release: Release) -> bool:
    return db.session.scalar(select(Component.id).where(Component.release_id == release.id).limit(1)) is not None


def _row(defaults: dict[str, Any], record: ComponentRecord, item: diffing.DiffItem, verdict_of: Any) -> dict[str, Any]:
    return {
        **defaults, "name": item.name, "version": item.version, "ecosystem": item.ecosystem,
        "purl": record.purl[:600], "description": record.description, "manufacturer": record.supplier[:300],
        "repository_url": record.repository_url[:500],
        "licence_expression": item.licence_expression, "unknown_licences": list(record.unknown_licences),
        "licence_verdict": verdict_of(record.licence_expression, record.unknown_licences, bool(record.licence_expression)),
        "licence_state": (LicenceState.FILE if record.licence_expression else LicenceState.NOT_LOOKED_UP).value,
        "licence_source": "imported file" if record.licence_expression else "", "licence_checked_at": None,
        "licence_evidence_id": None,
        "direct": record.direct, "parents": list(record.parents),
        "scope": record.scope if record.scope in _SCOPES else Scope.RUNTIME.value,
    }


def _carry_forward(row: dict[str, Any], item: diffing.DiffItem, changes: diffing.ReleaseDiff | None,
                   carried: dict[tuple[str, str, str], dict[str, Any]],
                   carried_same: dict[tuple[str, str, str], dict[str, Any]]) -> None:
    """Set a new row's change against the previous release, and carry people's work forward."""
    key = diffing.package_key(item.ecosystem, item.name)
    same = carried_same.get((*key, item.version))
    if changes is not None:
        kind, previous_version = diffing.kind_of(changes, item)
    else:
        kind, previous_version = ChangeKind.ADDED, ""
    row["change_kind"], row["previous_version"] = kind, previous_version
    source = same or carried.get((*key, item.version)) or carried.get((*key, ""))
    if source:
        for name in ASSESSMENT_FIELDS:
            row[name] = source[name]
        row["manufacturer"] = row["manufacturer"] or source["manufacturer"]
    if same:
        for name in ("status", "assessed", "assessment_note", "assessed_by_id", "assessed_at"):
            row[name] = same[name]
    elif kind == ChangeKind.UNCHANGED and source:
        row["status"] = source["status"]
        row["assessed"] = True
        row["assessment_note"] = "Unchanged since the previous release."


@dataclass
class _ImportTotals:
    """What the summary needs from the imported records, gathered file by file so the records can go."""

    components: int = 0
    direct: int = 0
    transitive: int = 0
    licences: Counter[str] = field(default_factory=Counter)
    unknown: set[str] = field(default_factory=set)

    def add(self, records: Iterable[ComponentRecord]) -> None:
        for record in records:
            self.components += 1
            if record.direct is True:
                self.direct += 1
            elif record.direct is False:
                self.transitive += 1
            self.licences.update(_licence_ids(record.licence_expression) if record.licence_expression else (NO_LICENCE,))
            self.unknown.update(record.unknown_licences)


def _summary(release: Release, formats: list[str], totals: _ImportTotals, counts: dict[str, int]) -> dict[str, Any]:
    return {
        "product": release.product.name,
        "release": release.version,
        "format": "+".join(formats),
        "components": totals.components,
        "direct": totals.direct,
        "transitive": totals.transitive,
        "licences": dict(sorted(totals.licences.items())),
        "unknown_licences": sorted(totals.unknown),
        **counts,
    }


@lru_cache(maxsize=4096)
def _licence_ids(expression: str) -> tuple[str, ...]:
    """The licence ids (and exceptions) an SPDX expression names."""
    try:
        return tuple(get_spdx_licensing().license_keys(expression)) or (expression,)
    except (ExpressionError, AttributeError, TypeError, ValueError):
        return (expression,)


def _refresh_licence_verdicts(release: Release) -> None:
    """Fill each component's licence verdict from the licence policy."""
    licence_services.apply_licence_policy(release)


# --- Diff --------------------------------------------------------------------------------------


def _diff_items(release_id: int) -> list[diffing.DiffItem]:
    query = select(Component.name, Component.version, Component.ecosystem, Component.licence_expression).where(
        Component.release_id == release_id).order_by(Component.id)
    return [diffing.DiffItem(*row) for row in db.session.execute(query)]


def release_diff(old: Release | None, new: Release) -> diffing.ReleaseDiff:
    """The changes from `old` (or nothing) to `new`."""
    if old is not None and old.product_id != new.product_id:
        raise ValidationFailed("Compare releases of the same product.")
    return diffing.diff(_diff_items(old.id) if old else [], _diff_items(new.id))


def release_diff_counts(release: Release) -> dict[str, int]:
    """added/removed/upgraded/downgraded/licence_changed against the release's previous release."""
    return release_diff(release.previous_release, release).counts()


# --- Components --------------------------------------------------------------------------------


def _require_component_editable(component: Component, by: User | None) -> None:
    require_draft(component.release)
    if not policies.can_edit_component(by, component):
        raise PermissionDenied("You may not change this component.")


def update_component(component: Component, changes: dict[str, Any], *, by: User | None,
                     expected_version: int | None = None) -> Component:
    """Edit a component of a draft release; the status moves along the workflow and approval needs the B/C rules."""
    _require_component_editable(component, by)
    if expected_version is not None and expected_version != component.row_version:
        raise StaleEdit()
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed(f"These fields cannot be edited: {', '.join(sorted(unknown))}.")
    _check_choices(changes)
    if "status" in changes:
        require_component_move(component.status, changes["status"])
    identity = ("name", "version", "ecosystem", "licence_expression")
    original = {name: getattr(component, name) for name in (*changes, "unknown_licences")}
    for name, value in changes.items():
        setattr(component, name, value.strip() if isinstance(value, str) else value)
    if "licence_expression" in changes:
        component.licence_expression, unknown_ids = normalise_licence(component.licence_expression)
        component.unknown_licences = list(unknown_ids)
        if component.licence_expression != original["licence_expression"]:
            component.licence_state, component.licence_source = LicenceState.MANUAL, "entered by hand"
            component.licence_evidence_id, component.licence_checked_at = None, utcnow()
    if component.status in (ComponentStatus.APPROVED, ComponentStatus.IN_USE):
        problems = approval_problems(component)
        if problems:
            for name, value in original.items():  # a refused edit leaves the record as it was
                setattr(component, name, value)
            raise ValidationFailed(f"{component.name} {component.version} cannot be approved: {'; '.join(problems)}.")
    if any(name in changes for name in identity):
        _recompute_change(component)
    db.session.flush()
    if {"classification", "safety_class", "risk_level"} & set(changes):
        supplier_groups.refresh_for_components([component])
    if "licence_expression" in changes:
        _refresh_licence_verdicts(component.release)
    return component


def _check_choices(changes: dict[str, Any]) -> None:
    choices = {
        "classification": {"", *Classification}, "safety_class": set(SafetyClass), "risk_level": set(RiskLevel),
        "status": set(ComponentStatus), "scope": set(Scope),
    }
    for name, allowed in choices.items():
        if name in changes and changes[name] not in allowed:
            raise ValidationFailed(f"{name.replace('_', ' ').capitalize()} {changes[name]!r} is not one of "
                                   f"{', '.join(sorted(a for a in allowed if a)) }.")
    if "name" in changes and not str(changes["name"]).strip():
        raise ValidationFailed("A component needs a name.")


def _recompute_change(component: Component) -> None:
    previous = component.release.previous_release
    if previous is None:
        component.change_kind, component.previous_version = ChangeKind.ADDED, ""
        return
    result = release_diff(previous, component.release)
    kind, previous_version = diffing.kind_of(result, diffing.DiffItem(
        component.name, component.version, component.ecosystem, component.licence_expression))
    if kind != component.change_kind:
        component.assessed = kind == ChangeKind.UNCHANGED
    component.change_kind, component.previous_version = kind, previous_version


def approval_problems(component: Component) -> list[str]:
    """What still stops approval: a class B/C SOUP needs requirements, hazards and a current anomaly review."""
    problems = []
    if not component.classification:
        problems.append("classify it first (SOUP, OTSS or infrastructure)")
    if component.classification == Classification.SOUP and component.safety_class in (SafetyClass.B, SafetyClass.C):
        if not component.requirements.strip():
            problems.append(f"class {component.safety_class} SOUP needs its functional and performance requirements")
        if not component.hazard_refs.strip():
            problems.append(f"class {component.safety_class} SOUP needs its hazardous situations (hazard references)")
        if not has_current_review(component):
            problems.append(f"class {component.safety_class} SOUP needs a current anomaly review of version "
                            f"{component.version}")
    return problems


def has_current_review(component: Component) -> bool:
    """True when the exact version has an anomaly review that is neither due nor older than an advisory."""
    return anomaly_services.has_current_review(component, utcnow().date())


def assess_components(release: Release, component_ids: Iterable[int], note: str, *, by: User | None) -> int:
    """Mark changed components as assessed, all or none: each must pass the approval rules of its class."""
    require_draft(release)
    if by is not None and not policies.can_edit_release(by, release):
        raise PermissionDenied("You may not change this release.")
    components = _selected(release, component_ids)
    failures = []
    for component in components:
        problems = approval_problems(component)
        if problems:
            failures.append(f"{component.name} {component.version}: {'; '.join(problems)}")
    if failures:
        shown = failures[:10] + ([f"... and {len(failures) - 10} more"] if len(failures) > 10 else [])
        raise ValidationFailed("Nothing was marked assessed. " + " | ".join(shown))
    now = utcnow()
    for component in components:
        component.assessed = True
        component.assessment_note = note.strip() or component.assessment_note
        component.assessed_by_id = by.id if by else None
        component.assessed_at = now
        if component.status == ComponentStatus.PROPOSED:
            component.status = ComponentStatus.EVALUATED
    db.session.flush()
    return len(components)


def classify_components(release: Release, component_ids: Iterable[int], classification: str, rationale: str, *,
                        by: User | None, safety_class: str | None = None) -> int:
    """Classify the selected components of a draft release (one audited change per component)."""
    require_draft(release)
    if by is not None and not policies.can_edit_release(by, release):
        raise PermissionDenied("You may not change this release.")
    if classification not in set(Classification):
        raise ValidationFailed("Choose SOUP, OTSS or infrastructure.")
    if safety_class is not None and safety_class not in set(SafetyClass):
        raise ValidationFailed("Choose safety class A, B or C.")
    components = _selected(release, component_ids)
    for component in components:
        component.classification = classification
        if rationale.strip():
            component.classification_rationale = rationale.strip()
        if safety_class:
            component.safety_class = safety_class
    db.session.flush()
    supplier_groups.refresh_for_components(components)
    return len(components)


def _selected(release: Release, component_ids: Iterable[int]) -> list[Component]:
    ids = sorted({int(i) for i in component_ids})
    if not ids:
        raise ValidationFailed("Select at least one component.")
    components = list(db.session.scalars(
        select(Component).where(Component.release_id == release.id, Component.id.in_(ids))))
    if len(components) != len(ids):
        raise NotFound("Some selected components are not part of this release.")
    return components


# --- Suppliers ---------------------------------------------------------------------------------


def _repository_of(component: Component) -> str:
    url = component.repository_url.strip()
    if not url:
        return ""
    url = url.removeprefix("git+").removesuffix(".git").rstrip("/")
    parts = urlsplit(url if "://" in url else "https://" + url)
    return f"{parts.hostname or ''}{parts.path}".lower()


def suggest_supplier(component: Component) -> Supplier | None:
    """The open-source-project supplier whose repository, or name, matches the component; a person confirms."""
    repository = _repository_of(component)
    candidates = db.session.scalars(select(Supplier).where(Supplier.kind == SupplierKind.OPEN_SOURCE_PROJECT))
    by_name = None
    for supplier in candidates:
        supplier_repository = _normalised_url(supplier.repository_url)
        if repository and supplier_repository and (
                repository == supplier_repository or repository.startswith(supplier_repository + "/")):
            return supplier
        if supplier.name.strip().lower() == component.name.strip().lower():
            by_name = by_name or supplier
    return by_name


def _normalised_url(url: str) -> str:
    url = url.strip().removeprefix("git+").removesuffix(".git").rstrip("/")
    if not url:
        return ""
    parts = urlsplit(url if "://" in url else "https://" + url)
    return f"{parts.hostname or ''}{parts.path}".lower()


def link_supplier(component: Component, supplier: Supplier | None, *, by: User | None) -> Component:
    """Link (or unlink) the supplier that provides the component."""
    _require_component_editable(component, by)
    previous = component.supplier
    component.supplier_id = supplier.id if supplier else None
    if supplier and not component.manufacturer:
        component.manufacturer = supplier.name
    db.session.flush()
    if supplier is not None:
        supplier_groups.refresh_criticality(supplier)
    elif previous is not None:
        supplier_groups.refresh_criticality(previous)
    return component


def create_supplier_for(component: Component, *, by: User | None) -> Supplier:
    """Create a candidate open-source-project supplier from the component and link it."""
    _require_component_editable(component, by)
    existing = suggest_supplier(component)
    if existing is not None:
        raise ValidationFailed(f"Supplier {existing.code} {existing.name} already matches; link it instead.")
    base = "OSS-" + "".join(ch for ch in component.name.upper() if ch.isalnum())[:30]
    code, n = base, 1
    while db.session.scalar(select(Supplier.id).where(Supplier.code == code)) is not None:
        n += 1
        code = f"{base}-{n}"
    supplier = Supplier(
        code=code, name=component.name, kind=SupplierKind.OPEN_SOURCE_PROJECT, status=SupplierStatus.CANDIDATE,
        repository_url=component.repository_url, scope=f"{component.ecosystem} package {component.name}",
    )
    db.session.add(supplier)
    db.session.flush()
    supplier_services.flag_near_duplicates(supplier)
    link_supplier(component, supplier, by=by)
    return supplier


# --- Freeze ------------------------------------------------------------------------------------


def freeze_problems(release: Release) -> list[str]:
    """What stops the release from being frozen: every changed component must be classified and assessed."""
    if release.is_frozen:
        return ["the release is already frozen"]
    problems = []
    count = db.session.scalar(select(func.count(Component.id)).where(Component.release_id == release.id))
    if not count:
        problems.append("the release has no components: import its dependency files first")
    unassessed = list(db.session.execute(
        select(Component.name, Component.version).where(
            Component.release_id == release.id, Component.change_kind != ChangeKind.UNCHANGED,
            Component.assessed.is_(False)).order_by(Component.name).limit(11)))
    if unassessed:
        total = db.session.scalars(select(func.count(Component.id)).where(
            Component.release_id == release.id, Component.change_kind != ChangeKind.UNCHANGED,
            Component.assessed.is_(False))).one()
        names = ", ".join(f"{name} {version}" for name, version in unassessed[:10])
        problems.append(f"{total} changed component(s) not assessed yet: {names}{' ...' if total > 10 else ''}")
    return problems


def sign_target(release: Release) -> SignTarget:
    """The signed content of a release: its identity and its SOUP list as plain data."""
    rows = db.session.execute(
        select(Component.name, Component.version, Component.ecosystem, Component.purl, Component.licence_expression,
               Component.classification, Component.safety_class, Component.status, Component.direct)
        .where(Component.release_id == release.id)
        .order_by(Component.ecosystem, Component.name, Component.version, Component.id))
    return SignTarget(
        entity_type="release", entity_id=str(release.id), version=release.row_version,
        content={"product": release.product.name, "release": release.version,
                 "components": [list(row) for row in rows]},
        author_ids=frozenset(),
    )


def freeze_release(release: Release, signer: User, *, password: str, comment: str = "") -> Signature:
    """QA freezes a draft release by signing its SOUP list (meaning: approved); afterwards it is immutable."""
    if not policies.can_freeze(signer, release):
        if release.is_frozen:
            raise ReleaseFrozen(release.audit_label())
        raise PermissionDenied("Only QA may freeze a release.")
    problems = freeze_problems(release)
    if problems:
        raise ValidationFailed("The release cannot be frozen: " + "; ".join(problems) + ".")
    require_release_move(release.status, ReleaseStatus.FROZEN, release.audit_label())
    signature = sign(sign_target(release), signer, password=password, meaning=Meaning.APPROVED, comment=comment)
    release.status = ReleaseStatus.FROZEN
    release.frozen_at = utcnow()
    release.frozen_by_id = signer.id
    db.session.flush()
    audit.record("release.frozen", release, signature_id=signature.id, content_hash=signature.content_hash)
    return signature
