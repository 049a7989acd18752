"""Products, releases and their components: import, diff, classification, assessment and freeze.

Services flush; the view, CLI command or API call commits. A frozen release refuses every change
here (ReleaseFrozen, 409) and again in a before_flush guard, so no code path can slip past.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session

from app.audit import services as audit
from app.auth.models import User
from app.collector import paused_collector
from app.db import utcnow
from app.errors import NotFound, PermissionDenied, StaleEdit, ValidationFailed
from app.extensions import db
from app.inventory import diff as diffing
from app.inventory import gates, policies, supplier_groups
from app.inventory import summary as release_summaries
from app.inventory.advisories import services as advisory_services
from app.inventory.anomalies import services as anomaly_services
from app.inventory.anomalies.rules import review_key
from app.inventory.importers import FORMATS, ImporterError, parse_file
from app.inventory.importers.base import ComponentRecord, ParsedFile
from app.inventory.importers.identity import identity, merge_records, merged
from app.inventory.licences import services as licence_services
from app.inventory.licences.expressions import licence_ids, normalise_licence
from app.inventory.models import (
    ChangeKind,
    Classification,
    Component,
    ComponentStatus,
    ComponentType,
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
    TransitiveRule,
)
from app.inventory.readiness import Readiness
from app.inventory.summary import Summary
from app.inventory.workflow import ReleaseFrozen, require_component_move, require_release_move
from app.signatures.models import Meaning, Signature
from app.signatures.services import SignTarget, content_hash, sign, signatures_for
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
    "software_item_id",
    "class_rationale",
)
EDITABLE_FIELDS: tuple[str, ...] = (
    "name", "version", "ecosystem", "purl", "cpe", "component_type", "manufacturer", "repository_url",
    "licence_expression", "scope", "description", *ASSESSMENT_FIELDS, "software_item_id", "class_rationale", "status",
)
# The 62304 fields a person may set on many components at once (bulk), never overwriting without saying so.
BULK_FIELDS: tuple[str, ...] = ("requirements", "hw_sw_needed", "hazard_refs", "risk_level")
NO_LICENCE = "NOASSERTION"
INSERT_BATCH = 2000  # components per INSERT statement (one executemany each)


# --- Products and releases ---------------------------------------------------------------------


PRODUCT_NAME_MAX = 200  # Product.name
RELEASE_VERSION_MAX = 100  # Release.version


def _product_name(name: str) -> str:
    """The name as stored: stripped, not empty, at most PRODUCT_NAME_MAX characters (the API takes it from a URL)."""
    name = name.strip()
    if not name:
        raise ValidationFailed("A product needs a name.")
    if len(name) > PRODUCT_NAME_MAX:
        raise ValidationFailed(f"A product name has at most {PRODUCT_NAME_MAX} characters (this one has {len(name)}).")
    return name


def create_product(name: str, *, safety_class: str = SafetyClass.A, description: str = "",
                   by: User | None = None) -> Product:
    """A product name is unique (case-insensitive) and at most PRODUCT_NAME_MAX characters."""
    name = _product_name(name)
    if safety_class not in set(SafetyClass):
        raise ValidationFailed(f"Safety class must be A, B or C (got {safety_class!r}).")
    if find_product(name) is not None:
        raise ValidationFailed(f"A product named {name!r} already exists.")
    product = Product(name=name, safety_class=safety_class, description=description.strip(),
                      created_by_id=by.id if by else None)
    db.session.add(product)
    db.session.flush()
    return product


def update_product(product: Product, *, name: str, safety_class: str, description: str,
                   transitive_rule: str | None = None) -> Product:
    """Rename or reclassify a product, or choose its SOUPs-of-SOUPs rule; the name stays unique."""
    name = _product_name(name)
    if transitive_rule is not None:
        if transitive_rule not in set(TransitiveRule):
            raise ValidationFailed("Choose how transitive dependencies are documented: 'direct' or 'all'.")
        product.transitive_rule = transitive_rule
    other = find_product(name)
    if other is not None and other.id != product.id:
        raise ValidationFailed(f"A product named {name!r} already exists.")
    if safety_class not in set(SafetyClass):
        raise ValidationFailed(f"Safety class must be A, B or C (got {safety_class!r}).")
    product.name, product.safety_class, product.description = name, safety_class, description.strip()
    db.session.flush()
    return product


def add_software_item(product: Product, name: str, safety_class: str, *, lower_class_rationale: str = "") -> SoftwareItem:
    """A software item's class cannot exceed the product's class (IEC 62304 4.3)."""
    name = name.strip()
    if not name:
        raise ValidationFailed("A software item needs a name.")
    if safety_class not in set(SafetyClass) or safety_class > product.safety_class:
        raise ValidationFailed(f"A software item of a class {product.safety_class} product is class A..{product.safety_class}.")
    if any(item.name.lower() == name.lower() for item in product.software_items):
        raise ValidationFailed(f"The product already has a software item named {name!r}.")
    item = SoftwareItem(product=product, name=name, safety_class=safety_class,
                        lower_class_rationale=lower_class_rationale.strip())
    db.session.add(item)
    db.session.flush()
    return item


def update_software_item(item: SoftwareItem, *, safety_class: str, lower_class_rationale: str) -> SoftwareItem:
    """Change an item's class or its rationale for lower-class components; components of drafts take the new class
    (those with their own lower-class rationale keep theirs)."""
    product = item.product
    if safety_class not in set(SafetyClass) or safety_class > product.safety_class:
        raise ValidationFailed(f"A software item of a class {product.safety_class} product is class A..{product.safety_class}.")
    item.safety_class, item.lower_class_rationale = safety_class, lower_class_rationale.strip()
    components = list(db.session.scalars(select(Component).join(Release).where(
        Component.software_item_id == item.id, Release.status == ReleaseStatus.DRAFT)))
    for component in components:
        if not component.class_rationale.strip():
            component.safety_class = safety_class
    db.session.flush()
    anomaly_services.refresh_schedule({component.review_key for component in components})
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
    """A new draft release (a version of at most RELEASE_VERSION_MAX characters); its diff baseline is the product's
    latest release unless another is named."""
    version = version.strip()
    if not version:
        raise ValidationFailed("A release needs a version.")
    if len(version) > RELEASE_VERSION_MAX:
        raise ValidationFailed(f"A release version has at most {RELEASE_VERSION_MAX} characters "
                               f"(this one has {len(version)}).")
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


def named_release(product_name: str, version: str) -> Release:
    """The existing release of a product named by name and version, or NotFound saying which is missing."""
    product = find_product(product_name)
    release = find_release(product, version) if product is not None else None
    if release is None:
        raise NotFound(f"There is no release {version!r} of {product_name!r}." if product is not None
                       else f"There is no product {product_name!r}.")
    return release


def ensure_release(product_name: str, version: str, *, by: User | None = None) -> Release:
    """The named release, creating the product (class A until someone says otherwise) and the release when missing."""
    product = find_product(product_name) or create_product(product_name, by=by)
    return find_release(product, version) or create_release(product, version, by=by)


def require_draft(release: Release) -> None:
    """Refuse any change to a frozen release."""
    if release.is_frozen:
        raise ReleaseFrozen(release.audit_label())


# --- Import ------------------------------------------------------------------------------------


@paused_collector  # bulk work: see app.collector
def import_files(release: Release, files: Sequence[UploadedFile], *, by: User | None = None,
                 format: str | None = None, channel: str = ImportChannel.WEB) -> dict[str, Any]:
    """Import files into a draft release in one transaction and return the summary.

    Every file is parsed before anything is written, so one bad file imports nothing. A release holds one
    component per package identity (see importers.identity), whatever the number of entries and files that
    list it; the component remembers each file and SBOM ref (`sources`). Re-importing a file of the same
    name replaces what that file brought (people's assessments of unchanged versions are kept). A manifest
    imported with, or after, a lockfile or SBOM of its ecosystem only marks direct dependencies and their
    declared ranges; imported alone it lists its declared ranges (never as versions).
    """
    require_draft(release)
    if by is not None and not policies.can_edit_release(by, release):
        raise PermissionDenied("You may not import into this release.")
    if not files:
        raise ImportFailed("Choose at least one file to import.")
    if format is not None and format not in FORMATS:
        raise ImportFailed(f"Unknown format {format!r}: expected one of {', '.join(sorted(FORMATS))}.")
    limit = int(current_app.config["INVENTORY_UPLOAD_MAX_BYTES"])
    parsed: list[tuple[str, bytes, ParsedFile]] = []
    for upload in files:
        name = _safe_filename(upload.filename)
        if not upload.content:
            raise ImportFailed(f"{name}: the file is empty.")
        if len(upload.content) > limit:
            raise ImportFailed(f"{name}: the file is larger than {_megabytes(limit)} MB, the most one import accepts.")
        try:
            result = parse_file(name, upload.content, format)
        except ImporterError as error:
            said = str(error)  # "requirements.txt: ..." names the format, which may be the file's own name
            raise ImportFailed(said if said.startswith(f"{name}: ") else f"{name}: {said}") from error
        parsed.append((name, upload.content, result))
    names = {name for name, _, _ in parsed}
    if len(names) != len(parsed):
        raise ImportFailed("Two of the files have the same name; import them one at a time.")

    session = db.session()
    had_components = _has_components(release)
    existing = _ExistingRows.load(session, release, names) if had_components else _ExistingRows()
    removed_keys: set[str] = set(session.scalars(  # what the release held: reviews due may move for these too
        select(Component.review_key).where(Component.release_id == release.id).distinct())) if had_components else set()
    runs: dict[str, ImportRun] = {}
    warnings: list[str] = []
    for name, content, result in parsed:
        session.execute(update(ImportRun.__table__).where(
            ImportRun.release_id == release.id, ImportRun.filename == name, ImportRun.replaced.is_(False))
            .values(replaced=True))
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
        runs[name] = run
        warnings.extend(f"{name}: {warning}" for warning in result.warnings)
    session.flush()
    existing.remove_replaced(session)

    incoming = _Incoming()
    for name, _, result in parsed:
        if not result.manifest:
            incoming.add_file(runs[name], result.components)
    totals = _ImportTotals()
    totals.add(incoming.records())
    existing.merge(session, incoming)

    verdict_of = _verdict_cache()
    previous_rows = _component_rows(release.previous_release_id) if release.previous_release_id else []
    carried = _carry_over_source(previous_rows)
    carried_same = _carry_over_source(existing.deleted)
    new_records = incoming.new_records()
    items = [_diff_item(record) for record, _ in new_records]
    changes = diffing.diff(_previous_items(previous_rows), items) if release.previous_release_id else None
    _insert_rows(session, release, new_records, items, changes, carried, carried_same, verdict_of)
    del items, new_records

    manifests = [(runs[name], result) for name, _, result in parsed if result.manifest]
    if manifests or existing.manifest_entries or existing.has_manifest_rows:
        warnings.extend(_apply_manifests(session, release, manifests, existing.manifest_entries, totals,
                                         changes if not had_components else None, carried, carried_same,
                                         verdict_of))
    for name, run in runs.items():
        audit.record("release.imported", release, components=run.component_count, file=name,
                     format=run.format, sha256=run.sha256, channel=channel)
    # One file into a release that held nothing else: the release diff is this diff, no need to redo it.
    if not had_components and len(parsed) == 1 and changes is not None and not manifests:
        counts = changes.counts()
    else:
        session.flush()
        counts = release_diff_counts(release)
    summary = _summary(release, sorted({result.format for _, _, result in parsed}), totals, counts, warnings)
    for run in runs.values():
        run.summary = summary
    advisory_services.refresh_matches(release)
    release_summaries.refresh([release.id])
    if had_components:
        anomaly_services.refresh_schedule(removed_keys | set(session.scalars(
            select(Component.review_key).where(Component.release_id == release.id).distinct())))
    else:
        anomaly_services.refresh_schedule_for_new_release(release)
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


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".removesuffix(".0")


def _safe_filename(filename: str) -> str:
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    return name[:255] or "upload"


def _source(run: ImportRun, record: ComponentRecord, *, manifest: bool = False) -> dict[str, Any]:
    """Where one record came from: the file (and its run) and the SBOM refs and groupings inside it."""
    entry: dict[str, Any] = {"file": run.filename, "run": run.id, "refs": list(record.refs)}
    if record.groups:
        entry["groups"] = list(record.groups)
    if record.licence_refs:  # what the document says of its own LicenseRef- ids: name, text, where to read it
        entry["licence_refs"] = {ident: {"name": name, "text": text, "see_also": list(see_also)}
                                 for ident, name, text, see_also in record.licence_refs}
    if manifest:
        entry["manifest"] = True
        entry["declared"] = record.declared
    return entry


def _is_manifest_entry(entry: dict[str, Any]) -> bool:
    return bool(entry.get("manifest"))


class _Incoming:
    """The packages the lockfiles and SBOMs of one import list: one record per identity, with its sources."""

    def __init__(self) -> None:
        self.by_identity: dict[str, tuple[ComponentRecord, list[dict[str, Any]], ImportRun]] = {}
        self.merged_into_rows: set[str] = set()

    def add_file(self, run: ImportRun, records: Iterable[ComponentRecord]) -> None:
        for record in records:
            key = identity(record)
            known = self.by_identity.get(key)
            if known is None:
                self.by_identity[key] = (record, [_source(run, record)], run)
            else:
                known[1].append(_source(run, record))
                self.by_identity[key] = (merged(known[0], record), known[1], known[2])

    def records(self) -> list[ComponentRecord]:
        return [record for record, _, _ in self.by_identity.values()]

    def new_records(self) -> list[tuple[ComponentRecord, tuple[list[dict[str, Any]], ImportRun]]]:
        """The records that no existing row of the release holds yet, with their sources and first run."""
        return [(record, (sources, run)) for key, (record, sources, run) in self.by_identity.items()
                if key not in self.merged_into_rows]


_ROW_FIELDS = ("id", "name", "version", "ecosystem", "purl", "sources", "direct", "parents", "scope",
               "licence_expression", "unknown_licences", "manufacturer", "repository_url", "description",
               "import_run_id", "declared_range")


class _ExistingRows:
    """The rows a release already holds when files are imported into it: what re-imported files brought is
    taken off (a row no other lockfile or SBOM lists goes), what other files brought stays and absorbs the
    new entries of the same package."""

    def __init__(self) -> None:
        self.rows: dict[int, dict[str, Any]] = {}
        self.by_identity: dict[str, int] = {}
        self.deleted: list[dict[str, Any]] = []  # rows removed, for carrying people's work over
        self.manifest_entries: list[tuple[dict[str, Any], dict[str, Any]]] = []  # (row, entry) of removed rows
        self.has_manifest_rows = False
        self._replaced: set[str] = set()
        self._changed: dict[int, dict[str, Any]] = {}

    @classmethod
    def load(cls, session: Session, release: Release, replaced: set[str]) -> _ExistingRows:
        found = cls()
        found._replaced = replaced
        columns = [getattr(Component, name) for name in dict.fromkeys((*_ROW_FIELDS, *_CARRY_NAMES))]
        for mapping in session.execute(select(*columns).where(Component.release_id == release.id)).mappings():
            row = dict(mapping)
            row["sources"] = list(row["sources"] or [])
            found.rows[row["id"]] = row
        return found

    def remove_replaced(self, session: Session) -> None:
        """Take the re-imported files off every row; delete the rows nothing else lists."""
        gone: list[int] = []
        for row_id, row in self.rows.items():
            sources = row["sources"]
            kept = [entry for entry in sources if entry.get("file") not in self._replaced]
            lock_before = any(not _is_manifest_entry(entry) for entry in sources) or not sources
            lock_after = any(not _is_manifest_entry(entry) for entry in kept)
            if len(kept) == len(sources) and sources:
                if not lock_after:
                    self.has_manifest_rows = True
                self.by_identity.setdefault(_row_identity(row), row_id)
                continue
            if (lock_before and not lock_after) or not kept:
                gone.append(row_id)
                self.deleted.append(row)
                if lock_before:
                    self.manifest_entries.extend((row, entry) for entry in kept if _is_manifest_entry(entry))
                continue
            if not lock_after:
                self.has_manifest_rows = True
            row["sources"] = kept
            self._changed[row_id] = {"sources": kept, "import_run_id": _first_run(kept, row["import_run_id"])}
            if lock_after and not any(_is_manifest_entry(entry) for entry in kept):
                self._changed[row_id]["declared_range"] = ""  # the manifest that declared it is being replaced
            self.by_identity.setdefault(_row_identity(row), row_id)
        for row_id in gone:
            del self.rows[row_id]
        for start in range(0, len(gone), INSERT_BATCH):
            session.execute(delete(Component.__table__).where(Component.id.in_(gone[start:start + INSERT_BATCH])))

    def merge(self, session: Session, incoming: _Incoming) -> None:
        """Rows of other files that hold a package the import lists absorb its entries (no second row)."""
        for key, (record, sources, _run) in incoming.by_identity.items():
            row_id = self.by_identity.get(key)
            if row_id is None:
                continue
            row = self.rows[row_id]
            if all(_is_manifest_entry(entry) for entry in row["sources"]):
                continue  # a manifest-only row gives way to the lockfile's row (see _apply_manifests)
            incoming.merged_into_rows.add(key)
            known = _row_record(row)
            both = merged(known, record)
            row["sources"] = [*row["sources"], *sources]
            self._changed[row_id] = {
                **self._changed.get(row_id, {}), "sources": row["sources"], "direct": both.direct,
                "parents": list(both.parents), "scope": both.scope if both.scope in _SCOPES else row["scope"],
                "manufacturer": row["manufacturer"] or both.supplier[:300],
                "repository_url": row["repository_url"] or both.repository_url[:500],
                "description": row["description"] or both.description,
            }
        self.flush(session)

    def flush(self, session: Session) -> None:
        """Write the changed rows, one executemany per set of changed columns."""
        by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for row_id, values in self._changed.items():
            by_columns.setdefault(tuple(sorted(values)), []).append({"b_id": row_id, **values})
        for columns, rows in by_columns.items():
            statement = update(Component.__table__).where(Component.id == bindparam("b_id")).values(
                {column: bindparam(column) for column in columns})
            session.execute(statement, rows)
        self._changed = {}


def _first_run(sources: list[dict[str, Any]], current: int | None) -> int | None:
    runs = [entry.get("run") for entry in sources]
    return current if current in runs else next((run for run in runs if isinstance(run, int)), current)


def _row_identity(row: dict[str, Any]) -> str:
    return identity(ComponentRecord(name=row["name"], version=row["version"], ecosystem=row["ecosystem"],
                                    purl=row["purl"]))


def _row_record(row: dict[str, Any]) -> ComponentRecord:
    return ComponentRecord(
        name=row["name"], version=row["version"], ecosystem=row["ecosystem"], purl=row["purl"],
        licence_expression=row["licence_expression"], unknown_licences=tuple(row["unknown_licences"] or ()),
        direct=row["direct"], parents=tuple(row["parents"] or ()), scope=row["scope"],
        supplier=row["manufacturer"], repository_url=row["repository_url"], description=row["description"],
    )


# The licence of one package version found by a look-up or typed by a person: it is the same in the next release.
_LICENCE_FIELDS: tuple[str, ...] = ("licence_expression", "unknown_licences", "licence_verdict", "licence_state",
                                    "licence_source", "licence_checked_at", "licence_evidence_id")
_LICENCE_KEPT_STATES = frozenset({LicenceState.REGISTRY.value, LicenceState.NOT_DECLARED.value,
                                  LicenceState.MANUAL.value})
_CARRY_NAMES: tuple[str, ...] = ("name", "version", "ecosystem", *_LICENCE_FIELDS, "status", "assessed",
                                 "assessment_note", "assessed_by_id", "assessed_at", "manufacturer",
                                 *ASSESSMENT_FIELDS)


def _carry_columns() -> list[Any]:
    return [getattr(Component, name) for name in _CARRY_NAMES]


def _component_rows(release_id: int) -> Sequence[Mapping[Any, Any]]:
    """A release's rows as carry-over and the diff read them (another release's: nothing pending to flush), read
    through Core as mappings by column name: the ORM's result processing and a dict per row cost more than the query."""
    query = select(*_carry_columns()).where(Component.release_id == release_id).order_by(Component.id)
    return db.session.connection().execute(query).mappings().all()


def _carry_over_source(rows: Iterable[Mapping[Any, Any]]) -> dict[tuple[str, str, str], Mapping[Any, Any]]:
    """Index rows by package and version; a package's entry (version "") is its highest-assessed row."""
    index: dict[tuple[str, str, str], Mapping[Any, Any]] = {}
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


def _row_defaults(release: Release) -> dict[str, Any]:
    now = utcnow()
    return {
        "release_id": release.id, "supplier_id": None, "software_item_id": None, "class_rationale": "",
        "classification": "", "classification_rationale": "", "safety_class": release.product.safety_class,
        "requirements": "", "hw_sw_needed": "", "hazard_refs": "", "risk_level": RiskLevel.NOT_ASSESSED.value,
        "status": ComponentStatus.PROPOSED.value, "change_kind": ChangeKind.ADDED.value, "previous_version": "",
        "assessed": False, "assessment_note": "", "assessed_by_id": None, "assessed_at": None,
        "created_at": now, "updated_at": now, "row_version": 1,
    }


def _diff_item(record: ComponentRecord) -> diffing.DiffItem:
    """The record as the diff sees it: its identity and licence, cut to the column sizes as they will be stored."""
    return diffing.DiffItem(record.name[:300], record.version[:120], (record.ecosystem or "generic")[:40],
                            record.licence_expression[:1000])


def _previous_items(rows: Sequence[Mapping[Any, Any]]) -> Iterator[diffing.DiffItem]:
    return (diffing.DiffItem(r["name"], r["version"], r["ecosystem"], r["licence_expression"]) for r in rows)


def _has_components(release: Release) -> bool:
    return db.session.scalar(select(Component.id).where(Component.release_id == release.id).limit(1)) is not None


def _row(defaults: dict[str, Any], record: ComponentRecord, item: diffing.DiffItem, verdict_of: Any,
         sources: list[dict[str, Any]], run: ImportRun) -> dict[str, Any]:
    return {
        **defaults, "import_run_id": run.id, "name": item.name, "version": item.version, "ecosystem": item.ecosystem,
        "purl": record.purl[:600], "cpe": record.cpe[:500], "component_type": record.component_type[:30] or "library",
        "description": record.description, "manufacturer": record.supplier[:300],
        "repository_url": record.repository_url[:500],
        "licence_expression": item.licence_expression, "unknown_licences": list(record.unknown_licences),
        "licence_verdict": verdict_of(record.licence_expression, record.unknown_licences, bool(record.licence_expression)),
        "licence_state": (LicenceState.FILE if record.licence_expression else LicenceState.NOT_LOOKED_UP).value,
        "licence_source": "imported file" if record.licence_expression else "", "licence_checked_at": None,
        "licence_evidence_id": None,
        "direct": record.direct, "parents": list(record.parents),
        "scope": record.scope if record.scope in _SCOPES else Scope.RUNTIME.value,
        "sources": sources, "declared_range": record.declared[:200],
        "review_key": review_key(item.ecosystem, item.name, item.version),
    }


def _insert_rows(session: Session, release: Release,
                 records: list[tuple[ComponentRecord, tuple[list[dict[str, Any]], ImportRun]]],
                 items: list[diffing.DiffItem], changes: diffing.ReleaseDiff | None,
                 carried: dict[tuple[str, str, str], Mapping[Any, Any]],
                 carried_same: dict[tuple[str, str, str], Mapping[Any, Any]], verdict_of: Any) -> None:
    """Insert new rows a batch at a time (one executemany each), so a large file never has all its dicts in memory."""
    defaults = _row_defaults(release)
    for start in range(0, len(records), INSERT_BATCH):
        rows = []
        for (record, (sources, run)), item in zip(records[start:start + INSERT_BATCH],
                                                  items[start:start + INSERT_BATCH], strict=True):
            row = _row(defaults, record, item, verdict_of, sources, run)
            _carry_forward(row, item, changes, carried, carried_same)
            rows.append(row)
        _executemany_insert(session, rows)


def _executemany_insert(session: Session, rows: list[dict[str, Any]]) -> None:
    """INSERT rows of components in one executemany. On SQLite the values go through each column's own bind
    processor once and straight to the driver (SQLAlchemy's per-row parameter building cost more than the INSERT
    itself for a 1,000-package lockfile); elsewhere through Core."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    if dialect.name != "sqlite":
        session.execute(insert(Component.__table__), rows)
        return
    table = Component.__table__
    names = list(rows[0])
    first = rows[0]
    columns: list[list[Any]] = []
    for name in names:
        process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        values = [row[name] for row in rows]
        if process is not None:
            shared = first[name]
            done = process(shared)  # most columns hold the same default object in every row: process it once
            values = [done if value is shared else process(value) for value in values]
        columns.append(values)
    statement = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
    connection.exec_driver_sql(statement, list(zip(*columns, strict=True)))


def _carry_forward(row: dict[str, Any], item: diffing.DiffItem, changes: diffing.ReleaseDiff | None,
                   carried: dict[tuple[str, str, str], Mapping[Any, Any]],
                   carried_same: dict[tuple[str, str, str], Mapping[Any, Any]]) -> None:
    """Set a new row's change against the previous release, and carry people's work forward."""
    key = diffing.package_key(item.ecosystem, item.name)
    same = carried_same.get((*key, item.version))
    if changes is not None:
        kind, previous_version = diffing.kind_of(changes, item)
    else:
        kind, previous_version = ChangeKind.ADDED, ""
    row["change_kind"], row["previous_version"] = kind, previous_version
    exact = same or carried.get((*key, item.version))
    source = exact or carried.get((*key, ""))
    if source:
        for name in ASSESSMENT_FIELDS:
            row[name] = source[name]
        row["manufacturer"] = row["manufacturer"] or source["manufacturer"]
    if exact and row["licence_state"] == LicenceState.NOT_LOOKED_UP.value and exact["licence_state"] in (
            _LICENCE_KEPT_STATES):  # the file names no licence; this version's was looked up or typed before
        for name in _LICENCE_FIELDS:
            row[name] = exact[name]
    if same:
        for name in ("status", "assessed", "assessment_note", "assessed_by_id", "assessed_at"):
            row[name] = same[name]
    elif kind == ChangeKind.UNCHANGED and source:
        row["status"] = source["status"]
        row["assessed"] = True
        row["assessment_note"] = "Unchanged since the previous release."


def _apply_manifests(session: Session, release: Release, manifests: list[tuple[ImportRun, ParsedFile]],
                     pending: list[tuple[dict[str, Any], dict[str, Any]]], totals: _ImportTotals,
                     changes: diffing.ReleaseDiff | None, carried: dict[tuple[str, str, str], Mapping[Any, Any]],
                     carried_same: dict[tuple[str, str, str], Mapping[Any, Any]], verdict_of: Any) -> list[str]:
    """Manifests mark what they declare: direct, with its declared range, on the rows of a lockfile or SBOM of the
    same ecosystem; only an ecosystem that no lockfile or SBOM lists gets rows from its manifests (ranges, not
    versions). Manifest-only rows of an ecosystem that now has a lockfile give way (their assessment moves over)."""
    session.flush()
    columns = [getattr(Component, name) for name in dict.fromkeys((*_ROW_FIELDS, *_CARRY_NAMES))]
    rows = [dict(row) for row in session.execute(
        select(*columns).where(Component.release_id == release.id)).mappings()]
    locked: dict[str, list[dict[str, Any]]] = {}  # ecosystem key -> rows a lockfile or SBOM lists
    manifest_rows: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        ecosystem = diffing.package_key(row["ecosystem"], "")[0]
        bucket = manifest_rows if row["sources"] and all(_is_manifest_entry(e) for e in row["sources"]) else locked
        bucket.setdefault(ecosystem, []).append(row)
    declarations: list[tuple[ComponentRecord, dict[str, Any]]] = []  # what each manifest declares, and its entry
    for row in (row for group in manifest_rows.values() for row in group):
        if diffing.package_key(row["ecosystem"], "")[0] in locked:
            declarations.extend((_row_record(row), entry) for entry in row["sources"])
    declarations.extend((_row_record(row), entry) for row, entry in pending)
    for run, result in manifests:
        declarations.extend((record, _source(run, record, manifest=True)) for record in result.components)

    warnings: list[str] = []
    changed = _ExistingRows()
    by_package: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for group in locked.values():
        for row in group:
            by_package.setdefault(diffing.package_key(row["ecosystem"], row["name"]), []).append(row)
    alone: list[tuple[ComponentRecord, tuple[list[dict[str, Any]], ImportRun]]] = []
    runs = {run.id: run for run, _ in manifests}
    annotated_ecosystems: set[str] = set()
    for record, entry in declarations:
        ecosystem = diffing.package_key(record.ecosystem, "")[0]
        if ecosystem not in locked:
            if entry.get("run") in runs:
                alone.append((record, ([entry], runs[entry["run"]])))
            continue
        annotated_ecosystems.add(ecosystem)
        targets = by_package.get(diffing.package_key(record.ecosystem, record.name), [])
        if not targets:
            warnings.append(f"{entry['file']}: {record.name} {entry.get('declared', '')} is declared, but no imported "
                            "lockfile or SBOM lists it; it is not a component")
            continue
        for row in targets:
            sources = [e for e in row["sources"] if not (e.get("file") == entry["file"] and _is_manifest_entry(e))]
            row["sources"] = [*sources, entry]
            row["direct"] = True
            row["declared_range"] = str(entry.get("declared", ""))[:200]
            changed._changed[row["id"]] = {"sources": row["sources"], "direct": True,
                                           "declared_range": row["declared_range"]}
    for ecosystem in annotated_ecosystems:
        for row in locked[ecosystem]:
            if row["direct"] is None:
                changed._changed.setdefault(row["id"], {})["direct"] = False
        gone = manifest_rows.get(ecosystem, [])
        for row in gone:  # people's work on a manifest-only row moves to the lockfile's row of that package
            for target in by_package.get(diffing.package_key(row["ecosystem"], row["name"]), []):
                if row["classification"] and not target["classification"]:
                    changed._changed.setdefault(target["id"], {}).update(
                        {name: row[name] for name in ASSESSMENT_FIELDS})
        ids = [row["id"] for row in gone]
        if ids:
            session.execute(delete(Component.__table__).where(Component.id.in_(ids)))
    changed.flush(session)
    if alone:
        records = merge_records(record for record, _ in alone)
        firsts = {identity(record): extra for record, extra in reversed(alone)}
        new = [(record, firsts[identity(record)]) for record in records]
        totals.add(record for record, _ in new)
        items = [_diff_item(record) for record, _ in new]
        if release.previous_release_id and changes is None:
            changes = diffing.diff(_previous_items(_component_rows(release.previous_release_id)), items)
        _insert_rows(session, release, new, items, changes, carried, carried_same, verdict_of)
    return warnings


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
            self.licences.update(licence_ids(record.licence_expression) if record.licence_expression else (NO_LICENCE,))
            names = {ident: name for ident, name, _text, _see in record.licence_refs if name}
            self.unknown.update(f"{ident} ({names[ident]})" if ident in names else ident
                                for ident in record.unknown_licences)


def _summary(release: Release, formats: list[str], totals: _ImportTotals, counts: dict[str, int],
             warnings: list[str]) -> dict[str, Any]:
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
        # What added, removed, upgraded... compare: the whole release with this release (None: the product's first).
        "compared_with": release.previous_release.version if release.previous_release is not None else None,
        "warnings": warnings[:200],
    }


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


def release_component_stats(release: Release) -> Summary:
    """The release's stored counts (components by change, assessment, classification and verdict; matches)."""
    return release_summaries.summary_of(release.id)


def release_change_counts(release: Release, stats: Summary | None = None) -> dict[str, int]:
    """The release page's change counts from each component's stored change (what the page's Change filter shows),
    from the index whatever the size of the release: added, upgraded, downgraded and licence changed by their rows;
    removed as the previous release's components left unpaired."""
    by_kind = (stats or release_component_stats(release)).by_kind()
    counts = {kind: int(by_kind.get(kind, 0)) for kind in diffing.CHANGE_KINDS if kind != diffing.REMOVED}
    removed = 0
    if release.previous_release_id is not None:
        before = db.session.scalar(select(func.count(Component.id)).where(
            Component.release_id == release.previous_release_id)) or 0
        paired = sum(int(count) for kind, count in by_kind.items() if kind != ChangeKind.ADDED)
        removed = max(0, before - paired)
    return {kind: removed if kind == diffing.REMOVED else counts[kind] for kind in diffing.CHANGE_KINDS}


def page_sign_target(release: Release) -> SignTarget:
    """The release for its page's signatures panel: its signed content is read (every component) only when a
    signature is there to be checked against it."""
    if signatures_for("release", release.id):
        return sign_target(release)
    return SignTarget(entity_type="release", entity_id=str(release.id), version=release.row_version, content={},
                      author_ids=frozenset())


IMPORTED_FILES_SHOWN = 20


def imported_files(release: Release, limit: int = IMPORTED_FILES_SHOWN) -> list[ImportRun]:
    """The files the release's components come from: the latest import of each file name (an import of the same name
    replaces the one before), newest first, at most `limit` of them."""
    return list(db.session.scalars(
        select(ImportRun).where(ImportRun.release_id == release.id, ImportRun.replaced.is_(False))
        .order_by(ImportRun.id.desc()).limit(limit)))


def cross_file_warnings(files: Sequence[ImportRun]) -> list[str]:
    """The latest upload's warnings that no single file's reading gave (a package a manifest declares that no
    lockfile of the release holds): each file's own warnings are shown with that file."""
    if not files:
        return []
    own = {f"{run.filename}: {warning}" for run in files for warning in run.warnings}
    return [warning for warning in (files[0].summary or {}).get("warnings", []) if warning not in own]


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
    if "software_item_id" in changes:
        changes["software_item_id"] = _item_of(component.release, changes["software_item_id"])
        if "safety_class" not in changes and changes["software_item_id"] != component.software_item_id:
            item = db.session.get(SoftwareItem, changes["software_item_id"]) if changes["software_item_id"] else None
            changes["safety_class"] = item.safety_class if item else component.release.product.safety_class
    identity = ("name", "version", "ecosystem", "licence_expression")
    original = {name: getattr(component, name) for name in (*changes, "unknown_licences", "review_key")}
    for name, value in changes.items():
        setattr(component, name, value.strip() if isinstance(value, str) else value)
    if "licence_expression" in changes:
        component.licence_expression, unknown_ids = normalise_licence(component.licence_expression)
        component.unknown_licences = list(unknown_ids)
        if component.licence_expression != original["licence_expression"]:
            component.licence_state, component.licence_source = LicenceState.MANUAL, "entered by hand"
            component.licence_evidence_id, component.licence_checked_at = None, utcnow()
    lower = _lower_class_problem(component)
    if lower:
        for name, value in original.items():
            setattr(component, name, value)
        raise ValidationFailed(lower)
    if component.status in (ComponentStatus.APPROVED, ComponentStatus.IN_USE):
        problems = approval_problems(component)
        if problems:
            for name, value in original.items():  # a refused edit leaves the record as it was
                setattr(component, name, value)
            raise ValidationFailed(f"{component.name} {component.version} cannot be approved: {'; '.join(problems)}.")
    if any(name in changes for name in identity):
        _recompute_change(component)
    component.review_key = anomaly_services.component_review_key(component)
    db.session.flush()
    if {"classification", "safety_class", "risk_level"} & set(changes):
        supplier_groups.refresh_for_components([component])
    if "licence_expression" in changes:
        _refresh_licence_verdicts(component.release)
    if original["review_key"] != component.review_key or "safety_class" in changes:
        anomaly_services.refresh_schedule({original["review_key"], component.review_key})
    return component


def reference_class(component: Component) -> str:
    """The class a component takes: its software item's, else its product's."""
    item = component.software_item if component.software_item_id else None
    return item.safety_class if item is not None else component.release.product.safety_class


def _lower_class_problem(component: Component) -> str:
    """Why the component may not have its class ("" when it may): a class lower than its reference needs a rationale,
    its own or its software item's."""
    if component.software_item_id and (component.software_item is None
                                       or component.software_item.id != component.software_item_id):
        db.session.flush()
        db.session.refresh(component, ["software_item"])
    reference = reference_class(component)
    item = component.software_item if component.software_item_id else None
    if component.safety_class < reference and not component.class_rationale.strip() and not (
            item is not None and item.lower_class_rationale.strip()):
        owner = f"its software item {item.name}" if item is not None else "the product"
        return (f"{component.name} {component.version} cannot be class {component.safety_class}, lower than {owner} "
                f"(class {reference}), without a rationale: give the reason for the lower class.")
    return ""


def _item_of(release: Release, item_id: Any) -> int | None:
    """The id of a software item of the release's product (None for none); anything else is refused."""
    if item_id in (None, "", 0, "0"):
        return None
    try:
        wanted = int(item_id)
    except (TypeError, ValueError) as error:
        raise ValidationFailed("Choose a software item of this product.") from error
    item = db.session.get(SoftwareItem, wanted)
    if item is None or item.product_id != release.product_id:
        raise ValidationFailed("Choose a software item of this product.")
    return item.id


def _check_choices(changes: dict[str, Any]) -> None:
    choices = {
        "classification": {"", *Classification}, "safety_class": set(SafetyClass), "risk_level": set(RiskLevel),
        "status": set(ComponentStatus), "scope": set(Scope), "component_type": set(ComponentType),
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
    """What still stops approval: a class B/C SOUP needs requirements, hazards and a current anomaly review (of its
    own unless the product's SOUPs-of-SOUPs rule lets its direct parent cover a transitive component)."""
    problems = []
    if not component.classification:
        problems.append("classify it first (SOUP, OTSS or infrastructure)")
    covered = component.direct is False and component.release.product.transitive_rule != TransitiveRule.ALL
    if (component.classification == Classification.SOUP and component.safety_class in (SafetyClass.B, SafetyClass.C)
            and not covered):
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
    if safety_class:
        lowered = [problem for problem in map(_lower_class_problem, components) if problem]
        if lowered:
            raise ValidationFailed(
                f"Nothing was changed: {len(lowered)} of the selected components would get a class lower than their "
                "software item's (or the product's) without a rationale. Lower a class on the component's page with "
                "its own rationale, or give the software item a rationale for lower-class components. First: "
                + lowered[0])
    db.session.flush()
    if safety_class:
        anomaly_services.refresh_schedule({component.review_key for component in components})
    supplier_groups.refresh_for_components(components)
    return len(components)


BULK_MAX = 5000  # components one bulk action takes (a page selects at most its 50 rows; the API as many as this)


def _selected(release: Release, component_ids: Iterable[int]) -> list[Component]:
    """The release's components with these ids, all or none: at least one, at most BULK_MAX (PostgreSQL takes at
    most 65,535 parameters in a statement: 70,000 ids answered 500)."""
    ids = sorted({int(i) for i in component_ids})
    if not ids:
        raise ValidationFailed("Select at least one component.")
    if len(ids) > BULK_MAX:
        raise ValidationFailed(f"Select at most {BULK_MAX:,} components at once ({len(ids):,} were sent).")
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
    supplier = Supplier(
        code=supplier_groups.open_source_code(component.name), name=component.name, kind=SupplierKind.OPEN_SOURCE_PROJECT, status=SupplierStatus.CANDIDATE,
        repository_url=component.repository_url, scope=f"{component.ecosystem} package {component.name}",
    )
    db.session.add(supplier)
    db.session.flush()
    supplier_services.flag_near_duplicates(supplier)
    link_supplier(component, supplier, by=by)
    return supplier


# --- Freeze ------------------------------------------------------------------------------------


def release_readiness(release: Release) -> Readiness:
    """The release readiness check (app.inventory.readiness) over the release's facts, with the configured rules."""
    return gates.release_readiness(release)


def freeze_problems(release: Release, stats: Summary | None = None) -> list[str]:
    """What stops the release from being frozen, as messages (the readiness check's problems)."""
    if release.is_frozen:
        return ["the release is already frozen"]
    return [problem.message for problem in release_readiness(release).problems]


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


def release_signatures(release: Release) -> dict[str, Signature | None]:
    """Who prepared (authored) and who approved the release's SOUP list: the latest signature of each meaning."""
    found: dict[str, Signature | None] = {Meaning.AUTHORED: None, Meaning.APPROVED: None}
    for signature in signatures_for("release", release.id):
        if signature.meaning in found and (found[signature.meaning] is None
                                           or signature.id > found[signature.meaning].id):  # type: ignore[union-attr]
            found[signature.meaning] = signature
    return found


def current_author_signature(release: Release, target: SignTarget | None = None) -> Signature | None:
    """The latest authored signature that still matches the SOUP list (None when none, or the list changed since)."""
    authored = release_signatures(release)[Meaning.AUTHORED]
    if authored is None:
        return None
    target = target or sign_target(release)
    return authored if authored.content_hash == content_hash(target.content) else None


def _require_ready(release: Release, what: str) -> None:
    readiness = release_readiness(release)
    if not readiness.ready:
        shown = [problem.message for problem in readiness.problems[:10]]
        more = f" ... and {len(readiness.problems) - 10} more" if len(readiness.problems) > 10 else ""
        raise ValidationFailed(f"The release cannot be {what}: {len(readiness.problems)} problem(s) of the readiness "
                               f"check: " + " | ".join(shown) + more)


def author_release(release: Release, signer: User, *, password: str, comment: str = "") -> Signature:
    """Someone who may edit the inventory signs the SOUP list as its author (prepared); the readiness check must pass."""
    require_draft(release)
    if not policies.can_author(signer, release):
        raise PermissionDenied("Only someone who may edit the inventory signs a SOUP list as its author.")
    _require_ready(release, "signed as prepared")
    signature = sign(sign_target(release), signer, password=password, meaning=Meaning.AUTHORED, comment=comment)
    audit.record("release.authored", release, signature_id=signature.id, content_hash=signature.content_hash)
    return signature


def freeze_release(release: Release, signer: User, *, password: str, comment: str = "") -> Signature:
    """QA freezes a draft release by approving its SOUP list: the readiness check must pass, and the list must carry a
    current authored signature by someone else (separation of duties); afterwards it is immutable."""
    if not policies.can_freeze(signer, release):
        if release.is_frozen:
            raise ReleaseFrozen(release.audit_label())
        raise PermissionDenied("Only QA may freeze a release.")
    _require_ready(release, "frozen")
    require_release_move(release.status, ReleaseStatus.FROZEN, release.audit_label())
    target = sign_target(release)
    authored = current_author_signature(release, target)
    if authored is None:
        raise ValidationFailed("The release cannot be frozen: its SOUP list needs an 'authored' signature first (by "
                               "someone who may edit the inventory), made on the list as it is now.")
    approved = SignTarget(entity_type=target.entity_type, entity_id=target.entity_id, version=target.version,
                          content=target.content, author_ids=frozenset({authored.signer_id}))
    signature = sign(approved, signer, password=password, meaning=Meaning.APPROVED, comment=comment)
    release.status = ReleaseStatus.FROZEN
    release.frozen_at = utcnow()
    release.frozen_by_id = signer.id
    db.session.flush()
    audit.record("release.frozen", release, signature_id=signature.id, content_hash=signature.content_hash,
                 authored_signature_id=authored.id)
    return signature


# --- Software items, bulk 62304 fields, non-package items -------------------------------------


def assign_software_item(release: Release, component_ids: Iterable[int], item_id: int | None, *,
                         by: User | None) -> int:
    """Assign the selected components to a software item of the product (or to none); each takes the item's class
    (the product's without an item) and loses a lower-class rationale it had. One audited change per component."""
    require_draft(release)
    if by is not None and not policies.can_edit_release(by, release):
        raise PermissionDenied("You may not change this release.")
    wanted = _item_of(release, item_id)
    item = db.session.get(SoftwareItem, wanted) if wanted else None
    components = _selected(release, component_ids)
    for component in components:
        component.software_item_id = wanted
        component.safety_class = item.safety_class if item else release.product.safety_class
        component.class_rationale = ""
    db.session.flush()
    anomaly_services.refresh_schedule({component.review_key for component in components})
    return len(components)


@dataclass(frozen=True)
class BulkFieldsResult:
    """What a bulk edit of 62304 fields did: components changed, and values replaced (when allowed)."""

    changed: int
    replaced: int


def set_fields_in_bulk(release: Release, component_ids: Iterable[int], values: dict[str, str], *, by: User | None,
                       overwrite: bool = False) -> BulkFieldsResult:
    """Set requirements, hw/sw needed, hazard references or risk level on the selected components at once.

    Empty values are left alone. A component that already holds another value for a field is never overwritten
    silently: without `overwrite` nothing changes and the refusal names them."""
    require_draft(release)
    if by is not None and not policies.can_edit_release(by, release):
        raise PermissionDenied("You may not change this release.")
    unknown = set(values) - set(BULK_FIELDS)
    if unknown:
        raise ValidationFailed(f"These fields cannot be set in bulk: {', '.join(sorted(unknown))}.")
    given = {name: value.strip() for name, value in values.items() if value and value.strip()}
    if not given:
        raise ValidationFailed("Give at least one value to set (requirements, hardware/software, hazards or risk level).")
    _check_choices(given)
    components = _selected(release, component_ids)
    held = existing_values(components, list(given))
    clashes = {name: [c for c in held[name] if (getattr(c, name) or "").strip() != given[name]] for name in given}
    clashing = {name: found for name, found in clashes.items() if found}
    if clashing and not overwrite:
        parts = []
        for name, found in clashing.items():
            names = ", ".join(f"{c.name} {c.version}" for c in found[:10]) + (" ..." if len(found) > 10 else "")
            parts.append(f"{FIELD_LABELS[name]}: {len(found)} already hold another value ({names})")
        raise ValidationFailed("Nothing was changed. " + "; ".join(parts) +
                               ". Tick 'Replace existing values' to overwrite them, or deselect them.")
    replaced = sum(len(found) for found in clashing.values())
    changed = 0
    for component in components:
        touched = False
        for name, value in given.items():
            if getattr(component, name) != value:
                setattr(component, name, value)
                touched = True
        changed += touched
    db.session.flush()
    return BulkFieldsResult(changed, replaced)


FIELD_LABELS = {"requirements": "Requirements", "hw_sw_needed": "Hardware and software needed",
                "hazard_refs": "Hazard references", "risk_level": "Risk level"}


def existing_values(components: Sequence[Component], names: Sequence[str]) -> dict[str, list[Component]]:
    """Which of the components already hold a value for each field (risk level: one that was assessed; before
    components started as not assessed, "low" was every import's default, so it is taken as no value either)."""
    held: dict[str, list[Component]] = {}
    for name in names:
        if name == "risk_level":
            held[name] = [c for c in components if c.risk_level not in (RiskLevel.NOT_ASSESSED, RiskLevel.LOW)]
        else:
            held[name] = [c for c in components if (getattr(c, name) or "").strip()]
    return held


def review_in_bulk(release: Release, component_ids: Iterable[int], *, by: User, anomalies: str, conclusion: str,
                   rationale: str = "", links: Iterable[str] = ()) -> int:
    """Record the same anomaly review conclusion for each selected component's exact version (one review each)."""
    require_draft(release)
    components = _selected(release, component_ids)
    link_list = list(links)
    for component in components:
        anomaly_services.record_review(component, by=by, anomalies=anomalies, conclusion=conclusion,
                                       rationale=rationale, links=link_list)
    return len(components)


NON_PACKAGE_TYPES = (ComponentType.OPERATING_SYSTEM, ComponentType.APPLICATION, ComponentType.PLATFORM,
                     ComponentType.CONTAINER, ComponentType.FIRMWARE, ComponentType.SERVICE, ComponentType.DEVICE,
                     ComponentType.FRAMEWORK, ComponentType.LIBRARY)


def add_component(release: Release, values: dict[str, Any], *, by: User | None) -> Component:
    """Enter a component by hand (an operating system, browser, database server, broker, container runtime, managed
    cloud service...): type, exact version, supplier, classification and purl or CPE where one exists."""
    require_draft(release)
    if by is not None and not policies.can_edit_release(by, release):
        raise PermissionDenied("You may not change this release.")
    allowed = {"name", "version", "component_type", "ecosystem", "purl", "cpe", "manufacturer", "supplier_id",
               "classification", "classification_rationale", "licence_expression", "description",
               "software_item_id", "direct"}
    unknown = set(values) - allowed
    if unknown:
        raise ValidationFailed(f"These fields cannot be set: {', '.join(sorted(unknown))}.")
    name = str(values.get("name") or "").strip()
    version = str(values.get("version") or "").strip()
    if not name:
        raise ValidationFailed("A component needs a name.")
    if not version:
        raise ValidationFailed("Give the exact version in use (IEC 62304 8.1.2).")
    _check_choices({key: values[key] for key in ("classification", "component_type") if key in values})
    supplier_id = values.get("supplier_id") or None
    if supplier_id is not None and db.session.get(Supplier, int(supplier_id)) is None:
        raise ValidationFailed("Choose an existing supplier.")
    item_id = _item_of(release, values.get("software_item_id"))
    item = db.session.get(SoftwareItem, item_id) if item_id else None
    ecosystem = str(values.get("ecosystem") or "generic").strip()[:40] or "generic"
    duplicate = db.session.scalar(select(Component.id).where(
        Component.release_id == release.id, func.lower(Component.name) == name.lower(),
        Component.version == version, Component.ecosystem == ecosystem))
    if duplicate is not None:
        raise ValidationFailed(f"The release already lists {name} {version}.")
    expression, unknown_ids = normalise_licence(str(values.get("licence_expression") or ""))
    component = Component(
        release_id=release.id, name=name[:300], version=version[:120], ecosystem=ecosystem,
        component_type=str(values.get("component_type") or ComponentType.APPLICATION),
        purl=str(values.get("purl") or "").strip()[:600], cpe=str(values.get("cpe") or "").strip()[:500],
        manufacturer=str(values.get("manufacturer") or "").strip()[:300], supplier_id=int(supplier_id) if supplier_id else None,
        classification=str(values.get("classification") or ""),
        classification_rationale=str(values.get("classification_rationale") or "").strip(),
        licence_expression=expression, unknown_licences=list(unknown_ids), description=str(values.get("description") or ""),
        licence_state=LicenceState.MANUAL if expression else LicenceState.AS_GIVEN,
        licence_source="entered by hand" if expression else "",
        software_item_id=item_id, safety_class=item.safety_class if item else release.product.safety_class,
        direct=True if values.get("direct", True) else None, sources=[{"file": "entered by hand", "run": None, "refs": []}],
        status=ComponentStatus.PROPOSED, change_kind=ChangeKind.ADDED,
    )
    db.session.add(component)
    db.session.flush()
    _recompute_change(component)
    if supplier_id and not component.manufacturer:
        supplier = db.session.get(Supplier, int(supplier_id))
        component.manufacturer = supplier.name if supplier else ""
    db.session.flush()
    _refresh_licence_verdicts(release)
    advisory_services.refresh_matches(release)
    release_summaries.refresh([release.id])
    anomaly_services.refresh_schedule({component.review_key})
    audit.record("component.entered", component, release=release.audit_label(), type=component.component_type)
    return component


def retire_component(component: Component, reason: str, *, by: User | None) -> Component:
    """Retire a component of a draft release (it is no longer used): its status becomes removed, with the reason;
    it stays on the list, and the readiness check no longer asks anything of it."""
    _require_component_editable(component, by)
    reason = reason.strip()
    if not reason:
        raise ValidationFailed("Say why the component is retired.")
    if component.status == ComponentStatus.REMOVED:
        raise ValidationFailed(f"{component.name} {component.version} is already retired.")
    old = component.status
    component.status = ComponentStatus.REMOVED
    component.assessment_note = reason
    db.session.flush()
    release_summaries.refresh([component.release_id])
    audit.record("component.retired", component, old_status=old, reason=reason)
    return component
