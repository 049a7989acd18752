"""Repository activity figures from a git history: plain commits and tags in, plain figures out.

Pure: no Flask, no ORM, no git. Windows end at `as_of` and reach back N days (as_of - N days < date <= as_of), by
author date in UTC. "Organisations" are the distinct e-mail domains of recent authors, leaving out personal and
no-reply mail hosts (a gmail.com address says nothing about who employs its owner), in line with the intent of
OpenSSF Scorecard's Contributors check.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

PERSONAL_MAIL_DOMAINS = frozenset({
    "users.noreply.github.com", "noreply.github.com", "github.com", "users.noreply.gitlab.com", "gmail.com",
    "googlemail.com", "outlook.com", "hotmail.com", "live.com", "yahoo.com", "icloud.com", "me.com", "protonmail.com",
    "proton.me", "gmx.de", "gmx.net", "web.de", "qq.com", "163.com", "localhost", "localhost.localdomain",
})


@dataclass(frozen=True)
class Commit:
    sha: str
    authored_at: datetime  # UTC, naive
    email: str
    name: str = ""


@dataclass(frozen=True)
class Tag:
    name: str
    created_at: datetime  # UTC, naive: the tagger date of an annotated tag, the commit date of a lightweight one


@dataclass(frozen=True)
class ActivityFigures:
    as_of: datetime
    commits_total: int
    commits_90d: int
    commits_365d: int
    active_weeks_90d: int  # of the 13 weeks before as_of, how many have at least one commit
    authors_12m: int  # distinct author e-mails in the last 365 days
    email_domains_12m: int
    organisations_12m: int  # distinct e-mail domains without personal and no-reply mail hosts
    organisation_domains: tuple[str, ...]
    first_commit_at: datetime | None
    last_commit_at: datetime | None
    last_tag: str
    last_tag_at: datetime | None
    tags_total: int
    tags_12m: int
    tags_per_year: tuple[tuple[int, int], ...]  # (year, tags created that year), oldest year first


def is_personal_domain(domain: str) -> bool:
    """A mail host of individuals or a no-reply address, not an employer (gmail.com, users.noreply.github.com)."""
    return domain in PERSONAL_MAIL_DOMAINS or "noreply" in domain.split(".")


def domain_of(email: str) -> str:
    """The lower-case domain of an e-mail address ('' when there is none)."""
    _, at, domain = email.strip().lower().rpartition("@")
    return domain.strip(">").strip() if at else ""


def figures(commits: Iterable[Commit], tags: Iterable[Tag], as_of: datetime) -> ActivityFigures:
    """Activity up to as_of: commit counts over 90 and 365 days, authors and their organisations over 12 months,
    the last commit and tag, and tags per year. Commits and tags after as_of are left out."""
    history = sorted((c for c in commits if c.authored_at <= as_of), key=lambda c: c.authored_at)
    released = sorted((t for t in tags if t.created_at <= as_of), key=lambda t: (t.created_at, t.name))

    def within(days: int) -> list[Commit]:
        start = as_of - timedelta(days=days)
        return [c for c in history if c.authored_at > start]

    recent = within(365)
    emails = {c.email.strip().lower() for c in recent if c.email.strip()}
    domains = {domain_of(email) for email in emails} - {""}
    organisations = sorted(domain for domain in domains if not is_personal_domain(domain))
    weeks = {int((as_of - c.authored_at) / timedelta(weeks=1)) for c in within(91)}
    per_year = Counter(tag.created_at.year for tag in released)
    tag_start = as_of - timedelta(days=365)
    return ActivityFigures(
        as_of=as_of, commits_total=len(history), commits_90d=len(within(90)), commits_365d=len(recent),
        active_weeks_90d=len({week for week in weeks if week < 13}), authors_12m=len(emails),
        email_domains_12m=len(domains), organisations_12m=len(organisations), organisation_domains=tuple(organisations),
        first_commit_at=history[0].authored_at if history else None,
        last_commit_at=history[-1].authored_at if history else None,
        last_tag=released[-1].name if released else "", last_tag_at=released[-1].created_at if released else None,
        tags_total=len(released), tags_12m=sum(1 for tag in released if tag.created_at > tag_start),
        tags_per_year=tuple(sorted(per_year.items())),
    )


def as_dict(result: ActivityFigures) -> dict[str, object]:
    """The figures as JSON-safe values (times as ISO 8601)."""
    def iso(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "as_of": iso(result.as_of), "commits_total": result.commits_total, "commits_90d": result.commits_90d,
        "commits_365d": result.commits_365d, "active_weeks_90d": result.active_weeks_90d,
        "authors_12m": result.authors_12m, "email_domains_12m": result.email_domains_12m,
        "organisations_12m": result.organisations_12m, "organisation_domains": list(result.organisation_domains),
        "first_commit_at": iso(result.first_commit_at), "last_commit_at": iso(result.last_commit_at),
        "last_tag": result.last_tag, "last_tag_at": iso(result.last_tag_at), "tags_total": result.tags_total,
        "tags_12m": result.tags_12m, "tags_per_year": [list(item) for item in result.tags_per_year],
    }


FIELD = "\x1f"
RECORD = "\x1e"
LOG_FORMAT = f"%H{FIELD}%aI{FIELD}%ae{FIELD}%an{RECORD}"
TAG_FORMAT = f"%(refname:short){FIELD}%(creatordate:iso-strict){RECORD}"


def _utc(text: str) -> datetime:
    from datetime import UTC

    parsed = datetime.fromisoformat(text.strip())
    return parsed.astimezone(UTC).replace(tzinfo=None) if parsed.tzinfo else parsed


def parse_log(output: str) -> list[Commit]:
    """Commits from `git log --format=LOG_FORMAT` output."""
    commits = []
    for record in output.split(RECORD):
        parts = record.strip("\n").split(FIELD)
        if len(parts) == 4 and parts[0]:
            commits.append(Commit(parts[0].strip(), _utc(parts[1]), parts[2], parts[3]))
    return commits


def parse_tags(output: str) -> list[Tag]:
    """Tags from `git for-each-ref refs/tags --format=TAG_FORMAT` output (tags without a date are left out)."""
    tags = []
    for record in output.split(RECORD):
        parts = record.strip("\n").split(FIELD)
        if len(parts) == 2 and parts[0].strip() and parts[1].strip():
            tags.append(Tag(parts[0].strip(), _utc(parts[1])))
    return tags


def weekly_commits_needed(days: int = 90) -> int:
    """Scorecard's Maintained check asks for at least one commit a week: 13 over 90 days."""
    return days // 7


def summary(result: ActivityFigures) -> Sequence[str]:
    """The figures in words, one line each (for the CLI)."""
    return (
        f"commits: {result.commits_90d} in 90 days, {result.commits_365d} in 365 days, {result.commits_total} in all",
        f"active weeks (of the last 13): {result.active_weeks_90d}",
        f"authors in 12 months: {result.authors_12m} ({result.email_domains_12m} e-mail domains, "
        f"{result.organisations_12m} organisations: {', '.join(result.organisation_domains) or 'none'})",
        f"last commit: {result.last_commit_at.isoformat() if result.last_commit_at else 'none'}",
        f"last tag: {result.last_tag or 'none'}"
        f"{' (' + result.last_tag_at.isoformat() + ')' if result.last_tag_at else ''}; {result.tags_total} tags,"
        f" {result.tags_12m} in 12 months",
    )
