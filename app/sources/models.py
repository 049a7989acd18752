"""Evidence from public sources: every answer kept (URL, time, sha256, body), and what was read from it."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import utcnow
from app.extensions import db


class SourceResponse(db.Model):  # type: ignore[name-defined,misc]
    """One answer of a public source, kept as evidence: the same body at the same URL is stored once, and
    checked_at says when it was last confirmed (a 304 or a fresh cache hit)."""

    __tablename__ = "source_responses"
    __table_args__ = (
        UniqueConstraint("url", "sha256", name="uq_source_responses_url_sha256"),
        Index("ix_source_responses_url_checked_at", "url", "checked_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(40), nullable=False)  # pypi, npm, deps.dev, github, scorecard ...
    url: Mapped[str] = mapped_column(String(1000), nullable=False)
    status_code: Mapped[int] = mapped_column(Integer, nullable=False)
    content_type: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    etag: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    last_modified: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    body: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    fetched_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    checked_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)


class LookupState(StrEnum):
    FOUND = "found"
    NOT_FOUND = "not_found"  # the registry answered 404: no such package
    FAILED = "failed"  # timeout, 429, 5xx, unreachable, or not the documented JSON; earlier facts are kept
    OFFLINE = "offline"  # offline mode and nothing cached


class PackageMetadata(db.Model):  # type: ignore[name-defined,misc]
    """What a package registry says about one package, from the stored answer `response`.

    `state` is the outcome of the last look-up; the facts are those of the last answer that had them
    (found_at), so a failed look-up loses nothing."""

    __tablename__ = "package_metadata"
    __table_args__ = (UniqueConstraint("ecosystem", "name", name="uq_package_metadata_ecosystem_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ecosystem: Mapped[str] = mapped_column(String(40), nullable=False)
    name: Mapped[str] = mapped_column(String(300), nullable=False)  # the registry's canonical name
    state: Mapped[str] = mapped_column(String(20), nullable=False, default=LookupState.FOUND)
    error: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    url: Mapped[str] = mapped_column(String(1000), nullable=False, default="")
    looked_up_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    found_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    response_id: Mapped[int | None] = mapped_column(ForeignKey("source_responses.id"), nullable=True, index=True)
    licence: Mapped[str] = mapped_column(String(1000), nullable=False, default="")  # as declared
    licence_field: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    licence_version: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    licences_by_version: Mapped[dict[str, str]] = mapped_column(JSON, nullable=False, default=dict)
    repository_url: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    homepage: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    latest_version: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    first_release_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    latest_release_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    releases: Mapped[list[Any]] = mapped_column(JSON, nullable=False, default=list)  # [[version, iso time], ...]
    yanked: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    deprecated: Mapped[str] = mapped_column(Text, nullable=False, default="")
    maintainers: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)

    response: Mapped[SourceResponse | None] = relationship()

    def licence_for(self, version: str) -> str:
        """The licence declared for this version when the registry says it per version (npm), else the package's."""
        return self.licences_by_version.get(version) or self.licence


class RepositoryHistory(db.Model):  # type: ignore[name-defined,misc]
    """Activity figures of one repository, computed from its git history at `head_sha` (the evidence: anyone can
    recompute them from that commit); a failed fetch keeps the last figures and says why."""

    __tablename__ = "repository_histories"
    __table_args__ = (UniqueConstraint("url", name="uq_repository_histories_url"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(500), nullable=False)  # normalised https URL, or a local path
    state: Mapped[str] = mapped_column(String(20), nullable=False, default=LookupState.FOUND)
    error: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    looked_up_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    computed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    head_sha: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    log_sha256: Mapped[str] = mapped_column(String(64), nullable=False, default="")  # of the git log it read
    figures: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)


class ScorecardRecord(db.Model):  # type: ignore[name-defined,misc]
    """An OpenSSF Scorecard result, imported or fetched: its aggregate and every check with score and reason. The
    stored answer (an upload is kept the same way) is the evidence; one record per stored answer."""

    __tablename__ = "scorecard_results"
    __table_args__ = (
        UniqueConstraint("response_id", name="uq_scorecard_results_response_id"),
        Index("ix_scorecard_results_repository_id", "repository", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    repository: Mapped[str] = mapped_column(String(300), nullable=False)  # github.com/owner/name
    repo_commit: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    result_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    scorecard_version: Mapped[str] = mapped_column(String(60), nullable=False, default="")
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    checks: Mapped[list[Any]] = mapped_column(JSON, nullable=False, default=list)
    origin: Mapped[str] = mapped_column(String(20), nullable=False, default="upload")  # upload | api
    filename: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    response_id: Mapped[int] = mapped_column(ForeignKey("source_responses.id"), nullable=False)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    imported_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    response: Mapped[SourceResponse] = relationship()

    def check(self, name: str) -> dict[str, Any] | None:
        """The stored check of this name (any case)."""
        return next((item for item in self.checks if str(item.get("name", "")).lower() == name.lower()), None)


class UserBaseFigure(db.Model):  # type: ignore[name-defined,misc]
    """One user-base figure of a package or repository from one source (deps.dev dependents, GitHub stars, npm
    monthly downloads ...), or entered by a person with a link; a failed fetch keeps the last value with the reason."""

    __tablename__ = "user_base_figures"
    __table_args__ = (UniqueConstraint("subject", "source", "metric", name="uq_user_base_figures_subject_source_metric"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject: Mapped[str] = mapped_column(String(500), nullable=False)  # "pypi/flask", "github.com/pallets/flask"
    source: Mapped[str] = mapped_column(String(40), nullable=False)  # deps.dev, github, gitlab, npm-downloads, manual
    metric: Mapped[str] = mapped_column(String(40), nullable=False)  # dependents, stars, forks, monthly_downloads, archived
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    state: Mapped[str] = mapped_column(String(20), nullable=False, default=LookupState.FOUND)
    error: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    measured_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)  # when the value was last read
    looked_up_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    link: Mapped[str] = mapped_column(String(1000), nullable=False, default="")  # the page that shows the figure
    response_id: Mapped[int | None] = mapped_column(ForeignKey("source_responses.id"), nullable=True)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)

    response: Mapped[SourceResponse | None] = relationship()
