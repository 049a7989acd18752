"""OpenSSF Scorecard results: `scorecard --format json` output, the Scorecard REST API body, or the copy deps.dev
embeds in a project; every check kept with its score and reason.

Pure: bytes in, `ScorecardResult` out. A check's score is 0-10, or -1 when Scorecard could not decide (not
applicable, or an internal error: the reason says which). The retired v1 format (Pass/Confidence) is refused.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from app import nesting


class ScorecardFormatError(ValueError):
    """Not a Scorecard result this version reads: the message says what is wrong."""


@dataclass(frozen=True)
class Check:
    name: str
    score: int  # 0-10, -1: not decided
    reason: str
    details: tuple[str, ...] = ()
    documentation_url: str = ""
    short: str = ""


@dataclass(frozen=True)
class ScorecardResult:
    repository: str  # "github.com/owner/name"
    commit: str
    date: date | None
    scorecard_version: str
    score: float | None  # the aggregate, 0-10
    checks: tuple[Check, ...]

    def check(self, name: str) -> Check | None:
        """The check of this name (any case), or None when the result has none."""
        return next((item for item in self.checks if item.name.lower() == name.lower()), None)


def _text(value: Any, limit: int = 2000) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


def _date(value: Any) -> date | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None


def _score(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ScorecardFormatError(f"{where}: the score is not a number")
    score = int(value)
    if score < -1 or score > 10:
        raise ScorecardFormatError(f"{where}: the score {value} is outside -1..10")
    return score


def parse(body: bytes) -> ScorecardResult:
    """Read a Scorecard JSON result (v2 CLI or REST API, or deps.dev's embedded copy)."""
    try:
        data = nesting.load_json(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError, nesting.UnreadableData) as error:
        raise ScorecardFormatError(f"not a JSON document ({error})") from None
    if not isinstance(data, dict):
        raise ScorecardFormatError("not a JSON object")
    if isinstance(data.get("scorecard"), dict) and "checks" in data["scorecard"]:
        data = data["scorecard"]  # a deps.dev project: the result is under "scorecard"
    if "CheckResults" in data:
        raise ScorecardFormatError(
            "this is Scorecard's retired v1 format (Pass/Confidence); run a current scorecard with --format json")
    checks = data.get("checks")
    repo = data.get("repo") if isinstance(data.get("repo"), dict) else data.get("repository")
    if not isinstance(checks, list) or not isinstance(repo, dict):
        raise ScorecardFormatError("no repo and checks: not a Scorecard JSON result")
    tool: dict[str, Any] = data["scorecard"] if isinstance(data.get("scorecard"), dict) else {}
    aggregate = data.get("score", data.get("overallScore"))
    parsed: list[Check] = []
    for index, item in enumerate(checks):
        where = f"checks[{index}]"
        if not isinstance(item, dict) or not _text(item.get("name")):
            raise ScorecardFormatError(f"{where}: a check needs a name")
        documentation: dict[str, Any] = item["documentation"] if isinstance(item.get("documentation"), dict) else {}
        details: list[Any] = item["details"] if isinstance(item.get("details"), list) else []
        parsed.append(Check(
            name=_text(item["name"], 100), score=_score(item.get("score"), f"{where} ({item['name']})"),
            reason=_text(item.get("reason")), details=tuple(_text(d, 1000) for d in details if isinstance(d, str))[:200],
            documentation_url=_text(documentation.get("url"), 500),
            short=_text(documentation.get("short") or documentation.get("shortDescription"), 500),
        ))
    score = None
    if isinstance(aggregate, (int, float)) and not isinstance(aggregate, bool) and math.isfinite(aggregate):
        score = float(aggregate)
    return ScorecardResult(
        repository=_text(repo.get("name"), 300), commit=_text(repo.get("commit"), 64), date=_date(data.get("date")),
        scorecard_version=_text(tool.get("version"), 60), score=score, checks=tuple(parsed),
    )


def as_dicts(result: ScorecardResult) -> list[dict[str, Any]]:
    """The checks as JSON-safe dicts (stored with the result)."""
    return [
        {"name": c.name, "score": c.score, "reason": c.reason, "details": list(c.details),
         "documentation_url": c.documentation_url, "short": c.short}
        for c in result.checks
    ]


def project_path(repository_url: str) -> str:
    """The Scorecard API's project name of a repository URL: "github.com/owner/name" ('' for other hosts)."""
    text = repository_url.strip().lower().removeprefix("https://").removeprefix("http://").removesuffix(".git")
    parts = [part for part in text.split("/") if part]
    if len(parts) >= 3 and parts[0] in ("github.com", "gitlab.com"):
        return "/".join(parts[:3])
    return ""
