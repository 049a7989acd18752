"""OpenSSF Scorecard results: imported from a file (`scorecard --format json`) or fetched from the Scorecard API
(SCORECARD_API_URL), kept with every check, the stored answer as evidence. Flushes; the caller commits."""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import select

from app.audit import services as audit
from app.errors import ValidationFailed
from app.extensions import db
from app.sources import fetch, scorecard
from app.sources.models import ScorecardRecord, SourceResponse

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


def _record(result: scorecard.ScorecardResult, response: SourceResponse, *, origin: str, filename: str = "",
            by: Any = None) -> ScorecardRecord:
    existing = db.session.scalar(select(ScorecardRecord).where(ScorecardRecord.response_id == response.id))
    if existing is not None:
        return existing
    record = ScorecardRecord(
        repository=result.repository, repo_commit=result.commit, result_date=result.date,
        scorecard_version=result.scorecard_version, score=result.score, checks=scorecard.as_dicts(result),
        origin=origin, filename=filename[:255], response=response, imported_by_id=getattr(by, "id", None),
    )
    db.session.add(record)
    db.session.flush()
    audit.record("scorecard.imported", entity_type="scorecard_result", entity_id=record.id,
                 repository=record.repository, score=record.score, origin=origin)
    return record


def import_upload(content: bytes, filename: str, *, by: Any) -> ScorecardRecord:
    """Import a Scorecard JSON result file; the same file twice gives the same record."""
    name = (filename or "scorecard.json").strip()[:255]
    if not content:
        raise ValidationFailed("Choose a Scorecard JSON file (scorecard --format json).")
    if len(content) > MAX_UPLOAD_BYTES:
        raise ValidationFailed(f"{name} is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB.")
    try:
        result = scorecard.parse(content)
    except scorecard.ScorecardFormatError as error:
        raise ValidationFailed(f"{name}: {error}.") from None
    if not result.repository:
        raise ValidationFailed(f"{name}: the result does not name its repository.")
    response = fetch.keep("scorecard-upload", f"upload:{name}", content, content_type="application/json")
    return _record(result, response, origin="upload", filename=name, by=by)


def latest_for(project: str) -> ScorecardRecord | None:
    """The newest stored result of a repository ("github.com/owner/name")."""
    return db.session.scalar(select(ScorecardRecord).where(ScorecardRecord.repository == project)
                             .order_by(ScorecardRecord.result_date.desc(), ScorecardRecord.id.desc()).limit(1))


def fetch_for(repository_url: str) -> tuple[ScorecardRecord | None, str]:
    """Fetch a repository's result from the Scorecard API; on failure the newest stored result and the reason."""
    project = scorecard.project_path(repository_url)
    if not project:
        return None, "the Scorecard API covers GitHub and GitLab repositories only"
    url = f"{str(current_app.config['SCORECARD_API_URL']).rstrip('/')}/projects/{project}"
    answer = fetch.fetch_one("scorecard", url)
    if answer.state == fetch.AnswerState.NOT_FOUND:
        return latest_for(project), "Scorecard has no result for this repository (HTTP 404)"
    if answer.state != fetch.AnswerState.OK or answer.response is None:
        return latest_for(project), answer.error
    try:
        result = scorecard.parse(answer.body)
    except scorecard.ScorecardFormatError as error:
        return latest_for(project), f"the Scorecard API's answer could not be read: {error}"
    return _record(result, answer.response, origin="api"), ""
