"""Demo evaluations on the demo suppliers, one in each state, and one open supplier link for `make run`.

Only a hash of a link token is stored, so the seeder writes the one demo link it creates to
instance/demo-links.txt (demo data only; refused in production with the rest of the seed) and
`print_demo_links` prints it while the link is still open.
"""

from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from app.auth.models import User
from app.extensions import db
from app.questionnaires import evaluations, services
from app.questionnaires.evaluations import LinkState
from app.questionnaires.models import Evaluation, EvaluationAnswer, EvaluationStatus, QuestionnaireTemplate
from app.questionnaires.scoring import result_to_dict, score
from app.signatures.models import Meaning
from app.signatures.services import sign
from app.suppliers.models import Supplier

LINKS_FILE = "demo-links.txt"
DEMO_PDF = b"%PDF-1.4\n% demo certificate\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"

COMMERCIAL_GOOD = {
    "C1": "iso_9001", "C1a": "QMS 40211, issued by TUV", "C1b": "2027-09-30", "C12": "on_request", "C2": "iso_27001",
    "C9": "yes", "C10": "within_30_days", "C3": "21", "C4": "more_than_3", "C5": "over_50m", "C7": "public",
    "C11": "before_release", "C13": "yes",
}
COMMERCIAL_EVALUATOR = {"C6": "full", "C8": "workaround", "C13a": "yes", "C13b": "yes"}
COMMERCIAL_EOL = {**COMMERCIAL_GOOD, "C1": "none", "C9": "end_of_life", "C7": "no", "C3": "1"}
OPEN_SOURCE_GOOD = {
    "O1": "foundation_or_company", "O2": "40", "O4": "wide", "O8": "30", "O12": "within_7_days", "O3": "under_6_months",
    "O9": "both", "O11": "yes", "O5": "yes", "O6": "none", "O7": "policy_and_advisories", "O10": "compatible",
}
OPEN_SOURCE_CONDITIONAL = {**OPEN_SOURCE_GOOD, "O1": "three_or_more_maintainers", "O6": "workaround", "O12": "longer", "O9": "one", "O5": "partly"}


def _supplier(code: str) -> Supplier | None:
    return db.session.scalar(select(Supplier).where(Supplier.code == code))


def _new(supplier: Supplier, template: QuestionnaireTemplate, kind: str, by: User | None, created: datetime) -> Evaluation:
    # A row as it would be after its history (the supplier's status is the register's demo state).
    contact = supplier.contacts[0] if supplier.contacts else None
    evaluation = Evaluation(
        supplier=supplier, template=template, evaluation_type=kind, status=EvaluationStatus.DRAFT,
        reference=evaluations.new_reference(created), contact_name=contact.name if contact else "",
        contact_email=contact.email if contact else "", knockout_hits=[], created_by_id=by.id if by else None, created_at=created,
        due_date=(created + timedelta(days=30)).date(),
    )
    db.session.add(evaluation)
    db.session.flush()
    return evaluation


def _pdf() -> FileStorage:
    return FileStorage(stream=io.BytesIO(DEMO_PDF), filename="quality-certificate.pdf", content_type="application/pdf")


def _supplier_answers(evaluation: Evaluation, answers: dict[str, str]) -> None:
    for code, raw in answers.items():
        question = evaluation.template.parsed().question(code)
        if question.answered_by.value == "supplier":
            evaluations.save_supplier_answer(evaluation, code, raw)
    if evaluation.template.parsed().question("C1").evidence_required:
        evaluations.add_evidence(evaluation, "C1", _pdf(), uploaded_by=evaluation.contact_email)


def _historic_decision(
    evaluation: Evaluation, answers: dict[str, str], evaluator: dict[str, str], decision: str, rationale: str,
    decided: datetime, qa: User, password: str, conditions: str = "",
) -> None:
    """A past, signed decision: answers, score from the pure core, decision fields, QA's signature."""
    defn = evaluation.template.parsed()
    supplier_codes = {q.code for q in defn.questions() if q.answered_by.value == "supplier"}
    evaluation.answer_rows = [
        EvaluationAnswer(question_code=code, answered_by="supplier" if code in supplier_codes else "evaluator",
                         value=value, locked=code in supplier_codes)
        for code, value in {**answers, **{k: v for k, v in evaluator.items() if k not in supplier_codes}}.items()
    ]
    result = score(defn, evaluations.checked_answers(evaluation, defn), criticality=evaluation.supplier.criticality)
    evaluation.criticality = evaluation.supplier.criticality
    evaluation.score = result_to_dict(result)
    evaluation.percentage = result.percentage
    evaluation.knockout_hits = list(result.knockout_hits)
    evaluation.suggested_decision = str(result.suggested_decision or "")
    evaluation.status = EvaluationStatus.DECIDED
    evaluation.submitted_at = evaluation.scored_at = decided - timedelta(days=3)
    evaluation.decision = decision
    evaluation.approval_scope = evaluation.supplier.scope if decision != "rejected" else ""
    evaluation.conditions = conditions
    evaluation.rationale = rationale
    evaluation.decided_at = decided
    evaluation.decided_by_id = qa.id
    db.session.flush()
    sign(evaluations.sign_target(evaluation), qa, password=password,
         meaning=Meaning.REJECTED if decision == "rejected" else Meaning.APPROVED, comment="Demo data")


def seed_evaluations(users: dict[str, User], *, password: str, **_options: Any) -> None:
    """Evaluations in every state on the demo suppliers (once), and the open demo link in instance/; the users
    sign with the demo password."""
    commercial, open_source = services.ensure_default_templates()
    if db.session.scalar(select(func.count(Evaluation.id))):
        return
    qa, buyer = users.get("qa"), users.get("purchasing")
    if qa is None or buyer is None:
        return
    now = datetime.combine(date.today(), time(9, 0))

    def decided_at(supplier: Supplier) -> datetime:
        return supplier.approved_at or now - timedelta(days=60)

    if (aws := _supplier("SUP-001")) is not None:
        _historic_decision(_new(aws, commercial, "initial", buyer, decided_at(aws) - timedelta(days=20)), COMMERCIAL_GOOD,
                           COMMERCIAL_EVALUATOR, "approved", "Certified, patches fast, export of our records confirmed.", decided_at(aws), qa, password)
        periodic = _new(aws, commercial, "periodic", buyer, now - timedelta(days=2))  # re-evaluation due: sent
        evaluations.send_link(periodic, contact_name=periodic.contact_name, contact_email=periodic.contact_email, by=buyer)
    if (psf := _supplier("SUP-002")) is not None:
        _historic_decision(_new(psf, open_source, "initial", buyer, decided_at(psf) - timedelta(days=5)), OPEN_SOURCE_GOOD, {},
                           "approved", "Foundation-backed, active, security advisories published.", decided_at(psf), qa, password)
    if (pallets := _supplier("SUP-003")) is not None:
        _historic_decision(_new(pallets, open_source, "initial", buyer, decided_at(pallets) - timedelta(days=5)), OPEN_SOURCE_CONDITIONAL, {},
                           "conditionally_approved", "Sound project; session handling issues need watching.", decided_at(pallets), qa, password,
                           conditions=pallets.conditions or "Pin to 3.0.x and re-check open session issues at the next review.")
    if (atlassian := _supplier("SUP-004")) is not None:
        _historic_decision(_new(atlassian, commercial, "initial", buyer, decided_at(atlassian) - timedelta(days=20)), COMMERCIAL_GOOD,
                           COMMERCIAL_EVALUATOR, "approved", "Part 11 export confirmed in the contract.", decided_at(atlassian), qa, password)
        periodic = _new(atlassian, commercial, "periodic", buyer, now - timedelta(days=12))  # answered: waiting for review
        token = evaluations.send_link(periodic, contact_name=periodic.contact_name, contact_email=periodic.contact_email, by=buyer)
        _supplier_answers(periodic, COMMERCIAL_GOOD)
        link = evaluations.resolve_token(token).token
        assert link is not None
        evaluations.submit_answers(periodic, link)
    if (grafana := _supplier("SUP-005")) is not None:  # the supplier is answering now: the printed link
        answering = _new(grafana, commercial, "initial", buyer, now - timedelta(days=4))
        token = evaluations.send_link(answering, contact_name=answering.contact_name, contact_email=answering.contact_email, by=buyer)
        for code in ("C1", "C1a", "C1b", "C12", "C2", "C9"):
            evaluations.save_supplier_answer(answering, code, COMMERCIAL_GOOD[code])
        _write_link(grafana.name, token)
    if (acme := _supplier("SUP-006")) is not None:
        _new(acme, commercial, "initial", buyer, now - timedelta(days=1))  # draft, not sent yet
    if (openssl := _supplier("SUP-007")) is not None:  # for cause after an advisory: scored, waiting for QA
        for_cause = _new(openssl, open_source, "for_cause", buyer, now - timedelta(days=6))
        evaluations.save_evaluator_answers(for_cause, {**OPEN_SOURCE_GOOD, "O6": "workaround", "O3": "6_to_18_months"}, by=buyer)
        evaluations.score_evaluation(for_cause, by=buyer)
    if (quickchart := _supplier("SUP-008")) is not None:
        cancelled = _new(quickchart, commercial, "initial", buyer, now - timedelta(days=90))
        evaluations.cancel_evaluation(cancelled, reason="Sent to the wrong contact; restarted.", by=buyer)
        _historic_decision(_new(quickchart, commercial, "initial", buyer, now - timedelta(days=80)), COMMERCIAL_EOL,
                           {**COMMERCIAL_EVALUATOR, "C8": "unacceptable"}, "rejected",
                           "The version we would use is end of life (knock-out C9) and has unacceptable open bugs.", now - timedelta(days=60), qa, password)
    db.session.flush()


def _links_path() -> Path:
    return Path(current_app.instance_path) / LINKS_FILE


def _write_link(supplier_name: str, token: str) -> None:
    path = _links_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{supplier_name}\t{token}\n", encoding="utf-8")
    path.chmod(0o600)


def print_demo_links() -> list[str]:
    """The open demo supplier link (from instance/demo-links.txt), while it still opens the questionnaire."""
    path = _links_path()
    if not path.exists():
        return []
    lines = []
    for row in path.read_text(encoding="utf-8").splitlines():
        name, _, token = row.partition("\t")
        if token and evaluations.resolve_token(token).state is LinkState.OPEN:
            lines.append(f"Supplier questionnaire link ({name}, no sign-in): {evaluations.portal_link(token)}")
    return lines
