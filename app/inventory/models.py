"""The SOUP/OTSS inventory (IEC 62304 8.1.2, 5.3.3, 5.3.4, 7.1.2, 7.1.3): products, releases, components."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship
from sqlalchemy.orm.attributes import History

from app.audit.models import Audited
from app.db import TimestampMixin, VersionedMixin, utcnow
from app.extensions import db
from app.inventory.workflow import ComponentStatus, ReleaseFrozen, ReleaseStatus
from app.sources.models import SourceResponse
from app.suppliers.models import Supplier


class SafetyClass(StrEnum):
    A = "A"
    B = "B"
    C = "C"


class Classification(StrEnum):
    SOUP = "soup"
    OTSS = "otss"
    INFRASTRUCTURE = "infrastructure"


class RiskLevel(StrEnum):
    """A component's risk level, as its assessor set it; an imported component has none until someone assesses it
    (it read "low" on every import, as if assessed)."""

    NOT_ASSESSED = ""
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class ChangeKind(StrEnum):
    """How a component differs from the same component in the product's previous release."""

    ADDED = "added"
    UPGRADED = "upgraded"
    DOWNGRADED = "downgraded"
    LICENCE_CHANGED = "licence_changed"
    UNCHANGED = "unchanged"


class Scope(StrEnum):
    RUNTIME = "runtime"
    DEV = "dev"
    OPTIONAL = "optional"


class TransitiveRule(StrEnum):
    """SOUPs of SOUPs: what a product documents of its transitive dependencies."""

    DIRECT = "direct"  # direct dependencies are documented; transitive ones are covered by their direct parent
    ALL = "all"  # every component is documented


class ComponentType(StrEnum):
    """The kind of a component, as CycloneDX names it (a non-package item is typed by hand)."""

    LIBRARY = "library"
    FRAMEWORK = "framework"
    APPLICATION = "application"
    OPERATING_SYSTEM = "operating-system"
    PLATFORM = "platform"
    CONTAINER = "container"
    FIRMWARE = "firmware"
    DEVICE = "device"
    SERVICE = "service"
    FILE = "file"
    DEVICE_DRIVER = "device-driver"
    MACHINE_LEARNING_MODEL = "machine-learning-model"
    DATA = "data"
    CRYPTOGRAPHIC_ASSET = "cryptographic-asset"


class LicenceState(StrEnum):
    """Where a component's licence comes from; "no licence declared" and "not looked up yet" differ."""

    AS_GIVEN = ""  # as imported or entered before the states existed: an empty licence means none declared
    FILE = "file"  # declared in the imported file
    NOT_LOOKED_UP = "not_looked_up"  # the file gave none and the registry was not asked yet (verdict: review)
    REGISTRY = "registry"  # read from the package registry (licence_source says which and when)
    NOT_DECLARED = "not_declared"  # the registry was asked and declares none (the no-licence rule applies)
    MANUAL = "manual"  # typed by a person


class ImportChannel(StrEnum):
    WEB = "web"
    CLI = "cli"
    API = "api"
    SEED = "seed"


class Product(Audited, TimestampMixin, VersionedMixin, db.Model):  # type: ignore[name-defined,misc]
    """Device software: the safety class of the product bounds the class of its items and SOUP."""

    __tablename__ = "products"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True, nullable=False)
    safety_class: Mapped[str] = mapped_column(String(1), nullable=False, default=SafetyClass.A)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    # SOUPs of SOUPs (TransitiveRule): transitive components covered by their direct parent, or all documented.
    transitive_rule: Mapped[str] = mapped_column(String(10), nullable=False, default=TransitiveRule.DIRECT)

    software_items: Mapped[list[SoftwareItem]] = relationship(
        back_populates="product", cascade="all, delete-orphan", order_by="SoftwareItem.name"
    )
    releases: Mapped[list[Release]] = relationship(back_populates="product", order_by="Release.id")


class SoftwareItem(Audited, TimestampMixin, db.Model):  # type: ignore[name-defined,misc]
    """A software item of a product (IEC 62304 5.3) with its own safety class."""

    __tablename__ = "software_items"
    __table_args__ = (UniqueConstraint("product_id", "name", name="uq_software_items_product_id_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    safety_class: Mapped[str] = mapped_column(String(1), nullable=False, default=SafetyClass.A)
    # Why components of this item may carry a lower class than the item (62304 4.3: segregation), when it says so.
    lower_class_rationale: Mapped[str] = mapped_column(Text, nullable=False, default="")

    product: Mapped[Product] = relationship(back_populates="software_items")

    def audit_label(self) -> str:
        return f"{self.product.name} / {self.name}" if self.product else self.name


class Release(Audited, TimestampMixin, db.Model):  # type: ignore[name-defined,misc]
    """One version of a product; a frozen release is immutable and its SOUP list is signed."""

    __tablename__ = "releases"
    __table_args__ = (
        UniqueConstraint("product_id", "version", name="uq_releases_product_id_version"),
        Index("ix_releases_status", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), nullable=False, index=True)
    version: Mapped[str] = mapped_column(String(100), nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default=ReleaseStatus.DRAFT)
    previous_release_id: Mapped[int | None] = mapped_column(ForeignKey("releases.id"), nullable=True)
    notes: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    frozen_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    frozen_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)

    # Optimistic locking under its own name: `version` is the release's version text.
    row_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    __mapper_args__ = {"version_id_col": row_version}

    product: Mapped[Product] = relationship(back_populates="releases")
    previous_release: Mapped[Release | None] = relationship(remote_side="Release.id")
    import_runs: Mapped[list[ImportRun]] = relationship(back_populates="release", order_by="ImportRun.id")

    @property
    def is_frozen(self) -> bool:
        return self.status == ReleaseStatus.FROZEN

    def audit_label(self) -> str:
        return f"{self.product.name} {self.version}" if self.product else self.version


class ReleaseSummary(db.Model):  # type: ignore[name-defined,misc]
    """The counts the release page shows, kept current by app.inventory.summary whenever the release's components or
    advisory matches change (so a view reads one row, whatever the size of the release). Derived, not audited."""

    __tablename__ = "release_summaries"

    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id", ondelete="CASCADE"), primary_key=True)
    # [change kind, assessed, classified, licence verdict or None, count] per combination present
    component_groups: Mapped[list[list[Any]]] = mapped_column(JSON, nullable=False, default=list)
    # {"top": [{"licence", "verdict", "components"}], "total": distinct flagged licences} of the review/deny verdicts
    flagged_licences: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    # [triage state, severity rank, count] per combination present
    advisory_groups: Mapped[list[list[Any]]] = mapped_column(JSON, nullable=False, default=list)
    affected_components: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    open_components: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)


class ImportRun(TimestampMixin, db.Model):  # type: ignore[name-defined,misc]
    """One imported file: what came in, from where and by whom (the audit trail holds a release.imported event)."""

    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id"), nullable=False, index=True)
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    format: Mapped[str] = mapped_column(String(40), nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    channel: Mapped[str] = mapped_column(String(10), nullable=False, default=ImportChannel.WEB)
    component_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    direct_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    transitive_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    warnings: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    replaced: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)  # a later import of the file
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    imported_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    release: Mapped[Release] = relationship(back_populates="import_runs")


class Component(Audited, TimestampMixin, db.Model):  # type: ignore[name-defined,misc]
    """One third-party component of a release, as imported and then assessed.

    Imports insert components in bulk (no per-row audit event; the release gets one
    `release.imported` event); later edits are audited field by field.
    """

    __tablename__ = "components"
    __audit_exclude__ = frozenset({"review_key"})  # derived from name, version and ecosystem
    __table_args__ = (
        Index("ix_components_release_id_name", "release_id", "name"),
        Index("ix_components_release_id_classification", "release_id", "classification"),
        Index("ix_components_release_id_status", "release_id", "status"),
        Index("ix_components_release_id_direct", "release_id", "direct"),
        # Covering the release page's counts (changes, assessments, classification): read from the index alone.
        Index("ix_components_release_changes", "release_id", "change_kind", "assessed", "classification"),
        Index("ix_components_release_id_licence_verdict", "release_id", "licence_verdict"),
        Index("ix_components_release_id_safety_class", "release_id", "safety_class"),
        Index("ix_components_ecosystem_name_version", "ecosystem", "name", "version"),
        Index("ix_components_review_key", "review_key"),
        # The freeze check's components without an exact version and the release page's "not looked up yet" count:
        # a range of the index instead of every component of the release.
        Index("ix_components_release_id_version", "release_id", "version"),
        Index("ix_components_release_id_licence_state", "release_id", "licence_state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id"), nullable=False)
    import_run_id: Mapped[int | None] = mapped_column(ForeignKey("import_runs.id"), nullable=True, index=True)
    # Identification (IEC 62304 8.1.2)
    name: Mapped[str] = mapped_column(String(300), nullable=False)
    version: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    ecosystem: Mapped[str] = mapped_column(String(40), nullable=False, default="generic")
    purl: Mapped[str] = mapped_column(String(600), nullable=False, default="")
    cpe: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    component_type: Mapped[str] = mapped_column(String(30), nullable=False, default=ComponentType.LIBRARY)
    # The version's identity for anomaly reviews (anomalies.rules.review_key): every release shipping it, at once.
    review_key: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    manufacturer: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    repository_url: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    # Where the row comes from: every file (and SBOM refs in it) that lists the package; one row per package
    # identity per release, whatever the number of entries. {"file", "run", "refs", "declared"} each.
    sources: Mapped[list[dict[str, Any]]] = mapped_column(JSON, nullable=False, default=list)
    declared_range: Mapped[str] = mapped_column(String(200), nullable=False, default="")  # a manifest's range
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("suppliers.id"), nullable=True, index=True)
    # Licences: the verdict is computed from the licence policy (licence_policy.verdict)
    licence_expression: Mapped[str] = mapped_column(String(1000), nullable=False, default="")
    unknown_licences: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    licence_verdict: Mapped[str | None] = mapped_column(String(10), nullable=True)  # allow | review | deny
    licence_state: Mapped[str] = mapped_column(String(20), nullable=False, default=LicenceState.AS_GIVEN)
    licence_source: Mapped[str] = mapped_column(String(300), nullable=False, default="")  # "PyPI JSON API ..., <date>"
    licence_checked_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    licence_evidence_id: Mapped[int | None] = mapped_column(ForeignKey("source_responses.id"), nullable=True)
    # Dependency graph
    direct: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    parents: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    scope: Mapped[str] = mapped_column(String(10), nullable=False, default=Scope.RUNTIME)
    # Classification per use and safety
    classification: Mapped[str] = mapped_column(String(20), nullable=False, default="")  # "" = not classified yet
    classification_rationale: Mapped[str] = mapped_column(Text, nullable=False, default="")
    safety_class: Mapped[str] = mapped_column(String(1), nullable=False, default=SafetyClass.A)
    # The software item (62304 5.3) the component serves: it takes the item's class; a lower one needs a rationale.
    software_item_id: Mapped[int | None] = mapped_column(ForeignKey("software_items.id"), nullable=True, index=True)
    class_rationale: Mapped[str] = mapped_column(Text, nullable=False, default="")
    requirements: Mapped[str] = mapped_column(Text, nullable=False, default="")  # 5.3.3
    hw_sw_needed: Mapped[str] = mapped_column(Text, nullable=False, default="")  # 5.3.4
    hazard_refs: Mapped[str] = mapped_column(Text, nullable=False, default="")  # 7.1.2
    risk_level: Mapped[str] = mapped_column(String(10), nullable=False, default=RiskLevel.NOT_ASSESSED)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=ComponentStatus.PROPOSED)
    # Change against the product's previous release, and its assessment (needed to freeze)
    change_kind: Mapped[str] = mapped_column(String(20), nullable=False, default=ChangeKind.ADDED)
    previous_version: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    assessed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    assessment_note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    assessed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    assessed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    # Optimistic locking under its own name: `version` is the component's exact version.
    row_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    __mapper_args__ = {"version_id_col": row_version}

    release: Mapped[Release] = relationship()
    import_run: Mapped[ImportRun | None] = relationship()
    supplier: Mapped[Supplier | None] = relationship()
    software_item: Mapped[SoftwareItem | None] = relationship()
    licence_evidence: Mapped[SourceResponse | None] = relationship()

    def audit_label(self) -> str:
        return f"{self.name} {self.version}"

    @property
    def is_changed(self) -> bool:
        return self.change_kind != ChangeKind.UNCHANGED


class WaiverKind(StrEnum):
    LICENCE_WAIVER = "licence_waiver"  # a denied licence shipped anyway: signed by QA
    LICENCE_DECISION = "licence_decision"  # a licence under review: the recorded decision
    SUPPLIER_EXEMPTION = "supplier_exemption"  # class B/C SOUP without a qualified supplier: signed by QA


class ComponentWaiver(Audited, TimestampMixin, db.Model):  # type: ignore[name-defined,misc]
    """A recorded (and for waivers and exemptions signed) decision about one package of a product.

    Kept with the package version it was made for and carried to the product's later releases: a licence waiver
    or decision while the licence is unchanged, a supplier exemption while the package is the same. Never edited;
    a new decision supersedes the old one.
    """

    __tablename__ = "component_waivers"
    __table_args__ = (Index("ix_component_waivers_product_kind_package", "product_id", "kind", "package_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    package_key: Mapped[str] = mapped_column(String(400), nullable=False)  # diff.package_key, tab-joined
    display_name: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    version: Mapped[str] = mapped_column(String(120), nullable=False, default="")  # the version it was made for
    licence_expression: Mapped[str] = mapped_column(String(1000), nullable=False, default="")
    decision: Mapped[str] = mapped_column(String(20), nullable=False, default="")  # accept | reject (decisions)
    reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    component_id: Mapped[int | None] = mapped_column(ForeignKey("components.id", ondelete="SET NULL"), nullable=True)
    signature_id: Mapped[int | None] = mapped_column(ForeignKey("signatures.id"), nullable=True)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    recorded_by_name: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    recorded_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    def audit_label(self) -> str:
        return f"{self.kind.replace('_', ' ')} {self.display_name} {self.version}".strip()


@event.listens_for(Session, "before_flush")
def _frozen_releases_are_immutable(session: Session, _context: Any, _instances: Any) -> None:
    """Last line of defence: no flush may change a frozen release, its components or its imports."""
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if isinstance(obj, Release):
            if obj in session.new or not (obj in session.deleted or session.is_modified(obj)):
                continue
            history: History = inspect(obj).attrs.status.history
            was = history.deleted[0] if history.deleted else obj.status
            if was == ReleaseStatus.FROZEN:
                raise ReleaseFrozen(obj.audit_label())
        elif isinstance(obj, Component | ImportRun):
            if obj in session.dirty and not session.is_modified(obj):
                continue
            release = obj.release or (session.get(Release, obj.release_id) if obj.release_id else None)
            if release is not None and release.status == ReleaseStatus.FROZEN:
                raise ReleaseFrozen(release.audit_label())
