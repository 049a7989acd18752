"""OpenSSF Scorecard results: real `scorecard --format json` results from public repositories (see
tests/data/sources/SOURCES.md) are imported with every check, score and reason; the Scorecard API is played by a
local server serving a body as the API reference describes it."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import func, select

from app.access import Role
from app.audit.models import AuditEvent
from app.extensions import db
from app.sources import scorecard, scorecards
from app.sources.models import ScorecardRecord, SourceResponse
from tests.sources.mirror import DATA

OIDC = DATA / "scorecard" / "scorecard-oidc-test-2022-03-21.json"
ACTION = DATA / "scorecard" / "ossf-tests-scorecard-action-2022-06-01.json"
V1 = DATA / "scorecard" / "cron-v1-identity-idp-2021-04-14.json"


def test_a_real_result_keeps_every_check_with_score_and_reason():
    result = scorecard.parse(OIDC.read_bytes())
    raw = json.loads(OIDC.read_bytes())
    assert (result.repository, result.commit, str(result.date), result.score) == (
        "github.com/rohankh532/scorecard-OIDC-test", "80ec5079f66133cb6cefb09aad9b4565456b7f70", "2022-03-21", 5.0)
    assert [(c.name, c.score, c.reason) for c in result.checks] == [
        (c["name"], c["score"], c["reason"]) for c in raw["checks"]]
    assert len(result.checks) == 18
    maintained = result.check("maintained")
    assert (maintained.score, maintained.reason) == (
        10, "30 commit(s) out of 30 and 0 issue activity out of 0 found in the last 90 days -- score normalized to 10")
    assert maintained.documentation_url == "https://github.com/ossf/scorecard/blob/main/docs/checks.md#maintained"
    assert result.check("CI-Tests").score == -1  # "no pull request found": not decided


def test_another_real_result_from_another_repository():
    result = scorecard.parse(ACTION.read_bytes())
    assert (result.repository, result.score, len(result.checks)) == ("github.com/ossf-tests/scorecard-action", 5.8, 19)
    assert (result.check("Contributors").score, result.check("Webhooks").score) == (10, -1)


def test_the_retired_v1_format_is_refused_with_what_to_do():
    with pytest.raises(scorecard.ScorecardFormatError, match="retired v1 format"):
        scorecard.parse(V1.read_bytes())


@pytest.mark.parametrize(("body", "message"), [
    (b"not json", "not a JSON document"),
    (b'{"repo": {"name": "x"}}', "no repo and checks"),
    (b'{"repo": {"name": "x"}, "checks": [{"name": "A", "score": 11}]}', "outside -1..10"),
    (b'{"repo": {"name": "x"}, "checks": [{"score": 1}]}', "a check needs a name"),
])
def test_what_is_not_a_result_is_refused(body, message):
    with pytest.raises(scorecard.ScorecardFormatError, match=message):
        scorecard.parse(body)


def test_import_from_the_page_keeps_the_file_as_evidence_once(app, login_as):
    client = login_as(Role.QA)
    for _ in range(2):
        response = client.post("/sources/scorecards", data={"file": (io.BytesIO(OIDC.read_bytes()), OIDC.name)},
                               content_type="multipart/form-data")
        assert response.status_code == 302
    assert db.session.scalar(select(func.count(ScorecardRecord.id))) == 1
    record = db.session.scalar(select(ScorecardRecord))
    assert db.session.get(SourceResponse, record.response_id).body == OIDC.read_bytes()
    page = client.get(f"/sources/scorecards/{record.id}").get_data(as_text=True)
    assert "github.com/rohankh532/scorecard-OIDC-test" in page and "aggregate 5.0 / 10" in page
    assert "1 different companies found -- score normalized to 3" in page
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.name == "scorecard.imported")) == 1


def test_a_file_that_is_not_a_result_is_refused_on_the_page(app, login_as):
    client = login_as(Role.QA)
    response = client.post("/sources/scorecards", data={"file": (io.BytesIO(V1.read_bytes()), V1.name)},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert "retired v1 format" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ScorecardRecord.id))) == 0


def test_an_engineer_may_read_but_not_import(app, login_as):
    client = login_as(Role.ENGINEER)
    assert client.get("/sources/scorecards").status_code == 200
    assert client.post("/sources/scorecards").status_code == 403


@pytest.fixture
def scorecard_api(app, mirror):
    previous = app.config["SCORECARD_API_URL"]
    app.config["SCORECARD_API_URL"] = f"{mirror.url}/scorecard"
    yield mirror
    app.config["SCORECARD_API_URL"] = previous


def test_the_scorecard_api_is_fetched_and_kept(app, scorecard_api):
    # The local server answers as the Scorecard REST API reference describes GET /projects/{platform}/{org}/{repo}.
    scorecard_api.route("/scorecard/projects/github.com/ossf-tests/scorecard-action", ACTION.read_bytes())
    record, error = scorecards.fetch_for("https://github.com/ossf-tests/scorecard-action.git")
    assert error == ""
    assert (record.origin, record.repository, record.score) == ("api", "github.com/ossf-tests/scorecard-action", 5.8)
    again, _ = scorecards.fetch_for("https://github.com/ossf-tests/scorecard-action")
    assert again.id == record.id


def test_an_api_failure_says_why_and_keeps_the_last_result(app, scorecard_api):
    scorecard_api.route("/scorecard/projects/github.com/ossf-tests/scorecard-action", ACTION.read_bytes())
    first, _ = scorecards.fetch_for("https://github.com/ossf-tests/scorecard-action")
    app.config["SOURCES_CACHE_HOURS"] = 0
    scorecard_api.route("/scorecard/projects/github.com/ossf-tests/scorecard-action", b"busy", status=429)
    kept, error = scorecards.fetch_for("https://github.com/ossf-tests/scorecard-action")
    assert kept.id == first.id and error.startswith("rate limited by the source: HTTP 429")
    missing, error = scorecards.fetch_for("https://github.com/nobody/nothing")
    assert missing is None and error == "Scorecard has no result for this repository (HTTP 404)"
    assert scorecards.fetch_for("https://example.org/x/y") == (None, "the Scorecard API covers GitHub and GitLab repositories only")


def test_deps_dev_embedded_results_are_read_too():
    raw = json.loads(ACTION.read_bytes())
    embedded = {"projectKey": {"id": "github.com/ossf-tests/scorecard-action"}, "scorecard": {
        "date": raw["date"], "repository": raw["repo"], "scorecard": raw["scorecard"], "overallScore": raw["score"],
        "checks": [{"name": c["name"], "score": c["score"], "reason": c["reason"], "details": c["details"] or [],
                    "documentation": {"shortDescription": c["documentation"]["short"], "url": c["documentation"]["url"]}}
                   for c in raw["checks"]]}}
    result = scorecard.parse(json.dumps(embedded).encode())
    assert (result.repository, result.score, len(result.checks)) == ("github.com/ossf-tests/scorecard-action", 5.8, 19)
    assert result.checks[0].short == raw["checks"][0]["documentation"]["short"]
