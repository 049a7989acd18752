"""'Collect evidence' for an open-source-project supplier: the worker looks up its packages (a local server plays the
PyPI mirror with answers recorded from PyPI), reads its repository's history (a repository made in the test, served
as the company's git mirror of github.com), fetches its Scorecard result and its user base (a local server answering
as the Scorecard, deps.dev and GitHub API references describe), and proposes answers the evaluator accepts or
overrides with a reason."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.access import Role
from app.audit.models import AuditEvent
from app.db import utcnow
from app.extensions import db
from app.inventory.models import Component
from app.questionnaires import evaluations, services
from app.questionnaires.models import AnswerProposal, Evaluation
from tests.helpers import run_worker
from tests.inventory.factories import poetry_lock, release_with
from tests.questionnaires.factories import make_supplier
from tests.sources.gitrepo import make_repository
from tests.sources.mirror import DATA

AUTHORS = (("Ann", "ann@python.example"), ("Ben", "ben@acme.example"), ("Cy", "cy@medtech.example"),
           ("Dee", "dee@gmail.com"))


@pytest.fixture
def six_world(app, mirror, tmp_path):
    """The public world of the `six` project, played locally."""
    now = utcnow()
    commits = [((now - timedelta(days=3 + 4 * n)).strftime("%Y-%m-%dT%H:%M:%SZ"), *AUTHORS[n % 4]) for n in range(20)]
    make_repository(tmp_path / "github" / "benjaminp" / "six", commits)
    app.config.update(REPOSITORY_LOCAL_ROOTS=[str(tmp_path)], REPOSITORY_CACHE=str(tmp_path / "cache"),
                      REPOSITORY_MIRRORS={"https://github.com/": f"file://{tmp_path / 'github'}/"})
    mirror.pypi("six")
    mirror.route("/depsdev/v3alpha/systems/pypi/packages/six/versions/1.17.0:dependents",
                 {"dependentCount": 81234, "directDependentCount": 30110, "indirectDependentCount": 51124})
    mirror.route("/github/repos/benjaminp/six", {"full_name": "benjaminp/six", "archived": False,
                                                 "stargazers_count": 1100, "forks_count": 280})
    result = json.loads((DATA / "scorecard" / "ossf-tests-scorecard-action-2022-06-01.json").read_bytes())
    result["repo"]["name"] = "github.com/benjaminp/six"  # the API answers for the project asked
    mirror.route("/scorecard/projects/github.com/benjaminp/six", result)
    yield mirror
    app.config.update(REPOSITORY_LOCAL_ROOTS=[], REPOSITORY_CACHE="", REPOSITORY_MIRRORS={})


@pytest.fixture
def qa(make_user):
    return make_user("quinn", Role.QA)


def _evaluation_for_six(qa) -> Evaluation:
    release, _ = release_with("Infusion pump", "1.0", {"poetry.lock": poetry_lock(("six", "1.17.0"))})
    supplier = make_supplier("OSS-SIX", "six", kind="open_source_project", repository_url="https://github.com/benjaminp/six")
    component = db.session.scalar(select(Component).where(Component.release_id == release.id))
    component.supplier_id = supplier.id
    component.licence_expression, component.licence_verdict = "MIT", "allow"
    template = services.ensure_default_templates()[1]
    evaluation = evaluations.start_evaluation(supplier, template, evaluation_type="initial", due_date=None, by=qa)
    db.session.commit()
    return evaluation


def _client(app, qa):
    from tests.helpers import login

    client = app.test_client()
    assert login(client, qa.username).status_code == 302
    return client


def test_collect_evidence_proposes_answers_with_figure_source_date_and_evidence(app, six_world, qa):
    evaluation = _evaluation_for_six(qa)
    client = _client(app, qa)
    assert client.post(f"/questionnaires/evaluations/{evaluation.id}/collect-evidence").status_code == 302
    page = client.get(f"/questionnaires/evaluations/{evaluation.id}").get_data(as_text=True)
    assert "Collect evidence for six" in page and 'hx-trigger="every 1s"' in page

    assert run_worker() == 1
    proposals = {p.question_code: p for p in db.session.scalars(select(AnswerProposal))}
    six = json.loads((DATA / "pypi" / "six.json").read_bytes())
    first_upload = min(f["upload_time_iso_8601"] for files in six["releases"].values() for f in files)
    years = (utcnow() - __import__("datetime").datetime.fromisoformat(first_upload[:19])).days // 365.25
    assert {code: p.value for code, p in proposals.items()} == {
        "O1": "foundation_or_company",  # python.example, acme.example, medtech.example (gmail.com is a person)
        "O2": "20", "O4": "wide", "O8": str(int(years)), "O3": "over_18_months", "O11": "yes", "O7": "none",
        "O10": "compatible",
    }
    o1 = proposals["O1"]
    assert o1.figure == "3 organisations (acme.example, medtech.example, python.example)"
    assert o1.source.startswith("git history of https://github.com/benjaminp/six at ")
    assert o1.measured_at is not None and o1.evidence_url == "https://github.com/benjaminp/six"
    o4 = proposals["O4"]
    assert (o4.figure, o4.source) == ("81,234 dependents", "deps.dev (pypi/six)")
    assert o4.evidence_url.startswith("/sources/responses/")
    assert proposals["O11"].evidence_url.startswith("/sources/scorecards/")
    page = client.get(f"/questionnaires/evaluations/{evaluation.id}").get_data(as_text=True)
    assert "81,234 dependents" in page and "Accept all 8 proposed answers" in page


def test_accepting_and_overriding_fill_the_evaluator_answers_and_the_record_shows_the_evidence(app, six_world, qa):
    evaluation = _evaluation_for_six(qa)
    client = _client(app, qa)
    client.post(f"/questionnaires/evaluations/{evaluation.id}/collect-evidence")
    run_worker()
    response = client.post(f"/questionnaires/evaluations/{evaluation.id}/proposals/override",
                           data={"code": "O7", "answer": "policy_and_advisories",
                                 "reason": "SECURITY.md in the repository and GitHub advisories GHSA-xxxx published"})
    assert response.status_code == 302
    assert client.post(f"/questionnaires/evaluations/{evaluation.id}/proposals/accept").status_code == 302
    db.session.expire_all()
    evaluation = db.session.get(Evaluation, evaluation.id)
    assert evaluation.evaluator_answers["O1"] == "foundation_or_company"
    assert evaluation.evaluator_answers["O7"] == "policy_and_advisories"
    states = {p.question_code: p.state for p in db.session.scalars(select(AnswerProposal))}
    assert states.pop("O7") == "overridden" and set(states.values()) == {"accepted"}
    assert db.session.scalar(select(AuditEvent.reason).where(AuditEvent.name == "evaluation.proposal_overridden")
                             ).startswith("SECURITY.md")

    evaluations.save_evaluator_answers(evaluation, {"O12": "within_7_days", "O9": "both", "O5": "yes", "O6": "none"}, by=qa)
    evaluations.score_evaluation(evaluation, by=qa)
    db.session.commit()
    page = client.get(f"/questionnaires/evaluations/{evaluation.id}").get_data(as_text=True)
    assert "Evidence: 3 organisations (acme.example, medtech.example, python.example) (git history of" in page
    assert "proposed answer accepted" in page and "overridden: SECURITY.md in the repository" in page


def test_a_second_collection_leaves_decided_proposals_alone(app, six_world, qa):
    evaluation = _evaluation_for_six(qa)
    client = _client(app, qa)
    client.post(f"/questionnaires/evaluations/{evaluation.id}/collect-evidence")
    run_worker()
    client.post(f"/questionnaires/evaluations/{evaluation.id}/proposals/override", data={"code": "O2", "answer": "12", "reason": "merged PRs, not commits"})
    client.post(f"/questionnaires/evaluations/{evaluation.id}/collect-evidence")
    run_worker()
    o2 = db.session.scalar(select(AnswerProposal).where(AnswerProposal.question_code == "O2"))
    assert (o2.state, o2.answer, o2.value) == ("overridden", "12", "20")


def test_an_override_needs_a_reason_and_a_valid_answer(app, six_world, qa):
    evaluation = _evaluation_for_six(qa)
    client = _client(app, qa)
    client.post(f"/questionnaires/evaluations/{evaluation.id}/collect-evidence")
    run_worker()
    page = client.post(f"/questionnaires/evaluations/{evaluation.id}/proposals/override", data={"code": "O4", "answer": "wide", "reason": ""},
                       follow_redirects=True).get_data(as_text=True)
    assert "Say why you answer otherwise than the evidence proposes." in page
    page = client.post(f"/questionnaires/evaluations/{evaluation.id}/proposals/override",
                       data={"code": "O4", "answer": "galactic", "reason": "x"}, follow_redirects=True).get_data(as_text=True)
    assert "O4:" in page
    assert db.session.scalar(select(AnswerProposal.state).where(AnswerProposal.question_code == "O4")) == "proposed"


def test_sources_that_fail_are_noted_and_the_rest_still_proposes(app, six_world, qa):
    six_world.route("/scorecard/projects/github.com/benjaminp/six", b"", status=404)
    six_world.route("/github/repos/benjaminp/six", {"message": "rate limited"}, status=429)
    evaluation = _evaluation_for_six(qa)
    client = _client(app, qa)
    client.post(f"/questionnaires/evaluations/{evaluation.id}/collect-evidence")
    run_worker()
    codes = set(db.session.scalars(select(AnswerProposal.question_code)))
    assert "O11" not in codes and "O7" not in codes  # no Scorecard result
    assert {"O1", "O2", "O4", "O10"} <= codes
    job_page = client.get(f"/questionnaires/evaluations/{evaluation.id}").get_data(as_text=True)
    assert 'data-job-status="done"' in job_page


def test_only_open_source_suppliers_with_something_to_look_up(app, qa):
    client = _client(app, qa)
    vendor = make_supplier("ACME", "Acme", kind="commercial_vendor")
    template = services.ensure_default_templates()[1]
    evaluation = evaluations.start_evaluation(vendor, template, evaluation_type="initial", due_date=None, by=qa)
    db.session.commit()
    page = client.post(f"/questionnaires/evaluations/{evaluation.id}/collect-evidence", follow_redirects=True).get_data(as_text=True)
    assert "Evidence is collected for open-source-project suppliers only." in page
    lonely = make_supplier("OSS-X", "x", kind="open_source_project")
    other = evaluations.start_evaluation(lonely, template, evaluation_type="initial", due_date=None, by=qa)
    db.session.commit()
    page = client.post(f"/questionnaires/evaluations/{other.id}/collect-evidence", follow_redirects=True).get_data(as_text=True)
    assert "so that there is something to look up" in page


def test_the_word_record_shows_each_figure_its_source_and_date(app, six_world, qa):
    from app.documents import services as documents
    from tests.documents.docx_helpers import docx_text

    evaluation = _evaluation_for_six(qa)
    client = _client(app, qa)
    client.post(f"/questionnaires/evaluations/{evaluation.id}/collect-evidence")
    run_worker()
    client.post(f"/questionnaires/evaluations/{evaluation.id}/proposals/override",
                data={"code": "O7", "answer": "policy_and_advisories", "reason": "SECURITY.md exists"})
    client.post(f"/questionnaires/evaluations/{evaluation.id}/proposals/accept")
    text = docx_text(documents.generate("supplier_evaluation", str(evaluation.id), by=None).data)
    o1 = db.session.scalar(select(AnswerProposal).where(AnswerProposal.question_code == "O1"))
    assert "Evidence behind the answers" in text
    assert "3 organisations (acme.example, medtech.example, python.example)" in text
    assert o1.source in text and o1.measured_at.strftime("%Y-%m-%d") in text
    assert "81,234 dependents" in text and "deps.dev (pypi/six)" in text
    assert "overridden: SECURITY.md exists" in text and "A policy and published advisories" in text
