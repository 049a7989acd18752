"""SOUP requirements, their verification by imported test results, and the rationales for other verification.

A requirement belongs to a product and is recorded for package versions (`RequirementPackage`: product, package
identity, version), not for one release's component row: every release of the product shipping that version sees it
(carried forward while the version is unchanged), a release shipping another version sees it to re-assess, and one
requirement may name several packages (a family). Test results are imported per release (`TestResultRun`, `TestResult`) and
linked to IDs (`TestResultLink`): an ID that names none of the product's requirements (a risk control such as RC-3, a typo)
is kept on the link with no requirement, reported, and resolves when the requirement or the hazard list names it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.audit.models import Audited
from app.db import TimestampMixin, VersionedMixin, utcnow
from app.extensions import db
from app.inventory.models import Product, Release
from app.inventory.traceability.rules import RequirementKind, RequirementStatus


class SoupRequirement(Audited, TimestampMixin, VersionedMixin, db.Model):  # type: ignore[name-defined,misc]
    """A functional or performance requirement on SOUP, or a hardware/software prerequisite (62304 5.3.3, 5.3.4)."""

    __tablename__ = "soup_requirements"
    __table_args__ = (
        UniqueConstraint("product_id", "identifier", name="uq_soup_requirements_product_id_identifier"),
        Index("ix_soup_requirements_product_id_status", "product_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), nullable=False)
    identifier: Mapped[str] = mapped_column(String(60), nullable=False)  # SOUP-REQ-12: unique per product
    kind: Mapped[str] = mapped_column(String(30), nullable=False, default=RequirementKind.FUNCTIONAL)
    text: Mapped[str] = mapped_column(Text, nullable=False, default="")
    acceptance_criterion: Mapped[str] = mapped_column(Text, nullable=False, default="")
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=RequirementStatus.DRAFT)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)

    product: Mapped[Product] = relationship()
    packages: Mapped[list[RequirementPackage]] = relationship(
        back_populates="requirement", cascade="all, delete-orphan", order_by="RequirementPackage.id")

    def audit_label(self) -> str:
        return self.identifier


class RequirementPackage(Audited, db.Model):  # type: ignore[name-defined,misc]
    """One package version a requirement is recorded (or re-assessed and confirmed) for."""

    __tablename__ = "soup_requirement_packages"
    __table_args__ = (
        UniqueConstraint("requirement_id", "version_key", name="uq_soup_requirement_packages_requirement_version"),
        Index("ix_soup_requirement_packages_product_package", "product_id", "package_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    requirement_id: Mapped[int] = mapped_column(ForeignKey("soup_requirements.id", ondelete="CASCADE"), nullable=False)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), nullable=False)
    package_key: Mapped[str] = mapped_column(String(400), nullable=False)  # OSV ecosystem TAB normalised name
    version_key: Mapped[str] = mapped_column(String(500), nullable=False)  # package_key TAB version: a review_key
    display_name: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    version: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    added_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    requirement: Mapped[SoupRequirement] = relationship(back_populates="packages")

    def audit_label(self) -> str:
        return f"{self.requirement.identifier if self.requirement else ''} {self.display_name} {self.version}".strip()


class VerificationRationale(Audited, db.Model):  # type: ignore[name-defined,misc]
    """Why a requirement is verified by other means than a linked test (inspection, the library's own suite), signed.

    Never edited: a new one supersedes. It holds for the package versions the requirement is recorded for.
    """

    __tablename__ = "soup_requirement_rationales"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    requirement_id: Mapped[int] = mapped_column(ForeignKey("soup_requirements.id", ondelete="CASCADE"), nullable=False,
                                                index=True)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    signature_id: Mapped[int | None] = mapped_column(ForeignKey("signatures.id"), nullable=True)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    recorded_by_name: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    recorded_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    requirement: Mapped[SoupRequirement] = relationship()

    def audit_label(self) -> str:
        return f"{self.requirement.identifier if self.requirement else ''} rationale"


class TestResultRun(TimestampMixin, db.Model):  # type: ignore[name-defined,misc]
    """One import of test results into a release (one or more JUnit files); the newest run is the one that counts.

    Written in bulk (the release gets one `release.tests_imported` audit event), never edited.
    """

    __tablename__ = "test_runs"
    __test__ = False  # not a pytest class

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id"), nullable=False, index=True)
    source: Mapped[str] = mapped_column(String(500), nullable=False, default="")  # a CI job URL, a pipeline name
    channel: Mapped[str] = mapped_column(String(10), nullable=False, default="web")  # ImportChannel
    files: Mapped[list[dict[str, Any]]] = mapped_column(JSON, nullable=False, default=list)  # name, sha256, size
    run_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)  # the report's timestamp
    imported_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    imported_by_name: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    tests: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    passed: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    failed: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # failures and errors
    skipped: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)  # what the CLI printed

    release: Mapped[Release] = relationship()


class TestResult(db.Model):  # type: ignore[name-defined,misc]
    """One test case of a run, as the report gives it."""

    __tablename__ = "test_cases"
    __test__ = False
    __table_args__ = (
        UniqueConstraint("run_id", "position", name="uq_test_cases_run_id_position"),
        Index("ix_test_cases_run_id_outcome", "run_id", "outcome"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("test_runs.id", ondelete="CASCADE"), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False)  # its place in the run, in the reports' order
    name: Mapped[str] = mapped_column(String(1000), nullable=False)
    classname: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    file: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    suite: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    time: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)  # seconds
    outcome: Mapped[str] = mapped_column(String(10), nullable=False)  # junit.OUTCOMES
    message: Mapped[str] = mapped_column(Text, nullable=False, default="")

    run: Mapped[TestResultRun] = relationship()
    links: Mapped[list[TestResultLink]] = relationship(back_populates="test_case", order_by="TestResultLink.id")


class TestResultLink(Audited, db.Model):  # type: ignore[name-defined,misc]
    """A test case names an ID: a requirement of the product (requirement_id set) or an ID not known (yet), such as a
    risk control RC-3, kept as written. Imported links are written in bulk; a link made by hand is audited."""

    __tablename__ = "test_case_links"
    __test__ = False
    __table_args__ = (
        UniqueConstraint("test_case_id", "ref", name="uq_test_case_links_test_case_id_ref"),
        Index("ix_test_case_links_run_id_ref", "run_id", "ref"),
        Index("ix_test_case_links_requirement_id", "requirement_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    test_case_id: Mapped[int] = mapped_column(ForeignKey("test_cases.id", ondelete="CASCADE"), nullable=False)
    run_id: Mapped[int] = mapped_column(ForeignKey("test_runs.id", ondelete="CASCADE"), nullable=False)
    ref: Mapped[str] = mapped_column(String(60), nullable=False)  # the ID as named: SOUP-REQ-12, RC-3
    requirement_id: Mapped[int | None] = mapped_column(ForeignKey("soup_requirements.id", ondelete="SET NULL"),
                                                       nullable=True)
    origin: Mapped[str] = mapped_column(String(10), nullable=False)  # rules.LinkOrigin
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)

    test_case: Mapped[TestResult] = relationship(back_populates="links")

    def audit_label(self) -> str:
        return f"{self.ref} ↔ {self.test_case.name if self.test_case else self.test_case_id}"
