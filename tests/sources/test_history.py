"""Repository history figures, asserted exactly: on a repository this test creates with known commits, authors,
dates and tags, and on this project's own git history."""

from __future__ import annotations

import subprocess
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.sources import history, repositories
from app.sources.models import LookupState, RepositoryHistory
from tests.sources.gitrepo import git

ROOT = Path(__file__).resolve().parents[2]
AS_OF = datetime(2026, 6, 30, 12, 0, 0)
COMMITS = (  # (author date UTC, name, e-mail)
    ("2025-01-10T09:00:00Z", "Alice", "alice@acme.example"),
    ("2025-08-01T09:00:00Z", "Bob", "bob@gmail.com"),
    ("2026-03-01T09:00:00Z", "Carol", "carol@medtech.example"),
    ("2026-04-15T09:00:00Z", "Alice", "Alice@ACME.example"),
    ("2026-06-01T09:00:00Z", "Dave", "12345+dave@users.noreply.github.com"),
    ("2026-06-29T09:00:00Z", "Erin", "erin@medtech.example"),
    ("2026-07-05T09:00:00Z", "Frank", "frank@later.example"),  # after as_of: not counted
)


@pytest.fixture
def known_repository(tmp_path: Path) -> Path:
    """A repository with the COMMITS above and three tags: v1.0 (lightweight, on the first commit), v2.0 (annotated,
    tagged 2026-04-16) and v3.0 (lightweight, on the commit after as_of)."""
    folder = tmp_path / "project"
    folder.mkdir()
    git(folder, "init", "--quiet", "--initial-branch=main")
    for number, (when, name, email) in enumerate(COMMITS):
        (folder / "file.txt").write_text(f"change {number}\n")
        git(folder, "add", "file.txt", when=when)
        git(folder, "commit", "--quiet", "-m", f"change {number}", when=when, name=name, email=email)
        if number == 0:
            git(folder, "tag", "v1.0", when=when)
        if number == 3:
            git(folder, "tag", "-a", "v2.0", "-m", "release 2.0", when="2026-04-16T10:00:00Z")
    git(folder, "tag", "v3.0", when="2026-07-05T09:00:00Z")
    return folder


def test_figures_of_a_repository_with_known_commits_authors_and_tags(app, known_repository):
    app.config["REPOSITORY_LOCAL_ROOTS"] = [str(known_repository.parent)]
    try:
        row = repositories.analyse(str(known_repository), as_of=AS_OF)
    finally:
        app.config["REPOSITORY_LOCAL_ROOTS"] = []
    assert row.state == LookupState.FOUND, row.error
    assert row.head_sha == git(known_repository, "rev-parse", "HEAD").strip()
    assert row.figures == {
        "as_of": "2026-06-30T12:00:00",
        "commits_total": 6,
        "commits_90d": 3,  # 15 Apr, 1 Jun, 29 Jun
        "commits_365d": 5,  # all but 10 Jan 2025
        "active_weeks_90d": 3,
        "authors_12m": 5,  # alice (either spelling), bob, carol, dave, erin
        "email_domains_12m": 4,
        "organisations_12m": 2,  # gmail.com and GitHub's no-reply addresses are people, not employers
        "organisation_domains": ["acme.example", "medtech.example"],
        "first_commit_at": "2025-01-10T09:00:00",
        "last_commit_at": "2026-06-29T09:00:00",
        "last_tag": "v2.0",
        "last_tag_at": "2026-04-16T10:00:00",
        "tags_total": 2,
        "tags_12m": 1,
        "tags_per_year": [[2025, 1], [2026, 1]],
    }


def test_a_repository_is_cloned_into_the_cache_then_fetched_and_read_again(app, known_repository, tmp_path):
    app.config.update(REPOSITORY_LOCAL_ROOTS=[str(known_repository.parent)], REPOSITORY_CACHE=str(tmp_path / "cache"))
    try:
        first = repositories.analyse(f"file://{known_repository}", as_of=AS_OF)
        assert first.state == LookupState.FOUND, first.error
        assert repositories.cache_folder(first.url).joinpath("HEAD").exists()
        (known_repository / "file.txt").write_text("one more\n")
        git(known_repository, "commit", "--quiet", "-am", "one more", when="2026-06-30T10:00:00Z",
            email="gina@medtech.example")
        again = repositories.analyse(f"file://{known_repository}", as_of=AS_OF)
    finally:
        app.config.update(REPOSITORY_LOCAL_ROOTS=[], REPOSITORY_CACHE="")
    assert again.id == first.id
    assert (again.figures["commits_90d"], again.figures["authors_12m"]) == (4, 6)
    assert db.session.scalar(select(func.count(RepositoryHistory.id))) == 1


def test_this_projects_own_history(app):
    app.config["REPOSITORY_LOCAL_ROOTS"] = [str(ROOT)]
    try:
        row = repositories.analyse(str(ROOT), as_of=datetime(2026, 11, 21, 23, 59, 59))
    finally:
        app.config["REPOSITORY_LOCAL_ROOTS"] = []
    assert row.state == LookupState.FOUND, row.error
    figures = row.figures
    # The project's first day: 118 commits by one author, from 12:02:03 to 14:02:37 UTC on 21 Nov 2026.
    assert (figures["commits_total"], figures["commits_90d"], figures["commits_365d"]) == (118, 118, 118)
    assert (figures["authors_12m"], figures["email_domains_12m"], figures["organisations_12m"]) == (1, 1, 0)
    assert (figures["first_commit_at"], figures["last_commit_at"]) == ("2026-11-21T12:02:03", "2026-11-21T14:02:37")
    assert (figures["active_weeks_90d"], figures["tags_total"]) == (1, 0)


@pytest.mark.parametrize(("given", "message"), [
    ("http://github.com/pallets/flask", "is not an https repository URL"),
    ("ext::sh -c touch% /tmp/pwned", "is not an https repository URL"),
    ("/etc", "is not under a folder the settings allow"),
    ("", "Give a repository URL or a local path."),
])
def test_only_https_urls_and_allowed_local_folders_are_read(app, given, message):
    with pytest.raises(repositories.RepositoryError, match=message):
        repositories.locate(given)


def test_an_unreachable_repository_is_said_so_and_loses_the_figures_of_no_earlier_run(app, known_repository, tmp_path):
    app.config.update(REPOSITORY_LOCAL_ROOTS=[str(tmp_path)], REPOSITORY_CACHE=str(tmp_path / "cache"))
    try:
        good = repositories.analyse(f"file://{known_repository}", as_of=AS_OF)
        figures = dict(good.figures)
        subprocess.run(["rm", "-rf", str(known_repository / ".git")], check=True)
        known_repository.joinpath(".git").mkdir()  # no longer a repository: the fetch fails
        failed = repositories.analyse(f"file://{known_repository}", as_of=AS_OF)
    finally:
        app.config.update(REPOSITORY_LOCAL_ROOTS=[], REPOSITORY_CACHE="")
    assert failed.state == LookupState.FAILED and failed.error
    assert failed.figures == figures


def test_offline_a_repository_not_in_the_cache_is_not_fetched(app, known_repository, tmp_path):
    app.config.update(REPOSITORY_LOCAL_ROOTS=[str(tmp_path)], REPOSITORY_CACHE=str(tmp_path / "cache"),
                      SOURCES_OFFLINE=True)
    try:
        row = repositories.analyse(f"file://{known_repository}", as_of=AS_OF)
    finally:
        app.config.update(REPOSITORY_LOCAL_ROOTS=[], REPOSITORY_CACHE="", SOURCES_OFFLINE=False)
    assert (row.state, row.error) == (LookupState.OFFLINE, "offline mode: the repository is not in the cache")


def test_log_parsing_keeps_utc_and_skips_tags_without_dates():
    commits = history.parse_log("a1\x1f2026-01-02T03:04:05+02:00\x1fx@y.example\x1fX\x1e\n")
    assert commits == [history.Commit("a1", datetime(2026, 1, 2, 1, 4, 5), "x@y.example", "X")]
    assert history.parse_tags("v1\x1f\x1ev2\x1f2026-01-01T00:00:00Z\x1e") == [history.Tag("v2", datetime(2026, 1, 1))]


def test_ssh_and_git_forms_are_read_over_https(app):
    assert repositories.locate("ssh://git@github.com/pallets/flask.git").key == "https://github.com/pallets/flask"
    assert repositories.locate("git+https://github.com/pallets/flask.git").key == "https://github.com/pallets/flask"


def test_the_cli_prints_the_figures_of_a_local_repository(app, known_repository):
    try:
        result = app.test_cli_runner().invoke(
            args=["sources", "history", str(known_repository), "--as-of", "2026-06-30T12:00:00"])
        assert app.config["REPOSITORY_LOCAL_ROOTS"] == [str(known_repository)]
    finally:
        app.config["REPOSITORY_LOCAL_ROOTS"] = []
    assert result.exit_code == 0, result.output
    assert "commits: 3 in 90 days, 5 in 365 days, 6 in all" in result.output
    assert "4 e-mail domains, 2 organisations: acme.example, medtech.example" in result.output


def test_a_host_can_be_replaced_by_a_mirror(app, known_repository, tmp_path):
    mirror = tmp_path / "github"
    (mirror / "acme").mkdir(parents=True)
    known_repository.rename(mirror / "acme" / "widget")
    app.config.update(REPOSITORY_LOCAL_ROOTS=[str(tmp_path)], REPOSITORY_CACHE=str(tmp_path / "cache"),
                      REPOSITORY_MIRRORS={"https://github.com/": f"file://{mirror}/"})
    try:
        row = repositories.analyse("https://github.com/acme/widget.git", as_of=AS_OF)
    finally:
        app.config.update(REPOSITORY_LOCAL_ROOTS=[], REPOSITORY_CACHE="", REPOSITORY_MIRRORS={})
    assert (row.url, row.state, row.figures["commits_90d"]) == ("https://github.com/acme/widget", "found", 3)
