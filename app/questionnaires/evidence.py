""""Collect evidence" for an open-source-project supplier: the worker looks up the packages it supplies (registry),
the history of its repository, its OpenSSF Scorecard result and its user base, then proposes answers to the
questions that the template maps to those figures. The evaluator accepts or overrides each proposal with a reason.

The job runs in five steps, each committed with the progress counter, so a resumed job starts at the first
unfinished step; a proposal already accepted or overridden is never changed by a later collection.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask import Flask, current_app, url_for
from sqlalchemy import select

from app.audit import services as audit
from app.db import utcnow
from app.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from app.extensions import db
from app.jobs import services as jobs
from app.jobs.models import Job
from app.questionnaires import evaluations, policies
from app.questionnaires.answers import check_answer, raw_answer
from app.questionnaires.definitions import AnswerType
from app.questionnaires.metrics import SCORECARD_CHECKS
from app.questionnaires.models import AnswerProposal, Evaluation, ProposalState
from app.questionnaires.proposals import Figure, propose
from app.sources import packages as registry
from app.sources import repositories, scorecards, userbase
from app.sources.models import LookupState, PackageMetadata, RepositoryHistory, ScorecardRecord
from app.sources.registries import normalise_name
from app.sources.scorecard import project_path
from app.suppliers.models import SupplierKind
from app.suppliers.services.supplied import SuppliedPackage, supplied_packages

KIND = "questionnaires.collect_evidence"
STEPS = ("package registries", "repository history", "OpenSSF Scorecard", "user base", "proposed answers")
MAX_PACKAGES = 20  # user-base figures are asked for at most this many of the supplier's packages
VERDICT_RANK = {"allow": 0, "review": 1, "deny": 2}


def _path(endpoint: str, **values: Any) -> str:
    """A page of this app as a path (the worker has no request to build it from)."""
    with current_app.test_request_context("/"):
        return url_for(endpoint, **values)


def subject(evaluation: Evaluation) -> str:
    return f"evaluation:{evaluation.id}"


def start_collection(evaluation: Evaluation, *, by: Any) -> Job:
    """Queue "Collect evidence" for an open evaluation of an open-source-project supplier."""
    if not policies.can_review(by, evaluation):
        raise PermissionDenied("You may not collect evidence for this evaluation.")
    if evaluation.supplier.kind != SupplierKind.OPEN_SOURCE_PROJECT:
        raise ValidationFailed("Evidence is collected for open-source-project suppliers only.")
    if not any(q.evidence for q in evaluation.template.parsed().questions()):
        raise ValidationFailed("This questionnaire maps no question to collected evidence.")
    if not supplied_packages(evaluation.supplier_id) and not evaluation.supplier.repository_url:
        raise ValidationFailed("Link the supplier to its components in the inventory, or give its repository URL, "
                               "so that there is something to look up.")
    job, _created = jobs.start(
        KIND, subject(evaluation), title=f"Collect evidence for {evaluation.supplier.name} ({evaluation.reference})",
        params={"evaluation_id": evaluation.id}, by=by,
        subject_url=url_for("questionnaires.evaluations_detail", evaluation_id=evaluation.id, _anchor="proposals"),
    )
    return job


def latest_job(evaluation: Evaluation) -> Job | None:
    return jobs.latest(KIND, subject(evaluation))


def repository_of(evaluation: Evaluation, packages: list[SuppliedPackage]) -> str:
    """The supplier's repository: as registered, else the first one its packages name (inventory or registry)."""
    if evaluation.supplier.repository_url.strip():
        return evaluation.supplier.repository_url.strip()
    for package in packages:
        if package.repository_url:
            return package.repository_url
    stored = registry.stored((p.ecosystem, p.name) for p in packages if registry.supported(p.ecosystem))
    return next((meta.repository_url for meta in stored.values() if meta.repository_url), "")


def run_collection(job: Job, progress: jobs.Progress) -> dict[str, Any]:
    """The job: the five steps, each committed with its progress."""
    evaluation = db.session.get(Evaluation, int(job.params["evaluation_id"]))
    if evaluation is None:
        raise NotFound("The evaluation no longer exists.")
    if progress.done == 0 or job.total != len(STEPS):
        progress.start(len(STEPS), f"Collecting: {STEPS[progress.done]}")
    notes: dict[str, str] = dict(job.params.get("notes") or {})
    packages = supplied_packages(evaluation.supplier_id)
    for index in range(progress.done, len(STEPS)):
        step = STEPS[index]
        notes[step] = _run_step(step, evaluation, packages)
        job.params = {**job.params, "notes": notes}
        progress.advance(f"Done: {step}" + (f" ({notes[step]})" if notes[step] else ""))
    return {step: note or "done" for step, note in notes.items()}


def _run_step(step: str, evaluation: Evaluation, packages: list[SuppliedPackage]) -> str:
    """One step; returns a note for the job's page ('' when all went well)."""
    if step == "package registries":
        keys = [(p.ecosystem, p.name) for p in packages if registry.supported(p.ecosystem)]
        found = registry.look_up(keys) if keys else {}
        failed = [f"{meta.name}: {meta.error}" for meta in found.values() if meta.state != LookupState.FOUND]
        return "; ".join(failed)[:500]
    repository = repository_of(evaluation, packages)
    if step == "repository history":
        if not repository:
            return "no repository known"
        try:
            row = repositories.analyse(repository)
        except repositories.RepositoryError as error:
            return str(error)
        return row.error
    if step == "OpenSSF Scorecard":
        if not repository:
            return "no repository known"
        _record, failure = scorecards.fetch_for(repository)
        return failure
    if step == "user base":
        notes = []
        targets = [userbase.Target(p.ecosystem, p.name, p.version, repository) for p in packages[:MAX_PACKAGES]]
        for target in targets or [userbase.Target(repository_url=repository)]:
            notes += [f"{o.source}: {o.error}" for o in userbase.collect(target) if o.error]
        return "; ".join(dict.fromkeys(notes))[:500]
    write_proposals(evaluation, figures_for(evaluation, packages))
    return ""


def _age_in(unit_days: float, then: datetime | None, now: datetime) -> float | None:
    return None if then is None else max(0.0, (now - then).days / unit_days)


def figures_for(evaluation: Evaluation, packages: list[SuppliedPackage], now: datetime | None = None,
                ) -> dict[str, Figure]:
    """Every figure the stored evidence gives about the supplier (registry, history, Scorecard, user base, licences)."""
    now = now or utcnow()
    figures: dict[str, Figure] = {}
    repository = repository_of(evaluation, packages)

    def put(metric: str, value: float | None, text: str, source: str, when: datetime | None, link: str = "") -> None:
        if value is not None:
            figures[metric] = Figure(metric, float(value), text, source, when, link)

    metas = [meta for meta in registry.stored((p.ecosystem, p.name) for p in packages if registry.supported(p.ecosystem)
                                              ).values() if meta.found_at is not None]
    if metas:
        first = min((m for m in metas if m.first_release_at), key=lambda m: m.first_release_at or now, default=None)
        latest = max((m for m in metas if m.latest_release_at), key=lambda m: m.latest_release_at or now, default=None)
        if first and first.first_release_at:
            years = _age_in(365.25, first.first_release_at, now)
            put("first_release_years", years, f"first release {first.first_release_at:%Y-%m-%d} ({years or 0:.0f} years)",
                f"{registry.SOURCE_LABELS[first.ecosystem]}: {first.name}", first.found_at, _response_link(first))
        if latest and latest.latest_release_at:
            months = _age_in(30.44, latest.latest_release_at, now)
            put("last_release_months", months,
                f"latest release {latest.latest_version} on {latest.latest_release_at:%Y-%m-%d} ({months or 0:.0f} months)",
                f"{registry.SOURCE_LABELS[latest.ecosystem]}: {latest.name}", latest.found_at, _response_link(latest))
    if repository:
        _history_figures(put, repository, now)
        project = project_path(repository)
        record = scorecards.latest_for(project) if project else None
        if record is not None:
            _scorecard_figures(put, record)
    subjects = [f"{p.ecosystem}/{normalise_name(p.ecosystem, p.name)}" for p in packages] + [
        f"{host}/{userbase.Target(repository_url=repository).repository(host)}" for host in ("github.com", "gitlab.com")
        if repository and userbase.Target(repository_url=repository).repository(host)]
    subjects += [f"{p.ecosystem}/{p.name}" for p in packages]
    best: dict[str, Any] = {}
    for row in userbase.figures_of(sorted(set(subjects))):
        if row.value is None or row.measured_at is None:
            continue
        if row.metric == "archived":
            if row.metric not in best or row.value > best[row.metric].value:
                best[row.metric] = row
        elif row.metric in ("dependents", "stars", "monthly_downloads") and (
                row.metric not in best or row.value > best[row.metric].value):
            best[row.metric] = row
    for metric, row in best.items():
        text = ("archived" if row.value else "not archived") if metric == "archived" else f"{row.value:,.0f} {metric.replace('_', ' ')}"
        put(metric, row.value, text, f"{row.source} ({row.subject})", row.measured_at,
            _path("sources.response_detail", response_id=row.response_id) if row.response_id else row.link)
    verdicts = [(p, VERDICT_RANK[p.licence_verdict]) for p in packages if p.licence_verdict in VERDICT_RANK]
    if verdicts:
        worst = max(rank for _p, rank in verdicts)
        names = sorted({p.licence_expression or "none declared" for p, rank in verdicts if rank == worst})
        label = {0: "allow", 1: "review", 2: "deny"}[worst]
        put("licence_verdict_rank", worst, f"{label} ({', '.join(names)[:200]})",
            f"licence policy on {len(verdicts)} component(s) in the inventory", now)
    return figures


def _response_link(meta: PackageMetadata) -> str:
    return _path("sources.response_detail", response_id=meta.response_id) if meta.response_id else meta.url


def _history_figures(put: Any, repository: str, now: datetime) -> None:
    try:
        key = repositories.locate(repository).key
    except repositories.RepositoryError:
        return
    row = db.session.scalar(select(RepositoryHistory).where(RepositoryHistory.url == key))
    if row is None or not row.figures:
        return
    figures: Mapping[str, Any] = row.figures
    source = f"git history of {row.url} at {row.head_sha[:12]}"
    link = row.url if row.url.startswith("https://") else ""
    for metric, unit in (("commits_90d", "commits in 90 days"), ("commits_365d", "commits in 365 days"),
                         ("active_weeks_90d", "active weeks of the last 13"), ("authors_12m", "authors in 12 months")):
        put(metric, figures.get(metric), f"{figures.get(metric)} {unit}", source, row.computed_at, link)
    domains = ", ".join(figures.get("organisation_domains") or []) or "none"
    put("organisations_12m", figures.get("organisations_12m"),
        f"{figures.get('organisations_12m')} organisations ({domains})"[:300], source, row.computed_at, link)
    last = figures.get("last_commit_at")
    if isinstance(last, str):
        days = _age_in(1, datetime.fromisoformat(last), now)
        put("last_commit_days", days, f"last commit {last[:10]}", source, row.computed_at, link)


def _scorecard_figures(put: Any, record: ScorecardRecord) -> None:
    version = record.scorecard_version if record.scorecard_version not in ("", "unknown") else ""
    source = f"OpenSSF Scorecard {version} of {record.repository}".replace("  ", " ")
    link = _path("sources.scorecards_detail", record_id=record.id)
    when = datetime.combine(record.result_date, datetime.min.time()) if record.result_date else record.imported_at
    if record.score is not None:
        put("scorecard_score", record.score, f"aggregate {record.score:.1f} / 10", source, when, link)
    for check_name, metric in SCORECARD_CHECKS.items():
        check = record.check(check_name)
        if check and isinstance(check.get("score"), int) and check["score"] >= 0:
            put(metric, check["score"], f"{check_name} {check['score']}/10: {check.get('reason', '')}"[:300], source, when, link)


def write_proposals(evaluation: Evaluation, figures: Mapping[str, Figure]) -> int:
    """Store (or refresh) a proposal per mapped question; decided proposals are left as they are."""
    existing = {p.question_code: p for p in db.session.scalars(
        select(AnswerProposal).where(AnswerProposal.evaluation_id == evaluation.id))}
    count = 0
    for proposal in propose(evaluation.template.parsed(), figures):
        row = existing.get(proposal.code)
        if row is None:
            row = AnswerProposal(evaluation_id=evaluation.id, question_code=proposal.code, state=ProposalState.PROPOSED)
            db.session.add(row)
        elif row.state != ProposalState.PROPOSED:
            continue
        row.value, row.metric, row.figure = proposal.value, proposal.figure.metric, proposal.figure.text[:300]
        row.source, row.measured_at = proposal.figure.source[:300], proposal.figure.measured_at
        row.evidence_url, row.rationale = proposal.figure.link[:1000], proposal.rationale
        count += 1
    db.session.flush()
    return count


def proposals_of(evaluation: Evaluation) -> dict[str, AnswerProposal]:
    """The evaluation's proposals by question code."""
    return {p.question_code: p for p in db.session.scalars(
        select(AnswerProposal).where(AnswerProposal.evaluation_id == evaluation.id).order_by(AnswerProposal.id))}


def _proposal(evaluation: Evaluation, code: str) -> AnswerProposal:
    found = db.session.scalar(select(AnswerProposal).where(
        AnswerProposal.evaluation_id == evaluation.id, AnswerProposal.question_code == code))
    if found is None:
        raise NotFound(f"There is no proposed answer for {code}.")
    return found


def _answer(evaluation: Evaluation, code: str, value: str, by: Any) -> str:
    question = evaluation.template.parsed().question(code)
    checked = check_answer(question, value if question.answer_type is not AnswerType.MULTIPLE_CHOICE else [value])
    if not checked.ok:
        raise ValidationFailed(f"{code}: {checked.error}")
    errors = evaluations.save_evaluator_answers(evaluation, {code: value}, by=by)
    if errors:
        raise ValidationFailed(f"{code}: {errors[code]}")
    return str(raw_answer(checked.value))


def accept(evaluation: Evaluation, code: str, *, by: Any) -> AnswerProposal:
    """The evaluator takes the proposed answer as it is; it becomes their answer."""
    if not policies.can_review(by, evaluation):
        raise PermissionDenied("You may not answer this evaluation's evaluator questions.")
    proposal = _proposal(evaluation, code)
    if proposal.state != ProposalState.PROPOSED:
        raise Conflict(f"The proposal for {code} was already {proposal.state}.")
    proposal.answer = _answer(evaluation, code, proposal.value, by)
    proposal.state, proposal.decided_by_id, proposal.decided_at = ProposalState.ACCEPTED, by.id, utcnow()
    db.session.flush()
    audit.record("evaluation.proposal_accepted", evaluation, question=code, answer=proposal.answer,
                 figure=proposal.figure, source=proposal.source)
    return proposal


def accept_all(evaluation: Evaluation, *, by: Any) -> int:
    """Accept every proposal still open; returns how many."""
    open_codes = [code for code, p in proposals_of(evaluation).items() if p.state == ProposalState.PROPOSED]
    for code in open_codes:
        accept(evaluation, code, by=by)
    return len(open_codes)


def override(evaluation: Evaluation, code: str, value: str, reason: str, *, by: Any) -> AnswerProposal:
    """The evaluator answers otherwise than proposed, and says why."""
    if not policies.can_review(by, evaluation):
        raise PermissionDenied("You may not answer this evaluation's evaluator questions.")
    proposal = _proposal(evaluation, code)
    if not reason.strip():
        raise ValidationFailed(f"Say why you answer {code} otherwise than the evidence proposes.")
    if not value:
        raise ValidationFailed(f"Choose the answer to {code}.")
    proposal.answer = _answer(evaluation, code, value, by)
    proposal.state, proposal.reason = ProposalState.OVERRIDDEN, reason.strip()
    proposal.decided_by_id, proposal.decided_at = by.id, utcnow()
    db.session.flush()
    audit.record("evaluation.proposal_overridden", evaluation, question=code, proposed=proposal.value,
                 answer=proposal.answer, reason=proposal.reason)
    return proposal


def init_app(app: Flask) -> None:
    """Hand the worker the evidence collection job."""
    jobs.add_handler(app, KIND, "Collect evidence", run_collection)

