"""User base from pluggable sources. deps.dev, GitHub, GitLab and the npm downloads API cannot be reached from
these machines, so a local HTTP server plays each of them, answering with bodies shaped as each provider's
published API reference describes (deps.dev v3alpha GetDependents, GitHub REST "Get a repository", GitLab REST
"Get a single project", npm "download counts: point values")."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.access import Role
from app.audit.models import AuditEvent
from app.errors import ValidationFailed
from app.extensions import db
from app.sources import userbase
from app.sources.models import LookupState, SourceResponse, UserBaseFigure
from tests.services import free_port

FLASK = userbase.Target("pypi", "flask", "3.1.3", "https://github.com/pallets/flask.git")
GITHUB_REPOSITORY = {  # the fields of GitHub's "Get a repository" response that matter here, and a few more
    "id": 596892, "name": "flask", "full_name": "pallets/flask", "private": False, "archived": False,
    "disabled": False, "stargazers_count": 69000, "watchers_count": 69000, "forks_count": 16400,
    "open_issues_count": 5, "pushed_at": "2026-11-20T10:00:00Z", "default_branch": "main",
}


def _figures() -> dict[tuple[str, str, str], float | None]:
    return {(f.subject, f.source, f.metric): f.value for f in db.session.scalars(select(UserBaseFigure))}


def test_dependents_stars_and_forks_are_stored_with_their_evidence(app, mirror):
    mirror.route("/depsdev/v3alpha/systems/pypi/packages/flask/versions/3.1.3:dependents",
                 {"dependentCount": 81234, "directDependentCount": 30110, "indirectDependentCount": 51124})
    mirror.route("/github/repos/pallets/flask", GITHUB_REPOSITORY)
    outcomes = userbase.collect(FLASK)
    assert [(o.source, o.state) for o in outcomes] == [("deps.dev", "found"), ("github", "found")]
    assert _figures() == {
        ("pypi/flask", "deps.dev", "dependents"): 81234, ("pypi/flask", "deps.dev", "direct_dependents"): 30110,
        ("github.com/pallets/flask", "github", "stars"): 69000, ("github.com/pallets/flask", "github", "forks"): 16400,
        ("github.com/pallets/flask", "github", "archived"): 0,
    }
    stars = db.session.scalar(select(UserBaseFigure).where(UserBaseFigure.metric == "stars"))
    assert db.session.get(SourceResponse, stars.response_id).url == f"{mirror.url}/github/repos/pallets/flask"
    assert stars.link == "https://github.com/pallets/flask" and stars.measured_at is not None


def test_the_github_token_is_sent_when_configured(app, mirror):
    app.config["GITHUB_TOKEN"] = "ghp_test_token"
    mirror.route("/github/repos/pallets/flask", GITHUB_REPOSITORY)
    userbase.collect(userbase.Target(repository_url="https://github.com/pallets/flask"))
    assert mirror.requests[-1][1]["Authorization"] == "Bearer ghp_test_token"


def test_npm_monthly_downloads_and_gitlab_stars(app, mirror):
    mirror.route("/npmapi/downloads/point/last-month/left-pad",
                 {"downloads": 3100452, "start": "2026-10-31", "end": "2026-11-29", "package": "left-pad"})
    mirror.route("/gitlab/api/v4/projects/inkscape%2Finkscape",
                 {"id": 3472737, "path_with_namespace": "inkscape/inkscape", "star_count": 4200, "forks_count": 1100,
                  "archived": True, "last_activity_at": "2026-11-29T08:00:00Z"})
    userbase.collect(userbase.Target("npm", "left-pad", "", "https://gitlab.com/inkscape/inkscape"))
    figures = _figures()
    assert figures[("npm/left-pad", "npm-downloads", "monthly_downloads")] == 3100452
    assert figures[("gitlab.com/inkscape/inkscape", "gitlab", "stars")] == 4200
    assert figures[("gitlab.com/inkscape/inkscape", "gitlab", "archived")] == 1


def test_a_source_that_cannot_answer_says_so_and_keeps_its_last_value(app, mirror):
    mirror.route("/github/repos/pallets/flask", GITHUB_REPOSITORY)
    userbase.collect(userbase.Target(repository_url="https://github.com/pallets/flask"))
    app.config["SOURCES_CACHE_HOURS"] = 0
    mirror.route("/github/repos/pallets/flask", {"message": "API rate limit exceeded"}, status=429)
    [outcome] = userbase.collect(userbase.Target(repository_url="https://github.com/pallets/flask"))
    assert outcome.state == LookupState.FAILED and outcome.error.startswith("rate limited by the source: HTTP 429")
    stars = db.session.scalar(select(UserBaseFigure).where(UserBaseFigure.metric == "stars"))
    assert (stars.value, stars.state) == (69000, LookupState.FAILED)


def test_unknown_packages_and_unreachable_sources(app, mirror):
    [deps_dev] = userbase.collect(userbase.Target("pypi", "no-such-thing", "1.0"))
    assert (deps_dev.state, deps_dev.error) == (LookupState.NOT_FOUND, "deps.dev dependents has no such package or repository (HTTP 404)")
    app.config["DEPSDEV_API_URL"] = f"http://127.0.0.1:{free_port()}"
    [unreachable] = userbase.collect(FLASK.__class__("pypi", "flask", "3.1.3"))
    assert unreachable.state == LookupState.FAILED and unreachable.error.startswith("cannot reach 127.0.0.1:")


def test_pypi_publishes_no_download_counts_so_no_source_asks(app, mirror):
    assert userbase.collect(userbase.Target("pypi", "flask", "")) == []
    assert mirror.requests == []


def test_the_evaluator_may_enter_a_figure_with_a_link(app, make_user):
    qa = make_user("quinn", Role.QA)
    row = userbase.enter("pypi/flask", "monthly_downloads", 95_000_000, "https://pypistats.org/packages/flask", by=qa)
    assert (row.source, row.value, row.link, row.entered_by_id) == ("manual", 95_000_000, "https://pypistats.org/packages/flask", qa.id)
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.name == "user_base.entered")) == 1
    with pytest.raises(ValidationFailed, match="Give the link"):
        userbase.enter("pypi/flask", "monthly_downloads", 1, "see the website", by=qa)
