"""User base from pluggable sources, each with its base URL and optional token, each figure with its evidence.

deps.dev (dependents of a package version), GitHub and GitLab (stars, forks, archived), the npm downloads API
(monthly downloads; PyPI publishes none). A source that cannot be reached says so and keeps its last value; the
evaluator may enter a figure with a link instead. Flushes; the caller commits.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from flask import current_app
from sqlalchemy import select

from app.audit import services as audit
from app.db import utcnow
from app.errors import ValidationFailed
from app.extensions import db
from app.sources import fetch
from app.sources.models import LookupState, UserBaseFigure


@dataclass(frozen=True)
class Target:
    """What a user-base figure is about: a package version and its repository."""

    ecosystem: str = ""
    name: str = ""
    version: str = ""
    repository_url: str = ""

    @property
    def package(self) -> str:
        return f"{self.ecosystem}/{self.name}" if self.ecosystem and self.name else ""

    def repository(self, host: str) -> str:
        """owner/name when the repository is on this host, else ''."""
        text = self.repository_url.strip().lower().removeprefix("https://").removeprefix("http://").removesuffix(".git")
        parts = [part for part in text.split("/") if part]
        return "/".join(parts[1:3]) if len(parts) >= 3 and parts[0] == host else ""


@dataclass(frozen=True)
class Source:
    """One pluggable source: the URL to ask for a target (None: not applicable), headers, how to read the answer."""

    name: str
    label: str
    subject: Callable[[Target], str]
    url: Callable[[Target], str | None]
    read: Callable[[dict[str, Any]], dict[str, float]]
    headers: Callable[[], dict[str, str]] = lambda: {}
    link: Callable[[Target], str] = lambda _target: ""


def _setting(name: str) -> str:
    return str(current_app.config[name]).rstrip("/")


def _number(data: Mapping[str, Any], key: str) -> float | None:
    value = data.get(key)
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _only(values: dict[str, float | None]) -> dict[str, float]:
    return {key: value for key, value in values.items() if value is not None}


DEPS_DEV_SYSTEMS = {"pypi": "pypi", "npm": "npm", "maven": "maven", "cargo": "cargo", "nuget": "nuget", "golang": "go"}


def _deps_dev_url(target: Target) -> str | None:
    system = DEPS_DEV_SYSTEMS.get(target.ecosystem)
    if not system or not target.name or not target.version:
        return None
    return (f"{_setting('DEPSDEV_API_URL')}/v3alpha/systems/{system}/packages/{quote(target.name, safe='')}"
            f"/versions/{quote(target.version, safe='')}:dependents")


def _github_headers() -> dict[str, str]:
    token = str(current_app.config["GITHUB_TOKEN"])
    return {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28",
            **({"Authorization": f"Bearer {token}"} if token else {})}


def _gitlab_headers() -> dict[str, str]:
    token = str(current_app.config["GITLAB_TOKEN"])
    return {"PRIVATE-TOKEN": token} if token else {}


SOURCES: tuple[Source, ...] = (
    Source(
        "deps.dev", "deps.dev dependents", subject=lambda t: t.package, url=_deps_dev_url,
        read=lambda d: _only({"dependents": _number(d, "dependentCount"),
                              "direct_dependents": _number(d, "directDependentCount")}),
        link=lambda t: f"https://deps.dev/{DEPS_DEV_SYSTEMS.get(t.ecosystem, t.ecosystem)}/{quote(t.name, safe='')}",
    ),
    Source(
        "github", "GitHub", subject=lambda t: f"github.com/{t.repository('github.com')}",
        url=lambda t: f"{_setting('GITHUB_API_URL')}/repos/{t.repository('github.com')}" if t.repository("github.com") else None,
        read=lambda d: _only({"stars": _number(d, "stargazers_count"), "forks": _number(d, "forks_count"),
                              "archived": 1.0 if d.get("archived") is True else 0.0 if d.get("archived") is False else None}),
        headers=_github_headers, link=lambda t: f"https://github.com/{t.repository('github.com')}",
    ),
    Source(
        "gitlab", "GitLab", subject=lambda t: f"gitlab.com/{t.repository('gitlab.com')}",
        url=lambda t: (f"{_setting('GITLAB_API_URL')}/projects/{quote(t.repository('gitlab.com'), safe='')}"
                       if t.repository("gitlab.com") else None),
        read=lambda d: _only({"stars": _number(d, "star_count"), "forks": _number(d, "forks_count"),
                              "archived": 1.0 if d.get("archived") is True else 0.0 if d.get("archived") is False else None}),
        headers=_gitlab_headers, link=lambda t: f"https://gitlab.com/{t.repository('gitlab.com')}",
    ),
    Source(
        "npm-downloads", "npm downloads", subject=lambda t: t.package,
        url=lambda t: (f"{_setting('NPM_DOWNLOADS_URL')}/downloads/point/last-month/{quote(t.name, safe='@')}"
                       if t.ecosystem == "npm" and t.name else None),
        read=lambda d: _only({"monthly_downloads": _number(d, "downloads")}),
        link=lambda t: f"https://www.npmjs.com/package/{t.name}",
    ),
)


@dataclass(frozen=True)
class Outcome:
    """What one source said about a target: its figures (stored rows) or why it could not say."""

    source: str
    state: str
    figures: tuple[UserBaseFigure, ...]
    error: str = ""


def _row(subject: str, source: str, metric: str) -> UserBaseFigure:
    row = db.session.scalar(select(UserBaseFigure).where(
        UserBaseFigure.subject == subject, UserBaseFigure.source == source, UserBaseFigure.metric == metric))
    if row is None:
        row = UserBaseFigure(subject=subject[:500], source=source, metric=metric, state=LookupState.FAILED)
        db.session.add(row)
    return row


def collect(target: Target, sources: tuple[Source, ...] = SOURCES) -> list[Outcome]:
    """Ask every applicable source about the target and store the figures; failures keep earlier values."""
    outcomes = []
    for source in sources:
        url = source.url(target)
        if url is None:
            continue
        subject = source.subject(target)
        answer = fetch.fetch_one(source.name, url, headers=source.headers())
        now = utcnow()
        existing = list(db.session.scalars(select(UserBaseFigure).where(
            UserBaseFigure.subject == subject, UserBaseFigure.source == source.name)))
        if answer.state != fetch.AnswerState.OK:
            error = answer.error or f"{source.label} has no such package or repository (HTTP 404)"
            state = {fetch.AnswerState.NOT_FOUND: LookupState.NOT_FOUND, fetch.AnswerState.OFFLINE: LookupState.OFFLINE
                     }.get(answer.state, LookupState.FAILED)
            for row in existing:
                row.state, row.error, row.looked_up_at = state, error[:500], now
            outcomes.append(Outcome(source.name, state, tuple(existing), error))
            continue
        try:
            data = json.loads(answer.body)
            values = source.read(data) if isinstance(data, dict) else {}
        except (json.JSONDecodeError, UnicodeDecodeError):
            values = {}
        if not values:
            error = f"{source.label} answered without the expected figures"
            outcomes.append(Outcome(source.name, LookupState.FAILED, tuple(existing), error))
            continue
        rows = []
        for metric, value in values.items():
            row = _row(subject, source.name, metric)
            row.value, row.state, row.error = value, LookupState.FOUND, ""
            row.measured_at = row.looked_up_at = now
            row.response_id = answer.response.id if answer.response else None
            row.link = source.link(target)[:1000]
            rows.append(row)
        outcomes.append(Outcome(source.name, LookupState.FOUND, tuple(rows)))
    db.session.flush()
    return outcomes


def enter(subject: str, metric: str, value: float, link: str, *, by: Any) -> UserBaseFigure:
    """A figure entered by the evaluator, with the link that shows it (replaces their earlier one)."""
    if not subject.strip() or not metric.strip():
        raise ValidationFailed("Say what the figure is about and what it counts.")
    if value < 0:
        raise ValidationFailed("A user-base figure cannot be negative.")
    if not link.strip().startswith(("https://", "http://")):
        raise ValidationFailed("Give the link (https://...) of the page that shows the figure.")
    row = _row(subject.strip(), "manual", metric.strip()[:40])
    row.value, row.state, row.error, row.link = float(value), LookupState.FOUND, "", link.strip()[:1000]
    row.measured_at = row.looked_up_at = utcnow()
    row.entered_by_id = getattr(by, "id", None)
    db.session.flush()
    audit.record("user_base.entered", entity_type="user_base_figure", entity_id=row.id, subject=row.subject,
                 metric=row.metric, value=row.value, link=row.link)
    return row


def figures_of(subjects: list[str]) -> list[UserBaseFigure]:
    """Every stored figure about these subjects, by subject, source and metric."""
    if not subjects:
        return []
    return list(db.session.scalars(select(UserBaseFigure).where(UserBaseFigure.subject.in_(subjects))
                                   .order_by(UserBaseFigure.subject, UserBaseFigure.source, UserBaseFigure.metric)))
